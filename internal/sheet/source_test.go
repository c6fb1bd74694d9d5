package sheet

import (
	"bufio"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/securemerge/securemerge/internal/campaign"
	"github.com/securemerge/securemerge/internal/merge"
)

// TestWarningsCarryCodes: every warning the reader gives has a Code and
// the values of its message as Args, so the window can write it in French;
// Sources gives it on as a "data.<code>" problem with the column's letters.
// The English Message (what `securemerge inspect` prints) is unchanged.
func TestWarningsCarryCodes(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	type want struct {
		code string
		line int
		args map[string]string
		msg  string
	}
	tests := []struct {
		name string
		path string
		want []want
	}{
		{"headers and extra values", write("h.csv", "Name,,Email,email\nAda,x,a@x.org,b,extra\nBob,y,b@x.org,c,1,2\n"), []want{
			{"data.empty-header", 1, map[string]string{"name": "Column B", "letter": "B"}, `empty header named "Column B"`},
			{"data.duplicate-header", 1, map[string]string{"header": "email", "name": "email (2)", "letter": "D"}, `duplicate header "email" renamed "email (2)"`},
			{"data.extra-value", 2, map[string]string{"count": "1", "letter": "E"}, "a value to the right of the last column was ignored (it has no header)"},
			{"data.extra-values", 3, map[string]string{"count": "2", "letter": "E"}, "2 values to the right of the last column were ignored (they have no header)"},
		}},
		{"Windows-1252 file", write("w.csv", "Name\nZo\xe9\n"), []want{
			{"data.encoding-fallback", 0, nil, "the file is not valid UTF-8: it was read as Windows-1252 (use the encoding option if the accents look wrong)"},
		}},
		{"Windows-1252 late in the file", write("late.csv", "Name\n"+strings.Repeat("Ada\n", 20_000)+"Zo\xe9\n"), []want{
			{"data.encoding-fallback-row", 20_002, nil, "bytes that are not valid UTF-8 were read as Windows-1252 from this line on"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := problemsOf(t, tt.path)
			if len(got) != len(tt.want) {
				t.Fatalf("Warnings() = %+v; want %d", got, len(tt.want))
			}
			for i, w := range tt.want {
				p := got[i]
				if p.Code != w.code || p.Line != w.line || !reflect.DeepEqual(p.Args, w.args) || p.Msg != w.msg || p.Severity != merge.Warning {
					t.Errorf("warning %d = %+v; want code %s, line %d, args %v, message %q", i, p, w.code, w.line, w.args, w.msg)
				}
			}
		})
	}

	t.Run("number formats", func(t *testing.T) {
		path := writeXLSXParts(t, filepath.Join(dir, "fallback.xlsx"), func(w *bufio.Writer) {
			w.WriteString(`<worksheet><sheetData><row r="1"><c t="inlineStr"><is><t>Kanji</t></is></c><c t="inlineStr"><is><t>Hijri</t></is></c></row>` +
				`<row r="2"><c s="1"><v>123</v></c><c s="2"><v>46001</v></c></row></sheetData></worksheet>`)
		}, func(w *bufio.Writer) { w.WriteString(`<sst/>`) }, [2]string{"xl/styles.xml", `<styleSheet><numFmts><numFmt numFmtId="164" formatCode="[DBNum1][$-411]General"/><numFmt numFmtId="165" formatCode="B2dd/mm/yyyy"/></numFmts>` +
			`<cellXfs><xf numFmtId="0"/><xf numFmtId="164"/><xf numFmtId="165"/></cellXfs></styleSheet>`})
		got := problemsOf(t, path)
		var codes []string
		for _, p := range got {
			codes = append(codes, p.Code+" "+p.Args["tag"]+" "+p.Args["letter"])
		}
		if want := []string{"data.number-format-numerals [DBNum1] A", "data.number-format-hijri B2 B"}; !reflect.DeepEqual(codes, want) {
			t.Errorf("codes = %q; want %q", codes, want)
		}
	})

	t.Run("more warnings", func(t *testing.T) {
		got := problemsOf(t, write("ragged.csv", "A\n"+strings.Repeat("x,y\n", maxWarnings+7)))
		last := got[len(got)-1]
		if last.Code != "data.more-warnings" || last.Args["count"] != "7" || last.Msg != "7 more warnings not shown" {
			t.Errorf("last warning = %+v; want data.more-warnings with count 7", last)
		}
	})
}

// problemsOf reads path through Sources and returns its warnings.
func problemsOf(t *testing.T, path string) []merge.Problem {
	t.Helper()
	rows, err := Sources{Locale: "en-US"}.Open(campaign.DataSource{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for {
		if _, err := rows.Next(); err != nil {
			break
		}
	}
	return rows.Warnings()
}
