#!/usr/bin/env bash
# Build one image per Loom runnable. When no Docker engine is reachable (or with --print) it
# prints the exact docker build commands instead of running them.
#
# Usage: infra/scripts/images.sh [--print] [--push]
# Env:   REGISTRY (default ghcr.io/loom-cdp), TAG (default: version in pyproject.toml)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
REGISTRY="${REGISTRY:-ghcr.io/loom-cdp}"
TAG="${TAG:-$(sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml | head -n1)}"
PRINT_ONLY=0
PUSH=0
for arg in "$@"; do
  case "$arg" in
    --print) PRINT_ONLY=1 ;;
    --push) PUSH=1 ;;
    *) echo "usage: $0 [--print] [--push]" >&2; exit 2 ;;
  esac
done

# runnable -> python module it runs; "ray" is the KubeRay image with its own Dockerfile.
RUNNABLES=(
  "ingestion services.ingestion"
  "identity services.identity"
  "consent services.consent"
  "prediction services.prediction"
  "creative services.creative"
  "forwarding services.forwarding"
  "worker workflows.worker"
)

commands=()
for entry in "${RUNNABLES[@]}"; do
  read -r runnable module <<<"$entry"
  commands+=("docker build -f infra/docker/Dockerfile --build-arg RUNNABLE=$runnable --build-arg MODULE=$module -t $REGISTRY/loom-$runnable:$TAG .")
done
commands+=("docker build -f infra/docker/Dockerfile.ray -t $REGISTRY/loom-ray:$TAG .")
if [[ $PUSH -eq 1 ]]; then
  for entry in "${RUNNABLES[@]}" "ray -"; do
    read -r runnable _ <<<"$entry"
    commands+=("docker push $REGISTRY/loom-$runnable:$TAG")
  done
fi

if [[ $PRINT_ONLY -eq 0 ]] && command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
  for cmd in "${commands[@]}"; do
    echo "+ $cmd"
    eval "$cmd"
  done
else
  [[ $PRINT_ONLY -eq 1 ]] || echo "# no Docker engine reachable; the commands that would run:" >&2
  printf '%s\n' "${commands[@]}"
fi
