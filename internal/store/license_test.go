package store_test

import (
	"testing"
	"time"

	"github.com/securemerge/securemerge/internal/store"
)

func TestLicenseSeenSurvivesReopen(t *testing.T) {
	dir := t.TempDir()
	db, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if seen, err := db.LicenseSeen(); err != nil || !seen.IsZero() {
		t.Errorf("LicenseSeen() on a new database = %v, %v; want the zero time", seen, err)
	}
	at := time.Date(2026, 12, 1, 10, 0, 0, 123456789, time.UTC)
	if err := db.SetLicenseSeen(at); err != nil {
		t.Fatal(err)
	}
	if err := db.SetLicenseToken([]byte("payload.signature")); err != nil {
		t.Fatal(err)
	}
	db.Close()

	db, err = store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if seen, err := db.LicenseSeen(); err != nil || !seen.Equal(at) {
		t.Errorf("LicenseSeen() after reopening = %v, %v; want %v", seen, err, at)
	}
	if tok, _ := db.LicenseToken(); string(tok) != "payload.signature" {
		t.Errorf("LicenseToken() after reopening = %q", tok)
	}
	// The client moves the time back after a check against the server's
	// clock; the store keeps what it is given.
	earlier := at.Add(-48 * time.Hour)
	db.SetLicenseSeen(earlier)
	if seen, _ := db.LicenseSeen(); !seen.Equal(earlier) {
		t.Errorf("LicenseSeen() after setting an earlier time = %v; want %v", seen, earlier)
	}
	db.SetLicenseSeen(time.Time{})
	if seen, _ := db.LicenseSeen(); !seen.IsZero() {
		t.Errorf("LicenseSeen() after clearing = %v; want zero", seen)
	}
	if err := db.Check(); err != nil {
		t.Errorf("Check: %v", err)
	}
}
