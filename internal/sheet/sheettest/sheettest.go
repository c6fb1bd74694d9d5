// Package sheettest writes large workbooks for benchmarks, as Excel would
// (inline strings through excelize's stream writer), once per machine:
// a 100,000-row file takes seconds to write and is kept in the system's
// temporary folder for the next run. Test code only.
package sheettest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/xuri/excelize/v2"
)

// XLSX returns the path of name (in os.TempDir()/securemerge-bench), a
// workbook of header and n rows row(1)…row(n), writing it when missing.
// Change name when the content changes.
func XLSX(tb testing.TB, name string, header []any, n int, row func(i int) []any) string {
	tb.Helper()
	dir := filepath.Join(os.TempDir(), "securemerge-bench")
	path := filepath.Join(dir, name)
	if _, err := os.Stat(path); err == nil {
		return path
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		tb.Fatal(err)
	}
	f := excelize.NewFile()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		tb.Fatal(err)
	}
	if err := sw.SetRow("A1", header); err != nil {
		tb.Fatal(err)
	}
	for i := 1; i <= n; i++ {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := sw.SetRow(cell, row(i)); err != nil {
			tb.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		tb.Fatal(err)
	}
	tmp := path + ".tmp.xlsx"
	if err := f.SaveAs(tmp); err != nil {
		tb.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		tb.Fatal(err)
	}
	return path
}
