package store_test

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/securemerge/securemerge/internal/campaign"
	"github.com/securemerge/securemerge/internal/store"
	"github.com/securemerge/securemerge/internal/store/storetest"
)

func testRows(n int) (*campaign.Snapshot, []campaign.Entry) {
	snap := &campaign.Snapshot{Columns: []string{"Name", "Email"}}
	entries := make([]campaign.Entry, n)
	for i := range n {
		to := fmt.Sprintf("person%d@example.com", i)
		snap.Rows = append(snap.Rows, campaign.SnapshotRow{Index: i, Line: i + 2, Values: []string{fmt.Sprintf("Person %d", i), to}})
		entries[i] = campaign.Entry{Index: i, Line: i + 2, To: to, Key: fmt.Sprintf("key-%d", i)}
	}
	return snap, entries
}

func startSending(t testing.TB, db *store.DB, id string, n int) {
	t.Helper()
	snap, entries := testRows(n)
	if err := db.StartSending(id, snap, entries); err != nil {
		t.Fatalf("StartSending(%s, %d rows): %v", id, n, err)
	}
}

func journal(t *testing.T, db *store.DB, id string) []campaign.Entry {
	t.Helper()
	var all []campaign.Entry
	if err := db.Journal(id, func(e campaign.Entry) bool { all = append(all, e); return true }); err != nil {
		t.Fatalf("Journal(%s): %v", id, err)
	}
	return all
}

func TestStartSending(t *testing.T) {
	clk := newClock()
	db := storetest.OpenWith(t, store.Options{Now: clk.Now})
	c := newCampaign(t, db, "Spring")
	if snap, err := db.Snapshot(c.ID); snap != nil || err != nil {
		t.Errorf("Snapshot before sending = %v, %v; want nil, nil", snap, err)
	}

	snap, entries := testRows(5)
	entries[3].State, entries[3].Reason = campaign.StateSkipped, "suppressed: bounced"
	// Given out of order: stored in index order.
	entries[0], entries[4] = entries[4], entries[0]
	clk.Advance(time.Minute)
	if err := db.StartSending(c.ID, snap, entries); err != nil {
		t.Fatalf("StartSending: %v", err)
	}
	got, err := db.Snapshot(c.ID)
	if err != nil || !reflect.DeepEqual(got, snap) {
		t.Errorf("Snapshot = %+v, %v; want %+v", got, err, snap)
	}
	all := journal(t, db, c.ID)
	if len(all) != 5 {
		t.Fatalf("Journal has %d entries; want 5", len(all))
	}
	for i, e := range all {
		wantState := campaign.StatePending
		if i == 3 {
			wantState = campaign.StateSkipped
		}
		if e.Index != i || e.State != wantState || e.To != fmt.Sprintf("person%d@example.com", i) || !e.Updated.Equal(clk.Now()) {
			t.Errorf("Journal[%d] = %+v; want index %d, %s, updated now", i, e, i, wantState)
		}
	}
	cc, _ := db.Campaign(c.ID)
	if cc.Status != campaign.StatusSending || !cc.Started.Equal(clk.Now()) {
		t.Errorf("after StartSending Status %q Started %v; want sending at %v", cc.Status, cc.Started, clk.Now())
	}
	if want := (campaign.Counts{Total: 5, Pending: 4, Skipped: 1}); cc.Counts != want {
		t.Errorf("Counts = %+v; want %+v", cc.Counts, want)
	}

	if err := db.StartSending(c.ID, snap, entries); !errors.Is(err, store.ErrStarted) {
		t.Errorf("second StartSending = %v; want ErrStarted", err)
	}
	if err := db.StartSending("nope", snap, entries); !errors.Is(err, campaign.ErrNotFound) {
		t.Errorf("StartSending(unknown) = %v; want ErrNotFound", err)
	}
}

func TestStartSendingRefusesBadEntries(t *testing.T) {
	db := storetest.Open(t)
	tests := []struct {
		name   string
		modify func([]campaign.Entry)
	}{
		{"duplicate index", func(e []campaign.Entry) { e[1].Index = 0 }},
		{"negative index", func(e []campaign.Entry) { e[1].Index = -1 }},
		{"already sent", func(e []campaign.Entry) { e[1].State = campaign.StateSent }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCampaign(t, db, tt.name)
			snap, entries := testRows(3)
			tt.modify(entries)
			if err := db.StartSending(c.ID, snap, entries); err == nil {
				t.Fatalf("StartSending with %s succeeded", tt.name)
			}
			if s, _ := db.Snapshot(c.ID); s != nil {
				t.Errorf("refused StartSending left a snapshot")
			}
			if got, _ := db.Campaign(c.ID); got.Status != campaign.StatusDraft {
				t.Errorf("refused StartSending set status %q", got.Status)
			}
		})
	}
}

