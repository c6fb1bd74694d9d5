package campaign

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"time"
)

// ResultsHeader is the header row WriteResultsCSV writes.
var ResultsHeader = []string{"row", "to", "status", "reason", "attempts", "updated"}

// WriteResultsCSV writes one line per journal entry: row (the source row
// number as the user sees it), to, status, reason, attempts, updated (RFC
// 3339, empty when never updated). Every text cell goes through SafeCSVCell,
// so a recipient or a server message cannot run as a spreadsheet formula.
func WriteResultsCSV(w io.Writer, entries []Entry) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(ResultsHeader); err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	for _, e := range entries {
		row := e.Line
		if row == 0 {
			row = e.Index + 1
		}
		updated := ""
		if !e.Updated.IsZero() {
			updated = e.Updated.UTC().Format(time.RFC3339)
		}
		rec := []string{
			strconv.Itoa(row),
			SafeCSVCell(e.To),
			SafeCSVCell(string(e.State)),
			SafeCSVCell(e.Reason),
			strconv.Itoa(e.Attempts),
			updated,
		}
		if err := cw.Write(rec); err != nil {
			return fmt.Errorf("write results row %d: %w", row, err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	return nil
}

// SafeCSVCell returns s ready for a CSV cell that a spreadsheet will open:
// a cell starting with =, +, -, @, a tab or a carriage return is prefixed
// with a single quote so it is shown as text, never run as a formula (OWASP
// "CSV injection").
func SafeCSVCell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}
