package outbox

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/securemerge/securemerge/internal/merge"
)

func messages(t *testing.T, n int) []*merge.Message {
	t.Helper()
	spec := &merge.Spec{From: "me@example.com", To: "{{ Email }}", Subject: "{{ Subject }}", Body: "Hello"}
	m, err := merge.NewMerger(spec, merge.NewHeader([]string{"Email", "Subject"}),
		merge.Options{CampaignID: "c", Now: func() time.Time { return time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	var out []*merge.Message
	for i := range n {
		msg, err := m.Render(i, i+2, []string{"user" + string(rune('a'+i)) + "@example.com", "=HYPERLINK(\"x\")"})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, msg)
	}
	return out
}

func listDir(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names
}

func TestWriteTwiceSameFiles(t *testing.T) {
	d := Dir{Path: filepath.Join(t.TempDir(), "new", "outbox")}
	msgs := messages(t, 3)
	for run := 1; run <= 2; run++ {
		for _, m := range msgs {
			path, written, err := d.Write(m)
			if err != nil {
				t.Fatalf("run %d: Write: %v", run, err)
			}
			if written != (run == 1) {
				t.Errorf("run %d: Write(%s) written = %v; want %v", run, m.FileName(), written, run == 1)
			}
			if filepath.Base(path) != m.FileName() {
				t.Errorf("Write path = %q; want name %q", path, m.FileName())
			}
			if !d.Exists(m) {
				t.Errorf("Exists(%s) = false after Write", m.FileName())
			}
		}
	}
	want := []string{"00001-usera@example.com.eml", "00002-userb@example.com.eml", "00003-userc@example.com.eml"}
	if got := listDir(t, d.Path); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("outbox holds %q; want exactly %q (no temp files)", got, want)
	}
	var wantBytes bytes.Buffer
	msgs[0].WriteEML(&wantBytes)
	got, _ := os.ReadFile(filepath.Join(d.Path, want[0]))
	if !bytes.Equal(got, wantBytes.Bytes()) {
		t.Errorf("file content differs from WriteEML")
	}
	for _, p := range []string{d.Path, filepath.Join(d.Path, want[0])} {
		st, _ := os.Stat(p)
		wantMode := os.FileMode(0o600)
		if st.IsDir() {
			wantMode = 0o700
		}
		if st.Mode().Perm() != wantMode {
			t.Errorf("mode of %s = %v; want %v", p, st.Mode().Perm(), wantMode)
		}
	}
}

func TestWriteKeepsExistingFile(t *testing.T) {
	d := Dir{Path: t.TempDir()}
	m := messages(t, 1)[0]
	existing := filepath.Join(d.Path, m.FileName())
	os.WriteFile(existing, []byte("edited by the user"), 0o600)
	path, written, err := d.Write(m)
	if err != nil || !written || filepath.Base(path) != AltName(m) {
		t.Errorf("Write over a file that is not this message = %s, written %v, %v; want %s, true, nil", path, written, err, AltName(m))
	}
	if b, _ := os.ReadFile(existing); string(b) != "edited by the user" {
		t.Errorf("existing file replaced: %q", b)
	}
	if _, err := os.Stat(filepath.Join(d.Path, MarkerName)); err == nil {
		t.Errorf("Write marked a folder it did not create")
	}
}

// A second campaign writing into the same folder (the default outbox is
// shared) finds files with its rows' names: they are not its messages, so
// it must write its own, not report them as sent.
func TestSecondCampaignSameFolder(t *testing.T) {
	d := Dir{Path: filepath.Join(t.TempDir(), "outbox"), Mark: true}
	first := campaignMessages(t, "spring", 2)
	second := campaignMessages(t, "autumn", 2)
	for _, m := range first {
		if _, _, err := d.Write(m); err != nil {
			t.Fatal(err)
		}
	}
	for run := 1; run <= 2; run++ {
		for _, m := range second {
			if run == 1 && d.Exists(m) {
				t.Errorf("Exists(%s of another campaign) = true before it was written", m.FileName())
			}
			path, written, err := d.Write(m)
			if err != nil || written != (run == 1) || filepath.Base(path) != AltName(m) {
				t.Errorf("run %d: Write(second campaign) = %s, %v, %v; want %s, written %v", run, path, written, err, AltName(m), run == 1)
			}
			if !d.Exists(m) || !lookupOK(t, d, m) {
				t.Errorf("run %d: Exists(%s) = false after Write", run, AltName(m))
			}
		}
	}
	if n := len(listDir(t, d.Path)); n != 1+4 {
		t.Errorf("outbox holds %d files; want the marker and 4 messages", n)
	}
}

func campaignMessages(t *testing.T, id string, n int) []*merge.Message {
	t.Helper()
	spec := &merge.Spec{From: "me@example.com", To: "{{ Email }}", Subject: "s", Body: "Hello"}
	m, err := merge.NewMerger(spec, merge.NewHeader([]string{"Email"}), merge.Options{CampaignID: id})
	if err != nil {
		t.Fatal(err)
	}
	var out []*merge.Message
	for i := range n {
		msg, err := m.Render(i, i+2, []string{fmt.Sprintf("user%d@example.com", i)})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, msg)
	}
	return out
}

