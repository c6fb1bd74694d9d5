#!/usr/bin/env bash
# deps.sh installs the system packages SecureMerge needs on Debian/Ubuntu when
# they are missing, and a Go toolchain when there is none. It is idempotent and
# quiet when everything is there. Usage: scripts/deps.sh build|test|windows|bench|all
#   build    C compiler, pkg-config, GL and X11 headers (Fyne needs cgo)
#   test     build + Xvfb, xdotool, ImageMagick (the real-window smoke test),
#            PostgreSQL (the licence server's PostgreSQL store tests run initdb)
#   windows  build + the MinGW-w64 cross-compiler for securemerge.exe
#   bench    build + python3-openpyxl (the reference the sheet benchmark compares with)
set -euo pipefail

want=(gcc libc6-dev pkg-config libgl1-mesa-dev libx11-dev libxcursor-dev libxrandr-dev
      libxinerama-dev libxi-dev libxxf86vm-dev libxkbcommon-dev)
case "${1:-build}" in
  build) ;;
  test) want+=(xvfb xdotool imagemagick x11-utils postgresql) ;;
  windows) want+=(gcc-mingw-w64-x86-64) ;;
  bench) want+=(python3-openpyxl) ;;
  all) want+=(xvfb xdotool imagemagick x11-utils postgresql gcc-mingw-w64-x86-64 python3-openpyxl) ;;
  *) echo "usage: $0 build|test|windows|bench|all" >&2; exit 2 ;;
esac

if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
  export PATH=/usr/local/go/bin:$PATH
fi
command -v go >/dev/null 2>&1 || want+=(golang-go ca-certificates git)

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "deps.sh: not a Debian-like system; install a C compiler and the OpenGL/X11 development headers yourself (see README)." >&2
  exit 0
fi

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "deps.sh: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
echo "deps.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
