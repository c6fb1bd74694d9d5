//go:build linux

package store_test

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/securemerge/securemerge/internal/campaign"
	"github.com/securemerge/securemerge/internal/store"
)

const fileSizeLimit = 4 << 20

func init() {
	// fill runs with a 4 MiB file size limit, so writes past it fail with
	// EFBIG as on a full disk; it grows the database until a transaction
	// fails and reports what it had committed before.
	helpers["fill"] = func() error {
		signal.Ignore(syscall.SIGXFSZ)
		lim := syscall.Rlimit{Cur: fileSizeLimit, Max: fileSizeLimit}
		if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &lim); err != nil {
			return err
		}
		db, err := store.Open(os.Getenv("STORE_TEST_DIR"), store.Options{})
		if err != nil {
			return err
		}
		id := os.Getenv("STORE_TEST_CAMPAIGN")
		template := strings.Repeat("Dear {{ Name }}, ", 4000) // ~64 KB a campaign
		for created := 0; created < 1000; created++ {
			err := db.CreateCampaign(&campaign.Campaign{Name: fmt.Sprintf("filler %d", created), Template: template})
			if err != nil {
				if !errors.Is(err, store.ErrDiskFull) {
					return fmt.Errorf("CreateCampaign past the limit: %v; want ErrDiskFull", err)
				}
				// A Move now may fit in free pages or fail; either way
				// it must be all or nothing.
				moveErr := db.Move(id, 0, campaign.StateSending, campaign.Reason{}, 1, time.Time{})
				if moveErr != nil && !errors.Is(moveErr, store.ErrDiskFull) {
					return fmt.Errorf("Move past the limit: %v; want ErrDiskFull", moveErr)
				}
				fmt.Printf("%d %t %s\n", created, moveErr == nil, err)
				return nil
			}
		}
		return errors.New("the file size limit was never reached")
	}
}

// TestDiskFull runs a process whose files cannot grow past 4 MiB: the
// transaction that does not fit fails with ErrDiskFull, and the database
// reopens consistent with everything committed before.
func TestDiskFull(t *testing.T) {
	dir := t.TempDir()
	db := openDB(t, dir)
	c := newCampaign(t, db, "before")
	startSending(t, db, c.ID, 20)
	db.Close()

	cmd, _, out := startHelper(t, "fill", dir, "STORE_TEST_CAMPAIGN="+c.ID)
	line, _ := out.ReadString('\n')
	if err := cmd.Wait(); err != nil {
		t.Fatalf("fill helper: %v (output %q)", err, line)
	}
	var created int
	var moved bool
	if _, err := fmt.Sscanf(line, "%d %t", &created, &moved); err != nil || created == 0 {
		t.Fatalf("fill helper said %q; want how many campaigns it created before the disk was full", line)
	}
	t.Logf("helper: %s", strings.TrimSpace(line))
	if !strings.Contains(line, "disk full") {
		t.Errorf("error text %q does not say the disk is full", line)
	}

	db = openDB(t, dir)
	if err := db.Check(); err != nil {
		t.Fatalf("Check after a full disk: %v", err)
	}
	list, err := db.Campaigns()
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != created+1 {
		t.Errorf("after a full disk %d campaigns; want %d committed before it plus the first", len(list), created+1)
	}
	e, _ := db.Entry(c.ID, 0)
	wantState := campaign.StatePending
	if moved {
		wantState = campaign.StateSending
	}
	if e.State != wantState {
		t.Errorf("row 1 is %s; the helper's Move reported moved=%t", e.State, moved)
	}
	if fi, _ := os.Stat(db.Path()); fi.Size() > fileSizeLimit {
		t.Errorf("file is %d bytes, over the limit", fi.Size())
	}
	// With space again, writing works.
	if err := db.CreateCampaign(&campaign.Campaign{Name: "after"}); err != nil {
		t.Errorf("CreateCampaign once space is back: %v", err)
	}
}
