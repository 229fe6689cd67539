#!/usr/bin/env bash
# Lints every proto under proto/loom with buf (rules in proto/buf.yaml: STANDARD + COMMENTS).
# buf comes from the npm package @bufbuild/buf, installed once into .tools/buf; without npm the lint is
# skipped with a message rather than failing, so machines without Node can still run `make` targets.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
prefix="$root/.tools/buf"
buf="$prefix/node_modules/.bin/buf"
version=${BUF_VERSION:-1.75.0}
if [[ ! -x "$buf" ]]; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "buflint: npm not found, so buf cannot be installed; skipping proto lint (install Node.js to enable it)"
    exit 0
  fi
  echo "buflint: installing @bufbuild/buf@$version into $prefix"
  npm install --silent --no-audit --no-fund --prefix "$prefix" "@bufbuild/buf@$version" >/dev/null
fi
cd "$root/proto"
"$buf" lint
echo "buflint: proto/loom passes buf lint"
