package sheet

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func FuzzSniffCSV(f *testing.F) {
	for _, s := range []string{"a,b\n1,2\n", "sep=;\na;b\n", "\xFF\xFEa\x00;\x00", "\"a\nb\";c\n", "caf\xe9|x\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		enc, bom := detectEncoding(data, true)
		if bom > len(data) {
			t.Fatalf("detectEncoding(%q) bom %d longer than input", data, bom)
		}
		switch enc {
		case "utf-8", "utf-16le", "utf-16be", "windows-1252":
		default:
			t.Fatalf("detectEncoding(%q) = %q", data, enc)
		}
		d := sniffDelimiter(data, true, ',')
		if d != ',' && d != ';' && d != '\t' && d != '|' {
			t.Fatalf("sniffDelimiter(%q) = %q", data, d)
		}
		sepLine(data)
	})
}

func FuzzReadCSV(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.csv")
	more, _ := filepath.Glob("testdata/*.txt")
	for _, p := range append(files, more...) {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := OpenCSV(bytes.NewReader(data), "fuzz.csv", Options{MaxCellBytes: 1 << 16})
		if err != nil {
			return
		}
		defer r.Close()
		for i := 0; ; i++ {
			row, err := r.Next()
			if err != nil {
				return
			}
			if len(row) != len(r.Columns()) {
				t.Fatalf("row %d has %d values; want %d", i, len(row), len(r.Columns()))
			}
			if i > len(data) {
				t.Fatalf("more rows than input bytes")
			}
		}
	})
}

// FuzzReadXLSX mutates the worksheet of a small workbook.
func FuzzReadXLSX(f *testing.F) {
	f.Add([]byte(`<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>H</t></is></c></row><row><c s="0"><v>1.5</v></c><c t="b"><v>1</v></c></row></sheetData></worksheet>`))
	f.Add([]byte(`<worksheet><sheetData><row r="2"><c r="XFD2" t="s"><v>0</v></c><c t="e"><v>#N/A</v></c></row><!-- x --><![CDATA[y]]></sheetData></worksheet>`))
	f.Add([]byte(`<x:worksheet><x:sheetData><x:row r="5" a='>'><x:c r="B5" t="str"><x:f>1</x:f><x:v>&amp;&#233;&#x4E2D;&bogus;</x:v></x:c></x:row></x:sheetData></x:worksheet>`))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, sheet []byte) {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for name, body := range map[string]string{
			"[Content_Types].xml":        `<Types/>`,
			"xl/workbook.xml":            `<workbook><sheets><sheet name="S" r:id="rId1" xmlns:r="r"/></sheets></workbook>`,
			"xl/_rels/workbook.xml.rels": `<Relationships><Relationship Id="rId1" Type="x/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="x/sharedStrings" Target="sharedStrings.xml"/></Relationships>`,
			"xl/sharedStrings.xml":       `<sst><si><t>shared</t></si></sst>`,
			"xl/worksheets/sheet1.xml":   string(sheet),
		} {
			w, _ := zw.Create(name)
			io.WriteString(w, body)
		}
		zw.Close()
		p := filepath.Join(dir, "fuzz.xlsx")
		if err := os.WriteFile(p, buf.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		r, err := Open(p, Options{MaxCellBytes: 1 << 16, Locale: "en-US"})
		if err != nil {
			return
		}
		defer r.Close()
		for i := 0; i <= len(sheet); i++ {
			row, err := r.Next()
			if err != nil {
				return
			}
			if len(row) != len(r.Columns()) {
				t.Fatalf("row has %d values; want %d", len(row), len(r.Columns()))
			}
		}
		t.Fatalf("more rows than input bytes")
	})
}

