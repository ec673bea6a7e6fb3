#!/usr/bin/env bash
# Baselines with the kustomize CLI on the generated monorepo
# (scripts/genmonorepo), printed beside kustoguard's own figures:
#
# 1. Rendering every overlay: the kustomize CLI run once per overlay (the
#    baseline of go test -bench Render ./render).
# 2. A pull request that changes one shared base, reviewed as a whole
#    process: `kustoguard check --base main --head pr` against the naive
#    way, checking out both revisions and running `kustomize build` and
#    `diff` on every overlay at both.
#
#   go install sigs.k8s.io/kustomize/kustomize/v5@v5.8.2
#   scripts/bench-kustomize-cli.sh            # 200 apps x 5 envs = 1,000 overlays; the PR on 40 x 5 = 200
#   APPS=20 ENVS=5 PR_APPS=40 RUNS=5 scripts/bench-kustomize-cli.sh
#   SKIP_ALL=1 scripts/bench-kustomize-cli.sh # only the pull request
#
# Times are wall clock; each kustoguard check runs RUNS times (default 5)
# and its best and median are printed. Peak memory needs GNU time at
# /usr/bin/time.
set -euo pipefail

APPS=${APPS:-200}
ENVS=${ENVS:-5}
PR_APPS=${PR_APPS:-40}
RUNS=${RUNS:-5}
KUSTOMIZE=${KUSTOMIZE:-$(command -v kustomize || echo "$(go env GOPATH)/bin/kustomize")}

cd "$(dirname "$0")/.."
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
echo "kustomize: $("$KUSTOMIZE" version)"

timer=()
if [ -x /usr/bin/time ]; then
	timer=(/usr/bin/time -f %M -a -o "$dir/rss")
fi
now() { date +%s%N; }
secs() { local ms=$(($1 / 1000000)); echo "$((ms / 1000)).$(printf '%03d' $((ms % 1000)))"; }

if [ -z "${SKIP_ALL:-}" ]; then
	go run ./scripts/genmonorepo -apps "$APPS" -envs "$ENVS" -out "$dir/repo" >"$dir/overlays"
	n=$(wc -l <"$dir/overlays")
	echo "== every overlay, one kustomize build each"
	echo "overlays:  $n"
	start=$(now)
	while read -r overlay; do
		"${timer[@]}" "$KUSTOMIZE" build "$dir/repo/$overlay" >/dev/null 2>"$dir/stderr" || {
			echo "kustomize build $overlay failed:" >&2
			cat "$dir/stderr" >&2
			exit 1
		}
	done <"$dir/overlays"
	end=$(now)
	ms=$(((end - start) / 1000000))
	echo "total:     $(secs $((end - start))) s"
	echo "per overlay: $((ms / n)) ms"
	if [ -s "$dir/rss" ]; then
		echo "peak RSS of one process: $(($(sort -n "$dir/rss" | tail -1) / 1024)) MiB"
	fi
fi

echo "== a pull request changing one shared base"
pr=$dir/pr
go run ./scripts/genmonorepo -apps "$PR_APPS" -envs "$ENVS" -out "$pr" >"$dir/pr-overlays"
# Built as scripts/release.sh builds the released binaries.
CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$dir/kustoguard" ./cmd/kustoguard
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.com GIT_COMMITTER_NAME=bench \
	GIT_COMMITTER_EMAIL=bench@example.com GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1
git -C "$pr" init -q -b main
git -C "$pr" add -A
git -C "$pr" commit -q -m base
git -C "$pr" checkout -q -b pr
# The change render.GenerateMonorepoChange makes: a shared base's memory limit.
sed -i.orig 's/memory: 256Mi/memory: 384Mi/' "$pr/bases/cart/deployment.yaml" && rm -f "$pr/bases/cart/deployment.yaml.orig"
git -C "$pr" commit -q -am "raise cart's memory limit"
git -C "$pr" checkout -q main
git -C "$pr" gc -q
echo "overlays:  $(wc -l <"$dir/pr-overlays")"

: >"$dir/kg-times"
: >"$dir/rss"
for _ in $(seq "$RUNS"); do
	start=$(now)
	code=0
	"${timer[@]}" "$dir/kustoguard" check --repo "$pr" --base main --head pr --format json >"$dir/check.json" 2>"$dir/stderr" || code=$?
	end=$(now)
	if [ "$code" -gt 1 ]; then
		echo "kustoguard check failed ($code):" >&2
		cat "$dir/stderr" >&2
		exit 1
	fi
	echo $((end - start)) >>"$dir/kg-times"
done
sort -n "$dir/kg-times" >"$dir/kg-sorted"
kg_best=$(head -1 "$dir/kg-sorted")
kg_median=$(sed -n "$(((RUNS + 1) / 2))p" "$dir/kg-sorted")
kg_rss=$(($(sort -n "$dir/rss" | tail -1) / 1024))

# The naive way: both revisions checked out, every overlay built at each,
# the outputs diffed.
start=$(now)
mkdir "$dir/base" "$dir/head"
git -C "$pr" archive main | tar -x -C "$dir/base"
git -C "$pr" archive pr | tar -x -C "$dir/head"
changed=0
while read -r overlay; do
	"$KUSTOMIZE" build "$dir/base/$overlay" >"$dir/a.yaml" 2>/dev/null
	"$KUSTOMIZE" build "$dir/head/$overlay" >"$dir/b.yaml" 2>/dev/null
	diff -u "$dir/a.yaml" "$dir/b.yaml" >/dev/null || changed=$((changed + 1))
done <"$dir/pr-overlays"
end=$(now)
naive=$((end - start))

echo "kustoguard check (whole process): best $(secs "$kg_best") s, median $(secs "$kg_median") s of $RUNS; peak RSS $kg_rss MiB"
echo "naive kustomize build + diff:     $(secs "$naive") s (outputs differ in $changed overlays)"
echo "ratio naive / kustoguard (best):  $(awk -v a="$naive" -v b="$kg_best" 'BEGIN {printf "%.0f", a / b}')x"
