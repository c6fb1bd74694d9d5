#!/usr/bin/env bash
# bench.sh runs every Go benchmark with memory statistics, prints a table and
# writes it to docs/BENCHMARKS.md, with the issues' targets checked at the top
# and the reference tools (openpyxl, Python mailmerge) beside ours where they
# are installed.
#
# Environment:
#   BENCHTIME        -benchtime of the whole-workload benchmarks (default 1x:
#                    each runs once; they take seconds and report their own
#                    rates)
#   MICRO_BENCHTIME  -benchtime of the micro-benchmarks listed in MICRO below
#                    (default 1s): one run of a microsecond operation measures
#                    warm-up, not speed
#   BENCH            run only the benchmarks matching this regexp, all with
#                    BENCHTIME (the targets then show what was not measured)
#   BENCH_RAW        a file of saved `go test -bench` output to report on
#                    instead of running the Go benchmarks (the reference
#                    tools still run)
#
# The load of the machine changes the figures (the outbox benchmarks sync
# the file system, which also flushes what other processes wrote): run it on a
# quiet machine. The load average at the start is written in the report.
set -uo pipefail
cd "$(dirname "$0")/.."

TAGS=migrated_fynedo
BENCHTIME=${BENCHTIME:-1x}
MICRO_BENCHTIME=${MICRO_BENCHTIME:-1s}
# Benchmarks whose one operation takes microseconds to milliseconds.
MICRO_NAMES=(Render RenderFilters Compile Bind HeaderLookup WriteEML RenderMessage NumFormatDate
  SendMailJSON LookupByKey SealCache Move SendSmall SendLargeAttachment
  Check64Clients StatusOffline ParseToken JournalPage100 PreviewRow99999)
MICRO="^Benchmark($(IFS='|'; echo "${MICRO_NAMES[*]}"))\$"
OUT=docs/BENCHMARKS.md
PYTHON=/usr/bin/python3 # Debian's, with python3-openpyxl (a pyenv python3 may lack it)
SHEET_CACHE="${TMPDIR:-/tmp}/securemerge-sheet-bench/bench200k-sst-v2.xlsx"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
raw=$work/raw.txt
load=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?")
failed=0

gotest() { # gotest BENCHTIME ARGS... : one go test run, its output kept in $raw
  local bt=$1
  shift
  echo "+ go test -bench … -benchtime $bt $*" >&2
  go test -tags "$TAGS" -run '^$' -benchmem -benchtime "$bt" -timeout 60m "$@" 2>&1 | tee -a "$raw" >&2
  [ "${PIPESTATUS[0]}" -eq 0 ] || failed=1
}

if [ -n "${BENCH_RAW:-}" ]; then
  cp "$BENCH_RAW" "$raw" || exit 1
elif [ -n "${BENCH:-}" ]; then
  gotest "$BENCHTIME" -bench "$BENCH" ./...
