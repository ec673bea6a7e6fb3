#!/bin/sh
# Regenerates the golden renders with the real kustomize CLI, which the
# render tests compare kustoguard's renderer against byte for byte:
#   go install sigs.k8s.io/kustomize/kustomize/v5@v5.8.2
#   testdata/render/goldens.sh
# The tests themselves never need the CLI.
set -eu
cd "$(dirname "$0")"
KUSTOMIZE=${KUSTOMIZE:-kustomize}
"$KUSTOMIZE" version
rm -rf golden && mkdir golden
for k in $(cd repo && find . -name kustomization.yaml | sort); do
	dir=$(dirname "$k" | sed 's|^\./||')
	out=golden/$(echo "$dir" | tr / _).yaml
	(cd repo && "$KUSTOMIZE" build "$dir" 2>/dev/null) > "$out"
	echo "$dir -> $out"
done
