package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/securemerge/securemerge/internal/sheet"
)

// TestInspectJSONStreamsTheSameObject: the streamed object is byte for
// byte what encoding the whole inspectJSON value gives, empty sheets,
// warnings and text needing escapes included.
func TestInspectJSONStreamsTheSameObject(t *testing.T) {
	dir := t.TempDir()
	for name, text := range map[string]string{
		"list.csv":   "Name;Email;;Name\n\"Zoë <b>&\";zoe@example.fr;x;\n\"two\nlines\";\"q\"\"uote\";;\n",
		"header.csv": "Only,Header\n",
	} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		code, out, errs := run(t, nil, "inspect", path, "--json")
		if code != exitOK {
			t.Fatalf("inspect %s = %d: %s", name, code, errs)
		}
		r, err := sheet.Open(path, sheet.Options{})
		if err != nil {
			t.Fatal(err)
		}
		rows := [][]string{}
		for {
			row, err := r.Next()
			if err != nil {
				break
			}
			rows = append(rows, append([]string(nil), row...))
		}
		info := r.Info()
		warnings := []string{}
		for _, w := range info.Warnings {
			warnings = append(warnings, w.String())
		}
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetIndent("", "  ")
		enc.Encode(inspectJSON{Sheet: info.Sheet, Sheets: info.Sheets, Columns: r.Columns(), Rows: rows, Encoding: info.Encoding, Delimiter: info.Delimiter, Warnings: warnings})
		r.Close()
		if out != want.String() {
			t.Errorf("inspect --json %s =\n%s\nwant\n%s", name, out, want.String())
		}
	}
}

// TestInspectJSONStreamsRows: rows are written as they are read, so the
// rows before a damaged one are already out when the error stops the
// command (which still fails).
func TestInspectJSONStreamsRows(t *testing.T) {
	path := filepath.Join(t.TempDir(), "list.csv")
	text := "Name,Email\nAna,ana@example.com\nBob,bob@example.com\n\"" + strings.Repeat("x", 5<<20) + "\",big\n"
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errs := run(t, nil, "inspect", path, "--json")
	if code == exitOK || !strings.Contains(errs, "row 4") {
		t.Errorf("inspect of a file with a 5 MiB cell = %d, %q; want a failure at row 4", code, errs)
	}
	if !strings.Contains(out, `"ana@example.com"`) || !strings.Contains(out, `"bob@example.com"`) {
		t.Errorf("inspect --json printed %q before the error; want the first two rows", out)
	}
}