else
  gotest "$BENCHTIME" -bench . -skip "$MICRO" ./...
  # Only the packages that have micro-benchmarks: linking every test binary
  # again would cost minutes on two cores.
  mapfile -t micro_pkgs < <(grep -rlE "^func Benchmark($(IFS='|'; echo "${MICRO_NAMES[*]}"))\(" \
    --include='*_test.go' internal cmd 2>/dev/null | xargs -r -n1 dirname | sort -u | sed 's|^|./|')
  if [ ${#micro_pkgs[@]} -gt 0 ]; then
    gotest "$MICRO_BENCHTIME" -bench "$MICRO" "${micro_pkgs[@]}"
  fi
fi

# Results, one line per benchmark: package, name, iterations, then
# value/unit pairs. A benchmark that logs prints its name, the log, then its
# figures on a line of their own: join them.
awk '
  function emit(line,   f, n, i, out) {
    n = split(line, f, /[ \t]+/)
    out = pkg "\t" name "\t" f[1]
    for (i = 2; i < n; i += 2) out = out "\t" f[i] "\t" f[i+1]
    print out
    name = ""
  }
  /^pkg: / { pkg = $2; sub(".*/securemerge/", "", pkg); next }
  /^Benchmark[^ \t]*/ {
    name = $1; sub(/-[0-9]+$/, "", name)
    rest = $0; sub(/^Benchmark[^ \t]*[ \t]*/, "", rest)
    if (rest ~ /^[0-9]+[ \t]+[0-9.e+-]+ ns\/op/) emit(rest)
    next
  }
  name != "" && /^[ \t]*[0-9]+[ \t]+[0-9.e+-]+ ns\/op/ { line = $0; sub(/^[ \t]+/, "", line); emit(line) }
' "$raw" > "$work/results.tsv"

# get NAME UNIT: the value a benchmark reported in that unit ("" if none).
get() { awk -F'\t' -v n="$1" -v u="$2" '$2 == n { for (i = 4; i < NF; i += 2) if ($(i+1) == u) { print $i; exit } }' "$work/results.tsv"; }
# calc EXPR: floating-point arithmetic and comparisons (1 or 0).
calc() { awk "BEGIN { printf \"%.6g\", $1 }"; }
# fmtnum V: 1,234,567 for large values, 12.3 or 1.23 for small ones.
fmtnum() {
  [ -z "$1" ] && return
  awk -v v="$1" 'BEGIN {
    if (v < 10) { printf "%.2f", v; exit }
    if (v < 1000) { printf "%.1f", v; exit }
    s = sprintf("%.0f", v); out = ""
    while (length(s) > 3) { out = "," substr(s, length(s) - 2) out; s = substr(s, 1, length(s) - 3) }
    printf "%s%s", s, out
  }'
}

# The reference tools.
openpyxl_out=""
openpyxl_rate=""
if [ ! -x "$PYTHON" ] || ! "$PYTHON" -c 'import openpyxl' 2>/dev/null; then
  openpyxl_out="openpyxl comparison: NOT MEASURED - $PYTHON with openpyxl is not installed (scripts/deps.sh bench installs python3-openpyxl)."
elif [ ! -f "$SHEET_CACHE" ]; then
  openpyxl_out="openpyxl comparison: NOT MEASURED - $SHEET_CACHE is missing (BenchmarkReadXLSX200k writes it)."
else
  echo "+ $PYTHON internal/sheet/testdata/openpyxl_bench.py $SHEET_CACHE" >&2
  openpyxl_out=$("$PYTHON" internal/sheet/testdata/openpyxl_bench.py "$SHEET_CACHE" 2>&1) || failed=1
  openpyxl_rate=$(printf '%s\n' "$openpyxl_out" | sed -n 's/.* = \([0-9.]*\) rows\/s.*/\1/p' | tail -1)
fi
xlsx_rate=$(get BenchmarkReadXLSX200k rows/s)
speedup=""
if [ -n "$openpyxl_rate" ] && [ -n "$xlsx_rate" ]; then
  speedup=$(calc "$xlsx_rate / $openpyxl_rate")
  openpyxl_out="$openpyxl_out
securemerge (BenchmarkReadXLSX200k): $(fmtnum "$xlsx_rate") rows/s on the same file
securemerge is $(printf '%.1f' "$speedup")x faster than openpyxl (target: 2x)"
fi

# create_files_time measures the disk alone: 5,000 small files, no fsync.
create_files_time() {
  local d
  d=$(mktemp -d)
  /usr/bin/python3 - "$d" <<'PY' 2>/dev/null || echo "(not measured)"
import sys, time
d = sys.argv[1]
t = time.perf_counter()
for i in range(5000):
    with open(f"{d}/{i:05d}.eml", "w") as f:
        f.write("x" * 1500)
print(f"{time.perf_counter() - t:.2f} s")
PY
  rm -rf "$d"
}

mailmerge_bin=""
if command -v mailmerge >/dev/null 2>&1; then
  echo "+ go build ./cmd/securemerge (for the mailmerge comparison)" >&2
  if go build -tags "$TAGS" -o "$work/securemerge" ./cmd/securemerge; then
    mailmerge_bin="$work/securemerge"
  else
    failed=1
  fi
fi
mailmerge_out=$(internal/merge/testdata/mailmerge_bench.sh $mailmerge_bin 2>&1 | grep -v -e 'Fyne error' -e 'Cause: language' -e 'At: .*fyne') || failed=1
# The ratio mailmerge time / securemerge time (above 1: securemerge faster).
mailmerge_x=$(printf '%s\n' "$mailmerge_out" | sed -n -e 's/^securemerge is \([0-9.]*\)x faster.*/\1/p' -e 's/.*time ratio \([0-9.]*\);.*/\1/p')
mailmerge_dry=$(printf '%s\n' "$mailmerge_out" | sed -n 's/^securemerge send (dry run).*: \([0-9.]*\)x faster than mailmerge.*/\1/p')

# The real window under Xvfb: start-up and memory with 100k rows (issue 13).
echo "+ scripts/guibench.sh" >&2
gui_out=$(scripts/guibench.sh 2>&1) || failed=1
echo "$gui_out" >&2
gui() { printf '%s\n' "$gui_out" | awk -v k="$1" '$1 == k { print $2 }'; }
start_ms=$(gui start_ms_median)
anon_100k=$(gui anon_kb_100k); peak_100k=$(gui peak_kb_100k); anon_empty=$(gui anon_kb_empty); peak_empty=$(gui peak_kb_empty)

# One target line: what, target text, measured text, met (1/0/"" for not measured).
target() {
  local status="not measured"
  case "$4" in 1) status="met" ;; 0) status="**NOT met**" ;; esac
  printf '| %s | %s | %s | %s |\n' "$1" "$2" "${3:-not measured}" "$status"
}
check() { # check VALUE OP LIMIT: 1 or 0, "" when VALUE is empty
  [ -z "$1" ] && return
  calc "($1 $2 $3) ? 1 : 0"
}

