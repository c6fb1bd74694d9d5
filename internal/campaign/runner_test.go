package campaign_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/securemerge/securemerge/internal/campaign"
	"github.com/securemerge/securemerge/internal/merge"
	"github.com/securemerge/securemerge/internal/outbox"
	"github.com/securemerge/securemerge/internal/store"
	"github.com/securemerge/securemerge/internal/store/storetest"
)

// rowsSource is a merge.RowSource over rows in memory. Like a file reader it
// reuses the slice it returns, so a caller that keeps rows must copy them.
type rowsSource struct {
	rows [][]string
	i    int
	buf  []string
}

func (s *rowsSource) Next() ([]string, error) {
	if s.i >= len(s.rows) {
		return nil, io.EOF
	}
	s.buf = append(s.buf[:0], s.rows[s.i]...)
	s.i++
	return s.buf, nil
}

// Line numbers rows as a spreadsheet with a header row does.
func (s *rowsSource) Line() int { return s.i + 1 }

var testColumns = []string{"Email", "Name"}

// people returns n rows of distinct recipients.
func people(n int) [][]string {
	rows := make([][]string, n)
	for i := range rows {
		rows[i] = []string{fmt.Sprintf("user%05d@example.com", i+1), fmt.Sprintf("Person %d", i+1)}
	}
	return rows
}

// newMerger builds the merger of campaign id for testColumns.
func newMerger(t testing.TB, db campaign.Store, id string) *merge.Merger {
	t.Helper()
	spec := &merge.Spec{From: "sender@example.com", To: "{{ Email }}", Subject: "Hello {{ Name }}", Body: "Dear {{ Name }},\n\nSee you soon."}
	m, err := merge.NewMerger(spec, merge.NewHeader(testColumns), merge.Options{CampaignID: id, Suppressed: db.Suppressed})
	if err != nil {
		t.Fatalf("NewMerger: %v", err)
	}
	return m
}

// prepared creates a campaign for rows, prepares it and returns its ID and
// merger, failing the test on any problem.
func prepared(t testing.TB, db campaign.Store, rows [][]string) (string, *merge.Merger) {
	t.Helper()
	c := &campaign.Campaign{Name: t.Name()}
	if err := db.CreateCampaign(c); err != nil {
		t.Fatalf("CreateCampaign: %v", err)
	}
	m := newMerger(t, db, c.ID)
	rep, err := campaign.Freeze(context.Background(), db, c.ID, m, func() (merge.RowSource, error) { return &rowsSource{rows: rows}, nil }, campaign.FreezeOptions{})
	if err != nil {
		t.Fatalf("Prepare: %v (problems: %+v)", err, rep.Problems)
	}
	return c.ID, m
}

// journal returns every entry of campaign id.
func journal(t testing.TB, db campaign.Store, id string) []campaign.Entry {
	t.Helper()
	var es []campaign.Entry
	if err := db.Journal(id, func(e campaign.Entry) bool { es = append(es, e); return true }); err != nil {
		t.Fatalf("Journal: %v", err)
	}
	return es
}

// tally counts entries by state.
func tally(es []campaign.Entry) campaign.Counts {
	c := campaign.Counts{Total: len(es)}
	for _, e := range es {
		switch e.State {
		case campaign.StatePending:
			c.Pending++
		case campaign.StateSending:
			c.Sending++
		case campaign.StateSent:
			c.Sent++
		case campaign.StateFailed:
			c.Failed++
		case campaign.StateSkipped:
			c.Skipped++
		}
	}
	return c
}

// fastRunner returns an unpaced runner with millisecond retries.
func fastRunner(db campaign.Store, s campaign.Sender, m *merge.Merger) *campaign.Runner {
	return &campaign.Runner{Store: db, Sender: s, Merger: m, Rate: -1, Backoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond}
}

// progressLog records every Progress report.
type progressLog struct {
	mu      sync.Mutex
	reports []campaign.Report
}

func (p *progressLog) Progress(r campaign.Report) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if r.Last != nil {
		last := *r.Last
		r.Last = &last
	}
	p.reports = append(p.reports, r)
}

func (p *progressLog) all() []campaign.Report {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]campaign.Report(nil), p.reports...)
}

