# xvfb.sh is sourced by the scripts that drive the real window. It defines
#   start_xvfb DIR  start Xvfb on a free display (it picks one itself and
#                   writes its number to fd 3, kept in DIR/display), export
#                   DISPLAY and wait until the server answers; sets $xvfb to
#                   its pid; returns 1 (with DIR/xvfb.log) when it does not.
#   find_window RE  poll for up to 10 s for a window whose title matches RE;
#                   sets $win; returns 1 when none shows (or $app exited).
# The title regexp is matched against WM_NAME: in a non-UTF-8 locale the
# window's non-ASCII characters are not kept there, so write them as ".*".
start_xvfb() {
  rm -f "$1/display" # a number left by an earlier run would be read before Xvfb writes its own
  Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp 3>"$1/display" >"$1/xvfb.log" 2>&1 &
  xvfb=$!
  for _ in $(seq 300); do [ -s "$1/display" ] && break; sleep 0.1; done
  export DISPLAY=:$(head -1 "$1/display" 2>/dev/null)
  for _ in $(seq 300); do
    xdpyinfo >/dev/null 2>&1 && return 0
    kill -0 "$xvfb" 2>/dev/null || break
    sleep 0.1
  done
  return 1
}

find_window() {
  win=""
  for _ in $(seq 100); do
    win=$(xdotool search --name "$1" 2>/dev/null | head -1 || true)
    [ -n "$win" ] && return 0
    [ -n "${app:-}" ] && ! kill -0 "$app" 2>/dev/null && return 1
    sleep 0.1
  done
  return 1
}
