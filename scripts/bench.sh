#!/usr/bin/env bash
# bench.sh runs every Go benchmark once with memory statistics, prints a table
# and writes it to docs/BENCHMARKS.md, with the reference tools (openpyxl,
# Python mailmerge) beside ours where they are installed.
set -euo pipefail
cd "$(dirname "$0")/.."
raw=$(mktemp)
trap 'rm -f "$raw"' EXIT
go test -tags migrated_fynedo -run '^$' -bench "${BENCH:-.}" -benchmem -benchtime "${BENCHTIME:-1x}" -timeout 60m ./... | tee "$raw" >&2

table=$(awk '
  /^pkg: / { pkg = $2; sub(".*/securemerge/", "", pkg) }
  /^Benchmark/ {
    name = $1; sub(/-[0-9]+$/, "", name)
    extra = ""
    for (i = 3; i < NF; i += 2) {
      unit = $(i+1); val = $i
      if (unit == "ns/op") ns = val
      else if (unit == "B/op") bop = val
      else if (unit == "allocs/op") aop = val
      else extra = extra (extra == "" ? "" : ", ") val " " unit
    }
    printf "| %s | %s | %s | %s | %s | %s |\n", pkg, name, ns, bop, aop, extra
    ns = bop = aop = ""
  }' "$raw")

{
  echo "# Benchmarks"
  echo
  echo "Measured by \`make bench\` on $(date -u +%Y-%m-%d) — $(nproc) cores, $(go version | cut -d' ' -f3), $(uname -m)."
  echo "Each benchmark states its own units; \`peak-MB\` is the peak heap in use during the run."
  echo
  echo "| package | benchmark | ns/op | B/op | allocs/op | metrics |"
  echo "| --- | --- | --- | --- | --- | --- |"
  echo "$table"
  for ref in internal/sheet/testdata/openpyxl_bench.sh internal/merge/testdata/mailmerge_bench.sh; do
    if [ -x "$ref" ]; then
      echo
      "$ref" 2>&1 || true
    fi
  done
} > docs/BENCHMARKS.md
cat docs/BENCHMARKS.md
