package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/text/width"

	"github.com/securemerge/securemerge/internal/sheet"
)

// inspectJSON is the contract of `inspect --json` (DESIGN.md §8).
type inspectJSON struct {
	Sheet     string     `json:"sheet"`
	Sheets    []string   `json:"sheets"`
	Columns   []string   `json:"columns"`
	Rows      [][]string `json:"rows"`
	Encoding  string     `json:"encoding"`
	Delimiter string     `json:"delimiter"`
	Warnings  []string   `json:"warnings"`
}

func (m *Main) runInspect(ctx context.Context, args []string) int {
	fs := m.flags("inspect", "FILE [--sheet NAME] [--json] [--limit N]",
		"Show the columns and rows of a spreadsheet exactly as SecureMerge reads them.")
	d := dataFlags{envLocale: m.envLocale()}
	fs.StringVar(&d.sheet, "sheet", "", "sheet `NAME` or number (default: the first non-empty sheet)")
	fs.StringVar(&d.encoding, "encoding", "", "CSV encoding: utf-8, utf-16le, utf-16be, windows-1252 (default: detected)")
	fs.StringVar(&d.delimiter, "delimiter", "", "CSV delimiter: , ; tab or | (default: detected)")
	fs.StringVar(&d.locale, "locale", "", "locale for dates and numbers, e.g. fr-FR (default: from the environment)")
	asJSON := fs.Bool("json", false, "print one JSON object: sheet, sheets, columns, rows, encoding, delimiter, warnings")
	limit := fs.Int("limit", -1, "show at most `N` rows (default: 20 in the table, all with --json; 0 = all)")
	if c := parse(fs, args); c >= 0 {
		return c
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return exitUsage
	}
	d.data = fs.Arg(0)
	r, err := d.openRows()
	if err != nil {
		return m.fail(err)
	}
	defer r.Close()
	n := *limit
	if n < 0 {
		n = 20
		if *asJSON {
			n = 0
		}
	}
	if *asJSON {
		return m.writeInspectJSON(ctx, r, n)
	}
	var rows [][]string
	var lines []int
	total := 0
	for {
		if ctx.Err() != nil {
			return exitCanceled
		}
		row, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return m.fail(err)
		}
		total++
		if n == 0 || len(rows) < n {
			rows = append(rows, append([]string(nil), row...))
			lines = append(lines, r.Line())
		}
	}
	info := r.Info()
	warnings := make([]string, 0, len(info.Warnings))
	for _, w := range info.Warnings {
		warnings = append(warnings, w.String())
	}
	w := m.Stdout
	fmt.Fprintf(w, "%s: %s", d.data, strings.ToUpper(info.Format))
	if len(info.Sheets) > 1 || info.Format != "csv" {
		fmt.Fprintf(w, ", sheet %q of %s", info.Sheet, quoteList(info.Sheets))
	}
	if info.Encoding != "" {
		fmt.Fprintf(w, ", %s, delimiter %s", info.Encoding, delimiterName(info.Delimiter))
	}
	fmt.Fprintf(w, "\n%d columns, %d rows\n\n", len(r.Columns()), total)
	writeTable(w, r.Columns(), lines, rows)
	if total > len(rows) {
		fmt.Fprintf(w, "… %d more rows (use --limit 0 to see all)\n", total-len(rows))
	}
	for _, s := range warnings {
		fmt.Fprintf(w, "warning: %s\n", s)
	}
	return exitOK
}

