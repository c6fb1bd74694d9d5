package ui

import (
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/securemerge/securemerge/internal/campaign"
)

// testClock is a clock a test moves; the runners read it too.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// newScheduleApp is a send test app whose service, runners and window's
// scheduler share one clock, starting at sendClock (Tue 1 Dec 14:05).
func newScheduleApp(t *testing.T) (*testApp, *testClock) {
	t.Helper()
	ta := newSendApp(t)
	clock := &testClock{t: sendClock}
	ta.svc.Now = clock.now
	ta.sched.clock = clock.now
	return ta, clock
}

// at is a local time in December 2026.
func at(day, hour, minute int) time.Time {
	return time.Date(2026, 12, day, hour, minute, 0, 0, time.Local)
}

// TestSendLaterSendsOnceWhenTheTimeComes schedules a campaign from the
// Send step for Thursday 09:00 within 08:00–18:00 on weekdays: the step
// says when, nothing is written before, the minute's check at 09:01 writes
// every message, and later checks write nothing again.
func TestSendLaterSendsOnceWhenTheTimeComes(t *testing.T) {
	ta, clock := newScheduleApp(t)
	c, _ := openSend(t, ta, "Later", recipients(5))
	w := ta.Window()
	test.Tap(button(t, w, "Send later…"))
	mustShow(t, w, "Send later", "{2026-12-02}", "{09:00}", "(Send only between)", "(Weekdays only (Monday to Friday))")
	golden(t, "schedule/dialog.en.xml", w)
	d := ta.dialog
	date, clk := w.Canvas().Focused().(*entry), (*entry)(nil)
	if date == nil || date.Text != "2026-12-02" {
		t.Fatalf("the date field is not focused with tomorrow's date: %#v", w.Canvas().Focused())
	}
	date.SetText("")
	test.Type(date, "2026-12-03")
	visitEntries(w, func(e *entry) {
		if e.Text == "09:00" {
			clk = e
		}
	})
	if clk == nil {
		t.Fatal("no time field showing 09:00")
	}
	test.Tap(checkNamed(t, w, "Send only between"))
	test.Tap(checkNamed(t, w, "Weekdays only (Monday to Friday)"))
	test.Tap(button(t, w, "Schedule"))
	if ta.dialog == d {
		t.Fatalf("the dialog stayed open: %s", texts(w))
	}
	mustShow(t, w, "Scheduled for Thu 3 Dec 09:00, 08:00–18:00 on weekdays", "[Cancel schedule]")
	mustNotShow(t, w, "Send later…")
	got, _ := ta.svc.Campaign(c.ID)
	if got.Schedule == nil || !got.Schedule.At.Equal(at(3, 9, 0)) || got.Schedule.Hours != (campaign.Hours{Start: 480, End: 1080}) || !got.Schedule.Weekdays {
		t.Fatalf("stored schedule %+v", got.Schedule)
	}
	if got.Settings.Mode != campaign.ModeOutbox {
		t.Errorf("stored mode %q; want the outbox chosen on the step", got.Settings.Mode)
	}

	outbox := ta.svc.OutboxFolder(got)
	clock.set(at(2, 9, 1))
	ta.sched.tick()
	if n := len(emlFiles(t, outbox)); n != 0 {
		t.Fatalf("%d messages written a day early", n)
	}
	clock.set(at(3, 9, 1))
	ta.sched.tick()
	if n := len(emlFiles(t, outbox)); n != 5 {
		t.Fatalf("%d messages written at 09:01 on the day; want 5", n)
	}
	mustShow(t, w, "5 sent · 0 failed · 0 skipped · 0 left")
	mustNotShow(t, w, "Scheduled for", "Cancel schedule")
	clock.set(at(3, 9, 2))
	ta.sched.tick()
	ta.sched.begin() // as after a restart
	if n := len(emlFiles(t, outbox)); n != 5 {
		t.Fatalf("%d messages after later checks; want the same 5", n)
	}

}

