package sheet

import (
	"archive/zip"
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Hostile files are read in a child process (this test binary run again)
// whose resident memory the parent watches: Go's runtime cannot live under
// an address-space limit, and a reader that blows up must fail the test,
// not the machine.
const (
	hostileEnv     = "SHEET_HOSTILE_CASE"
	hostileFileEnv = "SHEET_HOSTILE_FILE"
	hostileMaxRSS  = 500 << 20
	hostileHang    = 60 * time.Second // a hang guard, not a timing assertion
)

type hostileCase struct {
	name string
	// file writes the hostile file into dir and returns its path; nil
	// means the child makes the input itself (open).
	file func(t *testing.T, dir string) string
	// open, when set, opens the input in the child instead of Open(path).
	open func() (*Reader, error)
	// want are substrings of the error the child must end with ("" for a
	// legitimate file read to its end).
	want []string
	rows int // rows the child must read before the end (or the error), -1 for any
}

func hostileCases() []hostileCase {
	return []hostileCase{
		{
			// Every cell points to one 4 MB shared text: a row of them
			// would be gigabytes.
			name: "xlsx-shared-string-row",
			file: func(t *testing.T, dir string) string {
				return writeAmplifiedXLSX(t, dir, 4_000_000, 10, 20000)
			},
			want: []string{"amplify.xlsx", `sheet "S"`, "row 2, column C", "row is larger than 8 MiB"},
			rows: 0,
		},
		{
			// Two such cells a row stay under the row cap: the total cap
			// stops the reader.
			name: "xlsx-shared-string-total",
			file: func(t *testing.T, dir string) string {
				return writeAmplifiedXLSX(t, dir, 4_000_000, 2, 200000)
			},
			want: []string{"amplify.xlsx", `sheet "S"`, "row 69", "more than 512 MiB of text"},
			rows: 67, // 68 rows of 8,000,002 bytes pass 512 MiB
		},
		{
			// 200 million empty shared texts in a 1.5 MB file, and a cell
			// pointing to the last one.
			name: "xlsx-empty-shared-strings",
			file: func(t *testing.T, dir string) string {
				n := 200_000_000
				if raceEnabled {
					n = 20_000_000
				}
				return writeManyEmptySharedStrings(t, dir, n, 200_000_000-1)
			},
			want: []string{"texts.xlsx", `sheet "S"`, "row 2, column A", "more than 16,777,216 shared texts"},
			rows: 0,
		},
		{
			// The last shared text a cell may point to: the table is
			// decoded that far, within bounded memory.
			name: "xlsx-empty-shared-strings-at-cap",
			file: func(t *testing.T, dir string) string {
				n, index := 20_000_000, maxSharedStrings-1
				if raceEnabled {
					n, index = 2_000_000, 2_000_000-1
				}
				return writeManyEmptySharedStrings(t, dir, n, index)
			},
			want: []string{"EOF"}, // the row is blank
			rows: 0,
		},
		{
			name: "ods-repeated-row",
			file: func(t *testing.T, dir string) string {
				return writeODS(t, dir, "rows.ods", `<table:table-row><table:table-cell office:value-type="string"><text:p>Name</text:p></table:table-cell></table:table-row>`+
					`<table:table-row table:number-rows-repeated="16777216"><table:table-cell office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row>`)
			},
			want: []string{"rows.ods", `sheet "Sheet1"`, "row 1048577", "past row 1,048,576"},
			rows: 1048575,
		},
		{
			name: "ods-repeated-row-and-cells",
			file: func(t *testing.T, dir string) string {
				return writeODS(t, dir, "cells.ods", `<table:table-row><table:table-cell office:value-type="string"><text:p>Name</text:p></table:table-cell></table:table-row>`+
					`<table:table-row table:number-rows-repeated="16777216"><table:table-cell table:number-columns-repeated="16384" office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row>`)
			},
			want: []string{"cells.ods", `sheet "Sheet1"`, "more than 512 MiB of text"},
			rows: -1,
		},
		{
			// One 1.5 GB line without a delimiter.
			name: "csv-long-line",
			open: func() (*Reader, error) {
				return OpenCSV(io.MultiReader(strings.NewReader("Name,Email\n"), &patternReader{pattern: "a", n: 1500 << 20}), "long.csv", Options{})
			},
			want: []string{"long.csv", "row 2, column A", "cell larger than 4 MiB"},
			rows: 0,
		},
		{
			// 1.5 GB of fields on one line, each under the cell cap.
			name: "csv-long-record",
			open: func() (*Reader, error) {
				return OpenCSV(io.MultiReader(strings.NewReader("Name,Email\n"), &patternReader{pattern: strings.Repeat("x", 999) + ",", n: 1500 << 20}), "fields.csv", Options{})
			},
			want: []string{"fields.csv", "row 2", "row is larger than 8 MiB"},
			rows: 0,
		},
		{
			// A quote never closed: the rest of the file, lines included,
			// would be one field.
			name: "csv-unterminated-quote",
			open: func() (*Reader, error) {
				return OpenCSV(io.MultiReader(strings.NewReader("Name,Email\nAna,ana@example.com\n\"Bob,"), &patternReader{pattern: "bob@example.com\n", n: 1500 << 20}), "quote.csv", Options{})
			},
			want: []string{"quote.csv", "row 3, column A", "cell larger than 4 MiB"},
			rows: 1,
		},
	}
}

// TestHostileFilesBoundedMemory reads each hostile file in a child process
// that must end with a located error, under 500 MB of resident memory.
func TestHostileFilesBoundedMemory(t *testing.T) {
	if os.Getenv(hostileEnv) != "" {
		t.Skip("in the child")
	}
	for _, tc := range hostileCases() {
		t.Run(tc.name, func(t *testing.T) {
			path := ""
			if tc.file != nil {
				path = tc.file(t, t.TempDir())
			}
			out, peak := runWatched(t, tc.name, path)
			t.Logf("%s: peak resident memory %d MB; child said %q", tc.name, peak>>20, out)
			rows, msg, ok := strings.Cut(out, " ")
			if !ok {
				t.Fatalf("child output %q", out)
			}
			if n, _ := strconv.Atoi(strings.TrimPrefix(rows, "rows=")); tc.rows >= 0 && n != tc.rows {
				t.Errorf("child read %d rows before stopping; want %d", n, tc.rows)
			}
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not contain %q", msg, w)
				}
			}
		})
	}
}

