package campaign_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/securemerge/securemerge/internal/campaign"
	"github.com/securemerge/securemerge/internal/merge"
	"github.com/securemerge/securemerge/internal/outbox"
	"github.com/securemerge/securemerge/internal/sheet"
	"github.com/securemerge/securemerge/internal/store/storetest"
)

// openCSV returns an open func reading path with internal/sheet, as the
// app does, and counts how often it was called.
func openCSV(path string, calls *int) func() (merge.RowSource, error) {
	return func() (merge.RowSource, error) {
		*calls++
		return sheet.Open(path, sheet.Options{})
	}
}

func TestPrepareFreezesRowsAgainstLaterEdits(t *testing.T) {
	db := storetest.Open(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "people.csv")
	if err := os.WriteFile(data, []byte("Email,Name\nana@example.com,Ana\nbob@example.com,Bob\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c := &campaign.Campaign{Name: "frozen"}
	if err := db.CreateCampaign(c); err != nil {
		t.Fatal(err)
	}
	m := newMerger(t, db, c.ID)
	var calls int
	if _, err := campaign.Freeze(context.Background(), db, c.ID, m, openCSV(data, &calls), campaign.FreezeOptions{}); err != nil {
		t.Fatalf("Prepare: %v", err)
	}
	// One pass: the rows frozen are the rows validated, even if the file
	// changes while it is read twice (and it is read once).
	if calls != 1 {
		t.Errorf("Freeze opened the source %d times; want 1 (validate and freeze in one pass)", calls)
	}

	// The user edits the spreadsheet after sending started.
	if err := os.WriteFile(data, []byte("Email,Name\nmallory@example.com,Mallory\nbob@example.com,Robert\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	snap, err := db.Snapshot(c.ID)
	if err != nil || snap == nil {
		t.Fatalf("Snapshot = %v, %v; want the frozen rows", snap, err)
	}
	if got := strings.Join(snap.Columns, ","); got != "Email,Name" {
		t.Errorf("snapshot columns %q; want Email,Name", got)
	}
	box := t.TempDir()
	r := &campaign.Runner{Store: db, Sender: outbox.Sender{Dir: outbox.Dir{Path: box}}, Merger: m, Rate: -1}
	if err := r.Run(context.Background(), c.ID); err != nil {
		t.Fatalf("Run: %v", err)
	}
	tests := []struct{ file, want string }{
		{"00001-ana@example.com.eml", "Hello Ana"},
		{"00002-bob@example.com.eml", "Hello Bob"},
	}
	for _, tt := range tests {
		b, err := os.ReadFile(filepath.Join(box, tt.file))
		if err != nil {
			t.Errorf("the frozen recipient's message is missing: %v", err)
			continue
		}
		if !strings.Contains(string(b), "Subject: "+tt.want) {
			t.Errorf("%s does not have Subject %q: the edited file leaked in:\n%s", tt.file, tt.want, b)
		}
	}
	if _, err := os.Stat(filepath.Join(box, "00001-mallory@example.com.eml")); err == nil {
		t.Error("a recipient added after Prepare got a message")
	}
	es := journal(t, db, c.ID)
	if len(es) != 2 || es[0].Line != 2 || es[1].Line != 3 || es[0].To != "ana@example.com" {
		t.Errorf("journal %+v; want rows on lines 2 and 3, the first to ana@example.com", es)
	}
}

func TestPrepareSkipsDuplicatesAndSuppressed(t *testing.T) {
	db := storetest.Open(t)
	if err := db.Suppress("unsubscribed", "carol@example.com"); err != nil {
		t.Fatal(err)
	}
	rows := [][]string{
		{"ana@example.com", "Ana"},
		{"bob@example.com", "Bob"},
		{"ANA@example.com", "Ana again"},
		{"carol@example.com", "Carol"},
	}
	c := &campaign.Campaign{Name: "skips"}
	if err := db.CreateCampaign(c); err != nil {
		t.Fatal(err)
	}
	m := newMerger(t, db, c.ID)
	rep, err := campaign.Freeze(context.Background(), db, c.ID, m, func() (merge.RowSource, error) { return &rowsSource{rows: rows}, nil }, campaign.FreezeOptions{})
	if err != nil {
		t.Fatalf("Prepare: %v", err)
	}
	if rep.Skipped != 2 || len(rep.Warnings()) != 2 {
		t.Errorf("report: %d skipped, warnings %+v; want 2 and 2", rep.Skipped, rep.Warnings())
	}
	tests := []struct {
		index  int
		state  campaign.State
		reason string
	}{
		{0, campaign.StatePending, ""},
		{1, campaign.StatePending, ""},
		{2, campaign.StateSkipped, "duplicate of row 2"},
		{3, campaign.StateSkipped, "suppressed: carol@example.com: unsubscribed"},
	}
	for _, tt := range tests {
		e, err := db.Entry(c.ID, tt.index)
		if err != nil {
			t.Fatal(err)
		}
		if e.State != tt.state || e.Reason != tt.reason {
			t.Errorf("row %d: %s %q; want %s %q", e.Line, e.State, e.Reason, tt.state, tt.reason)
		}
		if e.Key == "" || e.To == "" {
			t.Errorf("row %d: key %q, to %q; want both set so the row can be shown and found", e.Line, e.Key, e.To)
		}
	}
	msg, err := m.Render(0, 2, rows[0])
	if err != nil {
		t.Fatal(err)
	}
	if e, _ := db.Entry(c.ID, 0); e.Key != msg.Key {
		t.Errorf("row 2's journal key %q; want the message's key %q", e.Key, msg.Key)
	}

	fs := newFakeSender()
	if err := fastRunner(db, fs, m).Run(context.Background(), c.ID); err != nil {
		t.Fatalf("Run: %v", err)
	}
	delivered, _, _, _ := fs.snapshot()
	if len(delivered) != 2 {
		t.Errorf("%d messages delivered; want 2 (skipped rows are never sent)", len(delivered))
	}
	if got, _ := db.Campaign(c.ID); got.Status != campaign.StatusDone || got.Counts.Skipped != 2 {
		t.Errorf("campaign %s with %+v; want done with 2 skipped", got.Status, got.Counts)
	}
}

func TestPrepareInvalidLeavesDraft(t *testing.T) {
	db := storetest.Open(t)
	c := &campaign.Campaign{Name: "invalid"}
	if err := db.CreateCampaign(c); err != nil {
		t.Fatal(err)
	}
	rows := [][]string{{"ana@example.com", "Ana"}, {"not an address", "Bob"}}
	rep, err := campaign.Freeze(context.Background(), db, c.ID, newMerger(t, db, c.ID), func() (merge.RowSource, error) { return &rowsSource{rows: rows}, nil }, campaign.FreezeOptions{})
	if !errors.Is(err, campaign.ErrInvalid) {
		t.Fatalf("Prepare = %v; want ErrInvalid", err)
	}
	if rep == nil || len(rep.Errors()) != 1 || rep.Errors()[0].Line != 3 || rep.Errors()[0].Code != merge.CodeInvalidAddress {
		t.Errorf("report %+v; want one invalid-address error on line 3", rep)
	}
	got, err := db.Campaign(c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != campaign.StatusDraft || got.Counts.Total != 0 {
		t.Errorf("campaign %s with %+v after ErrInvalid; want a draft with no journal", got.Status, got.Counts)
	}
	if snap, err := db.Snapshot(c.ID); err != nil || snap != nil {
		t.Errorf("Snapshot = %v, %v after ErrInvalid; want none", snap, err)
	}
}

func TestPrepareOpenError(t *testing.T) {
	db := storetest.Open(t)
	c := &campaign.Campaign{Name: "gone"}
	if err := db.CreateCampaign(c); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(t.TempDir(), "missing.csv")
	var calls int
	_, err := campaign.Freeze(context.Background(), db, c.ID, newMerger(t, db, c.ID), openCSV(missing, &calls), campaign.FreezeOptions{})
	if err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Prepare(missing file) = %v; want an error wrapping os.ErrNotExist", err)
	}
	if snap, _ := db.Snapshot(c.ID); snap != nil {
		t.Error("a snapshot was stored for a file that cannot be read")
	}
}

func TestPrepareTwiceRefused(t *testing.T) {
	db := storetest.Open(t)
	id, m := prepared(t, db, people(3))
	_, err := campaign.Freeze(context.Background(), db, id, m, func() (merge.RowSource, error) { return &rowsSource{rows: people(4)}, nil }, campaign.FreezeOptions{})
	if err == nil {
		t.Fatal("Prepare of a campaign already sending succeeded; want an error (resume instead)")
	}
	if c, _ := db.Campaign(id); c.Counts.Total != 3 {
		t.Errorf("journal has %d rows after a refused second Prepare; want the first 3", c.Counts.Total)
	}
}

func TestPrepare10000Rows(t *testing.T) {
	const n = 10000
	db := storetest.Open(t)
	rows := people(n)
	rows[4999] = []string{"user00010@example.com", "Duplicate"}
	id, _ := prepared(t, db, rows)
	snap, err := db.Snapshot(id)
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Rows) != n {
		t.Fatalf("snapshot has %d rows; want %d", len(snap.Rows), n)
	}
	for i, r := range snap.Rows {
		want := rows[i]
		if r.Index != i || r.Line != i+2 || strings.Join(r.Values, ",") != strings.Join(want, ",") {
			t.Fatalf("snapshot row %d = %+v; want index %d, line %d, values %q (rows must be copied, not the reused slice)", i, r, i, i+2, want)
		}
	}
	c, _ := db.Campaign(id)
	if c.Counts.Total != n || c.Counts.Pending != n-1 || c.Counts.Skipped != 1 {
		t.Errorf("counts %+v; want %d rows, %d pending, 1 skipped", c.Counts, n, n-1)
	}
	if e, _ := db.Entry(id, 4999); e.Reason != fmt.Sprintf("duplicate of row %d", 11) {
		t.Errorf("row 5001: %s %q; want skipped as a duplicate of row 11", e.State, e.Reason)
	}
}

func BenchmarkPrepare10000(b *testing.B) {
	rows := people(10000)
	for b.Loop() {
		b.StopTimer()
		db := storetest.Open(b)
		b.StartTimer()
		prepared(b, db, rows)
	}
}
