package campaign_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/securemerge/securemerge/internal/campaign"
	"github.com/securemerge/securemerge/internal/merge"
	"github.com/securemerge/securemerge/internal/store"
)

// testClock is a settable clock, safe for concurrent use.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// paris is a fixed zone standing for the computer's local time.
var paris = time.FixedZone("CET", 3600)

// friday is Friday 4 December 2026, 09:00 in Paris.
var friday = time.Date(2026, 12, 4, 9, 0, 0, 0, paris)

// scheduledService is newService with the clock clk.
func scheduledService(t *testing.T, dir string, n int, fake *fakeSender, clk *testClock) (*campaign.Service, *store.DB) {
	t.Helper()
	svc, db := newService(t, dir, n, fake)
	svc.Now = clk.Now
	return svc, db
}

func createScheduled(t *testing.T, svc *campaign.Service, name string, sch campaign.Schedule, daily int) *campaign.Campaign {
	t.Helper()
	c, err := svc.Create(campaign.Draft{Name: name, Template: serviceTemplate, Data: campaign.DataSource{Path: "/data/people.csv"},
		Settings: campaign.Settings{Mode: campaign.ModeSend, DailyLimit: daily}})
	if err != nil {
		t.Fatal(err)
	}
	c, err = svc.Schedule(c.ID, &sch)
	if err != nil {
		t.Fatalf("Schedule: %v", err)
	}
	return c
}

func runDue(t *testing.T, svc *campaign.Service, now time.Time) []campaign.ScheduledRun {
	t.Helper()
	runs, err := svc.RunDue(context.Background(), now, campaign.StartOptions{Runner: unpaced})
	if err != nil {
		t.Fatalf("RunDue(%s): %v", now, err)
	}
	return runs
}

func TestScheduledCampaignFiresOnceEvenAcrossARestart(t *testing.T) {
	const n = 6
	dir := t.TempDir()
	fake := newFakeSender()
	clk := &testClock{t: friday}
	svc, db := scheduledService(t, dir, n, fake, clk)
	c := createScheduled(t, svc, "later", campaign.Schedule{At: friday.Add(2 * time.Hour)}, 0)
	if got, _ := svc.Campaign(c.ID); got.Schedule == nil || !got.Schedule.At.Equal(friday.Add(2*time.Hour)) || got.Status != campaign.StatusDraft {
		t.Fatalf("stored campaign: %+v; want a draft scheduled for 11:00", got)
	}
	if runs := runDue(t, svc, clk.Now()); len(runs) != 0 {
		t.Fatalf("at 09:00, RunDue ran %d campaigns; want none before 11:00", len(runs))
	}

	// 11:00: it starts; a --limit-like stop and a killed process leave it
	// half sent and "sending".
	clk.Set(friday.Add(2 * time.Hour))
	runs, err := svc.RunDue(context.Background(), clk.Now(), campaign.StartOptions{Limit: 2, Runner: unpaced})
	if err != nil || len(runs) != 1 || runs[0].Err != nil {
		t.Fatalf("RunDue at 11:00 = %+v, %v; want one run", runs, err)
	}
	if err := db.UpdateCampaign(c.ID, func(c *campaign.Campaign) error { c.Status = campaign.StatusSending; return nil }); err != nil {
		t.Fatal(err)
	}
	svc.Close()
	db.Close()

	// A new process, an hour later, continues it; the rows already sent
	// are not sent again.
	clk.Add(time.Hour)
	svc, db = scheduledService(t, dir, n, fake, clk)
	defer db.Close()
	defer svc.Close()
	runs = runDue(t, svc, clk.Now())
	if len(runs) != 1 || runs[0].Err != nil || runs[0].Campaign.Status != campaign.StatusDone {
		t.Fatalf("RunDue after the restart = %+v; want the campaign finished", runs)
	}
	if got := runs[0].Campaign.Schedule.Fired; !got.Equal(friday.Add(2 * time.Hour)) {
		t.Errorf("Fired = %s; want the first start, 11:00", got)
	}
	delivered, _, _, _ := fake.snapshot()
	if len(delivered) != n {
		t.Errorf("%d recipients got the message; want %d", len(delivered), n)
	}
	for k, copies := range delivered {
		if copies != 1 {
			t.Errorf("%s got %d copies", k, copies)
		}
	}
	// Done: never due again.
	clk.Add(24 * time.Hour)
	if due, _ := svc.Due(clk.Now()); len(due) != 0 {
		t.Errorf("a finished scheduled campaign is still due: %d", len(due))
	}
	if runs := runDue(t, svc, clk.Now()); len(runs) != 0 {
		t.Errorf("RunDue ran a finished campaign again")
	}
	if _, err := svc.Schedule(c.ID, &campaign.Schedule{At: clk.Now().Add(time.Hour)}); err == nil || !strings.Contains(err.Error(), "duplicate it") {
		t.Errorf("Schedule of a finished campaign = %v; want refused", err)
	}
}

