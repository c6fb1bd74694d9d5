#!/usr/bin/env bash
# guibench.sh measures the real window under Xvfb (issue 13):
#   - process start to the window on screen, over RUNS starts (default 5),
#     each with a new data folder; the median and the slowest are printed;
#   - memory of the process with a 100,000-row .xlsx opened (`securemerge
#     FILE`) and read through, after SETTLE seconds (default 8): the peak
#     resident set (VmHWM) and the private part of it (RssAnon), beside the
#     same figures for the empty window.
# It prints "key value" lines that bench.sh puts in docs/BENCHMARKS.md.
# Usage: scripts/guibench.sh [BINARY] [XLSX_100K]
set -uo pipefail
cd "$(dirname "$0")/.."
bin=${1:-}
big=${2:-${TMPDIR:-/tmp}/securemerge-bench/recipients100k-v1.xlsx}
RUNS=${RUNS:-5}
SETTLE=${SETTLE:-8}
work=$(mktemp -d)
if [ -z "$bin" ]; then
  bin=$work/securemerge
  go build -tags migrated_fynedo -o "$bin" ./cmd/securemerge || exit 1
fi
for t in Xvfb xdotool; do
  command -v $t >/dev/null || { echo "guibench: NOT MEASURED - $t is not installed (scripts/deps.sh installs it)"; exit 0; }
done
. scripts/xvfb.sh
app=""
xvfb=""
trap '[ -n "$app" ] && kill $app 2>/dev/null; [ -n "$xvfb" ] && kill $xvfb 2>/dev/null; rm -rf "$work"' EXIT
start_xvfb "$work" || { echo "guibench: Xvfb did not start"; exit 1; }

now_ms() { date +%s%3N; }

# wait_window NAME: poll every 10 ms until a visible window has this title.
wait_window() {
  for _ in $(seq 2000); do
    xdotool search --onlyvisible --name "$1" >/dev/null 2>&1 && return 0
    kill -0 "$app" 2>/dev/null || return 1
    sleep 0.01
  done
  return 1
}

times=()
for i in $(seq "$RUNS"); do
  data=$(mktemp -d -p "$work")
  t0=$(now_ms)
  SECUREMERGE_DATA_DIR=$data LIBGL_ALWAYS_SOFTWARE=1 "$bin" >"$work/app.log" 2>&1 &
  app=$!
  if wait_window '^SecureMerge$'; then
    times+=($(( $(now_ms) - t0 )))
    [ "$i" -eq 1 ] && sleep 3 && echo "anon_kb_empty $(awk '/^RssAnon/ {print $2}' /proc/$app/status)" && echo "peak_kb_empty $(awk '/^VmHWM/ {print $2}' /proc/$app/status)"
  else
    echo "guibench: the window did not open"; cat "$work/app.log"; exit 1
  fi
  kill $app; wait $app 2>/dev/null; app=""
done
sorted=$(printf '%s\n' "${times[@]}" | sort -n)
median=$(printf '%s\n' "$sorted" | sed -n "$(( (RUNS + 1) / 2 ))p")
echo "start_ms_median $median"
echo "start_ms_max $(printf '%s\n' "$sorted" | tail -1)"
echo "start_runs $RUNS"

if [ -f "$big" ]; then
  data=$(mktemp -d -p "$work")
  name=$(basename "$big" .xlsx)
  SECUREMERGE_DATA_DIR=$data LIBGL_ALWAYS_SOFTWARE=1 "$bin" "$big" >"$work/app.log" 2>&1 &
  app=$!
  if wait_window "^$name — SecureMerge\$"; then
    sleep "$SETTLE"
    echo "peak_kb_100k $(awk '/^VmHWM/ {print $2}' /proc/$app/status)"
    # Private memory (heap, stacks, native allocations): the peak above also
    # counts the pages of shared libraries mapped from disk, which under
    # Xvfb include the LLVM software renderer (tens of MB a GPU driver does
    # not need).
    echo "anon_kb_100k $(awk '/^RssAnon/ {print $2}' /proc/$app/status)"
  else
    echo "guibench: securemerge $big did not open"; cat "$work/app.log"
  fi
  kill $app 2>/dev/null; wait $app 2>/dev/null; app=""
else
  echo "guibench: $big is missing (BenchmarkOpenXLSX100kFirstRows writes it): peak memory not measured"
fi
