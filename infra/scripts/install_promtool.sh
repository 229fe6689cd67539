#!/usr/bin/env bash
# Install promtool (and prometheus) into .tools/bin from Debian's `prometheus` package, unpacked in place:
# the binaries are static Go programs, so nothing is installed system-wide. Idempotent. Where apt cannot
# reach its archive, it says so and exits 0: the alert-rule tests then skip with that reason.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BIN="$ROOT/.tools/bin"
if [[ -x "$BIN/promtool" && -x "$BIN/prometheus" ]]; then
  echo "promtool already installed: $BIN/promtool"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install_promtool: apt-get not available; alert-rule tests will be skipped" >&2
  exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
if ! apt-get download prometheus >/dev/null 2>&1; then
  apt-get update -qq >/dev/null 2>&1 || true
  if ! apt-get download prometheus >/dev/null 2>&1; then
    echo "install_promtool: could not download Debian's prometheus package; alert-rule tests will be skipped" >&2
    exit 0
  fi
fi
dpkg-deb -x prometheus_*.deb x
mkdir -p "$BIN"
install -m 755 x/usr/bin/promtool "$BIN/promtool"
install -m 755 x/usr/bin/prometheus "$BIN/prometheus"
echo "installed $("$BIN/promtool" --version 2>&1 | head -n1)"