render_text=$(get BenchmarkRender/text ns/op)
render_html=$(get BenchmarkRender/html ns/op)
rps_text=""; rps_html=""
[ -n "$render_text" ] && rps_text=$(calc "1e9 / $render_text")
[ -n "$render_html" ] && rps_html=$(calc "1e9 / $render_html")
xlsx_peak=$(get BenchmarkReadXLSX200k peak-MB)
csv_peak=$(get BenchmarkReadCSV200k peak-MB)
first_xlsx=$(get BenchmarkFirst100Rows/xlsx first100-ms)
first_csv=$(get BenchmarkFirst100Rows/csv first100-ms)
first_shared=$(get BenchmarkFirst100RowsAllShared first100-ms)
preview_ms=$(get BenchmarkPreviewRow99999 preview-ms)
open_ns=$(get BenchmarkOpenXLSX100kFirstRows ns/op); open_ms=""
[ -n "$open_ns" ] && open_ms=$(calc "$open_ns / 1e6")
next_ns=$(get BenchmarkPreviewNext ns/op); next_ms=""
[ -n "$next_ns" ] && next_ms=$(calc "$next_ns / 1e6")
kb2mb() { [ -n "$1" ] && calc "$1 / 1024"; }
lic_rps=$(get BenchmarkCheck64Clients req/s); lic_p99=$(get BenchmarkCheck64Clients p99-ms)
lic_ok=""
if [ -n "$lic_rps" ] && [ -n "$lic_p99" ]; then lic_ok=$(calc "($lic_rps >= 5000 && $lic_p99 < 20) ? 1 : 0"); fi
offline_ns=$(get BenchmarkStatusOffline ns/op); offline_us=""
[ -n "$offline_ns" ] && offline_us=$(calc "$offline_ns / 1e3")
assign_pg=$(get BenchmarkAssign1000For500SeatsPostgres2Instances ms/burst); assign_pg99=$(get BenchmarkAssign1000For500SeatsPostgres2Instances p99-ms)
assign_bb=$(get BenchmarkAssign1000For500SeatsBbolt1Instance ms/burst); assign_bb99=$(get BenchmarkAssign1000For500SeatsBbolt1Instance p99-ms)
page_ns=$(get BenchmarkJournalPage100 ns/op); page_ms=""
[ -n "$page_ns" ] && page_ms=$(calc "$page_ns / 1e6")
p5=$(get BenchmarkPipeline5k msgs/s); p5peak=$(get BenchmarkPipeline5k peak-MB)
p100=$(get BenchmarkPipeline100k msgs/s); p100peak=$(get BenchmarkPipeline100k peak-MB)
cli=$(get BenchmarkSendOutbox5k msgs/s)
share=$(get BenchmarkSendRate/clean rate-share-%); refusals=$(get BenchmarkSendRate/clean refusals)
fshare=$(get BenchmarkSendRate/faults10 rate-share-%); frefusals=$(get BenchmarkSendRate/faults10 refusals)
fretries=$(get BenchmarkSendRate/faults10 retries); flost=$(get BenchmarkSendRate/faults10 lost-s)
share_ok=""
if [ -n "$share" ] && [ -n "$refusals" ]; then share_ok=$(calc "($share >= 95 && $refusals == 0) ? 1 : 0"); fi
ms() { [ -n "$1" ] && printf '%s ms' "$(fmtnum "$1")"; }
mb() { [ -n "$1" ] && printf '%s MB' "$(fmtnum "$1")"; }

