package store_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/securemerge/securemerge/internal/campaign"
	"github.com/securemerge/securemerge/internal/store"
)

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestExportThenErase is the user's right to erasure: after data export and
// data erase, nothing of theirs is left in the data folder.
func TestExportThenErase(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "SecureMerge")
	db := openDB(t, dir)
	c := newCampaign(t, db, "Spring")
	startSending(t, db, c.ID, 3)
	db.Suppress("bounced", "ann@example.com")
	var export bytes.Buffer
	if err := db.Export(&export); err != nil {
		t.Fatal(err)
	}
	db.Close()
	writeFile(t, filepath.Join(dir, store.FileName+".bak-v1"), "old")
	writeFile(t, filepath.Join(dir, store.FileName+".corrupt-20261121T2330Z"), "bad")
	writeFile(t, filepath.Join(dir, store.TokenCacheName), "secret")
	writeFile(t, filepath.Join(dir, store.OutboxName, store.OutboxMarker), "")
	writeFile(t, filepath.Join(dir, store.OutboxName, "00001-ann@example.com.eml"), "To: ann@example.com")
	writeFile(t, filepath.Join(dir, store.OutboxName, "summary.csv"), "row")

	removed, err := store.Erase(dir)
	if err != nil {
		t.Fatalf("Erase: %v", err)
	}
	if _, err := os.Lstat(dir); !os.IsNotExist(err) {
		left, _ := os.ReadDir(dir)
		t.Errorf("data folder still there after Erase: %v", left)
	}
	want := []string{store.FileName, store.FileName + ".bak-v1", store.FileName + ".corrupt-20261121T2330Z", store.OutboxName, store.TokenCacheName}
	for _, name := range want {
		if !slices.Contains(removed, filepath.Join(dir, name)) {
			t.Errorf("Erase did not report removing %s: %v", name, removed)
		}
	}
	if !slices.Contains(removed, dir) {
		t.Errorf("Erase did not report removing the empty folder: %v", removed)
	}
	if export.Len() == 0 {
		t.Errorf("export was empty")
	}
	if removed, err := store.Erase(dir); err != nil || len(removed) != 0 {
		t.Errorf("Erase of a missing folder = %v, %v; want nothing, no error", removed, err)
	}
}

func TestEraseStaysInside(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "data")
	outside := filepath.Join(root, "user-outbox")
	writeFile(t, filepath.Join(outside, "keep.eml"), "the user's own file")
	writeFile(t, filepath.Join(root, "elsewhere.db"), "not ours")
	writeFile(t, filepath.Join(dir, "notes.txt"), "the user's file in the data folder")
	if err := os.Symlink(outside, filepath.Join(dir, store.OutboxName)); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(root, "elsewhere.db"), filepath.Join(dir, store.FileName)); err != nil {
		t.Fatal(err)
	}
	removed, err := store.Erase(dir)
	if err != nil {
		t.Fatalf("Erase: %v", err)
	}
	for _, p := range []string{filepath.Join(dir, store.OutboxName), filepath.Join(dir, store.FileName)} {
		if _, err := os.Lstat(p); !os.IsNotExist(err) {
			t.Errorf("link %s not removed", p)
		}
	}
	if b, err := os.ReadFile(filepath.Join(outside, "keep.eml")); err != nil || string(b) != "the user's own file" {
		t.Errorf("file behind the outbox link = %q, %v; want it untouched", b, err)
	}
	if _, err := os.Stat(filepath.Join(root, "elsewhere.db")); err != nil {
		t.Errorf("target of the database link was removed: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "notes.txt")); err != nil {
		t.Errorf("a file not ours was removed: %v", err)
	}
	if slices.Contains(removed, dir) {
		t.Errorf("Erase removed a folder that still holds the user's file")
	}
}

func TestEraseDoesNotFollowLinksInsideOutbox(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "data")
	outside := filepath.Join(root, "attachments")
	writeFile(t, filepath.Join(outside, "contract.pdf"), "pdf")
	writeFile(t, filepath.Join(dir, store.OutboxName, store.OutboxMarker), "")
	writeFile(t, filepath.Join(dir, store.OutboxName, "00001.eml"), "eml")
	if err := os.Symlink(outside, filepath.Join(dir, store.OutboxName, "attachments")); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Erase(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(outside, "contract.pdf")); err != nil {
		t.Errorf("Erase followed a link inside the outbox: %v", err)
	}
}

func TestEraseRefusesOpenDatabase(t *testing.T) {
	dir := t.TempDir()
	db := openDB(t, dir)
	if _, err := store.Erase(dir); err == nil || err.Error() == "" || !isRunning(err) {
		t.Errorf("Erase with the database open = %v; want ErrAlreadyRunning", err)
	}
	if _, err := os.Stat(db.Path()); err != nil {
		t.Errorf("Erase removed an open database: %v", err)
	}
}

func isRunning(err error) bool { return errors.Is(err, campaign.ErrAlreadyRunning) }

// TestEraseOnlyWhatItWrote: a data folder the user chose may hold a folder
// named outbox that is theirs; and in the app's own outbox, a file the user
// put there stays.
func TestEraseOnlyWhatItWrote(t *testing.T) {
	t.Run("unmarked outbox", func(t *testing.T) {
		dir := t.TempDir()
		writeFile(t, filepath.Join(dir, store.OutboxName, "00001-bob@example.com.eml"), "the user's own mail")
		writeFile(t, filepath.Join(dir, store.OutboxName, "letter.docx"), "the user's letter")
		if _, err := store.Erase(dir); err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"00001-bob@example.com.eml", "letter.docx"} {
			if _, err := os.Stat(filepath.Join(dir, store.OutboxName, name)); err != nil {
				t.Errorf("Erase removed %s from a folder SecureMerge did not create: %v", name, err)
			}
		}
	})
	t.Run("marked outbox with a file of the user", func(t *testing.T) {
		dir := t.TempDir()
		out := filepath.Join(dir, store.OutboxName)
		writeFile(t, filepath.Join(out, store.OutboxMarker), "")
		writeFile(t, filepath.Join(out, "00001-bob@example.com.eml"), "ours")
		writeFile(t, filepath.Join(out, ".sm-123.tmp"), "ours")
		writeFile(t, filepath.Join(out, "letter.docx"), "the user's letter")
		removed, err := store.Erase(dir)
		if err != nil {
			t.Fatal(err)
		}
		left, _ := os.ReadDir(out)
		var names []string
		for _, e := range left {
			names = append(names, e.Name())
		}
		if !slices.Equal(names, []string{store.OutboxMarker, "letter.docx"}) {
			t.Errorf("outbox after Erase holds %q; want the marker and the user's letter only", names)
		}
		if slices.Contains(removed, out) {
			t.Errorf("Erase reported removing the outbox that still holds the user's file")
		}
	})
}
