#!/usr/bin/python3
"""Read the benchmark workbook with openpyxl in read-only mode and print rows/s.

Usage: /usr/bin/python3 internal/sheet/testdata/openpyxl_bench.py [FILE [ROWS]]

FILE defaults to the workbook BenchmarkReadXLSX200k caches in the temp folder
(TMPDIR or /tmp)/securemerge-sheet-bench/bench200k-sst-v2.xlsx. ROWS (default
200000) is the number of data rows the file must have: the script checks that
openpyxl read every one of them, that text cells came back as text (from the
shared strings table) and date cells as dates, and exits 1 otherwise, so a
number is never printed for a file openpyxl did not really read.

Like the Go benchmark, the timing covers opening the file and producing every
value of every row. Use /usr/bin/python3 (Debian's python3-openpyxl): another
python3 on PATH (pyenv) may not have openpyxl.
"""
import datetime
import os
import sys
import tempfile
import time

import openpyxl


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        tempfile.gettempdir(), "securemerge-sheet-bench", "bench200k-sst-v2.xlsx")
    want = int(sys.argv[2]) if len(sys.argv) > 2 else 200000
    if not os.path.exists(path):
        print(f"openpyxl: {path} does not exist; run BenchmarkReadXLSX200k first", file=sys.stderr)
        return 1

    start = time.perf_counter()
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    ws = wb.worksheets[0]
    ws.reset_dimensions()  # do not trust the stored dimension: read every row
    rows = 0
    first = None
    for row in ws.iter_rows(values_only=True):
        if rows == 1:
            first = row
        rows += 1
    wb.close()
    elapsed = time.perf_counter() - start

    rows -= 1  # the header
    problems = []
    if rows != want:
        problems.append(f"read {rows} data rows; want {want}")
    if first is None:
        problems.append("no data row")
    else:
        if not isinstance(first[3], str) or "@" not in first[3]:
            problems.append(f"Email of the first row is {first[3]!r}; want text from the shared strings")
        if not isinstance(first[5], datetime.datetime):
            problems.append(f"Joined of the first row is {first[5]!r}; want a date")
        if not isinstance(first[6], (int, float)):
            problems.append(f"Amount of the first row is {first[6]!r}; want a number")
    if problems:
        print(f"openpyxl {openpyxl.__version__} on {path}: " + "; ".join(problems), file=sys.stderr)
        return 1
    print(f"openpyxl {openpyxl.__version__} read-only: {rows} rows in {elapsed:.2f}s = {rows / elapsed:.0f} rows/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