func listEML(t *testing.T, dir string) map[string]os.FileInfo {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("read outbox: %v", err)
	}
	out := map[string]os.FileInfo{}
	for _, e := range ents {
		if !strings.HasSuffix(e.Name(), ".eml") {
			t.Errorf("outbox holds %q; want only .eml files", e.Name())
			continue
		}
		fi, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = fi
	}
	return out
}

func TestRunOutboxWritesEveryRowOnce(t *testing.T) {
	db := storetest.Open(t)
	const n = 60
	id, m := prepared(t, db, people(n))
	dir := filepath.Join(t.TempDir(), "outbox")
	r := &campaign.Runner{Store: db, Sender: outbox.Sender{Dir: outbox.Dir{Path: dir}}, Merger: m, Rate: -1}
	if err := r.Run(context.Background(), id); err != nil {
		t.Fatalf("Run: %v", err)
	}
	files := listEML(t, dir)
	if len(files) != n {
		t.Fatalf("outbox holds %d files after Run; want %d", len(files), n)
	}
	for _, e := range journal(t, db, id) {
		if e.State != campaign.StateSent || e.Attempts != 1 {
			t.Errorf("row %d: state %s after %d attempts; want sent after 1", e.Line, e.State, e.Attempts)
		}
		name := fmt.Sprintf("%05d-%s.eml", e.Index+1, e.To)
		if _, ok := files[name]; !ok {
			t.Errorf("row %d: no file %s in the outbox", e.Line, name)
		}
	}
	c, err := db.Campaign(id)
	if err != nil {
		t.Fatal(err)
	}
	if c.Status != campaign.StatusDone || c.Counts.Sent != n {
		t.Errorf("campaign after Run: status %s, %d sent; want done, %d", c.Status, c.Counts.Sent, n)
	}

	// Running again writes nothing: every file keeps its first version.
	time.Sleep(10 * time.Millisecond) // let a rewrite show in the modification times
	if err := r.Run(context.Background(), id); err != nil {
		t.Fatalf("second Run: %v", err)
	}
	again := listEML(t, dir)
	if len(again) != n {
		t.Errorf("outbox holds %d files after a second Run; want %d", len(again), n)
	}
	for name, fi := range files {
		if got := again[name]; got == nil || !got.ModTime().Equal(fi.ModTime()) {
			t.Errorf("%s was rewritten by the second Run", name)
		}
	}
	for _, e := range journal(t, db, id) {
		if e.Attempts != 1 {
			t.Errorf("row %d: %d attempts after a second Run; want 1", e.Line, e.Attempts)
		}
	}
}

