package sheet

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// readAll opens path and returns its columns and its rows keyed by line.
func readAll(t *testing.T, path string, opt Options) ([]string, map[int][]string, Info) {
	t.Helper()
	r, err := Open(path, opt)
	if err != nil {
		t.Fatalf("Open(%q) error: %v", path, err)
	}
	t.Cleanup(func() { r.Close() })
	rows := map[int][]string{}
	for {
		row, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("Next() on %q after line %d: %v", path, r.Line(), err)
		}
		if len(row) != len(r.Columns()) {
			t.Fatalf("Next() on %q line %d returned %d values; want %d", path, r.Line(), len(row), len(r.Columns()))
		}
		rows[r.Line()] = append([]string(nil), row...)
	}
	return r.Columns(), rows, r.Info()
}

func TestOpenFiles(t *testing.T) {
	tests := []struct {
		name      string
		file      string
		opt       Options
		cols      []string
		rows      map[int][]string
		format    string
		sheet     string
		sheets    []string
		encoding  string
		delimiter string
		warnings  []string
	}{
		{
			name: "excelize workbook skips the blank first sheet and formats like Excel in French",
			file: "excelize.xlsx", opt: Options{Locale: "fr-FR"},
			cols: []string{"First Name", "Email", "Column C", "email (2)", "Born", "Short", "Dmy", "Time", "Share", "Share1", "Amount", "Float", "Active", "Phone", "Grouped"},
			rows: map[int][]string{
				2: {"Zoë", "zoe@example.fr", "", "zoe@perso.fr", "2020-01-02", "02/01/2020", "2-janv.-20", "12:00", "25%", "12,5%", "1234,50", "0,3", "TRUE", "06 12 34 56 78", "1\u00a0234\u00a0567"},
				3: {"李小龙", "lee@example.cn", "", "", "1999-07-14", "", "", "18:00", "100%", "0,1%", "-3,14", "0,001", "FALSE", "", "-1\u00a0000"},
				7: {"Line\nBreak", "multi@example.com", "", "", "", "", "", "", "", "", "", "", "", "", ""},
			},
			format: "xlsx", sheet: "Contacts", sheets: []string{"Blank", "Contacts", "Merged"},
			warnings: []string{`row 1, column C: empty header named "Column C"`, `row 1, column D: duplicate header "email" renamed "email (2)"`},
		},
		{
			name: "excelize workbook in US English",
			file: "excelize.xlsx", opt: Options{Locale: "en-US", Sheet: "contacts"},
			cols: []string{"First Name", "Email", "Column C", "email (2)", "Born", "Short", "Dmy", "Time", "Share", "Share1", "Amount", "Float", "Active", "Phone", "Grouped"},
			rows: map[int][]string{
				2: {"Zoë", "zoe@example.fr", "", "zoe@perso.fr", "2020-01-02", "1/2/2020", "2-Jan-20", "12:00", "25%", "12.5%", "1234.50", "0.3", "TRUE", "06 12 34 56 78", "1,234,567"},
				3: {"李小龙", "lee@example.cn", "", "", "1999-07-14", "", "", "18:00", "100%", "0.1%", "-3.14", "0.001", "FALSE", "", "-1,000"},
				7: {"Line\nBreak", "multi@example.com", "", "", "", "", "", "", "", "", "", "", "", "", ""},
			},
			format: "xlsx", sheet: "Contacts", sheets: []string{"Blank", "Contacts", "Merged"},
			warnings: []string{`row 1, column C: empty header named "Column C"`, `row 1, column D: duplicate header "email" renamed "email (2)"`},
		},
		{
			name: "merged header cell names the covered cell by its letter",
			file: "excelize.xlsx", opt: Options{Sheet: "3", Locale: "en-US"},
			cols:   []string{"Person", "Column B", "City"},
			rows:   map[int][]string{2: {"Ana", "Silva", "Lyon"}},
			format: "xlsx", sheet: "Merged", sheets: []string{"Blank", "Contacts", "Merged"},
			warnings: []string{`row 1, column B: empty header named "Column B"`},
		},
		{
			name: "hand-written OOXML: prefixes, formulas, inline strings, errors, 1904 dates",
			file: "raw1904.xlsx", opt: Options{Locale: "de-DE"},
			cols: []string{"Name", "Total", "When", "Price", "Ok", "Rate"},
			rows: map[int][]string{
				3:  {"Mixed & bold", "3", "01/01/2024 12:00", "-€ 1.234,50", "TRUE", "1,25%"},
				4:  {"東京", "#N/A", "01.01.1904", "xy", "", ""},
				12: {"a\rb_x", "bad \uFFFD byte", "", "€ 0,00", "", ""},
			},
			format: "xlsx", sheet: "Données", sheets: []string{"Données"},
		},
		{
			name: "xlsx written by LibreOffice",
			file: "libreoffice.xlsx", opt: Options{Locale: "en-GB"},
			cols: []string{"First Name", "Email", "Born", "Joined", "Share", "Amount", "Active", "Double", "Column I", "email (2)", "Notes"},
			rows: map[int][]string{
				2: {"Zoë", "zoe@example.fr", "02/01/2020", "2021-12-31", "12.5%", "1,234.50", "1", "2469", "", "zoe2@example.fr", "line one\nline   twotabbed"},
				5: {"李小龙", "lee@example.cn", "14/07/1999", "", "", "0.3", "0", "#DIV/0!", "", "", ""},
			},
			format: "xlsx", sheet: "Contacts", sheets: []string{"Empty", "Contacts", "Second"},
			warnings: []string{`row 1, column I: empty header named "Column I"`, `row 1, column J: duplicate header "email" renamed "email (2)"`},
		},
		{
			name: "ods written by LibreOffice, with a million repeated empty rows",
			file: "libreoffice.ods", opt: Options{Locale: "fr-FR"},
			cols: []string{"First Name", "Email", "Born", "Joined", "Share", "Amount", "Active", "Double", "Column I", "email (2)", "Notes"},
			rows: map[int][]string{
				2: {"Zoë", "zoe@example.fr", "02/01/2020", "2021-12-31", "12.5%", "1,234.50", "1", "2469", "", "zoe2@example.fr", "line one\nline   twotabbed"},
				5: {"李小龙", "lee@example.cn", "14/07/1999", "", "", "0.3", "0", "#DIV/0!", "", "", ""},
			},
			format: "ods", sheet: "Contacts", sheets: []string{"Empty", "Contacts", "Second"},
			warnings: []string{`row 1, column I: empty header named "Column I"`, `row 1, column J: duplicate header "email" renamed "email (2)"`},
		},
		{
			name: "ods sheet by name",
			file: "libreoffice.ods", opt: Options{Sheet: "Second"},
			cols: []string{"Name"}, rows: map[int][]string{2: {"Ana"}},
			format: "ods", sheet: "Second", sheets: []string{"Empty", "Contacts", "Second"},
		},
		{
			name: "utf-8 comma csv with quotes, newlines, blank and ragged rows",
			file: "utf8.csv",
			cols: []string{"Name", "Email", "City", "Note"},
			rows: map[int][]string{
				2: {"Zoë", "zoe@example.fr", "Paris, France", `She said "hi"`},
				3: {"李小龙", "lee@example.cn", "東京", "two\nlines"},
				6: {"Ana", "ana@example.pt", "Lisboa", ""},
				7: {"Bob", "bob@example.com", "Berlin", "note"},
			},
			format: "csv", sheet: "utf8.csv", sheets: []string{"utf8.csv"}, encoding: "utf-8", delimiter: ",",
			warnings: []string{"row 7, column E: a value to the right of the last column was ignored (it has no header)"},
		},
		{
			name:   "utf-8 with BOM, semicolons (French Excel)",
			file:   "utf8bom.csv",
			cols:   []string{"Prénom", "Nom", "Montant"},
			rows:   map[int][]string{2: {"Hélène", "Dupré", "12,50"}, 3: {"François", "Œuvre", "1 000,00"}},
			format: "csv", sheet: "utf8bom.csv", sheets: []string{"utf8bom.csv"}, encoding: "utf-8", delimiter: ";",
		},
		{
			name:   "windows-1252 detected",
			file:   "cp1252.csv",
			cols:   []string{"Prénom", "Nom", "Montant"},
			rows:   map[int][]string{2: {"Hélène", "Dupré", "12,50"}, 3: {"François", "Œuvre", "1 000,00"}},
			format: "csv", sheet: "cp1252.csv", sheets: []string{"cp1252.csv"}, encoding: "windows-1252", delimiter: ";",
			warnings: []string{"the file is not valid UTF-8: it was read as Windows-1252 (use the encoding option if the accents look wrong)"},
		},
		{
			name:   "utf-16le tab-separated (Excel Unicode text)",
			file:   "utf16le.txt",
			cols:   []string{"Name", "Email", "City"},
			rows:   map[int][]string{2: {"Zoë", "zoe@example.fr", "Mâcon"}, 3: {"李", "li@example.cn", "北京"}},
			format: "csv", sheet: "utf16le.txt", sheets: []string{"utf16le.txt"}, encoding: "utf-16le", delimiter: "\t",
		},
		{
			name:   "utf-16be comma",
			file:   "utf16be.csv",
			cols:   []string{"Name", "Email", "City"},
			rows:   map[int][]string{2: {"Zoë", "zoe@example.fr", "Mâcon"}, 3: {"李", "li@example.cn", "北京"}},
			format: "csv", sheet: "utf16be.csv", sheets: []string{"utf16be.csv"}, encoding: "utf-16be", delimiter: ",",
		},
		// The three CSVs below were exported by LibreOffice 7.4 from lo.fods
		// (soffice --headless --convert-to 'csv:Text - txt - csv (StarCalc):SEP,34,CHARSET,1,,0,false,true,false,false,false,2'):
		// semicolon + UTF-8, tab + UTF-16 ("Unicode"), comma + Windows-1252,
		// which cannot hold the CJK name and so has "???" there, as LibreOffice wrote it.
		{
			name:   "LibreOffice CSV, UTF-8 with semicolons",
			file:   "lo-utf8-semicolon.csv",
			cols:   []string{"First Name", "Email", "Born", "Joined", "Share", "Amount", "Active", "Double", "Column I", "email (2)", "Notes"},
			rows:   map[int][]string{2: {"Zoë", "zoe@example.fr", "01/02/2020", "2021-12-31", "12.5%", "1234.5", "1", "2469", "", "zoe2@example.fr", "line one\nline   twotabbed"}, 6: {"李小龙", "lee@example.cn", "07/14/1999", "", "", "0.3", "0", "#DIV/0!", "", "", ""}},
			format: "csv", sheet: "lo-utf8-semicolon.csv", sheets: []string{"lo-utf8-semicolon.csv"}, encoding: "utf-8", delimiter: ";",
			warnings: []string{`row 1, column I: empty header named "Column I"`, `row 1, column J: duplicate header "email" renamed "email (2)"`},
		},
		{
			name:   "LibreOffice CSV, UTF-16 with tabs",
			file:   "lo-utf16-tab.csv",
			cols:   []string{"First Name", "Email", "Born", "Joined", "Share", "Amount", "Active", "Double", "Column I", "email (2)", "Notes"},
			rows:   map[int][]string{2: {"Zoë", "zoe@example.fr", "01/02/2020", "2021-12-31", "12.5%", "1234.5", "1", "2469", "", "zoe2@example.fr", "line one\nline   twotabbed"}, 6: {"李小龙", "lee@example.cn", "07/14/1999", "", "", "0.3", "0", "#DIV/0!", "", "", ""}},
			format: "csv", sheet: "lo-utf16-tab.csv", sheets: []string{"lo-utf16-tab.csv"}, encoding: "utf-16le", delimiter: "\t",
			warnings: []string{`row 1, column I: empty header named "Column I"`, `row 1, column J: duplicate header "email" renamed "email (2)"`},
		},
		{
			name:   "LibreOffice CSV, Windows-1252 with commas",
			file:   "lo-cp1252-comma.csv",
			cols:   []string{"First Name", "Email", "Born", "Joined", "Share", "Amount", "Active", "Double", "Column I", "email (2)", "Notes"},
			rows:   map[int][]string{2: {"Zoë", "zoe@example.fr", "01/02/2020", "2021-12-31", "12.5%", "1234.5", "1", "2469", "", "zoe2@example.fr", "line one\nline   twotabbed"}, 6: {"???", "lee@example.cn", "07/14/1999", "", "", "0.3", "0", "#DIV/0!", "", "", ""}},
			format: "csv", sheet: "lo-cp1252-comma.csv", sheets: []string{"lo-cp1252-comma.csv"}, encoding: "windows-1252", delimiter: ",",
			warnings: []string{"the file is not valid UTF-8: it was read as Windows-1252 (use the encoding option if the accents look wrong)", `row 1, column I: empty header named "Column I"`, `row 1, column J: duplicate header "email" renamed "email (2)"`},
		},
		{
			name:   "sep= line wins over the commas in values",
			file:   "sepline.csv",
			cols:   []string{"Name", "Amount"},
			rows:   map[int][]string{3: {"Zoë", "1,5"}, 4: {"Al", "2,25"}},
			format: "csv", sheet: "sepline.csv", sheets: []string{"sepline.csv"}, encoding: "utf-8", delimiter: ";",
		},
		{
			name:   "pipe",
			file:   "pipe.txt",
			cols:   []string{"Name", "Email"},
			rows:   map[int][]string{2: {"Zoë", "zoe@example.fr"}, 3: {"Al", "al@example.com"}},
			format: "csv", sheet: "pipe.txt", sheets: []string{"pipe.txt"}, encoding: "utf-8", delimiter: "|",
		},
		{
			name: "forced delimiter and encoding",
			file: "cp1252.csv", opt: Options{Delimiter: ',', Encoding: "Latin1"},
			cols:   []string{"Prénom;Nom;Montant"},
			rows:   map[int][]string{2: {"Hélène;Dupré;12"}, 3: {"François;Œuvre;1 000"}},
			format: "csv", sheet: "cp1252.csv", sheets: []string{"cp1252.csv"}, encoding: "windows-1252", delimiter: ",",
			warnings: []string{"row 2, column B: a value to the right of the last column was ignored (it has no header)", "row 3, column B: a value to the right of the last column was ignored (it has no header)"},
		},
		{
			name: "header only",
			file: "headeronly.csv",
			cols: []string{"Name", "Email"}, rows: map[int][]string{},
			format: "csv", sheet: "headeronly.csv", sheets: []string{"headeronly.csv"}, encoding: "utf-8", delimiter: ",",
		},
		{
			name:   "16384 columns are fine",
			file:   "wide16384.xlsx",
			format: "xlsx", sheet: "Données", sheets: []string{"Données"},
		},
		{
			name:   "a 1 MB cell is read",
			file:   "bigcell.xlsx",
			cols:   []string{"Big", "Small"},
			rows:   map[int][]string{2: {strings.Repeat("0123456789", 100_000), "ok"}},
			format: "xlsx", sheet: "Données", sheets: []string{"Données"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join("testdata", tt.file)
			cols, rows, info := readAll(t, path, tt.opt)
			if tt.cols != nil && !reflect.DeepEqual(cols, tt.cols) {
				t.Errorf("Open(%q).Columns() = %q; want %q", tt.file, cols, tt.cols)
			}
			if tt.rows != nil && !reflect.DeepEqual(rows, tt.rows) {
				t.Errorf("Open(%q) rows by line = %.300v; want %.300v", tt.file, rows, tt.rows)
			}
			if info.Format != tt.format || info.Sheet != tt.sheet || !reflect.DeepEqual(info.Sheets, tt.sheets) {
				t.Errorf("Open(%q).Info() format, sheet, sheets = %q, %q, %q; want %q, %q, %q", tt.file, info.Format, info.Sheet, info.Sheets, tt.format, tt.sheet, tt.sheets)
			}
			if info.Encoding != tt.encoding || info.Delimiter != tt.delimiter {
				t.Errorf("Open(%q).Info() encoding, delimiter = %q, %q; want %q, %q", tt.file, info.Encoding, info.Delimiter, tt.encoding, tt.delimiter)
			}
			var ws []string
			for _, w := range info.Warnings {
				ws = append(ws, w.String())
			}
			if !reflect.DeepEqual(ws, tt.warnings) {
				t.Errorf("Open(%q).Info().Warnings = %q; want %q", tt.file, ws, tt.warnings)
			}
		})
	}
}

