//go:build unix

package store_test

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/securemerge/securemerge/internal/store"
)

// A FIFO in place of the database must be refused without being opened:
// opening one blocks, so a regression hangs this test.
func TestOpenRefusesWhatIsNotAFile(t *testing.T) {
	t.Run("fifo", func(t *testing.T) {
		dir := t.TempDir()
		if err := syscall.Mkfifo(filepath.Join(dir, store.FileName), 0o600); err != nil {
			t.Skipf("mkfifo: %v", err)
		}
		if db, err := store.Open(dir, store.Options{}); !errors.Is(err, store.ErrNotAFile) {
			if db != nil {
				db.Close()
			}
			t.Fatalf("Open with a FIFO as the database = %v; want ErrNotAFile", err)
		}
		removed, err := store.Erase(dir)
		if err != nil || len(removed) == 0 {
			t.Errorf("Erase with a FIFO as the database = %v, %v; want it removed", removed, err)
		}
	})
	t.Run("symlink", func(t *testing.T) {
		dir, elsewhere := t.TempDir(), t.TempDir()
		target := filepath.Join(elsewhere, "notes.txt")
		os.WriteFile(target, []byte("mine"), 0o644)
		if err := os.Symlink(target, filepath.Join(dir, store.FileName)); err != nil {
			t.Skipf("symlink: %v", err)
		}
		if db, err := store.Open(dir, store.Options{}); !errors.Is(err, store.ErrNotAFile) {
			if db != nil {
				db.Close()
			}
			t.Fatalf("Open with a symbolic link as the database = %v; want ErrNotAFile", err)
		}
		fi, err := os.Stat(target)
		if err != nil || fi.Mode().Perm() != 0o644 {
			t.Errorf("the link's target: %v, mode %v; want untouched 0644", err, fi.Mode().Perm())
		}
		if b, _ := os.ReadFile(target); string(b) != "mine" {
			t.Errorf("the link's target now holds %q", b)
		}
	})
}
