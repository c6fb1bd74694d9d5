package sheet

import (
	"bufio"
	"path/filepath"
	"reflect"
	"testing"
)

// TestJapaneseEraFormats: Excel's Japanese calendar codes. g is the era's
// Latin initial (R), gg its first character (令), ggg its name (令和); e is
// the year of the era and ee the same on two digits; the gannen variant
// writes the first year 元. Serials: 43586 is 1 May 2019 (Reiwa 1), 43585
// the day before (Heisei 31), 46001 is 10 December 2025 (Reiwa 7).
func TestJapaneseEraFormats(t *testing.T) {
	tests := []struct {
		code   string
		serial float64
		want   string
	}{
		{`[$-411]ggge"年"m"月"d"日"`, 46001, "令和7年12月10日"},
		{`[$-ja-JP]ggge"年"m"月"d"日"`, 43586, "令和1年5月1日"},
		{`[$-411]ggge"年"m"月"d"日"`, 43585, "平成31年4月30日"},
		{`[$-411]gge.m.d`, 32000, "昭62.8.11"},
		{`[$-411]ge.mm.dd`, 46001, "R7.12.10"},
		{`[$-411]ggg ee"年"`, 46001, "令和 07年"},
		{`[$-ja-JP-x-gannen]ggge"年"`, 43586, "令和元年"},
		{`[$-411]ggge"年"`, 1000, "明治35年"},
		{`[$-411]ggge"年"`, 9000, "大正13年"},
		// Buddhist era years: bb two digits, bbbb four (Gregorian + 543).
		{`[$-41E]d/m/bbbb`, 46001, "10/12/2568"},
		{`d/m/bb`, 46001, "10/12/68"},
		{`B1dd/mm/yyyy`, 46001, "10/12/2025"},
	}
	for _, tt := range tests {
		f := parseNumFormat(tt.code, resolveLocale("en-US"))
		if got := f.format(tt.serial, false); got != tt.want {
			t.Errorf("format(%q, %v) = %q; want %q", tt.code, tt.serial, got, tt.want)
		}
		if f.fallback != "" {
			t.Errorf("format %q falls back (%s); want it handled", tt.code, f.fallback)
		}
	}
}

// TestFormatsShownWithAFallback: numeral systems ([DBNum1], LibreOffice's
// [NatNum1]) and the Hijri calendar (B2) are shown with Western digits and
// Gregorian dates, and the reader says so once per format, at the first
// cell that uses it, instead of silently showing something else.
func TestFormatsShownWithAFallback(t *testing.T) {
	path := writeXLSXParts(t, filepath.Join(t.TempDir(), "fallback.xlsx"), func(w *bufio.Writer) {
		w.WriteString(`<worksheet><sheetData><row r="1"><c t="inlineStr"><is><t>Kanji</t></is></c><c t="inlineStr"><is><t>Hijri</t></is></c></row>` +
			`<row r="2"><c s="1"><v>123</v></c><c s="2"><v>46001</v></c></row>` +
			`<row r="3"><c s="1"><v>45</v></c><c s="2"><v>46002</v></c></row></sheetData></worksheet>`)
	}, func(w *bufio.Writer) { w.WriteString(`<sst/>`) }, [2]string{"xl/styles.xml", `<styleSheet><numFmts><numFmt numFmtId="164" formatCode="[DBNum1][$-411]General"/><numFmt numFmtId="165" formatCode="B2dd/mm/yyyy"/></numFmts>` +
		`<cellXfs><xf numFmtId="0"/><xf numFmtId="164"/><xf numFmtId="165"/></cellXfs></styleSheet>`})
	_, rows, info := readAll(t, path, Options{Locale: "en-US"})
	if want := map[int][]string{2: {"123", "10/12/2025"}, 3: {"45", "11/12/2025"}}; !reflect.DeepEqual(rows, want) {
		t.Errorf("rows = %v; want %v", rows, want)
	}
	var got []string
	for _, w := range info.Warnings {
		got = append(got, w.String())
	}
	want := []string{
		"row 2, column A: the number format uses Chinese or Japanese numerals ([DBNum1]), which SecureMerge shows with Western digits",
		"row 2, column B: the number format uses the Hijri calendar (B2), which SecureMerge shows as a Gregorian date",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("warnings = %q; want %q", got, want)
	}
}