func TestMove(t *testing.T) {
	s := campaign.StatePending
	type step struct {
		to      campaign.State
		wantErr bool
	}
	tests := []struct {
		name  string
		steps []step
		want  campaign.State
	}{
		{"sent", []step{{campaign.StateSending, false}, {campaign.StateSent, false}}, campaign.StateSent},
		{"failed then retried by hand", []step{{campaign.StateSending, false}, {campaign.StateFailed, false}, {campaign.StatePending, false}}, s},
		{"skip a pending row", []step{{campaign.StateSkipped, false}}, campaign.StateSkipped},
		{"sent is final", []step{{campaign.StateSending, false}, {campaign.StateSent, false}, {campaign.StatePending, true}}, campaign.StateSent},
		{"pending cannot jump to sent", []step{{campaign.StateSent, true}}, s},
		{"no move to the same state", []step{{campaign.StatePending, true}}, s},
		{"unknown state", []step{{campaign.State("lost"), true}}, s},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := storetest.Open(t)
			c := newCampaign(t, db, "c")
			startSending(t, db, c.ID, 2)
			for _, st := range tt.steps {
				err := db.Move(c.ID, 1, st.to, campaign.NewReason(campaign.ReasonRejected, "detail", "why"), 1, time.Time{})
				if st.wantErr {
					var te *campaign.TransitionError
					if !errors.As(err, &te) || !errors.Is(err, campaign.ErrBadTransition) {
						t.Errorf("Move to %s = %v; want a *TransitionError", st.to, err)
					}
				} else if err != nil {
					t.Errorf("Move to %s: %v", st.to, err)
				}
			}
			e, err := db.Entry(c.ID, 1)
			if err != nil || e.State != tt.want {
				t.Errorf("Entry(1) = %+v, %v; want state %s", e, err, tt.want)
			}
		})
	}
}

func TestMoveRecordsAttemptsAndSends(t *testing.T) {
	clk := newClock()
	db := storetest.OpenWith(t, store.Options{Now: clk.Now})
	c := newCampaign(t, db, "c")
	startSending(t, db, c.ID, 3)
	at := clk.Now().Add(time.Second)

	moves := []struct {
		to  campaign.State
		why campaign.Reason
	}{
		{campaign.StateSending, campaign.Reason{}},
		{campaign.StateFailed, campaign.NewReason(campaign.ReasonRejected, "detail", "timeout")},
		{campaign.StatePending, campaign.Reason{}},
		{campaign.StateSending, campaign.Reason{}},
		{campaign.StateSent, campaign.Reason{}},
	}
	for _, m := range moves {
		if err := db.Move(c.ID, 2, m.to, m.why, 3, at); err != nil {
			t.Fatalf("Move to %s: %v", m.to, err)
		}
	}
	e, _ := db.Entry(c.ID, 2)
	want := campaign.Entry{Index: 2, Line: 4, To: "person2@example.com", Key: "key-2", State: campaign.StateSent, Attempts: 2, Updated: at}
	if !reflect.DeepEqual(e, want) {
		t.Errorf("Entry(2) = %+v; want %+v", e, want)
	}
	n, oldest, err := db.SentSince(clk.Now().Add(-24 * time.Hour))
	if err != nil || n != 3 || !oldest.Equal(at) {
		t.Errorf("SentSince = %d, %v, %v; want 3 recipients at %v", n, oldest, err, at)
	}
	got, _ := db.Campaign(c.ID)
	if want := (campaign.Counts{Total: 3, Pending: 2, Sent: 1}); got.Counts != want {
		t.Errorf("Counts = %+v; want %+v", got.Counts, want)
	}

	t.Run("unknown row and campaign", func(t *testing.T) {
		if err := db.Move(c.ID, 3, campaign.StateSending, campaign.Reason{}, 1, at); !errors.Is(err, store.ErrNoEntry) {
			t.Errorf("Move(row 3 of 3) = %v; want ErrNoEntry", err)
		}
		if _, err := db.Entry(c.ID, -1); !errors.Is(err, store.ErrNoEntry) {
			t.Errorf("Entry(-1) = %v; want ErrNoEntry", err)
		}
		if err := db.Move("nope", 0, campaign.StateSending, campaign.Reason{}, 1, at); !errors.Is(err, campaign.ErrNotFound) {
			t.Errorf("Move(unknown campaign) = %v; want ErrNotFound", err)
		}
	})
}