// TestHostileChild is the child's side: it reads the case named by the
// environment and prints "rows=N error".
func TestHostileChild(t *testing.T) {
	name := os.Getenv(hostileEnv)
	if name == "" {
		t.Skip("run by TestHostileFilesBoundedMemory")
	}
	for _, tc := range hostileCases() {
		if tc.name != name {
			continue
		}
		var r *Reader
		var err error
		if tc.open != nil {
			r, err = tc.open()
		} else {
			r, err = Open(os.Getenv(hostileFileEnv), Options{Locale: "en-US"})
		}
		rows := 0
		if err == nil {
			for {
				if _, err = r.Next(); err != nil {
					break
				}
				rows++
			}
			r.Close()
		}
		if errors.Is(err, io.EOF) {
			err = errors.New("EOF")
		}
		fmt.Printf("\nHOSTILE rows=%d %v\n", rows, err)
		return
	}
	t.Fatalf("no case %q", name)
}

// runWatched runs the child for one case and returns what it printed and
// its peak resident memory. It kills the child and fails the test past
// hostileMaxRSS or hostileHang.
func runWatched(t *testing.T, name, path string) (string, int64) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHostileChild$", "-test.v")
	cmd.Env = append(os.Environ(), hostileEnv+"="+name, hostileFileEnv+"="+path, "GOMAXPROCS=2")
	var stdout bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var peak int64
	deadline := time.After(hostileHang)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			for _, line := range strings.Split(stdout.String(), "\n") {
				if s, ok := strings.CutPrefix(line, "HOSTILE "); ok {
					return s, peak
				}
			}
			t.Fatalf("child for %s ended (%v) without a result:\n%s", name, err, tail(stdout.String()))
		case <-deadline:
			cmd.Process.Kill()
			<-done
			t.Fatalf("child for %s still running after %v (peak %d MB)", name, hostileHang, peak>>20)
		case <-tick.C:
			rss := residentMemory(cmd.Process.Pid)
			peak = max(peak, rss)
			if rss > hostileMaxRSS {
				cmd.Process.Kill()
				<-done
				t.Fatalf("child for %s uses %d MB of resident memory (limit %d MB)", name, rss>>20, hostileMaxRSS>>20)
			}
		}
	}
}

// residentMemory reads the peak resident set (VmHWM, else VmRSS) of a
// process from /proc, in bytes; 0 when it cannot be read.
func residentMemory(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	var rss, hwm int64
	for _, line := range strings.Split(string(b), "\n") {
		key, val, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		f := strings.Fields(val)
		if len(f) == 0 {
			continue
		}
		kb, _ := strconv.ParseInt(f[0], 10, 64)
		switch key {
		case "VmHWM":
			hwm = kb << 10
		case "VmRSS":
			rss = kb << 10
		}
	}
	return max(rss, hwm)
}

func tail(s string) string {
	if len(s) > 2000 {
		return "…" + s[len(s)-2000:]
	}
	return s
}

// patternReader yields n bytes repeating pattern, without holding them.
type patternReader struct {
	pattern string
	n, off  int64
}

