#!/usr/bin/env bash
# Regenerates the expected renders of the trees here with the real kustomize
# CLI, which TestTreeFS_rendersLikeKustomize compares kustoguard against:
#   go install sigs.k8s.io/kustomize/kustomize/v5@v5.8.2
#   testdata/fsview/goldens.sh
# A kustomization kustomize refuses gets a .err file (its message, for
# reading; the test asks only that kustoguard refuses it too).
set -eu
cd "$(dirname "$0")"
KUSTOMIZE=${KUSTOMIZE:-kustomize}
"$KUSTOMIZE" version
for tree in names metrics-server; do
	rm -rf "golden/$tree" && mkdir -p "golden/$tree"
	(cd "$tree" && find . -name kustomization.yaml -print0 | sort -z) |
		while IFS= read -r -d '' k; do
			dir=$(dirname "$k" | sed 's|^\./||')
			out=golden/$tree/$(printf '%s' "$dir" | tr / _)
			if (cd "$tree" && "$KUSTOMIZE" build "$dir" 2>/dev/null) >"$out.yaml"; then
				echo "$tree/$dir -> $out.yaml"
			else
				rm -f "$out.yaml"
				(cd "$tree" && "$KUSTOMIZE" build "$dir" 2>&1 >/dev/null || true) |
					sed "s|$(pwd)/$tree|TREE|g" >"$out.err"
				echo "$tree/$dir -> $out.err"
			fi
		done
done
