#!/usr/bin/env bash
# Builds the release artifacts for one version: static kustoguard binaries for
# linux and darwin on amd64 and arm64, each in a .tar.gz with the LICENSE and
# README, and a SHA256SUMS file over the archives.
#
#   scripts/release.sh --dry-run           # build into dist/ with the version from git
#   scripts/release.sh v1.2.0              # the same for a tag (what the release workflow runs)
#
# It never publishes: the release workflow uploads dist/ to the GitHub release
# and pushes the container image. --dry-run also checks every archive: it holds
# the binary, the binary is for its platform, and the checksum file verifies.
set -euo pipefail
cd "$(dirname "$0")/.."

dry=false
version=""
for a in "$@"; do
	case "$a" in
	--dry-run) dry=true ;;
	-h | --help) sed -n '2,11p' "$0"; exit 0 ;;
	-*) echo "release: unknown flag $a" >&2; exit 2 ;;
	*) version=$a ;;
	esac
done
if [ -z "$version" ]; then
	version=$(git describe --tags --always --dirty 2>/dev/null || echo dev)
fi
commit=$(git rev-parse HEAD 2>/dev/null || echo unknown)
platforms=${PLATFORMS:-"linux/amd64 linux/arm64 darwin/amd64 darwin/arm64"}

rm -rf dist
mkdir -p dist
for p in $platforms; do
	os=${p%/*}
	arch=${p#*/}
	name="kustoguard_${version#v}_${os}_${arch}"
	stage="dist/$name"
	mkdir -p "$stage"
	echo "building $name"
	CGO_ENABLED=0 GOOS=$os GOARCH=$arch go build -trimpath \
		-ldflags "-s -w -X main.version=$version -X main.commit=$commit" \
		-o "$stage/kustoguard" ./cmd/kustoguard
	cp LICENSE README.md "$stage/"
	tar -C dist -czf "dist/$name.tar.gz" "$name"
	rm -rf "$stage"
done
(cd dist && sha256sum ./*.tar.gz | sed 's# \./# #' >SHA256SUMS)

if $dry; then
	(cd dist && sha256sum -c SHA256SUMS)
	for p in $platforms; do
		os=${p%/*}
		arch=${p#*/}
		name="kustoguard_${version#v}_${os}_${arch}"
		tar -tzf "dist/$name.tar.gz" | grep -qx "$name/kustoguard" || { echo "release: $name has no binary" >&2; exit 1; }
		file_arch=$(tar -xzOf "dist/$name.tar.gz" "$name/kustoguard" | head -c 20 | od -An -tx1 | tr -d ' \n')
		case "$os/$arch:$file_arch" in
		linux/*:7f454c46*) ;;                 # ELF
		darwin/*:cffaedfe*) ;;                # Mach-O 64-bit
		*) echo "release: $name is not a $os binary" >&2; exit 1 ;;
		esac
	done
	echo "dry run: $(ls dist/*.tar.gz | wc -l) archives and SHA256SUMS in dist/ (nothing published)"
fi
