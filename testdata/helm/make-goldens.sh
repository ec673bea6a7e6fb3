#!/bin/sh
# Regenerates the goldens of the Helm parity test with the real tools:
# kustomize v5.8.2 running helm v3.21.4, built as helm's release build is
# (its default .Capabilities.KubeVersion comes from the client-go release).
#
#   testdata/helm/make-goldens.sh [BIN_DIR]
#
# BIN_DIR (default: a temporary directory) receives the two binaries.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
bin=${1:-$(mktemp -d)}
GOBIN=$bin go install sigs.k8s.io/kustomize/kustomize/v5@v5.8.2
GOBIN=$bin go install -ldflags "\
 -X helm.sh/helm/v3/internal/version.version=v3.21.4\
 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1\
 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=36" \
 helm.sh/helm/v3/cmd/helm@v3.21.4

cd "$here/cases"
# The widget chart's local dependency, packaged as `helm dependency build`
# would leave it in charts/.
if [ ! -f crds/charts/widget/charts/sidecar-0.1.0.tgz ]; then
  "$bin/helm" package src/sidecar -d crds/charts/widget/charts >/dev/null
fi
mkdir -p "$here/golden"
for c in podinfo guestbook overlay crds; do
  "$bin/kustomize" build --enable-helm --helm-command "$bin/helm" "$c" >"$here/golden/$c.yaml"
done
