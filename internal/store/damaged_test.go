package store_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/securemerge/securemerge/internal/campaign"
	"github.com/securemerge/securemerge/internal/store"
	bolt "go.etcd.io/bbolt"
)

// damagedJournal returns a data folder whose database opens but whose
// campaign "Spring" has its journal's root page overwritten with garbage
// (what a failing disk or a half-written sector leaves), and the id of a
// second, intact campaign "Autumn".
func damagedJournal(t *testing.T) (dir, damagedID, intactID string) {
	t.Helper()
	dir = t.TempDir()
	db, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	spring := newCampaign(t, db, "Spring")
	autumn := newCampaign(t, db, "Autumn")
	startSending(t, db, spring.ID, 2000)
	startSending(t, db, autumn.ID, 3)
	db.Suppress("bounced", "gone@example.com")
	db.Close()

	path := filepath.Join(dir, store.FileName)
	raw, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	var root uint64
	raw.View(func(tx *bolt.Tx) error {
		root = uint64(tx.Bucket([]byte("journal")).Bucket([]byte(spring.ID)).Root())
		return nil
	})
	pageSize := raw.Info().PageSize
	raw.Close()
	if root == 0 {
		t.Fatal("the journal is inline; the test needs it on its own page")
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	// Page header: id, flags, count, overflow. A leaf page that says it
	// holds 60,000 elements reads far past its end.
	var hdr [16]byte
	binary.NativeEndian.PutUint64(hdr[0:], root)
	binary.NativeEndian.PutUint16(hdr[8:], 0x02) // leaf
	binary.NativeEndian.PutUint16(hdr[10:], 60000)
	if _, err := f.WriteAt(hdr[:], int64(root)*int64(pageSize)); err != nil {
		t.Fatal(err)
	}
	garbage := bytes.Repeat([]byte{0xff}, pageSize-16)
	if _, err := f.WriteAt(garbage, int64(root)*int64(pageSize)+16); err != nil {
		t.Fatal(err)
	}
	return dir, spring.ID, autumn.ID
}

func TestDamagedPagesAreErrorsNotPanics(t *testing.T) {
	dir, damaged, intact := damagedJournal(t)
	db, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer db.Close()

	err = db.Journal(damaged, func(campaign.Entry) bool { return true })
	if !errors.Is(err, store.ErrCorrupt) {
		t.Errorf("Journal of the damaged campaign = %v; want ErrCorrupt", err)
	}
	if _, err := db.Entry(damaged, 1500); !errors.Is(err, store.ErrCorrupt) {
		t.Errorf("Entry of the damaged campaign = %v; want ErrCorrupt", err)
	}
	if err := db.Move(damaged, 1500, campaign.StateSending, campaign.Reason{}, 1, newClock().Now()); !errors.Is(err, store.ErrCorrupt) {
		t.Errorf("Move in the damaged campaign = %v; want ErrCorrupt", err)
	}
	n := 0
	if err := db.Journal(intact, func(campaign.Entry) bool { n++; return true }); err != nil || n != 3 {
		t.Errorf("Journal of the intact campaign = %d entries, %v; want 3, nil", n, err)
	}
}

func TestExportRescuesWhatItCan(t *testing.T) {
	dir, damaged, intact := damagedJournal(t)
	db, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer db.Close()
	var buf bytes.Buffer
	err = db.Export(&buf)
	var pe *store.PartialExportError
	if !errors.As(err, &pe) || !errors.Is(err, store.ErrCorrupt) || len(pe.Unreadable) != 1 || !strings.Contains(pe.Unreadable[0], damaged) {
		t.Fatalf("Export = %v; want a *PartialExportError naming the journal of %s", err, damaged)
	}
	var doc struct {
		Campaigns []struct {
			ID      string            `json:"id"`
			Journal []json.RawMessage `json:"journal"`
		} `json:"campaigns"`
		Suppression []store.Suppression `json:"suppression"`
		Unreadable  []string            `json:"unreadable"`
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("the export is not JSON: %v\n%.300s", err, buf.String())
	}
	journals := map[string]int{}
	for _, c := range doc.Campaigns {
		journals[c.ID] = len(c.Journal)
	}
	if len(doc.Campaigns) != 2 || journals[intact] != 3 {
		t.Errorf("exported journals = %v; want both campaigns, the intact one with its 3 entries", journals)
	}
	if len(doc.Suppression) != 1 || len(doc.Unreadable) != 1 {
		t.Errorf("exported suppression %v, unreadable %q; want the one address and one unreadable part", doc.Suppression, doc.Unreadable)
	}
}
