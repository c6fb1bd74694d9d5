package ui

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/securemerge/securemerge/internal/campaign"
	"github.com/securemerge/securemerge/internal/merge"
)

// defaultHours are the sending hours "Send later…" offers.
var defaultHours = campaign.Hours{Start: 8 * 60, End: 18 * 60}

// sendLater is the Send step's "Send later…": a draft campaign gets a
// schedule (Service.Schedule, as `send --at` stores it), and the step then
// says when it will go, with "Cancel schedule". The window's scheduler
// sends it when the time comes. It lives on the UI goroutine.
type sendLater struct {
	d      *sendStep
	later  *widget.Button
	when   *widget.Label
	cancel *widget.Button
	row    *fyne.Container // when and cancel
}

func newSendLater(d *sendStep) *sendLater {
	s := &sendLater{d: d}
	s.later = widget.NewButtonWithIcon(lang.L("schedule.later"), theme.HistoryIcon(), s.onLater)
	s.when = widget.NewLabel("")
	s.when.Importance = widget.HighImportance
	s.cancel = widget.NewButtonWithIcon(lang.L("schedule.cancel"), theme.CancelIcon(), s.onCancel)
	s.row = container.NewHBox(s.when, s.cancel)
	s.row.Hide()
	return s
}

// scheduled is the campaign's schedule while it still waits for it.
func (s *sendLater) scheduled() *campaign.Schedule {
	if !s.d.vm.editable() {
		return nil
	}
	return s.d.vm.c.Schedule
}

// show follows the start button: "Send later…" goes where a start would,
// except for a test to myself; a scheduled campaign says when instead.
func (s *sendLater) show() {
	sch := s.scheduled()
	s.later.Hidden = sch != nil || s.d.start.Hidden || s.d.chosen() == campaign.ModeTest
	s.later.Refresh()
	if sch == nil {
		s.row.Hide()
		return
	}
	s.when.SetText(lang.L("schedule.when", map[string]any{"When": scheduleText(*sch, s.d.u.sched.now())}))
	s.row.Show()
}

// scheduleText is "Thu 3 Dec 09:00, 08:00–18:00 on weekdays".
func scheduleText(sch campaign.Schedule, now time.Time) string {
	out := whenWithDay(sch.At, now)
	hours := ""
	if !sch.Hours.IsZero() {
		hours = strings.Replace(sch.Hours.String(), "-", "–", 1)
	}
	switch {
	case hours != "" && sch.Weekdays:
		out += lang.L("schedule.when.hours.weekdays", map[string]any{"Hours": hours})
	case hours != "":
		out += lang.L("schedule.when.hours", map[string]any{"Hours": hours})
	case sch.Weekdays:
		out += lang.L("schedule.when.weekdays")
	}
	return out
}

// whenWithDay is formatWhen with the day written out, "Thu 3 Dec 09:00",
// even today: a schedule is read for its day.
func whenWithDay(t, now time.Time) string {
	t = t.Local()
	ref := now.Local()
	if y, m, d := t.Date(); y == ref.Year() && m == ref.Month() && d == ref.Day() {
		ref = time.Date(y, 1, 1, 0, 0, 0, 0, time.Local) // same year, another day
		if m == 1 && d == 1 {
			ref = ref.AddDate(0, 0, 1)
		}
	}
	days := strings.Fields(lang.L("schedule.weekdays"))
	day := ""
	if len(days) == 7 {
		day = days[t.Weekday()] + " "
	}
	return day + formatWhen(t, ref)
}

// homeStatus is a campaign's status on the home list: a scheduled draft
// says when it goes.
func homeStatus(c *campaign.Campaign, now time.Time) string {
	if c.Schedule != nil && (c.Status == campaign.StatusDraft || c.Status == "") {
		return lang.L("schedule.home", map[string]any{"When": whenWithDay(c.Schedule.At, now)})
	}
	return statusText(c.Status)
}