func TestWideSheet(t *testing.T) {
	cols, rows, _ := readAll(t, "testdata/wide16384.xlsx", Options{})
	if len(cols) != 16384 || cols[16383] != "16384" {
		t.Fatalf("Columns() has %d names, last %q; want 16384, last \"16384\"", len(cols), cols[len(cols)-1])
	}
	if got := rows[2]; got[0] != "1" || got[16383] != "2" {
		t.Errorf("row 2 = A %q, XFD %q; want \"1\", \"2\"", got[0], got[16383])
	}
}

func TestBadFiles(t *testing.T) {
	tests := []struct {
		name    string
		file    string
		opt     Options
		want    error
		message string // the whole Error() text, or a part of it if it ends in "…"
	}{
		{"truncated zip", "truncated.xlsx", Options{}, ErrCorrupt, "testdata/truncated.xlsx: the file is damaged or incomplete: open it in your spreadsheet program and save it again (zip: not a valid zip file)"},
		{"random bytes named .xlsx", "random.xlsx", Options{}, ErrNotSpreadsheet, "testdata/random.xlsx: this .xlsx file is not a spreadsheet (its content is not a workbook): open it in your spreadsheet program and save it again"},
		{"empty xlsx", "empty.xlsx", Options{}, ErrEmpty, "testdata/empty.xlsx: there is no data: the file or sheet is empty"},
		{"empty csv", "empty.csv", Options{}, ErrEmpty, "testdata/empty.csv: there is no data: the file or sheet is empty"},
		{"blank csv", "blank.csv", Options{}, ErrEmpty, "testdata/blank.csv: there is no data: the file or sheet is empty"},
		{"encrypted workbook", "encrypted.xlsx", Options{}, ErrEncrypted, "testdata/encrypted.xlsx: this workbook is encrypted (password-protected): remove the password in Excel (File > Info > Protect Workbook) and save again"},
		{"legacy xls", "legacy.xls", Options{}, ErrLegacyXLS, "testdata/legacy.xls: this is a legacy Excel 97-2003 .xls file: open it in Excel or LibreOffice and save it as .xlsx (File > Save As)"},
		{"web page named xls", "webpage.xls", Options{}, ErrNotSpreadsheet, "testdata/webpage.xls: this .xls file is not an Excel workbook (it is text, perhaps a web page export): open it in Excel or LibreOffice and save it as .xlsx or .csv"},
		{"zip bomb", "bomb.xlsx", Options{MaxUncompressed: 10 << 20}, ErrTooLarge, `testdata/bomb.xlsx: sheet "Données": the file expands to more than 10 MiB when decompressed (a damaged file or a zip bomb)`},
		{"16385 columns", "wide16385.xlsx", Options{}, ErrTooManyColumns, `testdata/wide16385.xlsx: sheet "Données", row 1, column XFE: a value in column XFE is past the limit of 16384 columns`},
		{"cell over the cap", "bigcell.xlsx", Options{MaxCellBytes: 512 << 10}, ErrTooLarge, `testdata/bigcell.xlsx: sheet "Données", row 2, column A: cell larger than 512 KiB`},
		{"no such sheet", "excelize.xlsx", Options{Sheet: "Nope"}, ErrNoSuchSheet, `testdata/excelize.xlsx: there is no sheet "Nope": the sheets are "Blank", "Contacts", "Merged"`},
		{"no such sheet index", "libreoffice.ods", Options{Sheet: "4"}, ErrNoSuchSheet, `testdata/libreoffice.ods: there is no sheet "4": the sheets are "Empty", "Contacts", "Second"`},
		{"empty sheet asked for", "excelize.xlsx", Options{Sheet: "Blank"}, ErrEmpty, `testdata/excelize.xlsx: sheet "Blank": there is no data: the file or sheet is empty`},
		{"empty ods sheet asked for", "libreoffice.ods", Options{Sheet: "1"}, ErrEmpty, `testdata/libreoffice.ods: sheet "Empty": there is no data: the file or sheet is empty`},
		{"not a zip spreadsheet", "gen/main.go", Options{}, ErrNotSpreadsheet, "testdata/gen/main.go: this file is not a spreadsheet: use an .xlsx, .xlsm, .ods, .csv, .tsv or .txt file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join("testdata", tt.file)
			r, err := Open(path, tt.opt)
			if err == nil {
				// Some problems are found while reading rows.
				for err == nil {
					_, err = r.Next()
				}
				r.Close()
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("reading %q: error %v; want errors.Is %v", tt.file, err, tt.want)
			}
			var located *Error
			if !errors.As(err, &located) {
				t.Fatalf("reading %q: error %T is not a *sheet.Error", tt.file, err)
			}
			if err.Error() != tt.message {
				t.Errorf("reading %q: error\n %s\nwant\n %s", tt.file, err, tt.message)
			}
		})
	}
}

