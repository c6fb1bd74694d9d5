package store

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/securemerge/securemerge/internal/campaign"
	bolt "go.etcd.io/bbolt"
)

// TestMigrate builds a file at schema 1, then opens it with a build that
// knows a second schema: the file is backed up as it was, then upgraded.
func TestMigrate(t *testing.T) {
	dir := t.TempDir()
	db, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := &campaign.Campaign{Name: "Before the upgrade"}
	if err := db.CreateCampaign(c); err != nil {
		t.Fatal(err)
	}
	db.Close()

	saved := migrations
	t.Cleanup(func() { migrations = saved })
	migrations = append(append([]func(*bolt.Tx) error{}, saved...), func(tx *bolt.Tx) error {
		// 1 -> 2: rename every campaign (what a real migration would do to
		// its records) and add a bucket.
		b := tx.Bucket(bucketCampaigns)
		if _, err := tx.CreateBucket([]byte("v2")); err != nil {
			return err
		}
		var ids []string
		b.ForEach(func(k, _ []byte) error { ids = append(ids, string(k)); return nil })
		for _, id := range ids {
			c, err := getCampaign(tx, id)
			if err != nil {
				return err
			}
			c.Name += " (v2)"
			if err := putCampaign(tx, c); err != nil {
				return err
			}
		}
		return nil
	})

	db, err = Open(dir, Options{})
	if err != nil {
		t.Fatalf("Open with a newer schema: %v", err)
	}
	got, err := db.Campaign(c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "Before the upgrade (v2)" {
		t.Errorf("after migration Name = %q; want %q", got.Name, "Before the upgrade (v2)")
	}
	db.view(func(tx *bolt.Tx) error {
		if v, _ := schemaOf(tx); v != 2 {
			t.Errorf("schema after migration = %d; want 2", v)
		}
		return nil
	})
	db.Close()

	// The backup is the file as it was, at schema 1.
	bak := filepath.Join(dir, FileName+".bak-v1")
	bdb, err := bolt.Open(bak, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("backup %s: %v", bak, err)
	}
	defer bdb.Close()
	bdb.View(func(tx *bolt.Tx) error {
		if v, _ := schemaOf(tx); v != 1 {
			t.Errorf("backup schema = %d; want 1", v)
		}
		old, err := getCampaign(tx, c.ID)
		if err != nil || old.Name != "Before the upgrade" {
			t.Errorf("backup campaign = %+v, %v; want the name before the upgrade", old, err)
		}
		return nil
	})
	if fi, err := os.Stat(bak); err == nil && fi.Mode().Perm() != 0o600 {
		t.Errorf("backup mode = %o; want 600", fi.Mode().Perm())
	}

	// Opening again migrates nothing and makes no new backup.
	db, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	if m, _ := filepath.Glob(filepath.Join(dir, FileName+".bak-*")); len(m) != 1 {
		t.Errorf("backups after a second open = %v; want only %s", m, bak)
	}
}

// TestMigrateFailure: a migration that fails leaves the file at its old
// schema, usable by the old build.
func TestMigrateFailure(t *testing.T) {
	dir := t.TempDir()
	db, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	saved := migrations
	t.Cleanup(func() { migrations = saved })
	migrations = append(append([]func(*bolt.Tx) error{}, saved...), func(tx *bolt.Tx) error {
		tx.CreateBucket([]byte("half-done"))
		return os.ErrInvalid
	})
	if db, err := Open(dir, Options{}); err == nil {
		db.Close()
		t.Fatal("Open with a failing migration succeeded")
	}
	migrations = saved
	db, err = Open(dir, Options{})
	if err != nil {
		t.Fatalf("Open after a failed migration: %v", err)
	}
	defer db.Close()
	if err := db.Check(); err != nil {
		t.Errorf("Check after a failed migration: %v", err)
	}
}
