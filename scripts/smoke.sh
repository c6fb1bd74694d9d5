#!/usr/bin/env bash
# smoke.sh starts the real securemerge binary under Xvfb, waits up to 10 s for
# a window titled "SecureMerge", takes a screenshot and fails if it is blank.
# Then it starts `securemerge list.xlsx --template invite.tpl` (the demo
# campaign in testdata/demo), waits for the window to open on that campaign,
# goes to the Preview step with Ctrl+3 and to the next recipient with
# Ctrl+Right, and fails unless each screen renders and differs from the last.
# Usage: scripts/smoke.sh [BINARY] (default ./securemerge; built if missing)
set -euo pipefail
bin=${1:-./securemerge}
[ -x "$bin" ] || go build -tags migrated_fynedo -o "$bin" ./cmd/securemerge
out=${SMOKE_DIR:-$(mktemp -d)}
mkdir -p "$out"
data=$(mktemp -d)

. "$(dirname "$0")/xvfb.sh"
app=""
xvfb=""
cleanup() { [ -n "$app" ] && kill "$app" 2>/dev/null; [ -n "$xvfb" ] && kill "$xvfb" 2>/dev/null; rm -rf "$data"; }
trap cleanup EXIT
start_xvfb "$out" || { echo "smoke: Xvfb did not start on $DISPLAY"; cat "$out/xvfb.log"; exit 1; }

SECUREMERGE_DATA_DIR=$data LIBGL_ALWAYS_SOFTWARE=1 "$bin" >"$out/app.log" 2>&1 &
app=$!
if ! find_window '^SecureMerge$'; then
  echo "smoke: no window titled SecureMerge within 10 s (or the app exited)"; cat "$out/app.log"; exit 1
fi
sleep 2 # let the first frame render
import -window root "$out/screenshot.png"
colors=$(convert "$out/screenshot.png" -format '%k' info:)
if [ "$colors" -lt 16 ]; then
  echo "smoke: the screenshot is blank ($colors colours): $out/screenshot.png"; exit 1
fi
echo "smoke: window \"SecureMerge\" opened; screenshot $out/screenshot.png has $colors colours"
kill "$app" 2>/dev/null; wait "$app" 2>/dev/null || true
app=""

# The window opened on a spreadsheet, driven by the keyboard.
here=$(cd "$(dirname "$0")/.." && pwd)
SECUREMERGE_DATA_DIR=$data LIBGL_ALWAYS_SOFTWARE=1 "$bin" "$here/testdata/demo/list.xlsx" --template "$here/testdata/demo/invite.tpl" >"$out/app-open.log" 2>&1 &
app=$!
find_window '^list .* SecureMerge$' || { echo "smoke: securemerge list.xlsx did not open a window on the campaign \"list\""; cat "$out/app-open.log"; exit 1; }
sleep 2
import -window root "$out/data.png"
xdotool windowactivate --sync "$win" 2>/dev/null || true
xdotool key --window "$win" ctrl+3; sleep 1.5
import -window root "$out/preview.png"
xdotool key --window "$win" ctrl+Right; sleep 1.5
import -window root "$out/preview-next.png"
for s in data preview preview-next; do
  colors=$(convert "$out/$s.png" -format '%k' info:)
  [ "$colors" -ge 16 ] || { echo "smoke: $s screen is blank: $out/$s.png"; exit 1; }
done
for pair in "data preview" "preview preview-next"; do
  set -- $pair
  diff=$(compare -metric AE "$out/$1.png" "$out/$2.png" null: 2>&1 || true)
  [ "${diff%% *}" != "0" ] || { echo "smoke: $2 looks the same as $1: the keyboard did not move"; exit 1; }
done
echo "smoke: securemerge list.xlsx --template invite.tpl opened the campaign; Ctrl+3 and Ctrl+Right changed the screen ($out)"
