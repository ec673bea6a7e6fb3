#!/usr/bin/env bash
# Baseline for the render benchmark (go test -bench Render ./render): the
# kustomize CLI run once per overlay over the same generated monorepo.
#
#   go install sigs.k8s.io/kustomize/kustomize/v5@v5.8.2
#   scripts/bench-kustomize-cli.sh            # 200 apps x 5 envs = 1,000 overlays
#   APPS=20 ENVS=5 scripts/bench-kustomize-cli.sh
#
# Prints the total wall time, milliseconds per overlay and the largest peak
# resident memory of one kustomize process (needs GNU time at /usr/bin/time).
set -euo pipefail

APPS=${APPS:-200}
ENVS=${ENVS:-5}
KUSTOMIZE=${KUSTOMIZE:-$(command -v kustomize || echo "$(go env GOPATH)/bin/kustomize")}

cd "$(dirname "$0")/.."
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

go run ./scripts/genmonorepo -apps "$APPS" -envs "$ENVS" -out "$dir/repo" >"$dir/overlays"
n=$(wc -l <"$dir/overlays")
echo "kustomize: $("$KUSTOMIZE" version)"
echo "overlays:  $n"

timer=()
if [ -x /usr/bin/time ]; then
	timer=(/usr/bin/time -f %M -a -o "$dir/rss")
fi

start=$(date +%s%N)
while read -r overlay; do
	"${timer[@]}" "$KUSTOMIZE" build "$dir/repo/$overlay" >/dev/null 2>"$dir/stderr" || {
		echo "kustomize build $overlay failed:" >&2
		cat "$dir/stderr" >&2
		exit 1
	}
done <"$dir/overlays"
end=$(date +%s%N)

ms=$(((end - start) / 1000000))
echo "total:     $((ms / 1000)).$(printf '%03d' $((ms % 1000))) s"
echo "per overlay: $((ms / n)) ms"
if [ -s "$dir/rss" ]; then
	echo "peak RSS of one process: $(($(sort -n "$dir/rss" | tail -1) / 1024)) MiB"
fi