func TestRunReconcilesRowsLeftSending(t *testing.T) {
	db := storetest.Open(t)
	id, m := prepared(t, db, people(5))
	dir := t.TempDir()
	box := outbox.Dir{Path: dir}

	// A crash after row 1's file was written but before the journal said so,
	// and one before row 2's file was written.
	row1, err := m.Render(0, 2, people(5)[0])
	if err != nil {
		t.Fatal(err)
	}
	// The copy written before the crash is this message (its Message-ID is
	// what makes it proof of delivery), with a mark to see it is kept.
	var buf strings.Builder
	if err := row1.WriteEML(&buf); err != nil {
		t.Fatal(err)
	}
	crashed := buf.String() + "\r\n(the copy written before the crash)\r\n"
	if err := os.WriteFile(filepath.Join(dir, row1.FileName()), []byte(crashed), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{0, 1} {
		if err := db.Move(id, i, campaign.StateSending, campaign.Reason{}, 1, time.Now()); err != nil {
			t.Fatal(err)
		}
	}

	r := &campaign.Runner{Store: db, Sender: outbox.Sender{Dir: box}, Merger: m, Rate: -1}
	if err := r.Run(context.Background(), id); err != nil {
		t.Fatalf("Run: %v", err)
	}
	got, err := os.ReadFile(filepath.Join(dir, row1.FileName()))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != crashed {
		t.Errorf("row 1's file was rewritten after the crash:\n%s", got)
	}
	if files := listEML(t, dir); len(files) != 5 {
		t.Errorf("outbox holds %d files; want 5", len(files))
	}
	for _, e := range journal(t, db, id) {
		if e.State != campaign.StateSent {
			t.Errorf("row %d: state %s; want sent", e.Line, e.State)
		}
	}
	if e, _ := db.Entry(id, 0); e.Attempts != 1 {
		t.Errorf("row 1 (found in the outbox): %d attempts; want 1 (not sent again)", e.Attempts)
	}
	if e, _ := db.Entry(id, 1); e.Attempts != 2 {
		t.Errorf("row 2 (not in the outbox): %d attempts; want 2 (sent once more)", e.Attempts)
	}
}

func TestRunExactlyOnceUnderRandomFaults(t *testing.T) {
	const n = 2000
	seeds := []uint64{1, 2}
	if testing.Short() {
		seeds = seeds[:1]
	}
	for _, seed := range seeds {
		t.Run(fmt.Sprintf("seed%d", seed), func(t *testing.T) {
			db := storetest.Open(t)
			id, m := prepared(t, db, people(n))
			fs := newFakeSender()
			fs.setFaultRate(0.2, seed, faultThrottle, faultTransientBefore, faultTransientAfter, faultPermanent)
			r := fastRunner(db, fs, m)
			r.MaxAttempts = 3
			prog := &progressLog{}
			r.Progress = prog
			if err := r.Run(context.Background(), id); err != nil {
				t.Fatalf("Run: %v", err)
			}
			delivered, _, answered, _ := fs.snapshot()
			es := journal(t, db, id)
			for _, e := range es {
				switch e.State {
				case campaign.StateSent:
					if got := delivered[e.Key]; got != 1 {
						t.Errorf("row %d is sent and was delivered %d times; want 1", e.Line, got)
					}
				case campaign.StateFailed:
					if got := delivered[e.Key]; got != 0 {
						t.Errorf("row %d is failed (%s) but was delivered %d times", e.Line, e.Reason, got)
					}
				default:
					t.Errorf("row %d is %s after Run; want sent or failed", e.Line, e.State)
				}
				delete(delivered, e.Key)
			}
			for k, v := range delivered {
				t.Errorf("%d copies delivered of key %s that no row has", v, k)
			}
			want := tally(es)
			c, err := db.Campaign(id)
			if err != nil {
				t.Fatal(err)
			}
			if c.Counts != want {
				t.Errorf("campaign counts %+v; journal says %+v", c.Counts, want)
			}
			if c.Status != campaign.StatusDone {
				t.Errorf("campaign status %s (%s); want done", c.Status, c.Reason)
			}
			if want.Failed == 0 || want.Sent < n*3/4 {
				t.Errorf("counts %+v: the faults did not exercise the runner as intended", want)
			}
			var seen = map[fault]bool{}
			for _, a := range answered {
				seen[a.Fault] = true
			}
			if len(seen) != 4 {
				t.Errorf("faults answered: %v; want all four kinds", seen)
			}
			reps := prog.all()
			last := reps[len(reps)-1]
			if last.Sent != want.Sent || last.Pending != 0 || last.Sending != 0 {
				t.Errorf("last progress report %+v; want %d sent, 0 pending, 0 sending", last.Counts, want.Sent)
			}
		})
	}
}

func TestRunPermanentFailureGoesOn(t *testing.T) {
	db := storetest.Open(t)
	id, m := prepared(t, db, people(10))
	fs := newFakeSender()
	fs.failRow(3, faultPermanent)
	if err := fastRunner(db, fs, m).Run(context.Background(), id); err != nil {
		t.Fatalf("Run: %v", err)
	}
	for _, e := range journal(t, db, id) {
		want := campaign.StateSent
		if e.Index == 3 {
			want = campaign.StateFailed
			if e.Reason != permanentReason {
				t.Errorf("row %d: reason %q; want the server's %q", e.Line, e.Reason, permanentReason)
			}
		}
		if e.State != want {
			t.Errorf("row %d: state %s; want %s", e.Line, e.State, want)
		}
	}
	c, _ := db.Campaign(id)
	if c.Status != campaign.StatusDone || c.Counts.Failed != 1 || c.Counts.Sent != 9 {
		t.Errorf("campaign %s with %+v; want done with 9 sent, 1 failed", c.Status, c.Counts)
	}
}

func TestRunPausesAndResumes(t *testing.T) {
	tests := []struct {
		name   string
		fault  fault
		reason string
	}{
		{"auth", faultAuth, "sign in again"},
		{"quota", faultQuota, quotaReason},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := storetest.Open(t)
			id, m := prepared(t, db, people(20))
			fs := newFakeSender()
			fs.failRow(7, tt.fault)
			r := fastRunner(db, fs, m)
			r.Concurrency = 1 // so that the rows after row 8 are not started yet
			err := r.Run(context.Background(), id)
			var pe *campaign.PauseError
			if !errors.As(err, &pe) {
				t.Fatalf("Run = %v; want a *PauseError", err)
			}
			if !strings.Contains(pe.Reason, tt.reason) {
				t.Errorf("pause reason %q; want it to say %q", pe.Reason, tt.reason)
			}
			c, _ := db.Campaign(id)
			if c.Status != campaign.StatusPaused || !strings.Contains(c.Reason, tt.reason) {
				t.Errorf("campaign %s (%q); want paused saying %q", c.Status, c.Reason, tt.reason)
			}
			if e, _ := db.Entry(id, 7); e.State != campaign.StatePending {
				t.Errorf("row %d: %s after the pause; want pending", e.Line, e.State)
			}
			if c.Counts.Sent != 7 || c.Counts.Pending != 13 {
				t.Errorf("counts after the pause %+v; want 7 sent, 13 pending", c.Counts)
			}

			if err := r.Run(context.Background(), id); err != nil {
				t.Fatalf("Run after the pause: %v", err)
			}
			for _, e := range journal(t, db, id) {
				if e.State != campaign.StateSent || fs.copies(e.Key) != 1 {
					t.Errorf("row %d: %s with %d copies; want sent once", e.Line, e.State, fs.copies(e.Key))
				}
			}
		})
	}
}

