package main

import (
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/securemerge/securemerge/internal/store"
	bolt "go.etcd.io/bbolt"
)

// writeCSV writes a CSV file into the fixture folder.
func (f *fixture) writeCSV(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(f.dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCheckOneCellOneAddress(t *testing.T) {
	f := newFixture(t, 1, "From: ada@contoso.test\nTo: {{ Email }}\nCc: {{ Team }}\nSubject: s\n\nHello\n")
	data := f.writeCSV(t, "web.csv", "Email,Team\nann@example.com,\nbob@example.com; victim@evil.example,\ncarl@example.com,\"boss@example.com, attacker@evil.example\"\n")
	code, out, _ := f.run(t, "check", "--data", data, "--template", f.tpl)
	for _, want := range []string{
		`error: row 3, To: several addresses in one cell: column "Email" holds 2 addresses`,
		`error: row 4, Cc: several addresses in one cell: column "Team" holds 2 addresses`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("check output lacks %q:\n%s", want, out)
		}
	}
	if code != exitProblems {
		t.Errorf("check exit = %d; want %d", code, exitProblems)
	}
	box := filepath.Join(f.dir, "box")
	if code, _, _ := f.run(t, "send", "--data", data, "--template", f.tpl, "--outbox", box); code == exitOK || countEML(t, box) != 0 {
		t.Errorf("send with two addresses in one cell = exit %d; want it refused", code)
	}

	// Declared a list, the same cells are fine, and check says who gets mail.
	os.WriteFile(f.tpl, []byte("From: ada@contoso.test\nTo: {{ Email }}\nCc: {{ Team }}\nList: Team\nSubject: s\n\nHello\n"), 0o600)
	data = f.writeCSV(t, "team.csv", "Email,Team\nann@example.com,\ncarl@example.com,\"boss@example.com, ann@example.com\"\n")
	code, out, _ = f.run(t, "check", "--data", data, "--template", f.tpl)
	for _, want := range []string{"one message to several addresses, row 3", "2 messages go to 3 different addresses"} {
		if !strings.Contains(out, want) {
			t.Errorf("check with a list column lacks %q:\n%s", want, out)
		}
	}
	if code != exitOK {
		t.Errorf("check with a declared list = exit %d; want 0", code)
	}
}

func TestSuppressPunycodeSuppressesUnicode(t *testing.T) {
	f := newFixture(t, 1, "From: ada@contoso.test\nTo: {{ Email }}\nSubject: s\n\nHello\n")
	data := f.writeCSV(t, "idn.csv", "Email\nbob@bücher.example\nbob@xn--bcher-kva.example\nann@example.com\n")
	if code, _, errs := f.run(t, "suppress", "add", "bob@xn--bcher-kva.example"); code != exitOK {
		t.Fatalf("suppress add: %d %s", code, errs)
	}
	box := filepath.Join(f.dir, "box")
	if code, out, errs := f.run(t, "send", "--data", data, "--template", f.tpl, "--outbox", box); code != exitOK {
		t.Fatalf("send: %d %s%s", code, out, errs)
	}
	if n := countEML(t, box); n != 1 {
		t.Errorf("%d messages written; want 1 (both spellings of bob suppressed)", n)
	}
}

func TestTerminalNeverGetsACellsEscapes(t *testing.T) {
	const osc = "\x1b]0;pwned\x07"
	f := newFixture(t, 1, "From: ada@contoso.test\nTo: {{ Email }}\nSubject: s\n\nHello\n")
	data := f.writeCSV(t, "esc.csv", "Email,Note\nann@example.com,\""+osc+"\x1b[2J\"\n")
	code, out, _ := f.run(t, "inspect", data)
	if code != exitOK || strings.Contains(out, "\x1b") || !strings.Contains(out, `\x1b]0;pwned\x07`) {
		t.Errorf("inspect = %d %q; want the escape shown as text", code, out)
	}
	if code, _, errs := f.run(t, "suppress", "add", "bob@example.com", "--reason", "asked"+osc); code != exitOK {
		t.Fatalf("suppress add: %s", errs)
	}
	if _, out, _ := f.run(t, "suppress", "list"); strings.Contains(out, "\x1b") {
		t.Errorf("suppress list printed a raw escape: %q", out)
	}
	box := filepath.Join(f.dir, "box")
	if code, out, errs := f.run(t, "send", "--data", data, "--template", f.tpl, "--outbox", box, "--campaign", "c"+osc); code != exitOK {
		t.Fatalf("send: %d %s%s", code, out, errs)
	}
	for _, args := range [][]string{{"campaigns"}, {"campaign", "show", "c" + osc}, {"campaign", "results", "c" + osc}} {
		code, out, errs := f.run(t, args...)
		if code != exitOK || strings.Contains(out, "\x1b") {
			t.Errorf("%v = %d %q %s; want no raw escape", args[:min(2, len(args))], code, out, errs)
		}
	}
}

func TestDataExportTempFileIsExclusive(t *testing.T) {
	f := newFixture(t, 1, "")
	f.run(t, "suppress", "add", "bob@example.com")
	shared := filepath.Join(f.dir, "shared")
	os.Mkdir(shared, 0o777)
	target := filepath.Join(shared, "export.json")
	planted := filepath.Join(f.dir, "attacker-reads-this")
	if err := os.Symlink(planted, target+".tmp"); err != nil {
		t.Skip(err)
	}
	if code, _, errs := f.run(t, "data", "export", target); code != exitOK {
		t.Fatalf("export: %d %s", code, errs)
	}
	if _, err := os.Lstat(planted); err == nil {
		t.Errorf("the export went through a link planted at %s.tmp", target)
	}
	if b, err := os.ReadFile(target); err != nil || !strings.Contains(string(b), "bob@example.com") {
		t.Errorf("export file = %.80q, %v", b, err)
	}
	left, _ := os.ReadDir(shared)
	if len(left) != 2 { // export.json and the planted link
		t.Errorf("shared folder holds %d entries after export; want 2 (no temporary file left)", len(left))
	}
}

func TestEraseKeepsAnOutboxFolderItDidNotCreate(t *testing.T) {
	f := newFixture(t, 1, "")
	mine := filepath.Join(f.dataDir, store.OutboxName, "00001-x@example.com.eml")
	os.MkdirAll(filepath.Dir(mine), 0o700)
	os.WriteFile(mine, []byte("the user's"), 0o600)
	f.run(t, "suppress", "add", "bob@example.com") // creates the database
	if code, out, errs := f.run(t, "data", "erase", "--yes"); code != exitOK {
		t.Fatalf("erase: %d %s%s", code, out, errs)
	}
	if _, err := os.Stat(mine); err != nil {
		t.Errorf("erase removed a file from an outbox folder SecureMerge did not create: %v", err)
	}
	if _, err := os.Stat(filepath.Join(f.dataDir, store.FileName)); err == nil {
		t.Errorf("erase left the database")
	}
}

// damage overwrites the root page of campaign id's journal with a header
// that claims far more elements than the page holds.
func damage(t *testing.T, dataDir, id string) {
	t.Helper()
	path := filepath.Join(dataDir, store.FileName)
	raw, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	var root uint64
	raw.View(func(tx *bolt.Tx) error {
		root = uint64(tx.Bucket([]byte("journal")).Bucket([]byte(id)).Root())
		return nil
	})
	size := int64(raw.Info().PageSize)
	raw.Close()
	if root == 0 {
		t.Fatal("journal is inline")
	}
	fh, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	var hdr [16]byte
	binary.NativeEndian.PutUint64(hdr[0:], root)
	binary.NativeEndian.PutUint16(hdr[8:], 0x02)
	binary.NativeEndian.PutUint16(hdr[10:], 60000)
	fh.WriteAt(hdr[:], int64(root)*size)
	fh.WriteAt([]byte(strings.Repeat("\xff", int(size)-16)), int64(root)*size+16)
}

func TestDamagedDatabaseIsAnErrorAndExportRescues(t *testing.T) {
	f := newFixture(t, 300, "")
	box := filepath.Join(f.dir, "box")
	if code, out, errs := f.run(t, "send", "--data", f.data, "--template", f.tpl, "--outbox", box, "--campaign", "big"); code != exitOK {
		t.Fatalf("send: %d %s%s", code, out, errs)
	}
	db, err := store.Open(f.dataDir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c, err := db.Campaign("big")
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	damage(t, f.dataDir, c.ID)

	for _, args := range [][]string{{"campaign", "results", "big"}, {"campaign", "resume", "big", "--yes"}} {
		code, _, errs := f.run(t, args...)
		if code == exitOK || !strings.Contains(errs, "damaged") {
			t.Errorf("%v on a damaged file = %d %q; want a clear error", args, code, errs)
		}
	}
	export := filepath.Join(f.dir, "rescue.json")
	code, _, errs := f.run(t, "data", "export", export)
	if code == exitOK || !strings.Contains(errs, "journal") {
		t.Errorf("data export of a damaged file = %d %q; want failure naming what was lost", code, errs)
	}
	var doc struct {
		Campaigns  []json.RawMessage `json:"campaigns"`
		Unreadable []string          `json:"unreadable"`
	}
	b, _ := os.ReadFile(export)
	if err := json.Unmarshal(b, &doc); err != nil || len(doc.Campaigns) != 1 || len(doc.Unreadable) != 1 {
		t.Errorf("rescued export = %d campaigns, unreadable %q, %v; want the campaign and one unreadable part", len(doc.Campaigns), doc.Unreadable, err)
	}
}
