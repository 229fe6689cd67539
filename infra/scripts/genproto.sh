#!/usr/bin/env bash
# Writes the generated Python for every proto under proto/loom into OUT (default proto/gen).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$root/proto/gen}
py=${PYTHON:-$root/.venv/bin/python}
rm -rf "$out/loom"
mkdir -p "$out"
cd "$root/proto"
files=$(find loom -name '*.proto' | sort)
"$py" -m grpc_tools.protoc -I . --python_out="$out" --pyi_out="$out" --grpc_python_out="$out" $files
# Packages need __init__.py so setuptools and mypy see them.
find "$out/loom" -type d -exec touch {}/__init__.py \;
