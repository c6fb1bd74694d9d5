#!/usr/bin/env bash
# screenshots.sh takes the README's screenshots of the real window under
# Xvfb, in English and French: the home screen, then the demo campaign
# (testdata/demo: a LibreOffice-written list.xlsx and invite.tpl) opened
# from the command line and walked through with the keyboard — Data,
# Message, Preview, the next recipient, Send — and the settings.
# Usage: scripts/screenshots.sh [BINARY] (writes docs/screenshots/*.png)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-./securemerge}
[ -x "$bin" ] || go build -tags migrated_fynedo -o "$bin" ./cmd/securemerge
out=docs/screenshots
mkdir -p "$out"
work=$(mktemp -d)
. scripts/xvfb.sh
app=""
xvfb=""
trap '[ -n "$app" ] && kill $app 2>/dev/null; [ -n "$xvfb" ] && kill $xvfb 2>/dev/null; rm -rf "$work"' EXIT
start_xvfb "$work" || { echo "screenshots: Xvfb did not start"; exit 1; }

# shot NAME: the window, cropped to its own size.
shot() {
  sleep "${2:-1.5}"
  # In a subshell: xdotool reads the WINDOW variable its --shell output sets.
  (eval "$(xdotool getwindowgeometry --shell "$win")"
    import -window root -crop "${WIDTH}x${HEIGHT}+${X}+${Y}" +repage "$out/$1.png")
}

wait_window() {
  find_window "$1" || { echo "screenshots: no window $1"; cat "$work/app.log"; exit 1; }
}

for l in en fr; do
  case $l in en) loc=en_GB.UTF-8 ;; fr) loc=fr_FR.UTF-8 ;; esac
  # A home folder of its own, so the data folder reads as ~/.config/SecureMerge.
  home=$(mktemp -d -p "$work")
  data=$home/.config/SecureMerge
  LANG=$loc LC_ALL=$loc HOME=$home SECUREMERGE_DATA_DIR=$data LIBGL_ALWAYS_SOFTWARE=1 "$bin" >"$work/app.log" 2>&1 &
  app=$!
  wait_window '^SecureMerge$'
  shot "home.$l" 2.5
  xdotool key --window "$win" F1; shot "help.$l"
  xdotool key --window "$win" Escape
  kill $app; wait $app 2>/dev/null || true

  LANG=$loc LC_ALL=$loc HOME=$home SECUREMERGE_DATA_DIR=$data LIBGL_ALWAYS_SOFTWARE=1 "$bin" testdata/demo/list.xlsx --template testdata/demo/invite.tpl >"$work/app.log" 2>&1 &
  app=$!
  wait_window '^list .* SecureMerge$'
  shot "data.$l" 2.5
  xdotool key --window "$win" ctrl+2; shot "message.$l" 2
  xdotool key --window "$win" ctrl+3; shot "preview.$l" 2
  xdotool key --window "$win" ctrl+Right; shot "preview-next.$l"
  xdotool key --window "$win" ctrl+4; shot "send.$l"
  xdotool key --window "$win" ctrl+Return; shot "send-confirm.$l"
  xdotool key --window "$win" Return; shot "send-done.$l" 3
  xdotool key --window "$win" ctrl+comma; shot "settings.$l"
  kill $app; wait $app 2>/dev/null || true
  app=""
done
ls -1 "$out"
