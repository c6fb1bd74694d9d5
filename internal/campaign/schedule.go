package campaign

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Schedule is when a campaign sends by itself: from At on, within Hours on
// the allowed days. The window (when open) or `securemerge run-scheduled`
// (a system scheduler's job) starts it when it is due (Service.Due). The
// zero Hours and Weekdays false mean any time of any day.
type Schedule struct {
	At       time.Time `json:"at"`                 // not before this moment
	Hours    Hours     `json:"hours,omitzero"`     // each day's sending hours, on the computer's clock; zero means all day
	Weekdays bool      `json:"weekdays,omitempty"` // Monday to Friday only
	// Fired is when a scheduler first started the campaign (zero until
	// then): set in the same transaction that finds it due, so two
	// schedulers never both take it for a first start.
	Fired time.Time `json:"fired,omitzero"`
}

// Hours is a daily sending window [Start, End), in minutes after local
// midnight. The zero value means all day.
type Hours struct {
	Start int `json:"start"`
	End   int `json:"end"`
}

// IsZero reports whether h means all day.
func (h Hours) IsZero() bool { return h == Hours{} }

func (h Hours) String() string {
	if h.IsZero() {
		return ""
	}
	return fmt.Sprintf("%02d:%02d-%02d:%02d", h.Start/60, h.Start%60, h.End/60, h.End%60)
}

// ParseHours reads "08:00-18:00" (also "8:00–18:00", "08h00-18h00").
func ParseHours(s string) (Hours, error) {
	t := strings.NewReplacer("–", "-", "—", "-", "h", ":", "H", ":", " ", "").Replace(strings.TrimSpace(s))
	a, b, ok := strings.Cut(t, "-")
	if !ok {
		return Hours{}, fmt.Errorf("sending hours %q: write them as 08:00-18:00", s)
	}
	start, err := clockMinutes(a)
	if err != nil {
		return Hours{}, fmt.Errorf("sending hours %q: %w", s, err)
	}
	end, err := clockMinutes(b)
	if err != nil {
		return Hours{}, fmt.Errorf("sending hours %q: %w", s, err)
	}
	if end <= start {
		return Hours{}, fmt.Errorf("sending hours %q: the end must come after the start, on the same day", s)
	}
	return Hours{Start: start, End: end}, nil
}

// clockMinutes reads "8:30" or "08:30" or "24:00" as minutes after midnight.
func clockMinutes(s string) (int, error) {
	if strings.HasSuffix(s, ":") {
		s += "00"
	}
	var h, m int
	if n, err := fmt.Sscanf(s, "%d:%d", &h, &m); err != nil || n != 2 || len(s) > 5 {
		return 0, fmt.Errorf("%q is not a time of day (HH:MM)", s)
	}
	if h < 0 || m < 0 || m > 59 || h > 24 || h == 24 && m != 0 {
		return 0, fmt.Errorf("%q is not a time of day (HH:MM)", s)
	}
	return h*60 + m, nil
}

// whenLayouts are the forms ParseWhen reads, most specific first.
var whenLayouts = []string{time.RFC3339, "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02T15:04:05", "2006-01-02T15:04", "02/01/2006 15:04"}