func TestRunCancelPausesPromptlyThenResumes(t *testing.T) {
	db := storetest.Open(t)
	const n = 200
	id, m := prepared(t, db, people(n))
	fs := newFakeSender()
	fs.Latency = 30 * time.Millisecond
	r := fastRunner(db, fs, m)
	prog := &progressLog{}
	r.Progress = prog
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx, id) }()
	time.Sleep(200 * time.Millisecond)
	cancel()
	cancelled := time.Now()
	var err error
	select {
	case err = <-done:
		t.Logf("Run returned %s after the cancel", time.Since(cancelled))
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return within 10 s of the cancel")
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Run after cancel = %v; want context.Canceled", err)
	}
	c, _ := db.Campaign(id)
	if c.Status != campaign.StatusPaused {
		t.Errorf("campaign %s after cancel; want paused", c.Status)
	}
	es := journal(t, db, id)
	counts := tally(es)
	if counts.Sending != 0 {
		t.Errorf("%d rows left sending after Run returned; in-flight requests must finish and be recorded", counts.Sending)
	}
	if counts.Sent == 0 || counts.Pending == 0 {
		t.Errorf("counts after cancel %+v; want some sent and some pending", counts)
	}
	for _, e := range es {
		if want := map[campaign.State]int{campaign.StateSent: 1, campaign.StatePending: 0}[e.State]; fs.copies(e.Key) != want {
			t.Errorf("row %d is %s with %d copies delivered; want %d", e.Line, e.State, fs.copies(e.Key), want)
		}
	}

	if err := r.Run(context.Background(), id); err != nil {
		t.Fatalf("Run to resume: %v", err)
	}
	for _, e := range journal(t, db, id) {
		if e.State != campaign.StateSent || fs.copies(e.Key) != 1 {
			t.Errorf("row %d after resuming: %s with %d copies; want sent once", e.Line, e.State, fs.copies(e.Key))
		}
	}
	// Progress counts only go up within a run.
	reps := prog.all()
	for i := 1; i < len(reps); i++ {
		if reps[i].Sent < reps[i-1].Sent {
			t.Fatalf("progress report %d says %d sent after %d", i, reps[i].Sent, reps[i-1].Sent)
		}
	}
	if last := reps[len(reps)-1]; last.Pending != 0 || last.Sent != n {
		t.Errorf("final progress %+v; want %d sent and 0 pending", last.Counts, n)
	}
}

