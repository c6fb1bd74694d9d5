package store_test

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/securemerge/securemerge/internal/campaign"
	"github.com/securemerge/securemerge/internal/store"
	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

func openDB(t testing.TB, dir string) *store.DB {
	t.Helper()
	db, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatalf("Open(%q): %v", dir, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestDataDir(t *testing.T) {
	base := t.TempDir()
	config := func() (string, error) { return filepath.Join(base, "config"), nil }
	tests := []struct {
		name, chosen, want string
	}{
		{"chosen", filepath.Join(base, "flag"), filepath.Join(base, "flag")},
		{"user config dir", "", filepath.Join(base, "config", "SecureMerge")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(store.EnvDataDir, filepath.Join(base, "env")) // never read here
			got, err := store.DataDir(tt.chosen, config)
			if err != nil {
				t.Fatalf("DataDir(%q): %v", tt.chosen, err)
			}
			if got != tt.want {
				t.Errorf("DataDir(%q) = %q; want %q", tt.chosen, got, tt.want)
			}
			if _, err := os.Stat(got); !os.IsNotExist(err) {
				t.Errorf("DataDir(%q) created the folder (%v); only Open may", tt.chosen, err)
			}
			db, err := store.Open(got, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			db.Close()
			fi, err := os.Stat(got)
			if err != nil || fi.Mode().Perm() != 0o700 {
				t.Errorf("Open created %q with %v, %v; want mode 700", got, fi, err)
			}
		})
	}
}

func TestOpenFileMode(t *testing.T) {
	t.Run("new file", func(t *testing.T) {
		dir := t.TempDir()
		db := openDB(t, dir)
		if db.Path() != filepath.Join(dir, store.FileName) {
			t.Errorf("Path() = %q; want %q", db.Path(), filepath.Join(dir, store.FileName))
		}
		assertMode(t, db.Path(), 0o600)
	})
	t.Run("existing looser file is tightened", func(t *testing.T) {
		dir := t.TempDir()
		db := openDB(t, dir)
		db.Close()
		if err := os.Chmod(db.Path(), 0o644); err != nil {
			t.Fatal(err)
		}
		db = openDB(t, dir)
		assertMode(t, db.Path(), 0o600)
	})
}

func assertMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != want {
		t.Errorf("mode of %s = %o; want %o", path, got, want)
	}
}

func assertAlreadyRunning(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, campaign.ErrAlreadyRunning) {
		t.Fatalf("Open of a database in use: err = %v; want campaign.ErrAlreadyRunning", err)
	}
	if !errors.Is(err, berrors.ErrTimeout) {
		t.Errorf("Open of a database in use: err = %v; want it to wrap berrors.ErrTimeout", err)
	}
	if got := err.Error(); got != "SecureMerge is already running" {
		t.Errorf("Open of a database in use: message %q; want %q", got, "SecureMerge is already running")
	}
}

func TestOpenTwiceInProcess(t *testing.T) {
	dir := t.TempDir()
	openDB(t, dir)
	db, err := store.Open(dir, store.Options{LockTimeout: 200 * time.Millisecond})
	if err == nil {
		db.Close()
	}
	assertAlreadyRunning(t, err)
}

func init() {
	// holdLock opens the database in STORE_TEST_DIR, says "open" and keeps it
	// until its standard input closes.
	helpers["hold"] = func() error {
		db, err := store.Open(os.Getenv("STORE_TEST_DIR"), store.Options{})
		if err != nil {
			return err
		}
		defer db.Close()
		os.Stdout.WriteString("open\n")
		io.Copy(io.Discard, os.Stdin)
		return nil
	}
}

// startHelper re-executes the test binary as the named helper.
func startHelper(t *testing.T, name, dir string, extraEnv ...string) (*exec.Cmd, io.WriteCloser, *bufio.Reader) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+name, "STORE_TEST_DIR="+dir)
	cmd.Env = append(cmd.Env, extraEnv...)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		cmd.Process.Kill()
		cmd.Wait()
	})
	return cmd, stdin, bufio.NewReader(stdout)
}

func TestOpenWhileAnotherProcessHasIt(t *testing.T) {
	dir := t.TempDir()
	cmd, stdin, out := startHelper(t, "hold", dir)
	if line, err := out.ReadString('\n'); line != "open\n" {
		t.Fatalf("helper did not open the database: %q, %v", line, err)
	}
	db, err := store.Open(dir, store.Options{})
	if err == nil {
		db.Close()
	}
	assertAlreadyRunning(t, err)

	if _, err := store.Erase(dir); !errors.Is(err, campaign.ErrAlreadyRunning) {
		t.Errorf("Erase while another process has the database: err = %v; want campaign.ErrAlreadyRunning", err)
	}
	if _, err := os.Stat(filepath.Join(dir, store.FileName)); err != nil {
		t.Errorf("Erase while in use removed the database: %v", err)
	}

	stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("helper: %v", err)
	}
	_ = openDB(t, dir) // the lock is gone with the process
}

