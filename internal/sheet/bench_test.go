package sheet

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

const benchRows = 200_000

var benchOnce sync.Once
var benchXLSX, benchCSV string
var benchErr error

// benchFiles writes (once, cached in the temp folder) a 200,000-row by
// 10-column workbook with shared strings, dates and numbers, and the same
// data as CSV. The workbook is also what testdata/openpyxl_bench.py reads.
func benchFiles(b *testing.B) (string, string) {
	benchOnce.Do(func() {
		dir := filepath.Join(os.TempDir(), "securemerge-sheet-bench")
		benchXLSX, benchCSV = filepath.Join(dir, "bench200k.xlsx"), filepath.Join(dir, "bench200k.csv")
		if _, err := os.Stat(benchCSV); err == nil {
			return
		}
		if benchErr = os.MkdirAll(dir, 0o755); benchErr != nil {
			return
		}
		benchErr = writeBenchFiles(benchXLSX, benchCSV)
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchXLSX, benchCSV
}

func writeBenchFiles(xlsxPath, csvPath string) error {
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		return err
	}
	dateStyle, err := f.NewStyle(&excelize.Style{NumFmt: 14})
	if err != nil {
		return err
	}
	moneyStyle, err := f.NewStyle(&excelize.Style{NumFmt: 4})
	if err != nil {
		return err
	}
	cf, err := os.Create(csvPath + ".tmp")
	if err != nil {
		return err
	}
	cw := bufio.NewWriter(cf)
	header := []any{"Id", "FirstName", "LastName", "Email", "City", "Joined", "Amount", "Score", "Active", "Note"}
	if err := sw.SetRow("A1", header); err != nil {
		return err
	}
	fmt.Fprintln(cw, "Id,FirstName,LastName,Email,City,Joined,Amount,Score,Active,Note")
	cities := []string{"Paris", "Lyon", "Zürich", "東京", "Montréal", "São Paulo", "Berlin", "Łódź"}
	base := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	row := make([]any, 10)
	for i := 1; i <= benchRows; i++ {
		first, last := fmt.Sprintf("First%d", i%5000), fmt.Sprintf("Last%d", i)
		email := fmt.Sprintf("user%d@example.com", i)
		city := cities[i%len(cities)]
		joined := base.AddDate(0, 0, i%3000)
		amount := float64(i%100000) / 100
		score := float64(i%1000) * 0.1
		row[0], row[1], row[2], row[3], row[4] = i, first, last, email, city
		row[5] = excelize.Cell{StyleID: dateStyle, Value: joined}
		row[6] = excelize.Cell{StyleID: moneyStyle, Value: amount}
		row[7], row[8], row[9] = score, i%2 == 0, "note"
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := sw.SetRow(cell, row); err != nil {
			return err
		}
		fmt.Fprintf(cw, "%d,%s,%s,%s,%s,%s,%.2f,%g,%t,note\n", i, first, last, email, city, joined.Format("1/2/2006"), amount, score, i%2 == 0)
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	if err := cw.Flush(); err != nil {
		return err
	}
	if err := cf.Close(); err != nil {
		return err
	}
	if err := f.SaveAs(xlsxPath); err != nil {
		return err
	}
	return os.Rename(csvPath+".tmp", csvPath)
}

// peakHeap samples the heap in use while fn runs and returns the peak in
// MB.
func peakHeap(fn func()) float64 {
	runtime.GC()
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var m runtime.MemStats
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peak.Load() {
				peak.Store(m.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	fn()
	close(done)
	wg.Wait()
	return float64(peak.Load()) / (1 << 20)
}

func readRows(b *testing.B, path string, limit int) int {
	r, err := Open(path, Options{Locale: "en-US"})
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	n := 0
	for limit <= 0 || n < limit {
		if _, err := r.Next(); err == io.EOF {
			break
		} else if err != nil {
			b.Fatal(err)
		}
		n++
	}
	return n
}

func benchRead(b *testing.B, path string) {
	var peak float64
	start := time.Now()
	rows := 0
	for i := 0; i < b.N; i++ {
		p := peakHeap(func() { rows += readRows(b, path, 0) })
		peak = max(peak, p)
	}
	if rows != b.N*benchRows {
		b.Fatalf("read %d rows; want %d", rows, b.N*benchRows)
	}
	b.ReportMetric(float64(rows)/time.Since(start).Seconds(), "rows/s")
	b.ReportMetric(peak, "peak-MB")
}

func BenchmarkReadXLSX200k(b *testing.B) {
	x, _ := benchFiles(b)
	b.ResetTimer()
	benchRead(b, x)
}

func BenchmarkReadCSV200k(b *testing.B) {
	_, c := benchFiles(b)
	b.ResetTimer()
	benchRead(b, c)
}

func BenchmarkFirst100Rows(b *testing.B) {
	x, c := benchFiles(b)
	for _, tt := range []struct{ name, path string }{{"xlsx", x}, {"csv", c}} {
		b.Run(tt.name, func(b *testing.B) {
			start := time.Now()
			for i := 0; i < b.N; i++ {
				readRows(b, tt.path, 100)
			}
			b.ReportMetric(time.Since(start).Seconds()*1000/float64(b.N), "ms")
		})
	}
}

func BenchmarkNumFormatDate(b *testing.B) {
	f := parseNumFormat("dd/mm/yyyy hh:mm", resolveLocale("fr"))
	for i := 0; i < b.N; i++ {
		f.format(43832.5, false)
	}
}