func TestMissingFile(t *testing.T) {
	_, err := Open(filepath.Join(t.TempDir(), "nope.xlsx"), Options{})
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Open(missing) = %v; want os.ErrNotExist", err)
	}
}

func TestListSheets(t *testing.T) {
	tests := []struct {
		file string
		want []string
	}{
		{"excelize.xlsx", []string{"Blank", "Contacts", "Merged"}},
		{"libreoffice.ods", []string{"Empty", "Contacts", "Second"}},
		{"utf8.csv", []string{"utf8.csv"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, err := ListSheets(filepath.Join("testdata", tt.file))
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ListSheets(%q) = %q, %v; want %q", tt.file, got, err, tt.want)
			}
		})
	}
}

func TestErrorString(t *testing.T) {
	err := &Error{File: "list.xlsx", Sheet: "Contacts", Row: 12, Column: 3, Err: errorf(ErrTooLarge, "cell larger than %s", byteSize(4<<20))}
	want := `list.xlsx: sheet "Contacts", row 12, column C: cell larger than 4 MiB`
	if err.Error() != want {
		t.Errorf("Error() = %q; want %q", err.Error(), want)
	}
	if !errors.Is(err, ErrTooLarge) {
		t.Errorf("errors.Is(%v, ErrTooLarge) = false; want true", err)
	}
}