// validDB returns the bytes of a database with one campaign in it.
func validDB(t *testing.T) []byte {
	t.Helper()
	dir := t.TempDir()
	db := openDB(t, dir)
	c := &campaign.Campaign{Name: "Spring", Template: strings.Repeat("Hello {{ Name }}\n", 2000)}
	if err := db.CreateCampaign(c); err != nil {
		t.Fatal(err)
	}
	db.Close()
	b, err := os.ReadFile(filepath.Join(dir, store.FileName))
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 4*4096 {
		t.Fatalf("test database is only %d bytes; the truncation case needs more", len(b))
	}
	return b
}

func foreignBolt(t *testing.T) []byte {
	t.Helper()
	p := filepath.Join(t.TempDir(), "x.db")
	bdb, err := bolt.Open(p, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	bdb.Update(func(tx *bolt.Tx) error {
		b, _ := tx.CreateBucket([]byte("widgets"))
		return b.Put([]byte("a"), []byte("b"))
	})
	bdb.Close()
	b, _ := os.ReadFile(p)
	return b
}

func TestOpenCorrupt(t *testing.T) {
	valid := validDB(t)
	badMeta := bytes.Clone(valid)
	for _, off := range []int{16, 4096 + 16} { // both meta pages' magic
		copy(badMeta[off:], "XXXX")
	}
	tests := []struct {
		name string
		data []byte
	}{
		{"not a database", []byte("Name,Email\nAnn,ann@example.com\n")},
		{"one byte", []byte{0}},
		{"random page", bytes.Repeat([]byte{0xA5}, 8192)},
		{"truncated", valid[:3*4096]},
		{"both meta pages bad", badMeta},
		{"another program's bbolt file", foreignBolt(t)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, store.FileName)
			if err := os.WriteFile(path, tt.data, 0o600); err != nil {
				t.Fatal(err)
			}
			now := time.Date(2026, 11, 21, 23, 30, 5, 0, time.UTC)
			db, err := store.Open(dir, store.Options{Now: func() time.Time { return now }})
			if err == nil {
				db.Close()
				t.Fatalf("Open(%s) = nil error; want ErrCorrupt", tt.name)
			}
			if !errors.Is(err, store.ErrCorrupt) {
				t.Fatalf("Open(%s) = %v; want ErrCorrupt", tt.name, err)
			}
			var ce *store.CorruptError
			if !errors.As(err, &ce) {
				t.Fatalf("Open(%s) = %T; want *CorruptError", tt.name, err)
			}
			wantKept := path + ".corrupt-20261121T2330Z"
			if ce.KeptAs != wantKept {
				t.Errorf("KeptAs = %q; want %q", ce.KeptAs, wantKept)
			}
			if !strings.Contains(err.Error(), wantKept) {
				t.Errorf("message %q does not say where the file was kept", err)
			}
			if kept, _ := os.ReadFile(ce.KeptAs); !bytes.Equal(kept, tt.data) {
				t.Errorf("kept copy differs from the damaged file (%d bytes, want %d)", len(kept), len(tt.data))
			}

			// The next Open starts afresh; a second damaged file the same
			// minute does not replace the first copy.
			db = openDB(t, dir)
			if list, err := db.Campaigns(); err != nil || len(list) != 0 {
				t.Errorf("fresh database: Campaigns() = %d, %v; want none", len(list), err)
			}
			db.Close()
			os.WriteFile(path, tt.data, 0o600)
			_, err = store.Open(dir, store.Options{Now: func() time.Time { return now }})
			if !errors.As(err, &ce) || ce.KeptAs != wantKept+"-2" {
				t.Errorf("second damaged file: %v; want kept as %s", err, wantKept+"-2")
			}
			if kept, _ := os.ReadFile(wantKept); !bytes.Equal(kept, tt.data) {
				t.Errorf("first kept copy was overwritten")
			}
		})
	}
}

func TestOpenNewerSchema(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, store.FileName)
	bdb, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	bdb.Update(func(tx *bolt.Tx) error {
		b, _ := tx.CreateBucket([]byte("meta"))
		return b.Put([]byte("schema"), []byte{0, 0, 0, 0, 0, 0, 0, 99})
	})
	bdb.Close()
	before, _ := os.ReadFile(path)

	db, err := store.Open(dir, store.Options{})
	if err == nil {
		db.Close()
	}
	if !errors.Is(err, store.ErrNewerSchema) {
		t.Fatalf("Open(schema 99) = %v; want ErrNewerSchema", err)
	}
	if !strings.Contains(err.Error(), "99") {
		t.Errorf("message %q does not name the file's schema", err)
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(before, after) {
		t.Errorf("Open(schema 99) changed the file")
	}
	if m, _ := filepath.Glob(path + ".*"); len(m) != 0 {
		t.Errorf("Open(schema 99) left %v; want nothing", m)
	}
}