func TestJournalWalk(t *testing.T) {
	db := storetest.Open(t)
	c := newCampaign(t, db, "big")
	const n = 2500 // more than one read batch
	startSending(t, db, c.ID, n)

	t.Run("in index order, moving as it goes", func(t *testing.T) {
		next := 0
		err := db.Journal(c.ID, func(e campaign.Entry) bool {
			if e.Index != next {
				t.Fatalf("Journal gave index %d; want %d", e.Index, next)
			}
			next++
			if e.Index%1000 == 0 {
				// A runner moves rows while it walks: no deadlock.
				if err := db.Move(c.ID, e.Index, campaign.StateSending, campaign.Reason{}, 1, time.Time{}); err != nil {
					t.Errorf("Move inside Journal: %v", err)
				}
			}
			return true
		})
		if err != nil || next != n {
			t.Errorf("Journal walked %d entries, %v; want %d", next, err, n)
		}
	})
	t.Run("stops when fn says so", func(t *testing.T) {
		seen := 0
		db.Journal(c.ID, func(e campaign.Entry) bool { seen++; return seen < 1500 })
		if seen != 1500 {
			t.Errorf("Journal called fn %d times after it returned false at 1500", seen)
		}
	})
	t.Run("draft has an empty journal", func(t *testing.T) {
		d := newCampaign(t, db, "draft")
		if all := journal(t, db, d.ID); len(all) != 0 {
			t.Errorf("Journal(draft) = %d entries; want 0", len(all))
		}
	})
}

func TestRetry(t *testing.T) {
	db := storetest.Open(t)
	c := newCampaign(t, db, "c")
	startSending(t, db, c.ID, 4)
	for i, end := range []campaign.State{campaign.StateSent, campaign.StateFailed, campaign.StateFailed} {
		db.Move(c.ID, i, campaign.StateSending, campaign.Reason{}, 1, time.Time{})
		db.Move(c.ID, i, end, campaign.NewReason(campaign.ReasonRejected, "detail", "mailbox unavailable"), 1, time.Time{})
	}
	db.UpdateCampaign(c.ID, func(c *campaign.Campaign) error {
		c.Status, c.Finished = campaign.StatusDone, time.Now()
		return nil
	})

	n, err := db.Retry(c.ID)
	if err != nil || n != 2 {
		t.Fatalf("Retry = %d, %v; want 2", n, err)
	}
	got, _ := db.Campaign(c.ID)
	if got.Status != campaign.StatusPaused || !got.Finished.IsZero() {
		t.Errorf("after Retry Status %q Finished %v; want paused, not finished", got.Status, got.Finished)
	}
	if want := (campaign.Counts{Total: 4, Pending: 3, Sent: 1}); got.Counts != want {
		t.Errorf("after Retry Counts = %+v; want %+v", got.Counts, want)
	}
	for i, want := range []campaign.State{campaign.StateSent, campaign.StatePending, campaign.StatePending, campaign.StatePending} {
		e, _ := db.Entry(c.ID, i)
		if e.State != want {
			t.Errorf("row %d after Retry: %s; want %s", i, e.State, want)
		}
		if i > 0 && e.Reason != "" {
			t.Errorf("row %d after Retry keeps reason %q", i, e.Reason)
		}
	}
	if n, err := db.Retry(c.ID); n != 0 || err != nil {
		t.Errorf("second Retry = %d, %v; want 0", n, err)
	}
}

