package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/securemerge/securemerge/internal/campaign"
)

// scheduleFlags are send's --at, --window and --weekdays.
type scheduleFlags struct {
	at, window string
	weekdays   bool
	sch        *campaign.Schedule // parsed by check; nil without --at
}

func (s *scheduleFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&s.at, "at", "", "do not send now: schedule the campaign for `TIME` (\"2026-12-03 09:00\", this computer's time); 'securemerge run-scheduled' sends it")
	fs.StringVar(&s.window, "window", "", "with --at: send only between these `HOURS` each day (\"08:00-18:00\"), pausing outside them")
	fs.BoolVar(&s.weekdays, "weekdays", false, "with --at: send only Monday to Friday")
}

// check parses the flags for mode; it returns -1 when they are usable, an
// exit code after printing a located message otherwise.
func (s *scheduleFlags) check(m *Main, mode campaign.Mode) int {
	if s.at == "" {
		if s.window != "" || s.weekdays {
			fmt.Fprintln(m.Stderr, "securemerge: --window and --weekdays go with --at (when to send)")
			return exitUsage
		}
		return -1
	}
	if mode == campaign.ModeDryRun || mode == campaign.ModeTest {
		fmt.Fprintln(m.Stderr, "securemerge: --at schedules a real send: add --live, --drafts or --outbox DIR")
		return exitUsage
	}
	at, err := campaign.ParseWhen(s.at, time.Local)
	if err != nil {
		fmt.Fprintf(m.Stderr, "securemerge: --at: %v\n", err)
		return exitUsage
	}
	sch := &campaign.Schedule{At: at, Weekdays: s.weekdays}
	if s.window != "" {
		if sch.Hours, err = campaign.ParseHours(s.window); err != nil {
			fmt.Fprintf(m.Stderr, "securemerge: --window: %v\n", err)
			return exitUsage
		}
	}
	// Refused here too, before any campaign is created for it.
	now := m.clock()
	if at.Before(now.Add(-time.Minute)) {
		fmt.Fprintf(m.Stderr, "securemerge: --at %q: %v\n", s.at, &campaign.ScheduleError{At: at, Now: now, Err: campaign.ErrScheduleInPast})
		return exitUsage
	}
	s.sch = sch
	return -1
}

// clock is m.Now, else time.Now.
func (m *Main) clock() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

// scheduleCampaign stores the schedule of c instead of sending it now.
func (m *Main) scheduleCampaign(svc *campaign.Service, c *campaign.Campaign, f *sendFlags) int {
	if c.Settings.Mode == campaign.ModeSend && !f.yes &&
		!m.confirm(fmt.Sprintf("Send campaign %q live at %s, without asking again then?", c.Name, f.sched.sch.Describe(time.Local))) {
		fmt.Fprintln(m.Stderr, "Not scheduled. Run again with --yes to skip this question.")
		return exitCanceled
	}
	c, err := svc.Schedule(c.ID, f.sched.sch)
	var se *campaign.ScheduleError
	switch {
	case errors.As(err, &se):
		fmt.Fprintf(m.Stderr, "securemerge: --at %q: %v\n", f.sched.at, err)
		return exitUsage
	case err != nil:
		return m.fail(err)
	}
	if f.json {
		return m.writeJSON(map[string]any{"event": "scheduled", "campaign": c.ID, "name": c.Name, "schedule": c.Schedule})
	}
	fmt.Fprintf(m.Stdout, "Campaign %q (%s) is scheduled: %s (%s). Nothing was sent now.\n",
		termSafe(c.Name), c.ID, c.Schedule.Describe(time.Local), modeName(c.Settings.Mode))
	fmt.Fprintln(m.Stdout, "The window sends it when the time comes; with the window closed, 'securemerge run-scheduled' does (run it every few minutes from cron or Task Scheduler).")
	return exitOK
}

func modeName(md campaign.Mode) string {
	if md == campaign.ModeSend {
		return "live"
	}
	return string(md)
}

// scheduleStatus is a campaign's status for the list, with its schedule
// when it waits for one.
func scheduleStatus(c *campaign.Campaign) string {
	s := c.Schedule
	switch {
	case s == nil:
	case c.Status == campaign.StatusDraft || c.Status == "":
		return "Scheduled " + s.At.Local().Format("Mon 2 Jan 15:04")
	case c.Status == campaign.StatusPaused && !c.ResumeAt.IsZero() && c.Why.Code == campaign.ReasonOutsideHours:
		return "Paused until " + c.ResumeAt.Local().Format("Mon 2 Jan 15:04")
	}
	return statusWord(c.Status)
}

// runScheduledJSON is one line of `run-scheduled --json`.
type runScheduledJSON struct {
	Campaign string          `json:"campaign"`
	Name     string          `json:"name"`
	Status   campaign.Status `json:"status"`
	Reason   string          `json:"reason,omitempty"`
	Skipped  bool            `json:"skipped,omitempty"`
	Error    string          `json:"error,omitempty"`
	Counts   campaign.Counts `json:"counts"`
}

func (m *Main) runRunScheduled(ctx context.Context, args []string) int {
	fs := m.flags("run-scheduled", "[--json]",
		`Send every scheduled campaign whose time has come, once, one after the other; continue
those paused by their sending hours or the daily budget when they may go on. Meant for a
system scheduler (cron, Task Scheduler) every few minutes while the window is closed.
Exit 0 when nothing failed (a campaign paused by its hours or the budget is not a failure).`)
	dataDir := fs.String("data-dir", "", "folder of the local database")
	asJSON := fs.Bool("json", false, "print one JSON object per campaign")
	if c := parse(fs, args); c >= 0 {
		return c
	}
	db, code := m.openStore(*dataDir)
	if db == nil {
		return code
	}
	defer db.Close()
	dir, _ := m.dataDir(*dataDir)
	svc := m.service(db, dir, "")
	defer svc.Close()
	runs, err := svc.RunDue(ctx, m.clock(), campaign.StartOptions{})
	if err != nil && ctx.Err() != nil {
		return exitCanceled
	}
	if err != nil {
		return m.fail(err)
	}
	if len(runs) == 0 && !*asJSON {
		fmt.Fprintln(m.Stdout, "No scheduled campaign is due.")
	}
	code = exitOK
	for _, r := range runs {
		c := r.Campaign
		var pe *campaign.PauseError
		failed := r.Err != nil && !errors.As(r.Err, &pe)
		if failed {
			code = exitFailure
		}
		if *asJSON {
			line := runScheduledJSON{Campaign: c.ID, Name: c.Name, Status: c.Status, Reason: c.Reason, Skipped: r.Skipped, Counts: c.Counts}
			if failed {
				line.Error = r.Err.Error()
			}
			if err := writeJSONLine(m.Stdout, line); err != nil {
				return m.fail(err)
			}
			continue
		}
		switch {
		case r.Skipped:
			fmt.Fprintf(m.Stdout, "%s (%s): not started, the daily budget is spent; a later run sends it\n", termSafe(c.Name), c.ID)
		case failed:
			fmt.Fprintf(m.Stdout, "%s (%s): %v\n", termSafe(c.Name), c.ID, r.Err)
		default:
			status := statusWord(c.Status)
			if c.Reason != "" {
				status += ": " + c.Reason
			}
			fmt.Fprintf(m.Stdout, "%s (%s): %s; %d sent, %d failed, %d skipped, %d left\n", termSafe(c.Name), c.ID, termSafe(status),
				c.Counts.Sent, c.Counts.Failed, c.Counts.Skipped, c.Counts.Pending+c.Counts.Sending)
		}
	}
	return code
}