// ParseWhen reads a moment the person typed ("2026-12-03 09:00") in loc
// (nil means time.Local); an RFC 3339 time keeps its own offset.
func ParseWhen(s string, loc *time.Location) (time.Time, error) {
	if loc == nil {
		loc = time.Local
	}
	s = strings.TrimSpace(s)
	for _, l := range whenLayouts {
		if t, err := time.ParseInLocation(l, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date and time: write it as 2026-12-03 09:00", s)
}

// ErrScheduleInPast refuses a schedule more than a minute in the past.
var ErrScheduleInPast = errors.New("that time has passed")

// scheduleSlack is how far in the past a schedule may be: "now", typed a
// few seconds late, is still now.
const scheduleSlack = time.Minute

// Open reports whether t is inside the schedule's days and hours and, when
// it is not, the next moment that is (in t's location).
func (s Schedule) Open(t time.Time) (bool, time.Time) {
	if s.inside(t) {
		return true, t
	}
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, t.Location())
	for d := 0; d <= 8; d++ {
		start := day.AddDate(0, 0, d).Add(time.Duration(s.Hours.Start) * time.Minute)
		if start.After(t) && s.inside(start) {
			return false, start
		}
	}
	return false, time.Time{} // cannot happen: some weekday is within 8 days
}

func (s Schedule) inside(t time.Time) bool {
	if s.Weekdays && (t.Weekday() == time.Saturday || t.Weekday() == time.Sunday) {
		return false
	}
	if s.Hours.IsZero() {
		return true
	}
	m := t.Hour()*60 + t.Minute()
	return m >= s.Hours.Start && m < s.Hours.End
}

// Describe is the schedule in English for the command line: "Thu 3 Dec
// 2026 09:00, 08:00-18:00 on weekdays".
func (s Schedule) Describe(loc *time.Location) string {
	if loc == nil {
		loc = time.Local
	}
	out := s.At.In(loc).Format("Mon 2 Jan 2006 15:04")
	switch {
	case !s.Hours.IsZero() && s.Weekdays:
		out += ", " + s.Hours.String() + " on weekdays"
	case !s.Hours.IsZero():
		out += ", " + s.Hours.String() + " every day"
	case s.Weekdays:
		out += ", weekdays only"
	}
	return out
}

// ScheduleError says why a schedule was refused; Err is ErrScheduleInPast
// or another error.
type ScheduleError struct {
	At, Now time.Time
	Err     error
}

func (e *ScheduleError) Error() string {
	return fmt.Sprintf("%s: %v (it is now %s)", e.At.Format("2006-01-02 15:04"), e.Err, e.Now.Format("2006-01-02 15:04"))
}

func (e *ScheduleError) Unwrap() error { return e.Err }

// Schedule sets when campaign id sends by itself (nil removes the
// schedule). It must be a draft with a sending mode that goes somewhere
// (live, drafts or outbox), and sch.At may be at most a minute in the
// past (a *ScheduleError).
func (s *Service) Schedule(id string, sch *Schedule) (*Campaign, error) {
	now := s.now()
	if sch != nil && sch.At.Before(now.Add(-scheduleSlack)) {
		return nil, &ScheduleError{At: sch.At.In(now.Location()), Now: now, Err: ErrScheduleInPast}
	}
	if s.Running(id) != nil {
		return nil, ErrJobRunning
	}
	err := s.Store.UpdateCampaign(id, func(c *Campaign) error {
		if sch == nil {
			c.Schedule = nil
			return nil
		}
		switch c.Status {
		case StatusDraft, "":
		case StatusDone, StatusCancelled:
			return fmt.Errorf("campaign %q is %s: duplicate it to send it again", c.Name, c.Status)
		default:
			// A started campaign goes on with 'resume'; a schedule on it
			// would never fire (a person's pause is not the scheduler's).
			return fmt.Errorf("campaign %q has started (%s): resume it instead of scheduling it", c.Name, c.Status)
		}
		switch c.Settings.Mode {
		case ModeSend, ModeDrafts, ModeOutbox:
		default:
			return fmt.Errorf("campaign %q has no sending mode: choose the outbox, drafts or live before scheduling it", c.Name)
		}
		cp := *sch
		cp.Fired = time.Time{}
		c.Schedule = &cp
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.Store.Campaign(id)
}

// autoResume are the pause reasons a scheduler continues by itself once
// ResumeAt has come: the limits that stopped it, not the person.
var autoResume = map[ReasonCode]bool{ReasonDailyLimit: true, ReasonOutsideHours: true}

// due reports whether scheduled campaign c should be started (or
// continued) at now.
func (c *Campaign) due(now time.Time) bool {
	s := c.Schedule
	if s == nil || now.Before(s.At) {
		return false
	}
	if open, _ := s.Open(now); !open {
		return false
	}
	switch c.Status {
	case StatusDraft, "":
		return true
	case StatusSending:
		// Started and never finished: the process died. The journal
		// makes continuing safe (no row is sent twice).
		return true
	case StatusPaused:
		return autoResume[c.Why.Code] && !now.Before(c.ResumeAt)
	}
	return false
}

// Due returns the scheduled campaigns to start or continue at now, oldest
// schedule first: a draft whose time has come (inside its hours), one
// paused by its sending hours or the daily budget whose resume time has
// come, and one left "sending" by a process that died. A campaign being
// sent by this process, finished, cancelled, or paused by the person, is
// not due.
func (s *Service) Due(now time.Time) ([]*Campaign, error) {
	all, err := s.Store.Campaigns()
	if err != nil {
		return nil, err
	}
	var out []*Campaign
	for _, c := range all {
		if c.due(now) && s.Running(c.ID) == nil {
			out = append(out, c)
		}
	}
	// Campaigns lists newest first; the earliest schedule goes first.
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	slices.SortStableFunc(out, func(a, b *Campaign) int { return a.Schedule.At.Compare(b.Schedule.At) })
	return out, nil
}

// claim takes due campaign id for a run in one transaction: it is still
// due (a second scheduler that read the same list finds it taken), and a
// first start records Fired.
func (s *Service) claim(id string, now time.Time) (bool, error) {
	taken := false
	err := s.Store.UpdateCampaign(id, func(c *Campaign) error {
		if !c.due(now) || (c.Status == StatusSending && s.Running(id) != nil) {
			return nil
		}
		taken = true
		if c.Schedule.Fired.IsZero() {
			c.Schedule.Fired = now
		}
		return nil
	})
	return taken, err
}

// ScheduledRun is what RunDue did with one due campaign.
type ScheduledRun struct {
	Campaign *Campaign // as it is after the run
	Err      error     // how the run ended: nil (done, or stopped at the limit), a *PauseError (hours, budget, account), or another error
	Skipped  bool      // not started: the daily budget was spent by an earlier campaign of this run
}

// RunDue starts every campaign due at now, one after the other so that
// the mailbox's pace and the daily budget hold across them, and waits for
// each: `securemerge run-scheduled` and the window's timer. A run that
// leaves a campaign's hours or spends the daily budget pauses it with the
// reason and the time it may continue; the next RunDue after that time
// continues it. Once the budget is spent, the campaigns still due are not
// started (Skipped) and stay due.
func (s *Service) RunDue(ctx context.Context, now time.Time, opt StartOptions) ([]ScheduledRun, error) {
	due, err := s.Due(now)
	if err != nil {
		return nil, err
	}
	var out []ScheduledRun
	spent := false
	for _, c := range due {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		if spent {
			out = append(out, ScheduledRun{Campaign: c, Skipped: true})
			continue
		}
		ok, err := s.claim(c.ID, now)
		if err != nil {
			return out, err
		}
		if !ok {
			continue
		}
		run := ScheduledRun{}
		o := opt
		o.pauseOnLimits = true
		job, _, err := s.Start(ctx, c.ID, PlanOptions{}, o)
		if err == nil {
			err = job.Wait()
		}
		run.Err = err
		var pe *PauseError
		if errors.As(err, &pe) && pe.Why.Code == ReasonDailyLimit {
			spent = true
		}
		if run.Campaign, err = s.Store.Campaign(c.ID); err != nil {
			return out, err
		}
		out = append(out, run)
	}
	return out, nil
}

// withHours gives r campaign c's sending hours: none when it has no
// schedule or its schedule is any time.
func withHours(r *Runner, c *Campaign) {
	if c.Schedule == nil || (c.Schedule.Hours.IsZero() && !c.Schedule.Weekdays) {
		return
	}
	sch := *c.Schedule
	r.Hours, r.HoursText, r.Weekdays = sch.Open, sch.Hours.String(), sch.Weekdays
}