// FuzzCSVScanner checks that the bounded scanner splits records exactly
// as encoding/csv does with LazyQuotes, the reader it replaces, and gives
// the same line of each record.
func FuzzCSVScanner(f *testing.F) {
	for _, s := range []string{"a,b\n1,2\n", "\"a\nb\",c\r\n\n\nd", "\"a\"\"b\"x,\"\r\n", "a\rb,\"c\"\r", "x,\"open\n", "é;ü\n\"\";\n", ",,\n,", "\"a\"b\"c\",d\n", "\r\n\r", "a\r\r\nb"} {
		f.Add([]byte(s), byte(','))
		f.Add([]byte(s), byte(';'))
	}
	f.Fuzz(func(t *testing.T, data []byte, delim byte) {
		d := rune(delim)
		if !strings.ContainsRune(",;\t|x", d) {
			d = '§'
		}
		data = bytes.ToValidUTF8(data, []byte("?"))
		cr := csv.NewReader(bytes.NewReader(data))
		cr.Comma, cr.LazyQuotes, cr.FieldsPerRecord = d, true, -1
		sc := newCSVScanner(bufio.NewReader(bytes.NewReader(data)), d, Options{}.withDefaults())
		for {
			want, werr := cr.Read()
			got, line, gerr := sc.read()
			if werr != nil || gerr != nil {
				if werr != gerr {
					t.Fatalf("%q: encoding/csv error %v, scanner error %v (scanner record %q)", data, werr, gerr, got)
				}
				return
			}
			if !slices.Equal(got, want) {
				t.Fatalf("%q: scanner record %q; encoding/csv %q", data, got, want)
			}
			if wl, _ := cr.FieldPos(0); wl != line {
				t.Fatalf("%q: record %q on line %d; encoding/csv says %d", data, got, line, wl)
			}
		}
	})
}

// FuzzReadODS mutates the content.xml of a small OpenDocument spreadsheet:
// whatever it holds, the reader returns rows of the header's width or a
// located error, and never more rows than a spreadsheet may have.
func FuzzReadODS(f *testing.F) {
	const head = `<office:document-content xmlns:office="o" xmlns:table="t" xmlns:text="x"><office:body><office:spreadsheet>`
	f.Add([]byte(head + `<table:table table:name="S"><table:table-row><table:table-cell office:value-type="string"><text:p>Name</text:p></table:table-cell><table:table-cell><text:p>B<text:s text:c="3"/>c</text:p><text:p>d</text:p></table:table-cell></table:table-row>` +
		`<table:table-row table:number-rows-repeated="3"><table:table-cell office:value-type="float" office:value="1.5"/><table:table-cell table:number-columns-repeated="2" office:value-type="date" office:date-value="2020-01-02"/></table:table-row></table:table></office:spreadsheet></office:body></office:document-content>`))
	f.Add([]byte(head + `<table:table table:name="A"/><table:table table:name="B"><table:table-row table:number-rows-repeated="1048576"/><table:table-row><table:covered-table-cell/><table:table-cell office:value-type="time" office:time-value="PT12H30M"><office:annotation><text:p>n</text:p></office:annotation></table:table-cell></table:table-row></table:table>`))
	f.Add([]byte(head + `<table:table table:name="S"><table:table-row><table:table-cell office:value-type="boolean" office:boolean-value="true"><table:table><table:table-row><table:table-cell><text:p>inner</text:p></table:table-cell></table:table-row></table:table></table:table-cell></table:table-row></table:table>`))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, content []byte) {
		p := filepath.Join(dir, "fuzz.ods")
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		w, _ := zw.CreateHeader(&zip.FileHeader{Name: "mimetype", Method: zip.Store})
		io.WriteString(w, "application/vnd.oasis.opendocument.spreadsheet")
		w, _ = zw.Create("META-INF/manifest.xml")
		io.WriteString(w, `<manifest:manifest xmlns:manifest="m"><manifest:file-entry manifest:full-path="content.xml"/></manifest:manifest>`)
		w, _ = zw.Create("content.xml")
		w.Write(content)
		zw.Close()
		if err := os.WriteFile(p, buf.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		r, err := Open(p, Options{MaxCellBytes: 1 << 12, MaxTotalBytes: 1 << 16, Locale: "en-US"})
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Open error %v is not a located *Error", err)
			}
			return
		}
		defer r.Close()
		for {
			row, err := r.Next()
			if err != nil {
				if err != io.EOF {
					var e *Error
					if !errors.As(err, &e) {
						t.Fatalf("Next error %v is not a located *Error", err)
					}
				}
				return
			}
			if len(row) != len(r.Columns()) {
				t.Fatalf("row has %d values; want %d", len(row), len(r.Columns()))
			}
			if r.Line() > maxSheetRows {
				t.Fatalf("row on line %d, past %d", r.Line(), maxSheetRows)
			}
		}
	})
}
