package store_test

import (
	"errors"
	"testing"

	"github.com/securemerge/securemerge/internal/campaign"
	"github.com/securemerge/securemerge/internal/store/storetest"
)

func TestPagesOf100kCampaign(t *testing.T) {
	db := storetest.Open(t)
	c := &campaign.Campaign{Name: "big"}
	if err := db.CreateCampaign(c); err != nil {
		t.Fatal(err)
	}
	snap, entries := testRows(100_000)
	if err := db.StartSending(c.ID, snap, entries); err != nil {
		t.Fatal(err)
	}
	es, err := db.Entries(c.ID, 99_900, 100) // page 1,000 of 100
	if err != nil || len(es) != 100 || es[0].Index != 99_900 || es[99].Index != 99_999 {
		t.Fatalf("Entries(page 1000) = %d entries %v", len(es), err)
	}
	if es[0].To != entries[99_900].To {
		t.Errorf("entry 99,900 is for %q; want %q", es[0].To, entries[99_900].To)
	}
	if es, _ := db.Entries(c.ID, 100_000, 100); len(es) != 0 {
		t.Errorf("a page past the end has %d entries", len(es))
	}
	rows, err := db.SnapshotRows(c.ID, 99_999, 5)
	if err != nil || len(rows) != 1 || rows[0].Index != 99_999 || rows[0].Values[0] != snap.Rows[99_999].Values[0] {
		t.Errorf("SnapshotRows(99999) = %+v, %v", rows, err)
	}
	cols, err := db.SnapshotColumns(c.ID)
	if err != nil || len(cols) != len(snap.Columns) {
		t.Errorf("SnapshotColumns = %v, %v", cols, err)
	}
	if _, err := db.Entries("nope", 0, 1); !errors.Is(err, campaign.ErrNotFound) {
		t.Errorf("Entries(unknown) = %v; want ErrNotFound", err)
	}
	draft := &campaign.Campaign{Name: "draft"}
	db.CreateCampaign(draft)
	if rows, err := db.SnapshotRows(draft.ID, 0, 10); rows != nil || err != nil {
		t.Errorf("SnapshotRows(draft) = %v, %v; want nothing", rows, err)
	}
}

// BenchmarkJournalPage100 reads one results-table page of 100 entries deep
// in a 100,000-row journal (target < 5 ms).
func BenchmarkJournalPage100(b *testing.B) {
	db := storetest.Open(b)
	c := &campaign.Campaign{Name: "big"}
	if err := db.CreateCampaign(c); err != nil {
		b.Fatal(err)
	}
	snap, entries := testRows(100_000)
	if err := db.StartSending(c.ID, snap, entries); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if es, err := db.Entries(c.ID, 99_000, 100); err != nil || len(es) != 100 {
			b.Fatal(len(es), err)
		}
	}
}