// onLater asks when, then saves the chosen mode and the schedule.
func (s *sendLater) onLater() {
	now := s.d.u.sched.now()
	next := now.Add(24 * time.Hour)
	date := newEntry(s.d.u.keys)
	date.SetPlaceHolder("2026-12-03")
	date.SetText(next.Local().Format("2006-01-02"))
	clock := newEntry(s.d.u.keys)
	clock.SetPlaceHolder("09:00")
	clock.SetText("09:00")
	hours := newEntry(s.d.u.keys)
	hours.SetText(strings.Replace(defaultHours.String(), "-", "–", 1))
	hours.Disable()
	within := widget.NewCheck(lang.L("schedule.dialog.hours"), func(on bool) {
		if on {
			hours.Enable()
		} else {
			hours.Disable()
		}
	})
	weekdays := widget.NewCheck(lang.L("schedule.dialog.weekdays"), nil)
	problem := widget.NewLabel("")
	problem.Importance = widget.DangerImportance
	problem.Wrapping = fyne.TextWrapWord
	problem.Hide()
	form := widget.NewForm(
		widget.NewFormItem(lang.L("schedule.dialog.date"), date),
		widget.NewFormItem(lang.L("schedule.dialog.time"), clock),
		widget.NewFormItem("", container.NewBorder(nil, nil, within, nil, hours)),
		widget.NewFormItem("", weekdays),
	)
	var dlg *dialog.CustomDialog
	ok := widget.NewButtonWithIcon(lang.L("schedule.dialog.ok"), theme.ConfirmIcon(), func() {
		sch, msg := readSchedule(date.Text, clock.Text, within.Checked, hours.Text, weekdays.Checked)
		if msg != "" {
			problem.SetText(msg)
			problem.Show()
			return
		}
		s.save(sch, func(msg string) {
			if msg != "" {
				problem.SetText(msg)
				problem.Show()
				return
			}
			dlg.Hide()
		})
	})
	ok.Importance = widget.HighImportance
	no := widget.NewButton(lang.L("schedule.dialog.cancel"), func() { dlg.Hide() })
	intro := widget.NewLabel(lang.L("schedule.dialog.text." + string(s.d.chosen())))
	intro.Wrapping = fyne.TextWrapWord
	dlg = dialog.NewCustomWithoutButtons(lang.L("schedule.dialog.title"), container.NewVBox(intro, form, problem), s.d.u.window)
	dlg.SetButtons([]fyne.CanvasObject{no, ok})
	dlg.Resize(fyne.NewSize(520, 0))
	s.d.u.showDialog(dlg, date)
}

// readSchedule reads the dialog's fields; msg says what is wrong, in the
// window's language ("" when the schedule is usable).
func readSchedule(date, clock string, within bool, hours string, weekdays bool) (sch campaign.Schedule, msg string) {
	at, err := campaign.ParseWhen(strings.TrimSpace(date)+" "+strings.TrimSpace(clock), time.Local)
	if err != nil {
		return sch, lang.L("schedule.error.when")
	}
	sch = campaign.Schedule{At: at, Weekdays: weekdays}
	if within {
		if sch.Hours, err = campaign.ParseHours(hours); err != nil {
			return sch, lang.L("schedule.error.hours")
		}
	}
	return sch, ""
}

// save keeps the mode chosen on the step and stores the schedule; done
// gets "" or what to tell in the dialog.
func (s *sendLater) save(sch campaign.Schedule, done func(msg string)) {
	m := s.d.chosen()
	c := s.d.vm.current()
	s.d.vm.saver.stop()
	ctx := s.d.u.work.ctx
	s.d.u.work.run(func() {
		tpl := c.Template
		_, err := s.d.u.deps.Campaigns.Update(c.ID, campaign.Edit{Template: &tpl, Settings: func(st *campaign.Settings) { st.Mode = m }})
		// Rows with errors would stop the send when nobody is there to
		// skip them: they are fixed first, as before a start.
		bad := 0
		if err == nil {
			var rep *merge.Report
			if rep, err = s.d.u.deps.Campaigns.Check(ctx, c); err == nil {
				bad = len(rep.Errors())
			}
		}
		var got *campaign.Campaign
		if err == nil && bad == 0 {
			got, err = s.d.u.deps.Campaigns.Schedule(c.ID, &sch)
		}
		fyne.Do(func() {
			var se *campaign.ScheduleError
			switch {
			case err == nil && bad > 0:
				done(lang.N("schedule.error.invalid", bad, map[string]any{"Count": formatCount(bad)}))
				return
			case errors.As(err, &se) && errors.Is(err, campaign.ErrScheduleInPast):
				done(lang.L("schedule.error.past", map[string]any{"When": whenWithDay(se.At, se.Now), "Now": whenWithDay(se.Now, se.Now)}))
				return
			case err != nil:
				done("")
				showError(s.d.u.window, "schedule campaign", err)
				return
			}
			done("")
			s.d.vm.c.Schedule, s.d.vm.c.Settings = got.Schedule, got.Settings
			s.d.setNote("")
			s.d.vm.notify(changedCampaign)
		})
	})
}

// onCancel removes the schedule: the campaign stays a draft.
func (s *sendLater) onCancel() {
	id := s.d.vm.c.ID
	s.d.u.work.run(func() {
		_, err := s.d.u.deps.Campaigns.Schedule(id, nil)
		fyne.Do(func() {
			if err != nil {
				showError(s.d.u.window, "cancel schedule", err)
				return
			}
			s.d.vm.c.Schedule = nil
			s.d.setNote(lang.L("schedule.cancelled"))
			s.d.vm.notify(changedCampaign)
		})
	})
}

// overdue is how late a first start may be and still go without asking:
// a campaign due hours ago (the computer was off) may no longer be wanted.
const overdue = time.Hour

// scheduler sends the scheduled campaigns while the window is open: every
// minute it runs those due (Service.RunDue, one after the other, so the
// pace and the daily budget hold across them), and an open Send step
// shows the progress as for a send started there. At start, a campaign
// whose time passed more than an hour ago is asked about first. It lives
// on the UI goroutine.
type scheduler struct {
	u *App
	// clock is the scheduler's time (tests set it); nil means time.Now.
	clock func() time.Time
	// runner adjusts each Runner before it runs (tests); nil in the app.
	runner func(*campaign.Runner)
	busy   bool // a RunDue is going
	// told are the campaigns whose failed start was shown: one that cannot
	// start stays due, and the minute's check would say so every minute.
	told   map[string]bool
	asking bool // the question about late campaigns is open: nothing runs until it is answered
}