// clockSender moves the clock forward by step after every message, so a
// test can walk a campaign through its sending hours without waiting.
type clockSender struct {
	campaign.Sender
	clk  *testClock
	step time.Duration
}

func (s clockSender) Send(ctx context.Context, m *merge.Message) error {
	err := s.Sender.Send(ctx, m)
	s.clk.Add(s.step)
	return err
}

func TestScheduledCampaignKeepsToItsHours(t *testing.T) {
	const n = 4
	fake := newFakeSender()
	clk := &testClock{t: friday.Add(-3 * time.Hour)}
	svc, _ := scheduledService(t, t.TempDir(), n, fake, clk)
	defer svc.Close()
	hours, err := campaign.ParseHours("08:00-18:00")
	if err != nil {
		t.Fatal(err)
	}
	// Friday 07:00, 08:00 to 18:00 on weekdays.
	createScheduled(t, svc, "hours", campaign.Schedule{At: friday.Add(-2 * time.Hour), Hours: hours, Weekdays: true}, 0)
	opt := campaign.StartOptions{Runner: func(r *campaign.Runner) {
		unpaced(r)
		r.Concurrency = 1
		r.Sender = clockSender{Sender: r.Sender, clk: clk, step: 3 * time.Hour}
	}}
	clk.Set(friday.Add(-90 * time.Minute)) // 07:30: the hours are closed
	if due, _ := svc.Due(clk.Now()); len(due) != 0 {
		t.Fatalf("due at 07:30 before its hours open")
	}
	clk.Set(friday.Add(7 * time.Hour)) // 16:00: one message, then it is 19:00
	runs, err := svc.RunDue(context.Background(), clk.Now(), opt)
	if err != nil || len(runs) != 1 {
		t.Fatalf("RunDue at 16:00 = %+v, %v", runs, err)
	}
	var pe *campaign.PauseError
	monday := time.Date(2026, 12, 7, 8, 0, 0, 0, paris)
	got := runs[0].Campaign
	if !errors.As(runs[0].Err, &pe) || got.Status != campaign.StatusPaused || got.Why.Code != campaign.ReasonOutsideHours || !got.ResumeAt.Equal(monday) {
		t.Fatalf("after 18:00: %s %s resume %s (err %v); want paused outside its hours until Monday 08:00", got.Status, got.Why.Code, got.ResumeAt, runs[0].Err)
	}
	if got.Counts.Sent != 1 {
		t.Errorf("%d sent before the hours closed; want 1", got.Counts.Sent)
	}
	if want := "outside the sending hours (08:00-18:00 on weekdays); it can continue at Mon 07:00"; got.Why.English(time.UTC) != want {
		t.Errorf("reason = %q; want %q", got.Why.English(time.UTC), want)
	}
	for _, at := range []time.Time{friday.Add(12 * time.Hour), friday.Add(25 * time.Hour), monday.Add(-time.Minute)} {
		if due, _ := svc.Due(at); len(due) != 0 {
			t.Errorf("due at %s, outside its hours", at)
		}
	}
	clk.Set(monday) // continues; 08:00, 11:00, 14:00: done by 17:00
	runs = runDue(t, svc, clk.Now())
	if len(runs) != 1 || runs[0].Err != nil || runs[0].Campaign.Status != campaign.StatusDone || runs[0].Campaign.Counts.Sent != n {
		t.Fatalf("RunDue on Monday = %+v; want the rest sent", runs)
	}
}

