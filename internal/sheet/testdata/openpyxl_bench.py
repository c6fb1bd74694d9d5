#!/usr/bin/python3
"""Read the benchmark workbook with openpyxl in read-only mode and print rows/s.

Usage: /usr/bin/python3 internal/sheet/testdata/openpyxl_bench.py [FILE]
FILE defaults to the workbook BenchmarkReadXLSX200k caches in the temp folder.
"""
import os
import sys
import tempfile
import time

import openpyxl

path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    tempfile.gettempdir(), "securemerge-sheet-bench", "bench200k.xlsx")
start = time.perf_counter()
wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
ws = wb.worksheets[0]
ws.reset_dimensions()  # do not trust the stored dimension: read every row
rows = 0
for row in ws.iter_rows(values_only=True):
    rows += 1
wb.close()
elapsed = time.perf_counter() - start
rows -= 1  # the header
print(f"openpyxl read-only: {rows} rows in {elapsed:.2f}s = {rows / elapsed:.0f} rows/s")
