//go:build linux

package store_test

import (
	"math/rand/v2"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/securemerge/securemerge/internal/campaign"
	"github.com/securemerge/securemerge/internal/store"
)

func init() {
	// mover opens the database and moves random journal entries through
	// every allowed transition, forever, until it is killed.
	helpers["mover"] = func() error {
		db, err := store.Open(os.Getenv("STORE_TEST_DIR"), store.Options{LockTimeout: 5 * time.Second})
		if err != nil {
			return err
		}
		id := os.Getenv("STORE_TEST_CAMPAIGN")
		n, _ := strconv.Atoi(os.Getenv("STORE_TEST_ROWS"))
		os.Stdout.WriteString("ready\n")
		for i := 0; ; i++ {
			if i%50 == 49 {
				if _, err := db.Retry(id); err != nil {
					return err
				}
				continue
			}
			idx := rand.IntN(n)
			e, err := db.Entry(id, idx)
			if err != nil {
				return err
			}
			var to campaign.State
			switch e.State {
			case campaign.StatePending:
				to = campaign.StateSending
			case campaign.StateSending:
				to = []campaign.State{campaign.StateSent, campaign.StateFailed, campaign.StatePending}[rand.IntN(3)]
			case campaign.StateFailed:
				to = campaign.StatePending
			default:
				continue
			}
			if err := db.Move(id, idx, to, campaign.NewReason(campaign.ReasonRejected, "detail", "crash test"), 1, time.Time{}); err != nil {
				return err
			}
		}
	}
}

// TestCrashDuringMoves kills a process in the middle of its journal writes,
// again and again: every reopen finds a consistent file whose counts match
// its journal, and whose sent-recipients log matches the sent rows.
func TestCrashDuringMoves(t *testing.T) {
	if testing.Short() {
		t.Skip("kills child processes; skipped with -short")
	}
	dir := t.TempDir()
	const rows = 300
	db := openDB(t, dir)
	c := newCampaign(t, db, "crash")
	startSending(t, db, c.ID, rows)
	db.Close()

	prevMoved := -1
	for round := range 8 {
		cmd, _, out := startHelper(t, "mover", dir,
			"STORE_TEST_CAMPAIGN="+c.ID, "STORE_TEST_ROWS="+strconv.Itoa(rows))
		if line, err := out.ReadString('\n'); line != "ready\n" {
			t.Fatalf("round %d: mover did not start: %q, %v", round, line, err)
		}
		time.Sleep(time.Duration(20+rand.IntN(200)) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		err := cmd.Wait()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
			t.Fatalf("round %d: mover ended by itself (%v) before it was killed", round, err)
		}

		db, err := store.Open(dir, store.Options{})
		if err != nil {
			t.Fatalf("round %d: reopen after SIGKILL: %v", round, err)
		}
		if err := db.Check(); err != nil {
			t.Errorf("round %d: Check after SIGKILL: %v", round, err)
		}
		got, err := db.Campaign(c.ID)
		if err != nil {
			t.Fatal(err)
		}
		var recount campaign.Counts
		moved := 0
		db.Journal(c.ID, func(e campaign.Entry) bool {
			recount.Total++
			switch e.State {
			case campaign.StatePending:
				recount.Pending++
			case campaign.StateSending:
				recount.Sending++
			case campaign.StateSent:
				recount.Sent++
			case campaign.StateFailed:
				recount.Failed++
			default:
				t.Errorf("round %d: row %d in state %q", round, e.Index, e.State)
			}
			moved += e.Attempts
			return true
		})
		if got.Counts != recount || recount.Total != rows {
			t.Errorf("round %d: Counts %+v; journal has %+v", round, got.Counts, recount)
		}
		sent, _, _ := db.SentSince(time.Now().Add(-time.Hour))
		if sent != recount.Sent {
			t.Errorf("round %d: sent-recipients log has %d; journal has %d sent rows", round, sent, recount.Sent)
		}
		if moved < prevMoved {
			t.Errorf("round %d: committed moves went back from %d to %d attempts", round, prevMoved, moved)
		}
		prevMoved = moved
		db.Close()
	}
	if prevMoved == 0 {
		t.Errorf("the mover committed no move in 8 rounds: the test proved nothing")
	}
	t.Logf("after 8 kills: %d attempts recorded", prevMoved)
}
