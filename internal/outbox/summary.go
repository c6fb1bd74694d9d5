package outbox

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/securemerge/securemerge/internal/merge"
)

// SummaryName is the file WriteSummary writes in the outbox.
const SummaryName = "summary.csv"

// Statuses written in the summary.
const (
	StatusWritten = "written"
	StatusExists  = "already in outbox"
)

// SummaryRow is one line of summary.csv.
type SummaryRow struct {
	Row     int    // data row as users number them
	To      string // To addresses, comma separated
	Subject string
	Status  string // StatusWritten, StatusExists, "skipped: …" or "error: …"
	File    string // file name in the outbox, "" when none
}

// RowOf builds the summary line of one engine result; path and written are
// what Dir.Write returned (ignored unless the row produced a message to
// write).
func RowOf(r merge.Result, path string, written bool) SummaryRow {
	s := SummaryRow{Row: r.Line}
	if r.Msg != nil {
		tos := make([]string, len(r.Msg.To))
		for i, a := range r.Msg.To {
			tos[i] = a.Address
		}
		s.To, s.Subject = strings.Join(tos, ", "), r.Msg.Subject
	}
	switch {
	case r.Err != nil:
		s.Status = "error: " + r.Err.Error()
	case r.Skip != "":
		s.Status = "skipped: " + r.Skip
	case written:
		s.Status, s.File = StatusWritten, filepath.Base(path)
	default:
		s.Status, s.File = StatusExists, filepath.Base(path)
	}
	return s
}

// Summary streams summary.csv: rows are added as results arrive, so memory
// does not grow with the campaign. The file appears (replacing an older
// summary) only on Close. Not safe for concurrent use.
type Summary struct {
	dir   string
	tmp   *os.File
	buf   *bufio.Writer
	w     *csv.Writer
	fin   bool
	cells [5]string
}

// NewSummary starts summary.csv in the folder, creating it if needed.
func (d Dir) NewSummary() (*Summary, error) {
	dir := d.dir()
	if err := d.ensure(); err != nil {
		return nil, fmt.Errorf("outbox: %w", err)
	}
	tmp, err := os.CreateTemp(dir, tempPattern)
	if err != nil {
		return nil, fmt.Errorf("outbox: %w", err)
	}
	s := &Summary{dir: dir, tmp: tmp, buf: bufio.NewWriter(tmp)}
	s.w = csv.NewWriter(s.buf)
	s.w.UseCRLF = true // Excel-friendly
	if err := s.w.Write([]string{"row", "to", "subject", "status", "file"}); err != nil {
		s.Abort()
		return nil, fmt.Errorf("outbox: summary: %w", err)
	}
	return s, nil
}

// Add appends one line.
func (s *Summary) Add(r SummaryRow) error {
	s.cells = [5]string{strconv.Itoa(r.Row), cell(r.To), cell(r.Subject), cell(r.Status), cell(r.File)}
	if err := s.w.Write(s.cells[:]); err != nil {
		return fmt.Errorf("outbox: summary: %w", err)
	}
	return nil
}

// Close completes summary.csv.
func (s *Summary) Close() error {
	if s.fin {
		return nil
	}
	s.fin = true
	defer os.Remove(s.tmp.Name())
	s.w.Flush()
	err := s.w.Error()
	if err == nil {
		err = s.buf.Flush()
	}
	if err == nil {
		err = s.tmp.Sync()
	}
	if cerr := s.tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(s.tmp.Name(), filepath.Join(s.dir, SummaryName))
	}
	if err != nil {
		return fmt.Errorf("outbox: summary: %w", err)
	}
	syncDir(s.dir)
	return nil
}

// Abort discards the summary being written; the previous one, if any,
// stays.
func (s *Summary) Abort() {
	if s.fin {
		return
	}
	s.fin = true
	s.tmp.Close()
	os.Remove(s.tmp.Name())
}

// WriteSummary writes summary.csv with rows, replacing an older one.
func (d Dir) WriteSummary(rows []SummaryRow) error {
	s, err := d.NewSummary()
	if err != nil {
		return err
	}
	for _, r := range rows {
		if err := s.Add(r); err != nil {
			s.Abort()
			return err
		}
	}
	return s.Close()
}

// cell defuses spreadsheet formulas: a cell starting with = + - @ (or a tab
// or carriage return, which some spreadsheets strip first) is prefixed with
// a quote so that opening the summary in Excel never runs data as a
// formula.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
