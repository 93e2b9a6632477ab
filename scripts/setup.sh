#!/usr/bin/env bash
# Installs everything rtmpkit needs to build, test and demo on Debian 12, as root.
# Safe to run again: apt and npm skip what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  build-essential meson ninja-build pkg-config clang
  libclang-rt-14-dev llvm   # ASan/UBSan/libFuzzer runtimes, llvm-symbolizer (scripts/sanitize.sh)
  libssl-dev openssl
  libavformat-dev libavcodec-dev libavutil-dev libswscale-dev libswresample-dev libavdevice-dev
  libsdl2-dev libsdl2-ttf-dev fonts-dejavu-core
  ffmpeg rtmpdump nginx libnginx-mod-rtmp libnginx-mod-stream
  nodejs
  python3 procps psmisc time xvfb x11-utils imagemagick
  zsh fish bash-completion
  debhelper dpkg-dev fakeroot lintian
  xdotool
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Debian's nginx package starts a server on port 80 when installed; our tests start their own.
systemctl disable --now nginx >/dev/null 2>&1 || true

# npm comes with nodesource's nodejs; Debian's own nodejs needs the separate npm package.
if ! command -v npm >/dev/null 2>&1; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends npm >/dev/null
fi
# node-media-server 4 for the integration tests, kept inside the tree (ignored by git).
if [ ! -f tests/servers/nms/node_modules/node-media-server/package.json ]; then
  echo "setup: installing node-media-server 4 from npm"
  mkdir -p tests/servers/nms
  (cd tests/servers/nms && npm install --silent --no-audit --no-fund node-media-server@4 >/dev/null)
fi
echo "setup: dependencies ready"
