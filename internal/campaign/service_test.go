package campaign_test

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/securemerge/securemerge/internal/campaign"
	"github.com/securemerge/securemerge/internal/campaign/campaigntest"
	"github.com/securemerge/securemerge/internal/merge"
	"github.com/securemerge/securemerge/internal/outbox"
	"github.com/securemerge/securemerge/internal/store"
)

// memRows is campaign.Rows over rows in memory.
type memRows struct {
	cols []string
	rowsSource
}

func (r *memRows) Columns() []string         { return r.cols }
func (r *memRows) Warnings() []merge.Problem { return nil }
func (r *memRows) Close() error              { return nil }

// memSources serves data sources from memory by path, counting opens.
type memSources struct {
	mu    sync.Mutex
	data  map[string][][]string
	opens int
}

func (s *memSources) Open(d campaign.DataSource) (campaign.Rows, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rows, ok := s.data[d.Path]
	if !ok {
		return nil, fmt.Errorf("open %s: no such file", d.Path)
	}
	s.opens++
	return &memRows{cols: testColumns, rowsSource: rowsSource{rows: rows}}, nil
}

// fakeSenders hands out a fakeSender as the mailbox and a real outbox.
type fakeSenders struct {
	mailbox *fakeSender
	self    string // "" means the mailbox has no address
}

func (s *fakeSenders) Outbox(dir string, own bool) (campaign.Sender, error) {
	return outbox.Sender{Dir: outbox.Dir{Path: dir, Batch: true, Mark: own}}, nil
}

func (s *fakeSenders) Mailbox(context.Context) (campaign.Mailbox, error) { return s, nil }

func (s *fakeSenders) Address() (mail.Address, error) {
	if s.self == "" {
		return mail.Address{}, errors.New("the signed-in mailbox has no e-mail address")
	}
	return mail.Address{Name: "Ada", Address: s.self}, nil
}

func (s *fakeSenders) Sender(bool, string) campaign.Sender { return s.mailbox }

const serviceTemplate = "From: sender@example.com\nTo: {{ Email }}\nSubject: Hello {{ Name }}\n\nDear {{ Name }},\n"

// newService is a Service over a real store in dir with n people.
func newService(t *testing.T, dir string, n int, fake *fakeSender) (*campaign.Service, *store.DB) {
	t.Helper()
	db, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	svc := &campaign.Service{Store: db, Sources: &memSources{data: map[string][][]string{"/data/people.csv": people(n)}},
		Senders: &fakeSenders{mailbox: fake, self: "ada@example.com"}, OutboxDir: filepath.Join(dir, "outbox")}
	return svc, db
}

func unpaced(r *campaign.Runner) {
	r.Rate, r.Backoff, r.MaxBackoff = -1, time.Millisecond, 5*time.Millisecond
}

// wait fails the test when a job does not end: a hang guard, not a timing
// assertion.
func wait(t *testing.T, j *campaign.Job) error {
	t.Helper()
	select {
	case <-j.Done():
		return j.Err()
	case <-time.After(2 * time.Minute):
		t.Fatal("the job never ended")
		return nil
	}
}

func TestJobPausedAndResumedInANewProcessSendsEachOnce(t *testing.T) {
	const n = 40
	dir := t.TempDir()
	fake := newFakeSender()
	fake.Latency = 2 * time.Millisecond
	svc, db := newService(t, dir, n, fake)
	c, err := svc.Create(campaign.Draft{Name: "spring", Template: serviceTemplate, Data: campaign.DataSource{Path: "/data/people.csv"},
		Settings: campaign.Settings{Mode: campaign.ModeSend}})
	if err != nil {
		t.Fatal(err)
	}
	// The 11th send and later wait at a gate until the job is paused, so
	// the pause always comes mid-campaign, whatever the machine's speed.
	g := campaigntest.NewHold(fake, 10)
	job, _, err := svc.Start(context.Background(), c.ID, campaign.PlanOptions{}, campaign.StartOptions{
		Runner: func(r *campaign.Runner) { unpaced(r); r.Sender = g }})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	if _, _, err := svc.Start(context.Background(), c.ID, campaign.PlanOptions{}, campaign.StartOptions{}); !errors.Is(err, campaign.ErrJobRunning) {
		t.Errorf("a second Start of a running campaign = %v; want ErrJobRunning", err)
	}
	<-g.Reached
	job.Pause()
	close(g.Release) // the requests in flight finish and are journaled
	if err := wait(t, job); !errors.Is(err, campaign.ErrPaused) {
		t.Fatalf("paused job ended with %v; want ErrPaused", err)
	}
	got, _ := svc.Campaign(c.ID)
	if got.Status != campaign.StatusPaused || got.Why.Code != campaign.ReasonPaused || got.Counts.Sending != 0 {
		t.Fatalf("after Pause: %s (%s) %+v; want paused, nothing left sending", got.Status, got.Why.Code, got.Counts)
	}
	if got.Counts.Sent >= n {
		t.Fatalf("pause came too late to test a resume: %+v", got.Counts)
	}
	svc.Close()
	db.Close()

	// A new process: a new store handle and a new Service.
	svc2, db2 := newService(t, dir, n, fake)
	defer db2.Close()
	defer svc2.Close()
	job2, _, err := svc2.Start(context.Background(), c.ID, campaign.PlanOptions{}, campaign.StartOptions{Runner: unpaced})
	if err != nil {
		t.Fatalf("resume: %v", err)
	}
	if err := wait(t, job2); err != nil {
		t.Fatalf("resumed job: %v", err)
	}
	delivered, _, _, _ := fake.snapshot()
	if len(delivered) != n {
		t.Errorf("%d recipients got a message; want %d", len(delivered), n)
	}
	for k, copies := range delivered {
		if copies != 1 {
			t.Errorf("%s got %d copies", k, copies)
		}
	}
}