table_rows=$(sort -s -t$'\t' -k1,1 "$work/results.tsv" | awk -F'\t' '
  function human(ns) {
    if (ns >= 1e9) return sprintf("%.2f s", ns / 1e9)
    if (ns >= 1e6) return sprintf("%.1f ms", ns / 1e6)
    if (ns >= 1e3) return sprintf("%.1f µs", ns / 1e3)
    return sprintf("%.1f ns", ns)
  }
  {
    ns = bop = aop = extra = ""
    for (i = 4; i < NF; i += 2) {
      v = $i; u = $(i+1)
      if (u == "ns/op") ns = v
      else if (u == "B/op") bop = v
      else if (u == "allocs/op") aop = v
      else extra = extra (extra == "" ? "" : ", ") v " " u
    }
    if ($2 ~ /^BenchmarkRender\/(text|html)$/ && ns > 0)
      extra = extra (extra == "" ? "" : ", ") sprintf("%.0f renders/s/core", 1e9 / ns)
    printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, human(ns), ns, bop, aop, extra
  }')

{
  echo "# Benchmarks"
  echo
  echo "Measured by \`make bench\` (scripts/bench.sh) on $(date -u +%Y-%m-%d): $(nproc) cores ($(sed -n 's/^cpu: //p' "$raw" | head -1)), $(go version | cut -d' ' -f3), $(uname -m); load average at the start: $load."
  if [ -n "${BENCH:-}" ]; then
    echo "Only the benchmarks matching \`$BENCH\` ran (\`-benchtime $BENCHTIME\`)."
  else
    echo "Whole-workload benchmarks ran with \`-benchtime $BENCHTIME\`, the micro-benchmarks (\`$MICRO\`) with \`-benchtime $MICRO_BENCHTIME\`."
  fi
  echo "\`peak-MB\` is the peak heap in use (HeapInuse, sampled every 2 ms) during the measured work; rates (rows/s, msgs/s) are over the measured time."
  [ "$failed" -ne 0 ] && echo && echo "**Some benchmarks or reference tools failed: see the output of \`make bench\`.**"
  echo
  echo "## Targets"
  echo
  echo "| issue | target | measured | status |"
  echo "| --- | --- | --- | --- |"
  target "3: .xlsx read speed" ">= 2x openpyxl read-only rows/s, same 200k-row file" \
    "$([ -n "$speedup" ] && printf '%.1fx (%s vs %s rows/s)' "$speedup" "$(fmtnum "$xlsx_rate")" "$(fmtnum "$openpyxl_rate")")" \
    "$(check "$speedup" '>=' 2)"
  target "3: .xlsx read memory" "peak < 64 MB (200k rows)" "$(mb "$xlsx_peak")" "$(check "$xlsx_peak" '<' 64)"
  target "3: .csv read memory" "peak < 64 MB (200k rows)" "$(mb "$csv_peak")" "$(check "$csv_peak" '<' 64)"
  target "3: first 100 rows, .xlsx" "< 200 ms from Open" "$(ms "$first_xlsx")" "$(check "$first_xlsx" '<' 200)"
  target "3: first 100 rows, .csv" "< 200 ms from Open" "$(ms "$first_csv")" "$(check "$first_csv" '<' 200)"
  target "12: first 100 rows, every text shared" "< 200 ms from Open (200k rows, 74 MB sharedStrings part)" "$(ms "$first_shared")" "$(check "$first_shared" '<' 200)"
  target "9: preview row 99,999" "< 50 ms after the first open (100k-row .xlsx)" "$(ms "$preview_ms")" "$(check "$preview_ms" '<' 50)"
  target "13: process start to first frame" "< 1 s (Xvfb, median of $(gui start_runs) starts)" \
    "$([ -n "$start_ms" ] && printf '%s ms (slowest %s ms)' "$start_ms" "$(gui start_ms_max)")" "$(check "$start_ms" '<' 1000)"
  target "13: open a 100k-row .xlsx until its first rows show" "< 300 ms" "$(ms "$open_ms")" "$(check "$open_ms" '<' 300)"
  target "13: memory with a 100k-row .xlsx loaded" "< 150 MB (judged on private memory; see below)" \
    "$([ -n "$anon_100k" ] && printf '%s private, %s resident peak (empty window: %s private, %s peak)' "$(mb "$(kb2mb "$anon_100k")")" "$(mb "$(kb2mb "$peak_100k")")" "$(mb "$(kb2mb "$anon_empty")")" "$(mb "$(kb2mb "$peak_empty")")")" \
    "$([ -n "$anon_100k" ] && check "$(kb2mb "$anon_100k")" '<' 150)"
  target "13: switch the preview to the next recipient" "< 50 ms (10k-row .csv)" "$(ms "$next_ms")" "$(check "$next_ms" '<' 50)"
  target "9: journal page" "< 5 ms for 100 entries of a 100k campaign" "$(ms "$page_ms")" "$(check "$page_ms" '<' 5)"
  target "15: licence check, bbolt, 64 clients" ">= 5,000 req/s and p99 < 20 ms" \
    "$([ -n "$lic_rps" ] && printf '%s req/s, p99 %s' "$(fmtnum "$lic_rps")" "$(ms "$lic_p99")")" "$lic_ok"
  target "15: offline check of a cached token" "< 100 µs" "$([ -n "$offline_us" ] && printf '%s µs' "$(fmtnum "$offline_us")")" "$(check "$offline_us" '<' 100)"
  target "16: 1,000 concurrent assigns, 500 seats" "exactly 500 assigned (the benchmark fails otherwise); time and p99 reported" \
    "$([ -n "$assign_pg" ] && printf 'PostgreSQL, 2 instances: %s per burst, p99 %s; ' "$(ms "$assign_pg")" "$(ms "$assign_pg99")")$([ -n "$assign_bb" ] && printf 'bbolt, 1 instance: %s, p99 %s' "$(ms "$assign_bb")" "$(ms "$assign_bb99")")" "$([ -n "$assign_pg$assign_bb" ] && echo 1)"
  target "4: render, text body" ">= 1,000,000 renders/s/core (1 KB, 5 tokens, 1 conditional)" \
    "$([ -n "$rps_text" ] && printf '%s renders/s/core' "$(fmtnum "$rps_text")")" "$(check "$rps_text" '>=' 1000000)"
  target "4: render, HTML body" ">= 1,000,000 renders/s/core" \
    "$([ -n "$rps_html" ] && printf '%s renders/s/core' "$(fmtnum "$rps_html")")" "$(check "$rps_html" '>=' 1000000)"
  cli_text="not measured"
  [ -n "$cli" ] && cli_text="$(fmtnum "$cli") msgs/s (BenchmarkSendOutbox5k)"
  if [ -n "$mailmerge_x" ]; then
    cli_text="$cli_text; ${mailmerge_x}x mailmerge's speed (mailmerge_bench.sh: one file created per message, which this machine's disk makes slow)"
  else
    cli_text="$cli_text; mailmerge is not installed here, so no ratio"
  fi
  target "4: send --outbox, 5k rows" ">= 10x Python mailmerge --dry-run --no-limit" "$cli_text" "$(check "$mailmerge_x" '>=' 10)"
  target "4: dry run, 5k rows (like for like)" ">= 10x mailmerge --dry-run: both render every message, neither writes" \
    "$([ -n "$mailmerge_dry" ] && printf '%sx faster' "$mailmerge_dry")" "$(check "$mailmerge_dry" '>=' 10)"
  target "4: pipeline memory" "bounded: 100k-row peak close to the 5k-row peak (streaming)" \
    "$([ -n "$p100peak" ] && printf '%s at 100k, %s at 5k (%s / %s msgs/s)' "$(mb "$p100peak")" "$(mb "$p5peak")" "$(fmtnum "$p100")" "$(fmtnum "$p5")")" \
    "$([ -n "$p100peak" ] && [ -n "$p5peak" ] && check "$p100peak" '<' "2 * $p5peak + 16")"
  target "6: send rate, clean" ">= 95% of the mailbox limit (30 per window), 0 refusals" \
    "$([ -n "$share" ] && printf '%s%%, %s refusals' "$(fmtnum "$share")" "$refusals")" "$share_ok"
  # The issue sets its target on the clean run; with faults it asks for the
  # retries and the time lost, and for no refusal.
  target "6: send rate, 10% faults" "0 refusals; retries and time lost reported (no rate target)" \
    "$([ -n "$fshare" ] && printf '%s%% of the limit, %s refusals, %s retries, %s s lost' "$(fmtnum "$fshare")" "$frefusals" "$fretries" "$flost")" \
    "$(check "$frefusals" '==' 0)"
  echo
  echo "\"Bounded\" pipeline memory is judged here as a 100k-row peak under twice the 5k-row peak plus 16 MB: the"
  echo "validation keeps one entry per recipient to find duplicates, so some growth with the row count is expected."
  echo
  echo "The window's resident peak counts the pages of shared libraries mapped from disk; under Xvfb that"
  echo "includes Mesa's LLVM software renderer (about 55 MB here) and the binary's own text, which a desktop"
  echo "with a GPU driver does not carry. The private memory (RssAnon: heap, stacks, native allocations) is"
  echo "what the app itself uses, and is the figure the 150 MB target is judged on."
  echo
  echo "## All benchmarks"
  echo
  echo "| package | benchmark | runs | time/op | ns/op | B/op | allocs/op | metrics |"
  echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
  echo "$table_rows"
  echo
  echo "## Reference: openpyxl (issue 3)"
  echo
  echo '```'
  echo "$openpyxl_out"
  echo '```'
  echo
  echo "## Reference: Python mailmerge (issue 4)"
  echo
  echo '```'
  echo "$mailmerge_out"
  echo '```'
  echo
  echo "\`mailmerge --dry-run\` renders each message and prints it: it creates no file. \`send --outbox\`"
  echo "creates one .eml per recipient (temp file, then link, so a file is whole or absent) and records"
  echo "the journal; its time here is the filesystem's: $(create_files_time) to create 5,000 small"
  echo "files with a plain loop on this machine's disk, more than mailmerge's whole dry run. The like-for-like"
  echo "line is securemerge's own dry run, which also renders and checks every message and writes nothing."
} > "$OUT"
cat "$OUT"
exit "$failed"