func newScheduler(u *App) *scheduler { return &scheduler{u: u, told: map[string]bool{}} }

func (s *scheduler) now() time.Time {
	if s.clock != nil {
		return s.clock()
	}
	return time.Now()
}

// start asks about late campaigns, runs what is due, then checks every
// minute until the window's context ends.
func (s *scheduler) start() {
	s.begin()
	ctx := s.u.work.ctx
	go func() {
		t := time.NewTicker(time.Minute)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				fyne.Do(s.tick)
			case <-ctx.Done():
				return
			}
		}
	}()
}

// begin is the check at start: campaigns due long ago are asked about,
// the others run.
func (s *scheduler) begin() {
	if s.u.deps.Campaigns == nil {
		return
	}
	now := s.now()
	s.asking = true
	s.u.work.run(func() {
		due, err := s.u.deps.Campaigns.Due(now)
		var late []*campaign.Campaign
		for _, c := range due {
			if c.Schedule.Fired.IsZero() && now.Sub(c.Schedule.At) > overdue {
				late = append(late, c)
			}
		}
		fyne.Do(func() {
			if err != nil || len(late) == 0 {
				if err != nil {
					fyne.LogError("read scheduled campaigns", err)
				}
				s.asking = false
				s.tick()
				return
			}
			s.askLate(late, now)
		})
	})
}

// askLate asks whether campaigns due long ago go now; if not, they stay
// drafts without a schedule, so nothing sends them behind the person's back.
func (s *scheduler) askLate(late []*campaign.Campaign, now time.Time) {
	first := late[0]
	text := lang.N("schedule.late.text", len(late), map[string]any{
		"Name": first.Name, "When": whenWithDay(first.Schedule.At, now), "Count": formatCount(len(late))})
	s.u.ask(lang.L("schedule.late.title"), text, lang.N("schedule.late.send", len(late)), lang.N("schedule.late.keep", len(late)), false, func(send bool) {
		if send {
			s.asking = false
			s.tick()
			return
		}
		s.u.work.run(func() {
			var err error
			for _, c := range late {
				if _, e := s.u.deps.Campaigns.Schedule(c.ID, nil); e != nil && err == nil {
					err = e
				}
			}
			fyne.Do(func() {
				s.asking = false
				if err != nil {
					showError(s.u.window, "cancel schedule", err)
				}
				s.settled()
				s.tick()
			})
		})
	})
}

// tick runs the campaigns due now, in the background.
func (s *scheduler) tick() {
	if s.busy || s.asking || s.u.deps.Campaigns == nil {
		return
	}
	s.busy = true
	now, ctx := s.now(), s.u.work.ctx
	opt := campaign.StartOptions{Runner: s.runner}
	if !s.u.work.inline() {
		// Tests read the window once the run has ended, as a send step
		// started there does.
		opt.Progress = &scheduledProgress{s: s}
	}
	s.u.work.run(func() {
		runs, err := s.u.deps.Campaigns.RunDue(ctx, now, opt)
		fyne.Do(func() {
			s.busy = false
			if err != nil && !errors.Is(err, context.Canceled) {
				showError(s.u.window, "send scheduled campaigns", err)
			}
			for _, r := range runs {
				var pe *campaign.PauseError
				if r.Err != nil && !errors.As(r.Err, &pe) && !errors.Is(r.Err, campaign.ErrPaused) && !errors.Is(r.Err, context.Canceled) && !s.told[r.Campaign.ID] {
					s.told[r.Campaign.ID] = true
					showError(s.u.window, "send scheduled campaign", r.Err)
				}
			}
			if len(runs) > 0 {
				s.settled()
			}
		})
	})
}

// settled shows the campaigns as the run left them: the list, and the
// campaign open on the screen.
func (s *scheduler) settled() {
	if s.u.open == nil {
		s.u.Refresh()
		return
	}
	if d, ok := s.u.open.steps[stepSend].(*sendStep); ok && d.mode != nil {
		d.reload()
	}
}

// scheduledProgress hears a scheduled run's progress and has the campaign
// open on the screen, when it is the one running, followed as a send
// started there is.
type scheduledProgress struct {
	s    *scheduler
	mu   sync.Mutex
	last time.Time
}

func (p *scheduledProgress) Progress(campaign.Report) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if now := time.Now(); now.Sub(p.last) > time.Second {
		p.last = now
		fyne.Do(p.s.follow)
	}
}

// follow has an open Send step follow its campaign's job when the
// scheduler started it.
func (s *scheduler) follow() {
	if s.u.open == nil {
		return
	}
	if d, ok := s.u.open.steps[stepSend].(*sendStep); ok && d.mode != nil && d.job == nil {
		d.reload()
	}
}
