#!/usr/bin/env bash
# Configures (once) and builds rtmpkit into build/ (or $RTMPKIT_BUILD).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${RTMPKIT_BUILD:-build}
if [ ! -f "$build/build.ninja" ]; then
  meson setup "$build" >/dev/null
fi
ninja -C "$build" >/dev/null
