package campaign_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/securemerge/securemerge/internal/campaign"
	"github.com/securemerge/securemerge/internal/merge"
	"github.com/securemerge/securemerge/internal/store"
)

// panickingSender panics on its first Send, as a bug in a sender would.
type panickingSender struct{ campaign.Sender }

func (panickingSender) Send(context.Context, *merge.Message) error { panic("sender bug") }

// TestPanickingSendLeavesRowSending runs a Runner whose sender panics in a
// child process, one request at a time: OnPanic hears of it before the
// process dies, the row stays "sending", and the next run asks the mailbox
// and sends each row exactly once.
func TestPanickingSendLeavesRowSending(t *testing.T) {
	if dir := os.Getenv("CAMPAIGN_PANIC_CHILD"); dir != "" {
		db, err := store.Open(dir, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		id := os.Getenv("CAMPAIGN_PANIC_ID")
		r := &campaign.Runner{Store: db, Sender: panickingSender{newFakeSender()}, Merger: newMerger(t, db, id), Rate: -1, Concurrency: 1,
			OnPanic: func(v any) { os.WriteFile(filepath.Join(dir, "panicked"), []byte(v.(string)), 0o600) }}
		r.Run(context.Background(), id)
		t.Fatal("the panic did not end the process")
	}
	dir := t.TempDir()
	db, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	id, _ := prepared(t, db, people(3))
	db.Close()

	cmd := exec.Command(os.Args[0], "-test.run=^TestPanickingSendLeavesRowSending$")
	cmd.Env = append(os.Environ(), "CAMPAIGN_PANIC_CHILD="+dir, "CAMPAIGN_PANIC_ID="+id)
	if out, err := cmd.CombinedOutput(); err == nil {
		t.Fatalf("the child survived a panicking send:\n%s", out)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "panicked")); err != nil || string(b) != "sender bug" {
		t.Errorf("OnPanic was not called before the process ended: %q, %v", b, err)
	}
	db, err = store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	sending := 0
	for _, e := range journal(t, db, id) {
		if e.State == campaign.StateSending {
			sending++
		}
	}
	if sending != 1 {
		t.Fatalf("%d rows left sending after the panic; want the one being sent", sending)
	}
	fake := newFakeSender()
	if err := fastRunner(db, fake, newMerger(t, db, id)).Run(context.Background(), id); err != nil {
		t.Fatalf("next run: %v", err)
	}
	delivered, _, _, _ := fake.snapshot()
	if len(delivered) != 3 {
		t.Errorf("%d recipients got a message after the next run; want 3", len(delivered))
	}
	for k, n := range delivered {
		if n != 1 {
			t.Errorf("%s got %d copies", k, n)
		}
	}
}
