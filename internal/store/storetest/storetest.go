package storetest

import (
	"testing"

	"github.com/securemerge/securemerge/internal/store"
)

// Open opens a fresh database in t.TempDir(). At cleanup it runs db.Check
// (bbolt's page checks and the store's invariants, such as every counts
// record matching its journal), failing the test on any problem, then closes
// the database.
func Open(t testing.TB) *store.DB {
	t.Helper()
	return OpenWith(t, store.Options{})
}

// OpenWith is Open with options, such as a fake clock.
func OpenWith(t testing.TB, opt store.Options) *store.DB {
	t.Helper()
	db, err := store.Open(t.TempDir(), opt)
	if err != nil {
		t.Fatalf("store.Open: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Check(); err != nil {
			t.Errorf("database check at cleanup: %v", err)
		}
		if err := db.Close(); err != nil {
			t.Errorf("close database: %v", err)
		}
	})
	return db
}