// TestSendLaterRefusesBadInputInTheDialog keeps the dialog open with a
// sentence for a date it cannot read, hours the wrong way round, and a
// time that has passed; nothing is scheduled.
func TestSendLaterRefusesBadInputInTheDialog(t *testing.T) {
	ta, _ := newScheduleApp(t)
	c, _ := openSend(t, ta, "Later", recipients(2))
	w := ta.Window()
	test.Tap(button(t, w, "Send later…"))
	date := w.Canvas().Focused().(*entry)
	date.SetText("next thursday")
	test.Tap(button(t, w, "Schedule"))
	mustShow(t, w, "Write the date as 2026-12-03 and the time as 09:00.")

	date.SetText("2026-12-03")
	test.Tap(checkNamed(t, w, "Send only between"))
	visitEntries(w, func(e *entry) {
		if e.Text == "08:00–18:00" {
			e.SetText("18:00–08:00")
		}
	})
	test.Tap(button(t, w, "Schedule"))
	mustShow(t, w, "Write the sending hours as 08:00–18:00, the end after the start.")

	test.Tap(checkNamed(t, w, "Send only between"))
	date.SetText("2026-11-30")
	test.Tap(button(t, w, "Schedule"))
	mustShow(t, w, "Mon 30 Nov 09:00 has passed (it is Tue 1 Dec 14:05): choose a later time.")
	if ta.dialog == nil {
		t.Fatal("the dialog closed on a refused schedule")
	}
	if got, _ := ta.svc.Campaign(c.ID); got.Schedule != nil {
		t.Errorf("a refused schedule was stored: %+v", got.Schedule)
	}
}

// TestCancelScheduleKeepsADraft: after "Cancel schedule" the time comes
// and nothing is sent.
func TestCancelScheduleKeepsADraft(t *testing.T) {
	inFrench(t)
	ta, clock := newScheduleApp(t)
	c, _ := openSend(t, ta, "Plus tard", recipients(2))
	if _, err := ta.svc.Update(c.ID, campaign.Edit{Settings: func(s *campaign.Settings) { s.Mode = campaign.ModeOutbox }}); err != nil {
		t.Fatal(err)
	}
	if _, err := ta.svc.Schedule(c.ID, &campaign.Schedule{At: at(3, 9, 0)}); err != nil {
		t.Fatal(err)
	}
	ta.showCampaign(mustCampaign(t, ta, c.ID), stepSend)
	w := ta.Window()
	mustShow(t, w, "Programmée pour le jeu. 3 déc. 09:00", "[Annuler la programmation]")
	golden(t, "schedule/scheduled.fr.xml", w)
	test.Tap(button(t, w, "Annuler la programmation"))
	mustShow(t, w, "Envoyer plus tard…")
	clock.set(at(3, 9, 1))
	ta.sched.tick()
	got := mustCampaign(t, ta, c.ID)
	if got.Schedule != nil || got.Status != campaign.StatusDraft || got.Counts.Sent != 0 {
		t.Errorf("after cancelling: schedule %+v, %s, %d sent; want an unscheduled draft", got.Schedule, got.Status, got.Counts.Sent)
	}
}

// TestScheduledLongAgoAsksFirst: at start, a campaign due more than an
// hour ago is not sent until the person says so; one due minutes ago goes.
func TestScheduledLongAgoAsksFirst(t *testing.T) {
	ta, clock := newScheduleApp(t)
	late := scheduled(t, ta, "Newsletter", at(3, 9, 0))
	recent := scheduled(t, ta, "Reminder", at(3, 10, 30))
	clock.set(at(3, 12, 0))
	ta.sched.begin()
	w := ta.Window()
	mustShow(t, w, "Send now?", "2 scheduled campaigns were due while SecureMerge was closed, the first, “Newsletter”, at Thu 3 Dec 09:00: send them now?")
	// Nothing goes while the question is open, not even the minute's check.
	ta.sched.tick()
	if got := mustCampaign(t, ta, late.ID); got.Counts.Sent != 0 {
		t.Fatalf("sent before the answer: %+v", got.Counts)
	}
	test.Tap(button(t, w, "Send them now"))
	for _, c := range []*campaign.Campaign{late, recent} {
		if got := mustCampaign(t, ta, c.ID); got.Status != campaign.StatusDone || got.Counts.Sent != 3 {
			t.Errorf("%s after the answer: %s %+v; want done, 3 sent", c.Name, got.Status, got.Counts)
		}
	}
}

// TestScheduledLongAgoKeptAsADraft: answering no leaves a draft that no
// later check sends; a campaign due minutes ago is not asked about.
func TestScheduledLongAgoKeptAsADraft(t *testing.T) {
	ta, clock := newScheduleApp(t)
	late := scheduled(t, ta, "Newsletter", at(3, 9, 0))
	clock.set(at(3, 12, 0))
	ta.sched.begin()
	w := ta.Window()
	mustShow(t, w, "“Newsletter” was due at Thu 3 Dec 09:00, while SecureMerge was closed: send it now?")
	test.Tap(button(t, w, "Keep it as a draft"))
	clock.set(at(3, 12, 1))
	ta.sched.tick()
	if got := mustCampaign(t, ta, late.ID); got.Status != campaign.StatusDraft || got.Schedule != nil || got.Counts.Sent != 0 {
		t.Errorf("kept: %s schedule %+v %+v; want an unscheduled draft, nothing sent", got.Status, got.Schedule, got.Counts)
	}

	recent := scheduled(t, ta, "Reminder", at(3, 12, 2))
	clock.set(at(3, 12, 30))
	ta.sched.begin()
	mustNotShow(t, w, "send it now?")
	if got := mustCampaign(t, ta, recent.ID); got.Status != campaign.StatusDone {
		t.Errorf("a campaign due 28 minutes ago: %s; want sent at start without asking", got.Status)
	}
}