func TestBlockedProgressNeverSlowsSending(t *testing.T) {
	const n = 200
	svc, db := newService(t, t.TempDir(), n, newFakeSender())
	defer db.Close()
	defer svc.Close()
	c, _ := svc.Create(campaign.Draft{Name: "slow screen", Template: serviceTemplate, Data: campaign.DataSource{Path: "/data/people.csv"},
		Settings: campaign.Settings{Mode: campaign.ModeSend}})
	release := make(chan struct{})
	var mu sync.Mutex
	var got []campaign.Report
	sink := progressFunc(func(r campaign.Report) {
		<-release // a window that is frozen until the job is over
		mu.Lock()
		got = append(got, r)
		mu.Unlock()
	})
	job, _, err := svc.Start(context.Background(), c.ID, campaign.PlanOptions{}, campaign.StartOptions{Progress: sink, Runner: unpaced})
	if err != nil {
		t.Fatal(err)
	}
	// If reporting blocked the runner, no row could be journaled sent while
	// the sink is held: the hang guard below would fail the test.
	deadline := time.Now().Add(2 * time.Minute)
	for {
		got, _ := svc.Campaign(c.ID)
		if got.Status == campaign.StatusDone && got.Counts.Sent == n {
			break
		}
		if time.Now().After(deadline) {
			close(release)
			t.Fatalf("sending stalled behind a blocked progress sink: %s %+v", got.Status, got.Counts)
		}
		time.Sleep(5 * time.Millisecond)
	}
	select {
	case <-job.Done():
		t.Error("Done closed before the front end had every report")
	default:
	}
	close(release)
	if err := wait(t, job); err != nil {
		t.Fatalf("job: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	// Every settled row reaches the front end, in order, and counts never go back.
	rows, last := 0, 0
	for _, r := range got {
		if r.Last != nil && r.Last.State == campaign.StateSent {
			rows++
		}
		if r.Sent < last {
			t.Errorf("counts went back: %d after %d", r.Sent, last)
		}
		last = r.Sent
	}
	if rows != n || last != n {
		t.Errorf("the front end saw %d sent rows, final count %d; want %d", rows, last, n)
	}
}

func TestJobCancelSkipsWhatIsLeft(t *testing.T) {
	const n = 30
	fake := newFakeSender()
	fake.Latency = 2 * time.Millisecond
	svc, db := newService(t, t.TempDir(), n, fake)
	defer db.Close()
	defer svc.Close()
	c, _ := svc.Create(campaign.Draft{Name: "stop", Template: serviceTemplate, Data: campaign.DataSource{Path: "/data/people.csv"},
		Settings: campaign.Settings{Mode: campaign.ModeSend}})
	started := make(chan struct{})
	var once sync.Once
	job, _, err := svc.Start(context.Background(), c.ID, campaign.PlanOptions{}, campaign.StartOptions{Runner: unpaced,
		Progress: progressFunc(func(r campaign.Report) {
			if r.Sent > 3 {
				once.Do(func() { close(started) })
			}
		})})
	if err != nil {
		t.Fatal(err)
	}
	<-started
	skipped, err := job.Cancel()
	if err != nil {
		t.Fatalf("Cancel: %v", err)
	}
	got, _ := svc.Campaign(c.ID)
	if got.Status != campaign.StatusCancelled || got.Counts.Sent+skipped != n || got.Counts.Pending+got.Counts.Sending != 0 {
		t.Errorf("after Cancel: %s %+v, %d skipped; want cancelled with every row sent or skipped", got.Status, got.Counts, skipped)
	}
	delivered, _, _, _ := fake.snapshot()
	if len(delivered) != got.Counts.Sent {
		t.Errorf("%d delivered but the journal says %d sent", len(delivered), got.Counts.Sent)
	}
	es, _, _ := svc.Results(c.ID, 0, n)
	for _, e := range es {
		if e.State == campaign.StateSkipped && e.Why.Code != campaign.ReasonCancelled {
			t.Errorf("row %d skipped with %q; want the cancelled code", e.Line, e.Why.Code)
		}
	}
}

func TestModeOfAStartedCampaignIsFixed(t *testing.T) {
	dir := t.TempDir()
	svc, db := newService(t, dir, 3, newFakeSender())
	defer db.Close()
	defer svc.Close()
	c, _ := svc.Create(campaign.Draft{Name: "spring", Template: serviceTemplate, Data: campaign.DataSource{Path: "/data/people.csv"},
		Settings: campaign.Settings{Mode: campaign.ModeOutbox}})
	job, _, err := svc.Start(context.Background(), c.ID, campaign.PlanOptions{}, campaign.StartOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := wait(t, job); err != nil {
		t.Fatal(err)
	}
	_, err = svc.Update(c.ID, campaign.Edit{Settings: func(s *campaign.Settings) { s.Mode = campaign.ModeSend }})
	if !errors.Is(err, campaign.ErrModeFixed) {
		t.Fatalf("switching a written outbox campaign to live = %v; want ErrModeFixed", err)
	}
	got, _ := svc.Campaign(c.ID)
	if got.Settings.Mode != campaign.ModeOutbox {
		t.Errorf("the refused switch relabelled the campaign as %s", got.Settings.Mode)
	}
	if folder := svc.OutboxFolder(got); folder != filepath.Join(dir, "outbox", "spring") {
		t.Errorf("OutboxFolder = %s; want <data>/outbox/spring", folder)
	}
}

func TestSkipInvalidRecordsEachSkippedRow(t *testing.T) {
	rows := people(4)
	rows[1][0] = "not an address"
	db, err := store.Open(t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	svc := &campaign.Service{Store: db, Sources: &memSources{data: map[string][][]string{"/d.csv": rows}},
		Senders: &fakeSenders{mailbox: newFakeSender(), self: "ada@example.com"}}
	c, _ := svc.Create(campaign.Draft{Name: "x", Template: serviceTemplate, Data: campaign.DataSource{Path: "/d.csv"},
		Settings: campaign.Settings{Mode: campaign.ModeSend}})
	if _, _, err := svc.Plan(context.Background(), c.ID, campaign.PlanOptions{}); !errors.Is(err, campaign.ErrInvalid) {
		t.Fatalf("Plan with a bad row = %v; want ErrInvalid", err)
	}
	plan, _, err := svc.Plan(context.Background(), c.ID, campaign.PlanOptions{SkipInvalid: true})
	if err != nil {
		t.Fatalf("Plan(SkipInvalid) = %v", err)
	}
	if plan.Campaign.Counts.Skipped != 1 || plan.Campaign.Counts.Pending != 3 {
		t.Fatalf("counts = %+v; want 1 skipped, 3 pending", plan.Campaign.Counts)
	}
	e, _ := db.Entry(c.ID, 1)
	if e.State != campaign.StateSkipped || e.Why.Code != campaign.ReasonInvalid || e.Reason == "" {
		t.Errorf("bad row = %s %q %q; want skipped with the invalid code and its reason", e.State, e.Why.Code, e.Reason)
	}
}

func TestSendTestWithoutAnAddressIsAClearError(t *testing.T) {
	svc, db := newService(t, t.TempDir(), 2, newFakeSender())
	defer db.Close()
	svc.Senders = &fakeSenders{mailbox: newFakeSender()}
	c := &campaign.Campaign{Name: "x", Template: serviceTemplate, Data: campaign.DataSource{Path: "/data/people.csv"}}
	_, err := svc.SendTest(context.Background(), c, campaign.RowRef{})
	var ce *campaign.ConnectError
	if !errors.As(err, &ce) {
		t.Fatalf("SendTest with a mailbox without address = %v; want a ConnectError", err)
	}
}

func TestSendTestGoesToMeOnly(t *testing.T) {
	fake := newFakeSender()
	svc, db := newService(t, t.TempDir(), 3, fake)
	defer db.Close()
	c := &campaign.Campaign{Name: "x", Template: "From: a@example.com\nTo: {{ Email }}\nCc: boss@example.com\nSubject: Hi\n\nx", Data: campaign.DataSource{Path: "/data/people.csv"}}
	msg, err := svc.SendTest(context.Background(), c, campaign.RowRef{Line: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(msg.To) != 1 || msg.To[0].Address != "ada@example.com" || len(msg.Cc)+len(msg.Bcc) != 0 || msg.Subject != "[TEST] Hi" || msg.Line != 3 {
		t.Errorf("test message: to %v cc %v subject %q line %d", msg.To, msg.Cc, msg.Subject, msg.Line)
	}
}

func TestTableFindsRow99999WithoutRereading(t *testing.T) {
	const n = 100000
	src := &memSources{data: map[string][][]string{"/big.csv": people(n)}}
	svc := &campaign.Service{Sources: src}
	defer svc.Close()
	t1, err := svc.Table(campaign.DataSource{Path: "/big.csv"})
	if err != nil {
		t.Fatal(err)
	}
	<-t1.First()
	if k, _ := t1.Len(); k < campaign.FirstRows {
		t.Errorf("First closed with %d rows ready; want at least %d", k, campaign.FirstRows)
	}
	c := &campaign.Campaign{Name: "x", Template: serviceTemplate, Data: campaign.DataSource{Path: "/big.csv"}}
	for _, ref := range []campaign.RowRef{{Index: 99999}, {Line: 100001}, {Index: 5}} {
		msg, err := svc.Preview(context.Background(), c, ref)
		if err != nil {
			t.Fatalf("Preview(%+v): %v", ref, err)
		}
		if want := people(n)[msg.Index][0]; msg.To[0].Address != want {
			t.Errorf("Preview(%+v) to %s; want %s", ref, msg.To[0].Address, want)
		}
	}
	if _, err := svc.Preview(context.Background(), c, campaign.RowRef{Index: n}); !errors.Is(err, campaign.ErrNoRow) {
		t.Errorf("Preview past the end = %v; want ErrNoRow", err)
	}
	if src.opens != 1 {
		t.Errorf("the file was opened %d times; want once", src.opens)
	}
	if rows := t1.Rows(99990, 100); len(rows) != 10 || rows[9].Index != 99999 {
		t.Errorf("Rows(99990, 100) = %d rows", len(rows))
	}
}

func TestReasonsRenderInEnglish(t *testing.T) {
	at := time.Date(2026, 12, 4, 14, 5, 0, 0, time.UTC)
	for _, tc := range []struct {
		r    campaign.Reason
		want string
	}{
		{campaign.NewReason(campaign.ReasonDuplicate, "row", "7"), "duplicate of row 7"},
		{campaign.NewReason(campaign.ReasonSuppressed, "detail", "bob@example.com: asked"), "suppressed: bob@example.com: asked"},
		{campaign.NewReason(campaign.ReasonDailyLimit, "limit", "10000", "resume_at", at.Format(time.RFC3339Nano)), "daily limit of 10000 recipients reached; it can continue at Fri 14:05"},
		{campaign.NewReason(campaign.ReasonThrottled, "wait", "90"), "the mailbox asked to slow down; continuing in 1m30s"},
		{campaign.NewReason(campaign.ReasonStoppedAtLimit, "n", "4"), "stopped after 4 messages as asked; resume to send the rest"},
		{campaign.NewReason(campaign.ReasonSignIn), "sign in again: the mailbox no longer accepts this session"},
		{campaign.NewReason(campaign.ReasonQuota), "the mailbox's sending limit was reached"},
		{campaign.Reason{}, ""},
	} {
		if got := tc.r.English(time.UTC); got != tc.want {
			t.Errorf("%s.English = %q; want %q", tc.r.Code, got, tc.want)
		}
	}
}

func TestOutboxFolderIsOneSafeFolder(t *testing.T) {
	svc := &campaign.Service{OutboxDir: "/data/outbox"}
	for name, want := range map[string]string{
		"Sample: appointment reminders": "Sample - appointment reminders",
		"Q1/Q2 <VIP> mailing?":          "Q1_Q2 _VIP_ mailing_",
		"..":                            "campaign",
		"trailing dot.":                 "trailing dot",
	} {
		if got := svc.OutboxFolder(&campaign.Campaign{Name: name}); got != filepath.Join("/data/outbox", want) {
			t.Errorf("OutboxFolder(%q) = %q; want <outbox>/%q", name, got, want)
		}
	}
}