func (p *patternReader) Read(b []byte) (int, error) {
	if p.off >= p.n {
		return 0, io.EOF
	}
	k := 0
	for k < len(b) && p.off < p.n {
		c := copy(b[k:], p.pattern[p.off%int64(len(p.pattern)):])
		if rest := p.n - p.off; int64(c) > rest {
			c = int(rest)
		}
		k += c
		p.off += int64(c)
	}
	return k, nil
}

// writeXLSXParts writes a minimal workbook whose one sheet "S" and shared
// strings are streamed by the callbacks, with the extra parts (name, body).
func writeXLSXParts(t *testing.T, path string, sheet, sst func(w *bufio.Writer), extra ...[2]string) string {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zw := zip.NewWriter(f)
	for _, p := range []struct {
		name string
		body func(w *bufio.Writer)
	}{
		{"[Content_Types].xml", func(w *bufio.Writer) { w.WriteString(`<Types/>`) }},
		{"xl/workbook.xml", func(w *bufio.Writer) {
			w.WriteString(`<workbook xmlns:r="r"><sheets><sheet name="S" r:id="rId1"/></sheets></workbook>`)
		}},
		{"xl/_rels/workbook.xml.rels", func(w *bufio.Writer) {
			w.WriteString(`<Relationships><Relationship Id="rId1" Type="x/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="x/sharedStrings" Target="sharedStrings.xml"/></Relationships>`)
		}},
		{"xl/worksheets/sheet1.xml", sheet},
		{"xl/sharedStrings.xml", sst},
	} {
		pw, err := zw.Create(p.name)
		if err != nil {
			t.Fatal(err)
		}
		bw := bufio.NewWriterSize(pw, 1<<20)
		p.body(bw)
		if err := bw.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range extra {
		pw, err := zw.Create(p[0])
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(pw, p[1])
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// writeAmplifiedXLSX writes a workbook whose data cells (perRow a row,
// rows rows) all point to one shared text of size bytes.
func writeAmplifiedXLSX(t *testing.T, dir string, size, perRow, rows int) string {
	return writeXLSXParts(t, filepath.Join(dir, "amplify.xlsx"), func(w *bufio.Writer) {
		w.WriteString(`<worksheet><sheetData><row r="1">`)
		for c := 0; c < perRow; c++ {
			fmt.Fprintf(w, `<c t="inlineStr"><is><t>H%d</t></is></c>`, c+1)
		}
		w.WriteString(`</row>`)
		for r := 2; r < rows+2; r++ {
			w.WriteString(`<row>`)
			for c := 0; c < perRow; c++ {
				w.WriteString(`<c t="s"><v>0</v></c>`)
			}
			w.WriteString(`</row>`)
		}
		w.WriteString(`</sheetData></worksheet>`)
	}, func(w *bufio.Writer) {
		w.WriteString(`<sst><si><t>`)
		w.WriteString(strings.Repeat("A", size))
		w.WriteString(`</t></si></sst>`)
	})
}

// writeManyEmptySharedStrings writes n empty shared texts and one cell
// pointing to text index.
func writeManyEmptySharedStrings(t *testing.T, dir string, n, index int) string {
	return writeXLSXParts(t, filepath.Join(dir, "texts.xlsx"), func(w *bufio.Writer) {
		fmt.Fprintf(w, `<worksheet><sheetData><row r="1"><c t="inlineStr"><is><t>Name</t></is></c></row><row r="2"><c t="s"><v>%d</v></c></row></sheetData></worksheet>`, index)
	}, func(w *bufio.Writer) {
		w.WriteString(`<sst>`)
		blk := strings.Repeat("<si/>", 1<<16)
		for i := 0; i < n; i += 1 << 16 {
			w.WriteString(blk[:5*min(1<<16, n-i)])
		}
		w.WriteString(`</sst>`)
	})
}

// writeODS writes an OpenDocument spreadsheet whose one table "Sheet1"
// holds rows (table-row elements).
func writeODS(t *testing.T, dir, name, rows string) string {
	t.Helper()
	return writeODSParts(t, filepath.Join(dir, name), map[string]string{
		"content.xml": `<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet><table:table table:name="Sheet1">` +
			rows + `</table:table></office:spreadsheet></office:body></office:document-content>`,
		"META-INF/manifest.xml": `<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>`,
	})
}

// writeODSParts writes the mimetype first (stored), then parts in name
// order.
func writeODSParts(t *testing.T, path string, parts map[string]string) string {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateHeader(&zip.FileHeader{Name: "mimetype", Method: zip.Store})
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, "application/vnd.oasis.opendocument.spreadsheet")
	names := make([]string, 0, len(parts))
	for n := range parts {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		w, err := zw.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, parts[n])
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
