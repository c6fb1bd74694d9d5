package sheet

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
)

func TestSniffDelimiter(t *testing.T) {
	tests := []struct {
		name string
		text string
		want rune
	}{
		{"comma", "a,b,c\n1,2,3\n", ','},
		{"semicolon with decimal commas", "Nom;Montant\nA;1,5\nB;2,25\nC;3\n", ';'},
		{"tab", "a\tb\n1\t2\n", '\t'},
		{"pipe", "a|b|c\n1|2|3\n", '|'},
		{"quoted delimiters do not count", "name;note\n\"a,b,c\";x\n\"d,e\";y\n", ';'},
		{"quoted newline", "a,b\n\"x\ny;z;w\",2\n", ','},
		{"single column", "email\nx@example.com\n", ','},
		{"cut last line ignored", "a;b\n1;2\n3,4,5,6,7,8", ';'},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			complete := tt.name != "cut last line ignored"
			if got := sniffDelimiter([]byte(tt.text), complete, ','); got != tt.want {
				t.Errorf("sniffDelimiter(%q) = %q; want %q", tt.text, got, tt.want)
			}
		})
	}
}

func TestDetectEncoding(t *testing.T) {
	tests := []struct {
		name string
		head []byte
		want string
		bom  int
	}{
		{"ascii", []byte("a,b\n"), "utf-8", 0},
		{"utf-8 bom", []byte("\xEF\xBB\xBFa"), "utf-8", 3},
		{"utf-16le bom", []byte("\xFF\xFEa\x00"), "utf-16le", 2},
		{"utf-16be bom", []byte("\xFE\xFF\x00a"), "utf-16be", 2},
		{"utf-16le without bom", []byte("a\x00,\x00b\x00\n\x00"), "utf-16le", 0},
		{"utf-16be without bom", []byte("\x00a\x00,\x00b\x00\n"), "utf-16be", 0},
		{"windows-1252", []byte("caf\xe9\n"), "windows-1252", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			enc, bom := detectEncoding(tt.head, true)
			if enc != tt.want || bom != tt.bom {
				t.Errorf("detectEncoding(%q) = %q, %d; want %q, %d", tt.head, enc, bom, tt.want, tt.bom)
			}
		})
	}
	// A UTF-8 sequence cut by the end of the sample is not invalid.
	head := append(bytes.Repeat([]byte("a"), 10), 0xC3)
	if enc, _ := detectEncoding(head, false); enc != "utf-8" {
		t.Errorf("detectEncoding(sample ending inside é) = %q; want utf-8", enc)
	}
}

func readCSV(t *testing.T, text string, opt Options) ([]string, [][]string, *Reader, error) {
	t.Helper()
	r, err := OpenCSV(strings.NewReader(text), "in.csv", opt)
	if err != nil {
		return nil, nil, nil, err
	}
	t.Cleanup(func() { r.Close() })
	var rows [][]string
	for {
		row, err := r.Next()
		if err == io.EOF {
			return r.Columns(), rows, r, nil
		}
		if err != nil {
			return r.Columns(), rows, r, err
		}
		rows = append(rows, append([]string(nil), row...))
	}
}