func TestScheduledCampaignsShareTheDailyBudget(t *testing.T) {
	fake := newFakeSender()
	clk := &testClock{t: friday}
	svc, _ := scheduledService(t, t.TempDir(), 2, fake, clk)
	defer svc.Close()
	a := createScheduled(t, svc, "a", campaign.Schedule{At: friday}, 3)
	b := createScheduled(t, svc, "b", campaign.Schedule{At: friday.Add(time.Minute)}, 3)
	cc := createScheduled(t, svc, "c", campaign.Schedule{At: friday.Add(2 * time.Minute)}, 3)
	clk.Set(friday.Add(5 * time.Minute))
	runs := runDue(t, svc, clk.Now())
	if len(runs) != 3 {
		t.Fatalf("RunDue ran %d; want 3 (a, b, c skipped)", len(runs))
	}
	if runs[0].Campaign.ID != a.ID || runs[0].Campaign.Status != campaign.StatusDone {
		t.Errorf("first run: %s %s; want a done", runs[0].Campaign.Name, runs[0].Campaign.Status)
	}
	gotB := runs[1].Campaign
	if gotB.ID != b.ID || gotB.Status != campaign.StatusPaused || gotB.Why.Code != campaign.ReasonDailyLimit || gotB.Counts.Sent != 1 {
		t.Errorf("second run: %s %s (%s), %d sent; want b paused by the daily limit after 1", gotB.Name, gotB.Status, gotB.Why.Code, gotB.Counts.Sent)
	}
	if !runs[2].Skipped || runs[2].Campaign.ID != cc.ID {
		t.Errorf("third: %+v; want c skipped, its budget spent", runs[2])
	}
	if got, _ := svc.Campaign(cc.ID); got.Status != campaign.StatusDraft {
		t.Errorf("c is %s; a skipped campaign stays a draft, still due", got.Status)
	}
	// Before the budget frees up nothing moves; then b and c go on.
	if due, _ := svc.Due(clk.Now().Add(time.Hour)); len(due) != 1 || due[0].ID != cc.ID {
		t.Errorf("an hour later, due: %d campaigns; want only c (b waits for its resume time)", len(due))
	}
	clk.Set(gotB.ResumeAt.Add(time.Minute))
	runDue(t, svc, clk.Now())
	for _, id := range []string{a.ID, b.ID, cc.ID} {
		if got, _ := svc.Campaign(id); got.Status != campaign.StatusDone || got.Counts.Sent != 2 {
			t.Errorf("campaign %s: %s, %d sent; want done with 2", got.Name, got.Status, got.Counts.Sent)
		}
	}
	if n, _, _ := svc.Store.SentSince(friday.Add(-time.Hour)); n != 6 {
		t.Errorf("%d recipients sent in all; want 6", n)
	}
}

func TestScheduleInThePastIsRefused(t *testing.T) {
	clk := &testClock{t: friday}
	svc, _ := scheduledService(t, t.TempDir(), 1, newFakeSender(), clk)
	defer svc.Close()
	c, err := svc.Create(campaign.Draft{Name: "x", Template: serviceTemplate, Data: campaign.DataSource{Path: "/data/people.csv"},
		Settings: campaign.Settings{Mode: campaign.ModeSend}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = svc.Schedule(c.ID, &campaign.Schedule{At: friday.Add(-2 * time.Minute)})
	if !errors.Is(err, campaign.ErrScheduleInPast) || !strings.Contains(err.Error(), "2026-12-04 08:58") || !strings.Contains(err.Error(), "it is now 2026-12-04 09:00") {
		t.Errorf("Schedule 2 minutes ago = %v; want ErrScheduleInPast naming both times", err)
	}
	if _, err := svc.Schedule(c.ID, &campaign.Schedule{At: friday.Add(-30 * time.Second)}); err != nil {
		t.Errorf("Schedule 30 s ago = %v; want accepted (now, typed late)", err)
	}
}

func TestParseHoursAndWhen(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string
		err  string
	}{
		{"08:00-18:00", "08:00-18:00", ""},
		{"8:30 – 17:45", "08:30-17:45", ""},
		{"08h00-18h00", "08:00-18:00", ""},
		{"18:00-08:00", "", "end must come after the start"},
		{"25:00-26:00", "", "not a time of day"},
		{"9-17", "", "not a time of day"},
		{"0800", "", "write them as 08:00-18:00"},
	} {
		h, err := campaign.ParseHours(tc.in)
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("ParseHours(%q) = %v, %v; want an error with %q", tc.in, h, err, tc.err)
		case tc.err == "" && (err != nil || h.String() != tc.want):
			t.Errorf("ParseHours(%q) = %q, %v; want %q", tc.in, h, err, tc.want)
		}
	}
	at, err := campaign.ParseWhen("2026-12-03 09:00", paris)
	if err != nil || !at.Equal(time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC)) {
		t.Errorf("ParseWhen = %s, %v; want 09:00 Paris time", at, err)
	}
	if _, err := campaign.ParseWhen("tomorrow", paris); err == nil || !strings.Contains(err.Error(), "2026-12-03 09:00") {
		t.Errorf("ParseWhen(tomorrow) = %v; want an error showing the format", err)
	}
}
