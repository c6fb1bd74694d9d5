package merge

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// goldenRows are the recipients every testdata/template/*.tmpl is rendered for.
var goldenRows = [][]string{
	testRow("First Name", "Jean", "Prénom", "  jEAN ", "Company", "Dupont & Fils", "City", "Lyon",
		"Date RDV", "2024-03-05", "E-mail", "jean@example.com", "N° client", "C-042", "Notes", `urgent : rappeler "avant" <midi>`),
	testRow("Prénom", "zoé", "City", "Orléans", "Date RDV", "02/01/2025", "E-mail", "zoe@mail.fr", "Notes", "RAS"),
	testRow("Company", "<script>alert(1)</script>", "City", "Paris", "Date RDV", "bientôt"),
	testRow(),
}

// TestTemplateGolden renders each testdata/template/*.tmpl for goldenRows,
// as text and as HTML, and compares with the .golden file beside it. Run
// with -update (defined by the package's other golden tests) to rewrite.
func TestTemplateGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "template", "*.tmpl"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no templates in testdata/template: %v", err)
	}
	update := false
	if f := flag.Lookup("update"); f != nil {
		update = f.Value.String() == "true"
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			tpl := mustBind(t, string(src))
			var got strings.Builder
			for i, row := range goldenRows {
				for _, html := range []bool{false, true} {
					mode := "text"
					if html {
						mode = "html"
					}
					out, err := tpl.Render(nil, row, html)
					if err != nil {
						t.Fatalf("Render row %d: %v", i+1, err)
					}
					got.WriteString("===== row " + string(rune('1'+i)) + " " + mode + "\n")
					got.Write(out)
					got.WriteString("\n")
				}
			}
			golden := strings.TrimSuffix(file, ".tmpl") + ".golden"
			if update {
				if err := os.WriteFile(golden, []byte(got.String()), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -run TestTemplateGolden -update to create it)", err)
			}
			if got.String() != string(want) {
				t.Errorf("Render(%s) differs from %s:\n%s", file, golden, got.String())
			}
		})
	}
}