func TestSentLogWindowAndPruning(t *testing.T) {
	clk := newClock()
	db := storetest.OpenWith(t, store.Options{Now: clk.Now})
	c := newCampaign(t, db, "c")
	startSending(t, db, c.ID, 4)
	send := func(i, recipients int) {
		t.Helper()
		db.Move(c.ID, i, campaign.StateSending, campaign.Reason{}, recipients, clk.Now())
		if err := db.Move(c.ID, i, campaign.StateSent, campaign.Reason{}, recipients, clk.Now()); err != nil {
			t.Fatal(err)
		}
	}
	start := clk.Now()
	send(0, 2)
	clk.Advance(10 * time.Hour)
	send(1, 5)

	tests := []struct {
		name       string
		since      time.Time
		want       int
		wantOldest time.Time
	}{
		{"whole window", start.Add(-time.Hour), 7, start},
		{"from the first send on", start, 7, start},
		{"after the first", start.Add(time.Second), 5, start.Add(10 * time.Hour)},
		{"nothing yet", clk.Now().Add(time.Hour), 0, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, oldest, err := db.SentSince(tt.since)
			if err != nil || n != tt.want || !oldest.Equal(tt.wantOldest) {
				t.Errorf("SentSince(%v) = %d, %v, %v; want %d, %v", tt.since, n, oldest, err, tt.want, tt.wantOldest)
			}
		})
	}

	// 49 h later a send prunes the first two (older than 48 h).
	clk.Advance(49 * time.Hour)
	send(2, 1)
	var b bytes.Buffer
	if err := db.Export(&b); err != nil {
		t.Fatal(err)
	}
	doc := decodeExport(t, b.Bytes())
	if len(doc.SentLog) != 1 || doc.SentLog[0].Recipients != 1 {
		t.Errorf("sent log after 49 h = %+v; want only the last send", doc.SentLog)
	}

	// The log survives a restart.
	n, _, _ := db.SentSince(clk.Now().Add(-24 * time.Hour))
	if n != 1 {
		t.Errorf("SentSince(last 24 h) = %d; want 1", n)
	}
}

func TestSentLogSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	db := openDB(t, dir)
	c := newCampaign(t, db, "c")
	startSending(t, db, c.ID, 1)
	now := time.Now()
	db.Move(c.ID, 0, campaign.StateSending, campaign.Reason{}, 4, now)
	db.Move(c.ID, 0, campaign.StateSent, campaign.Reason{}, 4, now)
	db.Close()
	db = openDB(t, dir)
	if n, _, err := db.SentSince(now.Add(-24 * time.Hour)); n != 4 || err != nil {
		t.Errorf("SentSince after reopen = %d, %v; want 4", n, err)
	}
}

func TestMoveManyAllOrNothing(t *testing.T) {
	db := storetest.Open(t)
	c := &campaign.Campaign{Name: "batch"}
	if err := db.CreateCampaign(c); err != nil {
		t.Fatal(err)
	}
	entries := []campaign.Entry{{Index: 0, Line: 2, To: "a@x.test"}, {Index: 1, Line: 3, To: "b@x.test"}, {Index: 2, Line: 4, To: "c@x.test"}}
	if err := db.StartSending(c.ID, &campaign.Snapshot{Columns: []string{"Email"}}, entries); err != nil {
		t.Fatal(err)
	}
	err := db.MoveMany(c.ID, []campaign.Move{{Index: 0, To: campaign.StateSending}, {Index: 0, To: campaign.StateSent, Recipients: 1}, {Index: 1, To: campaign.StateSent}}, time.Time{})
	if !errors.Is(err, campaign.ErrBadTransition) {
		t.Fatalf("MoveMany with a refused move = %v; want ErrBadTransition", err)
	}
	got, _ := db.Campaign(c.ID)
	if got.Counts.Sent != 0 || got.Counts.Pending != 3 {
		t.Errorf("a refused batch changed the journal: %+v", got.Counts)
	}
	if err := db.MoveMany(c.ID, []campaign.Move{{Index: 0, To: campaign.StateSending}, {Index: 0, To: campaign.StateSent, Recipients: 1}, {Index: 2, To: campaign.StateFailed, Why: campaign.NewReason(campaign.ReasonRejected, "detail", "bad")}}, time.Time{}); err != nil {
		t.Fatal(err)
	}
	got, _ = db.Campaign(c.ID)
	if got.Counts.Sent != 1 || got.Counts.Failed != 1 || got.Counts.Pending != 1 {
		t.Errorf("after MoveMany counts = %+v", got.Counts)
	}
	if n, _, _ := db.SentSince(time.Now().Add(-time.Hour)); n != 1 {
		t.Errorf("sent log = %d; want 1", n)
	}
}
