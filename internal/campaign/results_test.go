package campaign

import (
	"bytes"
	"encoding/csv"
	"errors"
	"reflect"
	"testing"
	"time"
)

func TestSafeCSVCell(t *testing.T) {
	tests := []struct{ in, want string }{
		{`=HYPERLINK("http://x")`, `'=HYPERLINK("http://x")`},
		{"+33 1 23 45 67 89", "'+33 1 23 45 67 89"},
		{"-2+3", "'-2+3"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\t=1", "'\t=1"},
		{"\r=1", "'\r=1"},
		{"ann@example.com", "ann@example.com"},
		{"a=b", "a=b"},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := SafeCSVCell(tt.in); got != tt.want {
				t.Errorf("SafeCSVCell(%q) = %q; want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestWriteResultsCSV(t *testing.T) {
	at := time.Date(2026, 3, 1, 9, 30, 0, 0, time.FixedZone("CET", 3600))
	entries := []Entry{
		{Index: 0, Line: 2, To: "ann@example.com", State: StateSent, Attempts: 1, Updated: at},
		{Index: 1, Line: 3, To: `=HYPERLINK("http://x")`, State: StateFailed, Reason: `=HYPERLINK("http://evil")`, Attempts: 2, Updated: at},
		{Index: 2, To: "bob@example.com", State: StatePending},
	}
	var b bytes.Buffer
	if err := WriteResultsCSV(&b, entries); err != nil {
		t.Fatalf("WriteResultsCSV: %v", err)
	}
	got, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatalf("results are not CSV: %v", err)
	}
	want := [][]string{
		{"row", "to", "status", "reason", "attempts", "updated"},
		{"2", "ann@example.com", "sent", "", "1", "2026-03-01T08:30:00Z"},
		{"3", `'=HYPERLINK("http://x")`, "failed", `'=HYPERLINK("http://evil")`, "2", "2026-03-01T08:30:00Z"},
		{"3", "bob@example.com", "pending", "", "0", ""},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("WriteResultsCSV = %q; want %q", got, want)
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk gone") }

func TestWriteResultsCSVReportsWriteErrors(t *testing.T) {
	if err := WriteResultsCSV(failingWriter{}, []Entry{{To: "a@b.co"}}); err == nil {
		t.Errorf("WriteResultsCSV to a failing writer returned nil")
	}
}