func TestRunLookupFailureLeavesRowSending(t *testing.T) {
	db := storetest.Open(t)
	id, m := prepared(t, db, people(3))
	fs := newFakeSender()
	fs.failRow(1, faultTransientAfter)
	fs.lookupFails = 100
	r := fastRunner(db, fs, m)
	r.Concurrency = 1
	err := r.Run(context.Background(), id)
	var pe *campaign.PauseError
	if !errors.As(err, &pe) || !strings.Contains(pe.Reason, "row 3") {
		t.Fatalf("Run = %v; want a pause saying row 3 cannot be confirmed", err)
	}
	if e, _ := db.Entry(id, 1); e.State != campaign.StateSending {
		t.Errorf("row 3: %s; want left sending until the mailbox can be asked", e.State)
	}
	fs.mu.Lock()
	fs.lookupFails = 0
	fs.mu.Unlock()
	if err := r.Run(context.Background(), id); err != nil {
		t.Fatalf("Run to resume: %v", err)
	}
	for _, e := range journal(t, db, id) {
		if e.State != campaign.StateSent || fs.copies(e.Key) != 1 {
			t.Errorf("row %d: %s with %d copies; want sent once", e.Line, e.State, fs.copies(e.Key))
		}
	}
}

func TestRunNotStarted(t *testing.T) {
	db := storetest.Open(t)
	c := &campaign.Campaign{Name: "draft"}
	if err := db.CreateCampaign(c); err != nil {
		t.Fatal(err)
	}
	r := fastRunner(db, newFakeSender(), newMerger(t, db, c.ID))
	if err := r.Run(context.Background(), c.ID); !errors.Is(err, campaign.ErrNotStarted) {
		t.Errorf("Run(draft) = %v; want ErrNotStarted", err)
	}
}

func TestDailyBudget(t *testing.T) {
	t.Run("pause", func(t *testing.T) {
		dir := t.TempDir()
		db, err := store.Open(dir, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		id, m := prepared(t, db, people(80))
		fs := newFakeSender()
		r := fastRunner(db, fs, m)
		r.DailyLimit = 50
		err = r.Run(context.Background(), id)
		var pe *campaign.PauseError
		if !errors.As(err, &pe) {
			t.Fatalf("Run = %v; want a *PauseError", err)
		}
		_, oldest, err := db.SentSince(time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if want := oldest.Add(24 * time.Hour); !pe.ResumeAt.Equal(want) {
			t.Errorf("ResumeAt = %v; want the oldest send + 24 h = %v", pe.ResumeAt, want)
		}
		c, _ := db.Campaign(id)
		if c.Status != campaign.StatusPaused || !strings.Contains(c.Reason, "daily limit of 50") || !c.ResumeAt.Equal(pe.ResumeAt) {
			t.Errorf("campaign %s (%q, resume %v); want paused at the daily limit of 50 until %v", c.Status, c.Reason, c.ResumeAt, pe.ResumeAt)
		}
		if c.Counts.Sent != 50 {
			t.Errorf("%d sent; want the daily limit, 50", c.Counts.Sent)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}

		// The sent log survives a restart: a new run sends nothing more.
		db, err = store.Open(dir, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		r = fastRunner(db, fs, m)
		r.DailyLimit = 50
		if err := r.Run(context.Background(), id); !errors.As(err, &pe) {
			t.Errorf("Run after reopening = %v; want a *PauseError", err)
		}
		if c, _ := db.Campaign(id); c.Counts.Sent != 50 {
			t.Errorf("%d sent after reopening; want still 50", c.Counts.Sent)
		}
		if err := db.Check(); err != nil {
			t.Error(err)
		}
	})
	t.Run("wait", func(t *testing.T) {
		db := storetest.Open(t)
		id, m := prepared(t, db, people(80))
		fs := newFakeSender()
		r := fastRunner(db, fs, m)
		// The "day" must outlast sending the first 50 even on a loaded
		// machine, or the budget never runs out and nothing waits.
		r.DailyLimit, r.Day, r.WaitForBudget = 50, 1500*time.Millisecond, true
		var waited bool
		r.Progress = progressFunc(func(rep campaign.Report) {
			if strings.Contains(rep.Waiting, "daily limit") {
				waited = true
			}
		})
		if err := r.Run(context.Background(), id); err != nil {
			t.Fatalf("Run: %v", err)
		}
		if c, _ := db.Campaign(id); c.Status != campaign.StatusDone || c.Counts.Sent != 80 {
			t.Errorf("campaign %s with %d sent; want done with 80", c.Status, c.Counts.Sent)
		}
		if !waited {
			t.Error("no progress report said the run was waiting for the daily limit")
		}
	})
}

type progressFunc func(campaign.Report)

func (f progressFunc) Progress(r campaign.Report) { f(r) }