func TestCSVLateInvalidUTF8(t *testing.T) {
	// Valid UTF-8 for more than the sniffed sample, then a Windows-1252 é.
	text := "Name\n" + strings.Repeat("Zoë\n", sniffSize/4) + "Andr\xe9\n"
	_, rows, r, err := readCSV(t, text, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := rows[len(rows)-1][0]; got != "André" {
		t.Errorf("last name = %q; want %q", got, "André")
	}
	info := r.Info()
	if info.Encoding != "utf-8" || len(info.Warnings) != 1 || info.Warnings[0].Row != len(rows)+1 {
		t.Errorf("Info() = encoding %q, warnings %v; want utf-8 and one warning on line %d", info.Encoding, info.Warnings, len(rows)+1)
	}
}

func TestCSVBigCell(t *testing.T) {
	big := strings.Repeat("x", 1<<20)
	_, rows, _, err := readCSV(t, "A,B\n"+big+",ok\n", Options{})
	if err != nil || len(rows) != 1 || rows[0][0] != big || rows[0][1] != "ok" {
		t.Fatalf("reading a 1 MiB cell: %d rows, err %v; want the cell read whole", len(rows), err)
	}
	_, _, _, err = readCSV(t, "A,B\nok,"+big+"\n", Options{MaxCellBytes: 1000})
	want := "in.csv: row 2, column B: cell larger than 1000 bytes"
	if !errors.Is(err, ErrTooLarge) || err.Error() != want {
		t.Errorf("reading a cell over the cap: %v; want %q", err, want)
	}
}

func TestCSVColumnLimit(t *testing.T) {
	row := func(n int) string { return strings.Repeat("h,", n-1) + "h\n" }
	cols, _, _, err := readCSV(t, row(16384)+"1\n", Options{})
	if err != nil || len(cols) != 16384 || cols[16383] != "h (16384)" {
		t.Errorf("16384 columns: %d columns, err %v; want 16384, no error", len(cols), err)
	}
	_, _, _, err = readCSV(t, row(16385), Options{})
	if !errors.Is(err, ErrTooManyColumns) {
		t.Errorf("16385 columns: err %v; want ErrTooManyColumns", err)
	}
}

func TestCSVLineNumbers(t *testing.T) {
	text := "\n\nName,Note\n\"Zoë\",\"a\nb\"\n,\n\nAl,x\n"
	cols, _, r, err := readCSV(t, "", Options{})
	_ = cols
	if !errors.Is(err, ErrEmpty) {
		t.Errorf("empty input: %v, %v; want ErrEmpty", r, err)
	}
	r2, err := OpenCSV(strings.NewReader(text), "in.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r2.Line() != 3 {
		t.Errorf("Line() after the header = %d; want 3", r2.Line())
	}
	var lines []int
	for {
		if _, err := r2.Next(); err != nil {
			break
		}
		lines = append(lines, r2.Line())
	}
	if want := []int{4, 8}; !reflect.DeepEqual(lines, want) {
		t.Errorf("Line() of each row = %v; want %v", lines, want)
	}
}

func TestUnknownEncoding(t *testing.T) {
	_, err := OpenCSV(strings.NewReader("a\n"), "in.csv", Options{Encoding: "ebcdic"})
	if err == nil || !strings.Contains(err.Error(), `unknown encoding "ebcdic"`) {
		t.Errorf("OpenCSV with encoding ebcdic: %v; want an unknown encoding error", err)
	}
}

func TestCleanHeader(t *testing.T) {
	tests := []struct {
		name  string
		cells []string
		want  []string
		warns int
	}{
		{"trim and collapse", []string{"  First \t\n Name ", "E-mail"}, []string{"First Name", "E-mail"}, 0},
		{"nfc", []string{"Pre\u0301nom"}, []string{"Prénom"}, 0},
		{"empty gets letter", []string{"A", "", "C"}, []string{"A", "Column B", "C"}, 1},
		{"trailing empties dropped", []string{"A", "", " "}, []string{"A"}, 0},
		{"duplicates case-insensitive", []string{"Email", "email", "EMAIL"}, []string{"Email", "email (2)", "EMAIL (3)"}, 2},
		{"generated names avoid real ones", []string{"Email", "Email", "Email (2)"}, []string{"Email", "Email (3)", "Email (2)"}, 1},
		{"empty avoids real Column B", []string{"Column B", "", "X"}, []string{"Column B", "Column B (2)", "X"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ws := cleanHeader(tt.cells, 1)
			if !reflect.DeepEqual(got, tt.want) || len(ws) != tt.warns {
				t.Errorf("cleanHeader(%q) = %q with %d warnings; want %q with %d", tt.cells, got, len(ws), tt.want, tt.warns)
			}
		})
	}
}