// writeInspectJSON writes the inspectJSON object of DESIGN §8 as its rows are
// read, one at a time, so that memory does not grow with the sheet (a
// 200,000-row workbook held whole cost 514 MB). The bytes are those
// json.Encoder with a two-space indent writes for the whole object; the
// warnings, known only at the end, come last as the object orders them.
// limit 0 means every row. An error after the first rows leaves the
// object unfinished and the exit status says it failed.
func (m *Main) writeInspectJSON(ctx context.Context, r *sheet.Reader, limit int) int {
	bw := bufio.NewWriterSize(m.Stdout, 64<<10)
	field := func(key string, v any, last bool) error {
		b, err := json.MarshalIndent(v, "  ", "  ")
		if err != nil {
			return err
		}
		fmt.Fprintf(bw, "  %q: %s", key, b)
		if !last {
			bw.WriteString(",")
		}
		_, err = bw.WriteString("\n")
		return err
	}
	info := r.Info()
	bw.WriteString("{\n")
	if err := errors.Join(field("sheet", info.Sheet, false), field("sheets", info.Sheets, false), field("columns", r.Columns(), false)); err != nil {
		return m.fail(err)
	}
	bw.WriteString(`  "rows": [`)
	count := 0
	for limit == 0 || count < limit {
		if ctx.Err() != nil {
			bw.Flush()
			return exitCanceled
		}
		row, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			bw.Flush()
			return m.fail(err)
		}
		b, err := json.MarshalIndent(row, "    ", "  ")
		if err != nil {
			return m.fail(err)
		}
		if count > 0 {
			bw.WriteString(",")
		}
		bw.WriteString("\n    ")
		bw.Write(b)
		count++
	}
	if count > 0 {
		bw.WriteString("\n  ")
	}
	bw.WriteString("],\n")
	info = r.Info()
	warnings := make([]string, 0, len(info.Warnings))
	for _, w := range info.Warnings {
		warnings = append(warnings, w.String())
	}
	if err := errors.Join(field("encoding", info.Encoding, false), field("delimiter", info.Delimiter, false), field("warnings", warnings, true)); err != nil {
		return m.fail(err)
	}
	bw.WriteString("}\n")
	if err := bw.Flush(); err != nil {
		return m.fail(err)
	}
	return exitOK
}

func quoteList(s []string) string {
	q := make([]string, len(s))
	for i, v := range s {
		q[i] = fmt.Sprintf("%q", v)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

func delimiterName(d string) string {
	switch d {
	case "\t":
		return "tab"
	case "":
		return "none"
	}
	return "'" + d + "'"
}

// writeTable prints rows as an aligned text table; long cells are cut with …
// and line breaks shown as ⏎ so one row stays one line; other control
// characters are shown escaped (termSafe). inspect, campaigns, campaign
// results and suppress list all print through it.
func writeTable(w io.Writer, columns []string, lines []int, rows [][]string) {
	const maxWidth = 28
	cell := func(s string) string {
		s = strings.NewReplacer("\r\n", "⏎", "\n", "⏎", "\r", "⏎", "\t", " ").Replace(s)
		s = termSafe(s) // a cell's escape sequences never reach the terminal
		if displayWidth(s) > maxWidth {
			var b strings.Builder
			w := 0
			for _, r := range s {
				if w+runeWidth(r) > maxWidth-1 {
					break
				}
				b.WriteRune(r)
				w += runeWidth(r)
			}
			s = b.String() + "…"
		}
		return s
	}
	width := make([]int, len(columns)+1)
	head := append([]string{"row"}, columns...)
	for i, c := range head {
		width[i] = displayWidth(cell(c))
	}
	for i, row := range rows {
		width[0] = max(width[0], len(fmt.Sprint(lines[i])))
		for j, v := range row {
			if j+1 < len(width) {
				width[j+1] = max(width[j+1], displayWidth(cell(v)))
			}
		}
	}
	line := func(vals []string) {
		var b strings.Builder
		for i, v := range vals {
			v = cell(v)
			if i > 0 {
				b.WriteString(" │ ")
			}
			b.WriteString(v)
			if i < len(vals)-1 {
				b.WriteString(strings.Repeat(" ", width[i]-displayWidth(v)))
			}
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
	line(head)
	var sep strings.Builder
	for i, n := range width {
		if i > 0 {
			sep.WriteString("─┼─")
		}
		sep.WriteString(strings.Repeat("─", n))
	}
	fmt.Fprintln(w, sep.String())
	for i, row := range rows {
		line(append([]string{fmt.Sprint(lines[i])}, row...))
	}
}

// displayWidth is how many terminal columns s takes: East Asian wide and
// full-width characters take two.
func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		n += runeWidth(r)
	}
	return n
}

func runeWidth(r rune) int {
	switch width.LookupRune(r).Kind() {
	case width.EastAsianWide, width.EastAsianFullwidth:
		return 2
	}
	return 1
}