func TestConcurrentWritesOneFile(t *testing.T) {
	d := Dir{Path: t.TempDir()}
	m := messages(t, 1)[0]
	var wg sync.WaitGroup
	var mu sync.Mutex
	writes := 0
	for range 16 {
		wg.Go(func() {
			_, w, err := d.Write(m)
			if err != nil {
				t.Error(err)
			}
			if w {
				mu.Lock()
				writes++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if writes != 1 || len(listDir(t, d.Path)) != 1 {
		t.Errorf("16 concurrent writes: %d written, files %q; want 1 and one file", writes, listDir(t, d.Path))
	}
}

func TestWriteFailureLeavesNothing(t *testing.T) {
	d := Dir{Path: t.TempDir()}
	m := messages(t, 1)[0]
	m.Attachments = []merge.Attachment{{Name: "gone.pdf", Path: filepath.Join(d.Path, "gone.pdf")}}
	if _, _, err := d.Write(m); err == nil {
		t.Fatal("Write with a vanished attachment: no error")
	}
	if got := listDir(t, d.Path); len(got) != 0 {
		t.Errorf("failed Write left %q; want nothing", got)
	}
}

func TestSummary(t *testing.T) {
	d := Dir{Path: t.TempDir()}
	msgs := messages(t, 2)
	rows := []SummaryRow{
		RowOf(merge.Result{Line: 2, Msg: msgs[0]}, filepath.Join(d.Path, msgs[0].FileName()), true),
		RowOf(merge.Result{Line: 3, Msg: msgs[1]}, filepath.Join(d.Path, msgs[1].FileName()), false),
		RowOf(merge.Result{Line: 4, Msg: msgs[0], Skip: "duplicate of row 2"}, "", false),
		RowOf(merge.Result{Line: 5, Err: &merge.RowError{Line: 5, Field: "To", Err: errors.New("-bad")}}, "", false),
		{Row: 6, To: "@x", Subject: "+1", Status: "-", File: "=1+1"},
	}
	if err := d.WriteSummary(rows); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(d.Path, SummaryName))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"row", "to", "subject", "status", "file"},
		{"2", "usera@example.com", `'=HYPERLINK("x")`, "written", "00001-usera@example.com.eml"},
		{"3", "userb@example.com", `'=HYPERLINK("x")`, "already in outbox", "00002-userb@example.com.eml"},
		{"4", "usera@example.com", `'=HYPERLINK("x")`, "skipped: duplicate of row 2", ""},
		{"5", "", "", "error: row 5, To: -bad", ""},
		{"6", "'@x", "'+1", "'-", "'=1+1"},
	}
	if len(recs) != len(want) {
		t.Fatalf("summary has %d lines; want %d: %q", len(recs), len(want), recs)
	}
	for i := range want {
		if strings.Join(recs[i], "|") != strings.Join(want[i], "|") {
			t.Errorf("summary line %d = %q; want %q", i+1, recs[i], want[i])
		}
	}
	if got := listDir(t, d.Path); len(got) != 1 {
		t.Errorf("outbox holds %q; want only %s", got, SummaryName)
	}
}

// TestEngineToOutboxRerun runs a whole campaign into the outbox twice.
func TestEngineToOutboxRerun(t *testing.T) {
	d := Dir{Path: t.TempDir()}
	msgs := messages(t, 5)
	var first []string
	for run := 0; run < 2; run++ {
		s, err := d.NewSummary()
		if err != nil {
			t.Fatal(err)
		}
		for i, m := range msgs {
			p, w, err := d.Write(m)
			if err != nil {
				t.Fatal(err)
			}
			s.Add(RowOf(merge.Result{Index: i, Line: i + 2, Msg: m}, p, w))
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		got := listDir(t, d.Path)
		if run == 0 {
			first = got
		} else if strings.Join(got, ",") != strings.Join(first, ",") {
			t.Errorf("second run left %q; want %q", got, first)
		}
	}
	if len(first) != 6 {
		t.Errorf("outbox holds %q; want 5 messages and the summary", first)
	}
}

func TestRemoveTempAfterKill(t *testing.T) {
	dir := t.TempDir()
	d := Dir{Path: dir}
	msgs := messages(t, 1)
	if _, _, err := d.Write(msgs[0]); err != nil {
		t.Fatal(err)
	}
	// What a SIGKILL between create and publish leaves behind.
	for _, name := range []string{".sm-123.tmp", ".sm-456.tmp"} {
		os.WriteFile(filepath.Join(dir, name), []byte("From: half"), 0o600)
	}
	n, err := d.RemoveTemp()
	if err != nil || n != 2 {
		t.Fatalf("RemoveTemp = %d, %v; want 2", n, err)
	}
	if got := listDir(t, dir); len(got) != 1 || got[0] != msgs[0].FileName() {
		t.Errorf("after RemoveTemp the folder holds %v; want only the message", got)
	}
}

func lookupOK(t *testing.T, d Dir, m *merge.Message) bool {
	t.Helper()
	ok, err := Sender{Dir: d}.Lookup(context.Background(), m)
	return err == nil && ok
}
