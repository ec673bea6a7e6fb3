#!/usr/bin/env bash
# Compares `kustoguard render DIR` with `kustomize build DIR` on every
# kustomization of a checkout: identical output, time (user+sys CPU and
# wall) and peak resident memory, and prints the worst ratios.
#
#   CGO_ENABLED=0 go install -trimpath -ldflags "-s -w" sigs.k8s.io/kustomize/kustomize/v5@v5.8.2
#   scripts/bench-render-cli.sh ~/src/kube-prometheus [RUNS]
#
# kustoguard is built as the release builds it (scripts/release.sh: static,
# stripped); build kustomize the same way, as its own releases are, so
# that both binaries compare like for like. Each command runs RUNS times
# (default 3); the best run of each counts, so a busy machine disturbs the
# figures less. Needs GNU time at /usr/bin/time.
set -euo pipefail

tree=$(cd "$1" && pwd)
runs=${2:-3}
KUSTOMIZE=${KUSTOMIZE:-$(command -v kustomize || echo "$(go env GOPATH)/bin/kustomize")}

cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$tmp/kustoguard" ./cmd/kustoguard
echo "kustomize: $("$KUSTOMIZE" version)"

# best prints the lowest CPU seconds, wall seconds and RSS (KiB) of runs;
# $out.fail exists when the command failed.
best() {
	local out=$1
	shift
	: >"$tmp/t"
	rm -f "$out.fail"
	for _ in $(seq "$runs"); do
		/usr/bin/time -f '%U %S %e %M' -a -o "$tmp/t" "$@" >"$out" 2>/dev/null || touch "$out.fail"
	done
	awk '{c=$1+$2; if (NR==1||c<bc) bc=c; if (NR==1||$3<bw) bw=$3; if (NR==1||$4<br) br=$4}
		END {printf "%.2f %.2f %d\n", bc, bw, br}' "$tmp/t"
}

printf '%-50s %6s %6s %7s %7s %7s %7s %s\n' kustomization kg-cpu kz-cpu kg-wall kz-wall kg-MiB kz-MiB output
worst_cpu=0 worst_rss=0 worst_at= worst_rss_at=
while IFS= read -r -d '' k; do
	dir=$(dirname "$k")
	dir=${dir#./}
	read -r kc kw kr < <(best "$tmp/kg.yaml" "$tmp/kustoguard" render --root "$tree" "$tree/$dir")
	read -r zc zw zr < <(best "$tmp/kz.yaml" "$KUSTOMIZE" build "$tree/$dir")
	kgf=$([ -e "$tmp/kg.yaml.fail" ] && echo fails || echo renders)
	kzf=$([ -e "$tmp/kz.yaml.fail" ] && echo fails || echo renders)
	if [ "$kgf" != "$kzf" ]; then
		same="DIFFERENT: kustoguard $kgf, kustomize $kzf"
	elif [ "$kzf" = fails ]; then
		same="both fail"
	elif cmp -s "$tmp/kg.yaml" "$tmp/kz.yaml"; then
		same=identical
	else
		same=DIFFERENT
	fi
	printf '%-50s %6s %6s %7s %7s %7d %7d %s\n' "$dir" "$kc" "$zc" "$kw" "$zw" $((kr / 1024)) $((zr / 1024)) "$same"
	# Ratios only where kustomize renders something measurable.
	if [ ! -e "$tmp/kz.yaml.fail" ]; then
		read -r rc rr < <(awk -v a="$kc" -v b="$zc" -v c="$kr" -v d="$zr" 'BEGIN {printf "%.2f %.2f\n", (b>0 ? a/b : 1), c/d}')
		if awk -v r="$rc" -v w="$worst_cpu" 'BEGIN {exit !(r>w)}'; then worst_cpu=$rc worst_at=$dir; fi
		if awk -v r="$rr" -v w="$worst_rss" 'BEGIN {exit !(r>w)}'; then worst_rss=$rr worst_rss_at=$dir; fi
	fi
done < <(cd "$tree" && find . -name .git -prune -o \( -name kustomization.yaml -o -name kustomization.yml -o -name Kustomization \) -print0 | sort -z)
echo "worst ratio kustoguard/kustomize: CPU ${worst_cpu} (at ${worst_at:-none}), peak RSS ${worst_rss} (at ${worst_rss_at:-none})"
