package sheet

import (
	"archive/zip"
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// benchRows is the size of the benchmark workbook: 200,000 data rows of
// benchColumns columns each.
const benchRows = 200_000

// benchName names the cached files. Change it whenever the generator
// changes, so that a stale cache from an older generator is never measured
// (testdata/openpyxl_bench.py uses the same name).
const benchName = "bench200k-sst-v2"

var (
	benchOnce               sync.Once
	benchXLSX, benchCSVPath string
	benchErr                error
)

// benchDir is where the benchmark files are cached between runs:
// os.TempDir()/securemerge-sheet-bench, the folder the openpyxl script
// looks in when it is given no path.
func benchDir() string { return filepath.Join(os.TempDir(), "securemerge-sheet-bench") }

// benchFiles writes (once, then cached in benchDir) the 200,000-row by
// 10-column workbook and the same data as CSV, and checks that excelize
// opens the workbook, so a broken generator or a damaged cache is never
// measured.
func benchFiles(b *testing.B) (xlsxPath, csvPath string) {
	b.Helper()
	benchOnce.Do(func() {
		dir := benchDir()
		benchXLSX, benchCSVPath = filepath.Join(dir, benchName+".xlsx"), filepath.Join(dir, benchName+".csv")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			benchErr = err
			return
		}
		for _, f := range []struct {
			path  string
			write func(io.Writer, int) error
		}{{benchXLSX, writeBenchWorkbook}, {benchCSVPath, writeBenchCSV}} {
			if _, err := os.Stat(f.path); err == nil {
				continue
			}
			if benchErr = writeFileAtomic(f.path, func(w io.Writer) error { return f.write(w, benchRows) }); benchErr != nil {
				return
			}
		}
		benchErr = checkWithExcelize(benchXLSX, benchRows)
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchXLSX, benchCSVPath
}

// writeFileAtomic writes path through a temporary file renamed into place,
// so an interrupted run never leaves a truncated cache behind.
func writeFileAtomic(path string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".gen-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o644); err != nil { // readable by the reference tools
		tmp.Close()
		return err
	}
	bw := bufio.NewWriterSize(tmp, 256<<10)
	err = write(bw)
	if err == nil {
		err = bw.Flush()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return os.Rename(tmp.Name(), path)
}

// checkWithExcelize opens the workbook with excelize, as another program
// would, and checks its sheet list and its first and last rows.
func checkWithExcelize(path string, rows int) error {
	f, err := excelize.OpenFile(path)
	if err != nil {
		return fmt.Errorf("excelize cannot open the benchmark workbook %s: %w", path, err)
	}
	defer f.Close()
	if got := f.GetSheetList(); len(got) != 1 || got[0] != benchSheet {
		return fmt.Errorf("excelize.GetSheetList(%s) = %q; want [%q]", path, got, benchSheet)
	}
	for _, c := range []struct {
		cell string
		want string
	}{
		{"A1", benchHeader[0]},
		{"J1", benchHeader[9]},
		{"D2", benchRecord(1)[3]},
		{"E2", benchRecord(1)[4]},
		{fmt.Sprintf("D%d", rows+1), benchRecord(rows)[3]},
	} {
		got, err := f.GetCellValue(benchSheet, c.cell)
		if err != nil {
			return fmt.Errorf("excelize GetCellValue(%s) in %s: %w", c.cell, path, err)
		}
		if got != c.want {
			return fmt.Errorf("excelize GetCellValue(%s) in %s = %q; want %q", c.cell, path, got, c.want)
		}
	}
	return nil
}

// The generated data. Text goes through the shared strings table as Excel
// writes it: header names, 5,000 first names, 20,000 last names, 8 cities,
// 2 notes, then one unique e-mail address per row. Because every string has
// an index known in advance, the worksheet and the table are both streamed
// and nothing holds the rows in memory.
const benchSheet = "Recipients"

var (
	benchHeader = []string{"Id", "FirstName", "LastName", "Email", "City", "Joined", "Amount", "Score", "Active", "Note"}
	benchGiven  = []string{"Zoé", "Émile", "Ana", "Łukasz", "Noor", "Jean-Luc", "Chloë", "Søren", "Aiko", "Björn"}
	benchCities = []string{"Paris", "Lyon", "Zürich", "東京", "Montréal", "São Paulo", "Berlin", "Łódź"}
	benchNotes  = []string{"VIP, call first", "dietary needs: <vegan> & gluten-free"}
)

const (
	benchFirstNames = 5000
	benchLastNames  = 20000
	sstFirst        = 10 // after the header names
	sstLast         = sstFirst + benchFirstNames
	sstCity         = sstLast + benchLastNames
	sstNote         = sstCity + 8
	sstEmail        = sstNote + 2
)

var benchEpoch = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC) // serial 43831

func benchFirst(k int) string {
	return fmt.Sprintf("%s %d", benchGiven[k%len(benchGiven)], k/len(benchGiven))
}
func benchLast(k int) string  { return fmt.Sprintf("Lefèvre-%05d", k) }
func benchEmail(i int) string { return fmt.Sprintf("user%d@example.com", i) }
func benchDays(i int) int     { return i % 3000 }
func benchCents(i int) int    { return i % 100000 }
func benchTenths(i int) int   { return i % 1000 }
func benchNote(i int) int     { return i % 3 } // 0: empty cell, else benchNotes[n-1]
func benchActive(i int) bool  { return i%2 == 0 }
func benchFirstIdx(i int) int { return (i * 7) % benchFirstNames }
func benchLastIdx(i int) int  { return i % benchLastNames }
func benchCityIdx(i int) int  { return i % len(benchCities) }
func benchSerial(i int) int   { return 43831 + benchDays(i) }
func benchAmountXML(i int) string {
	return strconv.FormatFloat(float64(benchCents(i))/100, 'g', -1, 64)
}

// benchScoreXML is the score as a program that computes it stores it,
// float noise included (70 × 0.1 is 7.000000000000001): the reader must
// show what Excel shows.
func benchScoreXML(i int) string {
	return strconv.FormatFloat(float64(benchTenths(i))*0.1, 'g', -1, 64)
}

// benchRecord is data row i (1-based) as Excel shows it in US English: the
// CSV holds exactly this, and reading the workbook must give it back.
func benchRecord(i int) []string {
	note := ""
	if n := benchNote(i); n > 0 {
		note = benchNotes[n-1]
	}
	active := "FALSE"
	if benchActive(i) {
		active = "TRUE"
	}
	return []string{
		strconv.Itoa(i),
		benchFirst(benchFirstIdx(i)),
		benchLast(benchLastIdx(i)),
		benchEmail(i),
		benchCities[benchCityIdx(i)],
		benchEpoch.AddDate(0, 0, benchDays(i)).Format("1/2/2006"),
		fmt.Sprintf("%d.%02d", benchCents(i)/100, benchCents(i)%100),
		strconv.FormatFloat(float64(benchTenths(i))/10, 'f', -1, 64),
		active,
		note,
	}
}

func writeBenchCSV(w io.Writer, rows int) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(benchHeader); err != nil {
		return err
	}
	for i := 1; i <= rows; i++ {
		if err := cw.Write(benchRecord(i)); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

const (
	nsMain  = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
	nsRel   = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
	xmlDecl = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n"
)

// The package parts other than the worksheet and the shared strings, as
// Excel writes them (trimmed of what no reader needs). Style 1 is a date
// (built-in format 14, the locale's short date), style 2 is 0.00 (built-in
// format 2).
var benchParts = []struct{ name, body string }{
	{"[Content_Types].xml", xmlDecl + `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
		`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
		`<Default Extension="xml" ContentType="application/xml"/>` +
		`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
		`<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>` +
		`<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>` +
		`<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>` +
		`</Types>`},
	{"_rels/.rels", xmlDecl + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
		`<Relationship Id="rId1" Type="` + nsRel + `/officeDocument" Target="xl/workbook.xml"/>` +
		`</Relationships>`},
	{"xl/workbook.xml", xmlDecl + `<workbook xmlns="` + nsMain + `" xmlns:r="` + nsRel + `">` +
		`<workbookPr/><bookViews><workbookView activeTab="0"/></bookViews>` +
		`<sheets><sheet name="` + benchSheet + `" sheetId="1" r:id="rId1"/></sheets></workbook>`},
	{"xl/_rels/workbook.xml.rels", xmlDecl + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
		`<Relationship Id="rId1" Type="` + nsRel + `/worksheet" Target="worksheets/sheet1.xml"/>` +
		`<Relationship Id="rId2" Type="` + nsRel + `/styles" Target="styles.xml"/>` +
		`<Relationship Id="rId3" Type="` + nsRel + `/sharedStrings" Target="sharedStrings.xml"/>` +
		`</Relationships>`},
	{"xl/styles.xml", xmlDecl + `<styleSheet xmlns="` + nsMain + `">` +
		`<fonts count="1"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>` +
		`<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>` +
		`<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>` +
		`<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>` +
		`<cellXfs count="3">` +
		`<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>` +
		`<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>` +
		`<xf numFmtId="2" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>` +
		`</cellXfs>` +
		`<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>` +
		`</styleSheet>`},
}

// writeBenchWorkbook streams a workbook of rows data rows (see benchRecord)
// to w.
func writeBenchWorkbook(w io.Writer, rows int) error {
	zw := zip.NewWriter(w)
	mod := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	part := func(name string) (*bufio.Writer, error) {
		pw, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: mod})
		return bufio.NewWriterSize(pw, 64<<10), err
	}
	for _, p := range benchParts {
		pw, err := part(p.name)
		if err != nil {
			return err
		}
		pw.WriteString(p.body)
		if err := pw.Flush(); err != nil {
			return err
		}
	}
	pw, err := part("xl/worksheets/sheet1.xml")
	if err != nil {
		return err
	}
	refs, err := writeBenchSheet(pw, rows)
	if err != nil {
		return err
	}
	if pw, err = part("xl/sharedStrings.xml"); err != nil {
		return err
	}
	if err := writeBenchStrings(pw, rows, refs); err != nil {
		return err
	}
	return zw.Close()
}

// writeBenchSheet writes the worksheet and returns how many cells refer to
// the shared strings table.
func writeBenchSheet(w *bufio.Writer, rows int) (refs int, err error) {
	fmt.Fprintf(w, `%s<worksheet xmlns="%s" xmlns:r="%s"><dimension ref="A1:J%d"/>`+
		`<sheetViews><sheetView tabSelected="1" workbookViewId="0"/></sheetViews>`+
		`<sheetFormatPr defaultRowHeight="15"/><sheetData>`, xmlDecl, nsMain, nsRel, rows+1)
	w.WriteString(`<row r="1" spans="1:10">`)
	for c := range benchHeader {
		sstCell(w, c, 1, c)
		refs++
	}
	w.WriteString(`</row>`)
	for i := 1; i <= rows; i++ {
		r := i + 1
		fmt.Fprintf(w, `<row r="%d" spans="1:10">`, r)
		fmt.Fprintf(w, `<c r="A%d"><v>%d</v></c>`, r, i)
		sstCell(w, 1, r, sstFirst+benchFirstIdx(i))
		sstCell(w, 2, r, sstLast+benchLastIdx(i))
		sstCell(w, 3, r, sstEmail+i-1)
		sstCell(w, 4, r, sstCity+benchCityIdx(i))
		fmt.Fprintf(w, `<c r="F%d" s="1"><v>%d</v></c>`, r, benchSerial(i))
		fmt.Fprintf(w, `<c r="G%d" s="2"><v>%s</v></c>`, r, benchAmountXML(i))
		fmt.Fprintf(w, `<c r="H%d"><v>%s</v></c>`, r, benchScoreXML(i))
		active := 0
		if benchActive(i) {
			active = 1
		}
		fmt.Fprintf(w, `<c r="I%d" t="b"><v>%d</v></c>`, r, active)
		refs += 4
		if n := benchNote(i); n > 0 { // Excel writes no cell for an empty one
			sstCell(w, 9, r, sstNote+n-1)
			refs++
		}
		w.WriteString(`</row>`)
	}
	w.WriteString(`</sheetData><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>`)
	return refs, w.Flush()
}

func sstCell(w *bufio.Writer, col, row, index int) {
	fmt.Fprintf(w, `<c r="%c%d" t="s"><v>%d</v></c>`, 'A'+col, row, index)
}

// writeBenchStrings writes the shared strings in index order (see the
// sst* constants).
func writeBenchStrings(w *bufio.Writer, rows, refs int) error {
	unique := sstEmail + rows
	fmt.Fprintf(w, `%s<sst xmlns="%s" count="%d" uniqueCount="%d">`, xmlDecl, nsMain, refs, unique)
	si := func(s string) {
		w.WriteString(`<si><t>`)
		xmlEscape(w, s)
		w.WriteString(`</t></si>`)
	}
	for _, h := range benchHeader {
		si(h)
	}
	for k := range benchFirstNames {
		si(benchFirst(k))
	}
	for k := range benchLastNames {
		si(benchLast(k))
	}
	for _, c := range benchCities {
		si(c)
	}
	for _, n := range benchNotes {
		si(n)
	}
	for i := 1; i <= rows; i++ {
		si(benchEmail(i))
	}
	w.WriteString(`</sst>`)
	return w.Flush()
}

var xmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

func xmlEscape(w *bufio.Writer, s string) { xmlEscaper.WriteString(w, s) }

// heapSampler records the peak of the heap in use (runtime.MemStats
// HeapInuse) while it runs, sampling every 2 ms.
type heapSampler struct {
	peak atomic.Uint64
	done chan struct{}
	wg   sync.WaitGroup
}

func startHeapSampler() *heapSampler {
	runtime.GC() // start from the live heap, not the setup's garbage
	s := &heapSampler{done: make(chan struct{})}
	sample := func() {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		if m.HeapInuse > s.peak.Load() {
			s.peak.Store(m.HeapInuse)
		}
	}
	sample()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-s.done:
				sample()
				return
			case <-t.C:
				sample()
			}
		}
	}()
	return s
}

// stop ends the sampling and returns the peak in MB.
func (s *heapSampler) stop() float64 {
	close(s.done)
	s.wg.Wait()
	return float64(s.peak.Load()) / (1 << 20)
}

// readRows reads path and returns the number of data rows read and how
// long the first 100 took from the call to Open.
func readRows(b *testing.B, path string, limit int) (rows int, first100 time.Duration) {
	start := time.Now()
	r, err := Open(path, Options{Locale: "en-US"})
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	for limit <= 0 || rows < limit {
		if _, err := r.Next(); err == io.EOF {
			break
		} else if err != nil {
			b.Fatalf("%s after line %d: %v", path, r.Line(), err)
		}
		if rows++; rows == 100 {
			first100 = time.Since(start)
		}
	}
	return rows, first100
}

// benchRead reads the whole file b.N times and reports rows/s, the peak
// heap during a read and the time to the first 100 rows.
func benchRead(b *testing.B, path string) {
	var peak float64
	var first100 time.Duration
	rows := 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		hs := startHeapSampler()
		b.StartTimer()
		n, f := readRows(b, path, 0)
		b.StopTimer()
		peak = max(peak, hs.stop())
		rows += n
		first100 = max(first100, f)
	}
	if rows != b.N*benchRows {
		b.Fatalf("read %d rows from %s; want %d", rows, path, b.N*benchRows)
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(peak, "peak-MB")
	b.ReportMetric(float64(first100.Microseconds())/1000, "first100-ms")
}

// BenchmarkReadXLSX200k reads a 200,000-row by 10-column workbook with
// shared strings, dates and numbers, formatting every value.
func BenchmarkReadXLSX200k(b *testing.B) {
	x, _ := benchFiles(b)
	benchRead(b, x)
}

// BenchmarkReadCSV200k reads the same data as CSV.
func BenchmarkReadCSV200k(b *testing.B) {
	_, c := benchFiles(b)
	benchRead(b, c)
}

// BenchmarkFirst100Rows measures how long the first 100 rows take to reach
// the caller after Open, which is when the window can show them.
func BenchmarkFirst100Rows(b *testing.B) {
	x, c := benchFiles(b)
	for _, tt := range []struct{ name, path string }{{"xlsx", x}, {"csv", c}} {
		b.Run(tt.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if n, _ := readRows(b, tt.path, 100); n != 100 {
					b.Fatalf("read %d rows from %s; want 100", n, tt.path)
				}
			}
			b.ReportMetric(b.Elapsed().Seconds()*1000/float64(b.N), "first100-ms")
		})
	}
}

func BenchmarkNumFormatDate(b *testing.B) {
	f := parseNumFormat("dd/mm/yyyy hh:mm", resolveLocale("fr"))
	for i := 0; i < b.N; i++ {
		f.format(43832.5, false)
	}
}

// benchTestRows is the size of the workbook the tests below generate: big
// enough to use every kind of cell, small enough for every test run.
const benchTestRows = 3000

func writeBenchTestFiles(t *testing.T) (xlsxPath, csvPath string) {
	t.Helper()
	dir := t.TempDir()
	xlsxPath, csvPath = filepath.Join(dir, "bench.xlsx"), filepath.Join(dir, "bench.csv")
	if err := writeFileAtomic(xlsxPath, func(w io.Writer) error { return writeBenchWorkbook(w, benchTestRows) }); err != nil {
		t.Fatal(err)
	}
	if err := writeFileAtomic(csvPath, func(w io.Writer) error { return writeBenchCSV(w, benchTestRows) }); err != nil {
		t.Fatal(err)
	}
	return xlsxPath, csvPath
}

// TestBenchWorkbookReadsAsGenerated checks that the benchmark measures a
// real read: every value of the generated workbook, and of the CSV beside
// it, comes back as Excel shows it in US English.
func TestBenchWorkbookReadsAsGenerated(t *testing.T) {
	x, c := writeBenchTestFiles(t)
	for _, tt := range []struct{ name, path, format string }{{"xlsx", x, "xlsx"}, {"csv", c, "csv"}} {
		t.Run(tt.name, func(t *testing.T) {
			cols, rows, info := readAll(t, tt.path, Options{Locale: "en-US"})
			if !reflect.DeepEqual(cols, benchHeader) {
				t.Errorf("Columns() of %s = %q; want %q", tt.name, cols, benchHeader)
			}
			if info.Format != tt.format {
				t.Errorf("Info().Format = %q; want %q", info.Format, tt.format)
			}
			if len(rows) != benchTestRows {
				t.Errorf("read %d rows from %s; want %d", len(rows), tt.name, benchTestRows)
			}
			bad := 0
			for i := 1; i <= benchTestRows && bad < 5; i++ {
				if got, want := rows[i+1], benchRecord(i); !reflect.DeepEqual(got, want) {
					t.Errorf("%s line %d = %q; want %q", tt.name, i+1, got, want)
					bad++
				}
			}
		})
	}
}

// TestBenchWorkbookOpensInExcelize checks the generated workbook with
// another reader than ours.
func TestBenchWorkbookOpensInExcelize(t *testing.T) {
	x, _ := writeBenchTestFiles(t)
	if err := checkWithExcelize(x, benchTestRows); err != nil {
		t.Error(err)
	}
	f, err := excelize.OpenFile(x)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(benchSheet, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatalf("excelize GetRows: %v", err)
	}
	if len(rows) != benchTestRows+1 {
		t.Errorf("excelize GetRows returned %d rows; want %d", len(rows), benchTestRows+1)
	}
	if got, want := rows[1][5], strconv.Itoa(benchSerial(1)); got != want {
		t.Errorf("excelize raw F2 = %q; want the date serial %q", got, want)
	}
}

// TestBenchWorkbookOpensInOpenpyxl runs testdata/openpyxl_bench.py, the
// reference `make bench` compares with, on a generated workbook: it must
// read every row, with dates as dates and text from the shared strings.
func TestBenchWorkbookOpensInOpenpyxl(t *testing.T) {
	const python = "/usr/bin/python3"
	if err := exec.Command(python, "-c", "import openpyxl").Run(); err != nil {
		t.Skipf("%s with openpyxl is not available (apt-get install python3-openpyxl): %v", python, err)
	}
	x, _ := writeBenchTestFiles(t)
	out, err := exec.Command(python, "testdata/openpyxl_bench.py", x, strconv.Itoa(benchTestRows)).CombinedOutput()
	if err != nil {
		t.Fatalf("openpyxl_bench.py %s: %v\n%s", x, err, out)
	}
	if want := fmt.Sprintf(": %d rows in ", benchTestRows); !strings.Contains(string(out), want) {
		t.Errorf("openpyxl_bench.py printed %q; want it to contain %q", out, want)
	}
}

// The all-shared workbook is the 200,000-row list as LibreOffice writes
// it: every text, numbers' neighbours included, goes through the shared
// strings table, in the order the cells first use it, which makes a 42 MB
// sharedStrings part that a reader decoding it whole before the first row
// pays for at once.
const (
	benchSharedName = "bench200k-allshared-v1"
	benchSharedCols = 8 // texts per row, after the Id and Amount numbers
)

var (
	benchSharedOnce sync.Once
	benchSharedPath string
	benchSharedErr  error
)

func benchSharedFile(b *testing.B) string {
	b.Helper()
	benchSharedOnce.Do(func() {
		dir := benchDir()
		benchSharedPath = filepath.Join(dir, benchSharedName+".xlsx")
		if benchSharedErr = os.MkdirAll(dir, 0o755); benchSharedErr != nil {
			return
		}
		if _, err := os.Stat(benchSharedPath); err == nil {
			return
		}
		benchSharedErr = writeFileAtomic(benchSharedPath, func(w io.Writer) error { return writeAllSharedWorkbook(w, benchRows) })
	})
	if benchSharedErr != nil {
		b.Fatal(benchSharedErr)
	}
	return benchSharedPath
}

// allSharedText is text column c (0-based) of data row i.
func allSharedText(i, c int) string {
	switch c {
	case 0:
		return benchFirst(benchFirstIdx(i)) + " " + strconv.Itoa(i)
	case 1:
		return benchLast(i)
	case 2:
		return benchEmail(i)
	case 3:
		return benchCities[benchCityIdx(i)] + " " + strconv.Itoa(i%997)
	}
	return fmt.Sprintf("note %d/%d: %s", i, c, benchNotes[(i+c)%2])
}

func writeAllSharedWorkbook(w io.Writer, rows int) error {
	zw := zip.NewWriter(w)
	mod := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	part := func(name string) (*bufio.Writer, error) {
		pw, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: mod})
		return bufio.NewWriterSize(pw, 64<<10), err
	}
	for _, p := range benchParts {
		pw, err := part(p.name)
		if err != nil {
			return err
		}
		pw.WriteString(p.body)
		if err := pw.Flush(); err != nil {
			return err
		}
	}
	header := 2 + benchSharedCols
	pw, err := part("xl/worksheets/sheet1.xml")
	if err != nil {
		return err
	}
	fmt.Fprintf(pw, `%s<worksheet xmlns="%s" xmlns:r="%s"><sheetData><row r="1">`, xmlDecl, nsMain, nsRel)
	for c := 0; c < header; c++ {
		sstCell(pw, c, 1, c)
	}
	pw.WriteString(`</row>`)
	for i := 1; i <= rows; i++ {
		r := i + 1
		fmt.Fprintf(pw, `<row r="%d"><c r="A%d"><v>%d</v></c><c r="B%d" s="2"><v>%s</v></c>`, r, r, i, r, benchAmountXML(i))
		for c := 0; c < benchSharedCols; c++ {
			sstCell(pw, 2+c, r, header+(i-1)*benchSharedCols+c)
		}
		pw.WriteString(`</row>`)
	}
	pw.WriteString(`</sheetData></worksheet>`)
	if err := pw.Flush(); err != nil {
		return err
	}
	if pw, err = part("xl/sharedStrings.xml"); err != nil {
		return err
	}
	unique := header + rows*benchSharedCols
	fmt.Fprintf(pw, `%s<sst xmlns="%s" count="%d" uniqueCount="%d">`, xmlDecl, nsMain, unique, unique)
	si := func(s string) {
		pw.WriteString(`<si><t>`)
		xmlEscape(pw, s)
		pw.WriteString(`</t></si>`)
	}
	si("Id")
	si("Amount")
	for c := 0; c < benchSharedCols; c++ {
		si("Text" + strconv.Itoa(c+1))
	}
	for i := 1; i <= rows; i++ {
		for c := 0; c < benchSharedCols; c++ {
			si(allSharedText(i, c))
		}
	}
	pw.WriteString(`</sst>`)
	if err := pw.Flush(); err != nil {
		return err
	}
	return zw.Close()
}

// BenchmarkFirst100RowsAllShared measures the first 100 rows of the
// all-shared workbook: with the shared strings read lazily, only the
// start of its 42 MB table is decoded.
func BenchmarkFirst100RowsAllShared(b *testing.B) {
	path := benchSharedFile(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if n, _ := readRows(b, path, 100); n != 100 {
			b.Fatalf("read %d rows from %s; want 100", n, path)
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()*1000/float64(b.N), "first100-ms")
}

// TestAllSharedWorkbookReads checks the generator of the benchmark above
// and that a lazily read table gives every row its own texts, the last
// row included.
func TestAllSharedWorkbookReads(t *testing.T) {
	const rows = 3000
	path := filepath.Join(t.TempDir(), "allshared.xlsx")
	if err := writeFileAtomic(path, func(w io.Writer) error { return writeAllSharedWorkbook(w, rows) }); err != nil {
		t.Fatal(err)
	}
	cols, got, _ := readAll(t, path, Options{Locale: "en-US"})
	if len(cols) != 2+benchSharedCols || len(got) != rows {
		t.Fatalf("read %d columns, %d rows; want %d, %d", len(cols), len(got), 2+benchSharedCols, rows)
	}
	for _, i := range []int{1, 2, 1023, 1024, 1025, rows} {
		for c := 0; c < benchSharedCols; c++ {
			if v := got[i+1][2+c]; v != allSharedText(i, c) {
				t.Errorf("row %d column %d = %q; want %q", i+1, 3+c, v, allSharedText(i, c))
			}
		}
	}
}