// scheduled is a campaign of 3 recipients for the outbox, scheduled at when.
func scheduled(t *testing.T, ta *testApp, name string, when time.Time) *campaign.Campaign {
	t.Helper()
	data := ta.writeFile(t, name+".csv", recipients(3))
	c, err := ta.svc.Create(campaign.Draft{Name: name, Template: sendTemplate, Data: campaign.DataSource{Path: data},
		Settings: campaign.Settings{Mode: campaign.ModeOutbox}})
	if err != nil {
		t.Fatal(err)
	}
	if c, err = ta.svc.Schedule(c.ID, &campaign.Schedule{At: when}); err != nil {
		t.Fatal(err)
	}
	return c
}

func mustCampaign(t *testing.T, ta *testApp, id string) *campaign.Campaign {
	t.Helper()
	c, err := ta.svc.Campaign(id)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestWhenWithDay(t *testing.T) {
	now := sendClock // Tue 1 Dec 2026
	for _, tc := range []struct {
		at   time.Time
		want string
	}{
		{at(3, 9, 0), "Thu 3 Dec 09:00"},
		{at(1, 18, 0), "Tue 1 Dec 18:00"},
		{time.Date(2027, 1, 1, 9, 0, 0, 0, time.Local), "Fri 1 Jan 2027 09:00"},
	} {
		if got := whenWithDay(tc.at, now); got != tc.want {
			t.Errorf("whenWithDay(%v) = %q; want %q", tc.at, got, tc.want)
		}
	}
}

// visitEntries calls f for every entry shown, dialogs first.
func visitEntries(w fyne.Window, f func(*entry)) {
	visit(w, func(o fyne.CanvasObject, _ bool) bool {
		if e, ok := o.(*entry); ok {
			f(e)
			return false
		}
		return true
	})
}

// checkNamed is the check box shown with text.
func checkNamed(t *testing.T, w fyne.Window, text string) *widget.Check {
	t.Helper()
	var found *widget.Check
	visit(w, func(o fyne.CanvasObject, _ bool) bool {
		if c, ok := o.(*widget.Check); ok && c.Text == text && found == nil {
			found = c
		}
		return found == nil
	})
	if found == nil {
		t.Fatalf("no check box %q in:\n%s", text, texts(w))
	}
	return found
}

const badRows = "Name,Email\nAda,ada@example.com\nBob,not an address\n"

// TestSendLaterRefusesRowsWithErrors: rows that would stop the send when
// nobody is there are fixed first; nothing is scheduled.
func TestSendLaterRefusesRowsWithErrors(t *testing.T) {
	ta, _ := newScheduleApp(t)
	c, _ := openSend(t, ta, "Later", badRows)
	w := ta.Window()
	test.Tap(button(t, w, "Send later…"))
	test.Tap(button(t, w, "Schedule"))
	mustShow(t, w, "1 row has a problem that would stop the send: fix it on the Data step first.")
	if got := mustCampaign(t, ta, c.ID); got.Schedule != nil {
		t.Errorf("scheduled with a bad row: %+v", got.Schedule)
	}
}

// TestScheduledRunThatCannotStartSaysSoOnce: a scheduled campaign whose
// rows went bad stays due; the window says so once, not every minute.
func TestScheduledRunThatCannotStartSaysSoOnce(t *testing.T) {
	ta, clock := newScheduleApp(t)
	data := ta.writeFile(t, "bad.csv", badRows)
	c, err := ta.svc.Create(campaign.Draft{Name: "Bad", Template: sendTemplate, Data: campaign.DataSource{Path: data},
		Settings: campaign.Settings{Mode: campaign.ModeOutbox}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ta.svc.Schedule(c.ID, &campaign.Schedule{At: at(3, 9, 0)}); err != nil {
		t.Fatal(err)
	}
	w := ta.Window()
	ta.home.now = clock.now
	ta.Refresh()
	mustShow(t, w, "Scheduled Thu 3 Dec 09:00")
	clock.set(at(3, 9, 1))
	ta.sched.tick()
	mustShow(t, w, "Some rows have problems. Fix them, or skip those rows.")
	test.Tap(button(t, w, "OK"))
	mustNotShow(t, w, "Some rows have problems.")
	clock.set(at(3, 9, 2))
	ta.sched.tick()
	mustNotShow(t, w, "Some rows have problems.")
}
