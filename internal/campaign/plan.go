package campaign

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"

	"github.com/securemerge/securemerge/internal/merge"
)

// Plan is a campaign ready to run: its recipients frozen, its sender
// chosen and connected. A front end shows it (how many, from whom, where)
// and asks to confirm before Start.
type Plan struct {
	Campaign *Campaign // with the counts after freezing
	From     string    // the sending mailbox (live and drafts), "" otherwise
	Folder   string    // where the outbox writes, "" for the other modes
	Report   *merge.Report

	svc    *Service
	merger *merge.Merger
	sender Sender
	policy policy
}

// Pace is how fast the plan will send: messages a minute and recipients a
// rolling day, as the mode's policy decides (the confirmation's "about 3 h
// 20 min"). A negative value means no limit of that kind (the outbox is
// unpaced; drafts spend no daily budget); 0 means Exchange's default (30,
// 10,000).
func (p *Plan) Pace() (rate, daily int) { return p.policy.rate, p.policy.daily }

// PlanOptions are the choices made when a campaign is about to start.
type PlanOptions struct {
	// SkipInvalid freezes the rows without errors and records each row
	// with errors as skipped with its reason (the command line's
	// --skip-invalid, the window's "Skip N rows with problems"). Without
	// it, any row with an error blocks the start (ErrInvalid).
	SkipInvalid bool
}

// policy is how one mode runs: pace, budget, concurrency.
type policy struct {
	rate, daily, concurrency int
	waitForBudget            bool
}

// policyFor is the runner policy of a mode. Outbox writes are local: no
// mailbox limit applies, files are written eight at a time in batches.
// Drafts are not sent, so they spend no daily budget, but they are
// requests to the mailbox and keep its pace. Live sends keep the
// campaign's rate and the daily budget (the campaign's, else the app
// setting's, else Exchange's 10,000).
func policyFor(m Mode, c Settings, app AppSettings) policy {
	p := policy{rate: firstPositive(c.Rate, app.Rate), daily: firstPositive(c.DailyLimit, app.DailyLimit), waitForBudget: true}
	switch m {
	case ModeOutbox:
		p.rate, p.daily, p.concurrency = -1, -1, 8
	case ModeDrafts:
		p.daily = -1
	}
	return p
}

func firstPositive(v ...int) int {
	for _, n := range v {
		if n > 0 {
			return n
		}
	}
	return 0
}

// Plan freezes campaign id's recipients when it has not started (validate,
// snapshot, journal: see Freeze), connects its sender, and returns what it
// will do. Validation errors come back as ErrInvalid with the report in
// the Plan's place (the *Plan is nil, the report is returned beside the
// error); a template problem as the error merge.TemplateProblems explains.
func (s *Service) Plan(ctx context.Context, id string, opt PlanOptions) (*Plan, *merge.Report, error) {
	c, err := s.Store.Campaign(id)
	if err != nil {
		return nil, nil, err
	}
	if c.Status == StatusCancelled {
		return nil, nil, fmt.Errorf("campaign %q: %w; duplicate it to send again", c.Name, ErrCancelled)
	}
	p := &Plan{svc: s, Campaign: c}
	mode := c.Settings.Mode
	p.policy = policyFor(mode, c.Settings, s.Settings())
	switch mode {
	case ModeOutbox:
		p.Folder = s.OutboxFolder(c)
		if p.sender, err = s.Senders.Outbox(p.Folder, c.Settings.Outbox == ""); err != nil {
			return nil, nil, err
		}
	case ModeSend, ModeDrafts:
		mb, self, err := s.connect(ctx)
		if err != nil {
			return nil, nil, err
		}
		p.From = self.String()
		p.sender = mb.Sender(mode == ModeDrafts, firstNonEmpty(c.Settings.SendAs, s.Settings().SendAs))
	default:
		return nil, nil, fmt.Errorf("campaign %q has no sending mode: choose the outbox, drafts or live", c.Name)
	}
	cols, err := s.Store.SnapshotColumns(c.ID)
	if err != nil {
		return nil, nil, err
	}
	if cols != nil {
		p.merger, err = s.Merger(c, cols, p.From)
		if err != nil {
			return nil, nil, err
		}
	} else {
		rows, err := s.open(c)
		if err != nil {
			return nil, nil, err
		}
		cols = rows.Columns()
		warnings := rows.Warnings()
		rows.Close()
		if p.merger, err = s.Merger(c, cols, p.From); err != nil {
			return nil, nil, err
		}
		rep, err := Freeze(ctx, s.Store, c.ID, p.merger, func() (merge.RowSource, error) { return s.open(c) }, FreezeOptions(opt))
		if rep != nil {
			rep.Problems = append(rep.Problems, warnings...)
		}
		p.Report = rep
		if err != nil {
			return nil, rep, err
		}
	}
	if p.Campaign, err = s.Store.Campaign(c.ID); err != nil {
		return nil, p.Report, err
	}
	return p, p.Report, nil
}

// OutboxFolder is where campaign c's outbox writes: the folder chosen, else
// <data folder>/outbox/<campaign name> (the name made safe for a folder).
func (s *Service) OutboxFolder(c *Campaign) string {
	if c.Settings.Outbox != "" {
		return c.Settings.Outbox
	}
	return filepath.Join(s.OutboxDir, safeFolderName(c.Name))
}

// safeFolderName keeps a campaign name usable as one folder name on every
// system: a colon reads as a dash ("Sample: reminders" → "Sample - reminders"),
// path separators and the other characters Windows refuses become "_".
func safeFolderName(name string) string {
	name = strings.ReplaceAll(name, ": ", " - ")
	name = strings.ReplaceAll(name, ":", "-")
	out := []rune(name)
	for i, r := range out {
		switch {
		case r < 0x20, r == '/', r == '\\', r == ':', r == '*', r == '?', r == '"', r == '<', r == '>', r == '|':
			out[i] = '_'
		}
	}
	s := string(out)
	for len(s) > 0 && (s[len(s)-1] == '.' || s[len(s)-1] == ' ') {
		s = s[:len(s)-1]
	}
	if s == "" || s == "." || s == ".." {
		return "campaign"
	}
	return s
}

// StartOptions tune one run.
type StartOptions struct {
	Limit    int      // deliver at most this many rows in this run; 0 means all
	Progress Progress // receives progress through a Pump: never blocks sending; nil means none
	// Runner, when set, adjusts the Runner before it runs (tests: clocks,
	// backoff). Production front ends leave it nil.
	Runner func(*Runner)

	// pauseOnLimits pauses the campaign (with the time it may continue)
	// when the daily budget is spent or its sending hours end, instead of
	// waiting: RunDue's runs, which a later RunDue continues.
	pauseOnLimits bool
}

// Start runs the plan in the background and returns its Job. The job runs
// on ctx (the window's life, or the command's): cancelling ctx pauses it
// as Job.Pause does. Only one job per campaign runs in a process
// (ErrJobRunning).
func (p *Plan) Start(ctx context.Context, opt StartOptions) (*Job, error) {
	s := p.svc
	id := p.Campaign.ID
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil, ErrClosed
	}
	if s.jobs == nil {
		s.jobs = map[string]*Job{}
	}
	if _, busy := s.jobs[id]; busy {
		s.mu.Unlock()
		return nil, ErrJobRunning
	}
	jctx, cancel := context.WithCancel(ctx)
	j := &Job{ID: id, svc: s, cancel: cancel, done: make(chan struct{})}
	s.jobs[id] = j
	s.mu.Unlock()

	r := &Runner{Store: s.Store, Merger: p.merger, Sender: p.sender, Limit: opt.Limit,
		Rate: p.policy.rate, DailyLimit: p.policy.daily, Concurrency: p.policy.concurrency,
		WaitForBudget: p.policy.waitForBudget && !opt.pauseOnLimits, Now: s.Now, OnPanic: s.OnPanic}
	withHours(r, p.Campaign)
	var pump *Pump
	if opt.Progress != nil {
		pump = NewPump(opt.Progress)
		r.Progress = pump
	}
	if opt.Runner != nil {
		opt.Runner(r)
	}
	go func() {
		defer r.repanic()
		err := r.Run(jctx, id)
		if err == nil && p.Campaign.Settings.Mode == ModeSend {
			// The reports that came back while sending mark their rows at
			// once; later ones are read by Bounces ("Check for bounces",
			// `campaign bounces`). A mailbox that cannot read them, or a
			// read that fails, leaves the run as it ended.
			if rep, berr := s.Bounces(jctx, id); berr == nil {
				j.mu.Lock()
				j.bounces = rep
				j.mu.Unlock()
			}
		}
		if pump != nil {
			pump.Close()
		}
		if err != nil && j.paused() && errors.Is(err, context.Canceled) && ctx.Err() == nil {
			err = ErrPaused
		}
		s.mu.Lock()
		delete(s.jobs, id)
		s.mu.Unlock()
		j.finish(err)
	}()
	return j, nil
}

// Start plans campaign id and starts it at once, with no confirmation: the
// path of a resume, or of the window after its own confirmation dialog.
func (s *Service) Start(ctx context.Context, id string, po PlanOptions, so StartOptions) (*Job, *merge.Report, error) {
	p, rep, err := s.Plan(ctx, id, po)
	if err != nil {
		return nil, rep, err
	}
	j, err := p.Start(ctx, so)
	return j, rep, err
}

// ErrPaused is a Job's error after Pause: the campaign is paused and
// resumes with the next Start.
var ErrPaused = errors.New("paused")

// Job is one running campaign. It is safe for concurrent use.
type Job struct {
	ID string // the campaign's

	svc    *Service
	cancel context.CancelFunc
	done   chan struct{}

	mu      sync.Mutex
	pause   bool
	err     error
	bounces *BounceReport
}

// Bounces is what the non-delivery reports received by the end of a live
// run said (rows already marked bounced), once Done is closed; nil for
// other modes, an unfinished run, or a mailbox that cannot read them.
func (j *Job) Bounces() *BounceReport {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.bounces
}

func (j *Job) paused() bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.pause
}

func (j *Job) finish(err error) {
	j.mu.Lock()
	j.err = err
	j.mu.Unlock()
	close(j.done)
}

// Pause stops scheduling rows; requests in flight finish and are
// journaled, then the campaign is paused (Done closes). Start resumes it.
func (j *Job) Pause() {
	j.mu.Lock()
	j.pause = true
	j.mu.Unlock()
	j.cancel()
}

// Cancel pauses the job, waits for it, and cancels the campaign for good:
// every row not sent is skipped with the reason. It returns how many.
func (j *Job) Cancel() (int, error) {
	j.Pause()
	<-j.done
	return Cancel(j.svc.Store, j.ID)
}

// Done is closed when the job has stopped, the journal is up to date and
// the front end's Progress has received every report (a frozen front end
// holds Done back, never the sending itself).
func (j *Job) Done() <-chan struct{} { return j.done }

// Err is how the job ended, once Done is closed: nil (every row is done, or
// a --limit was reached), a *PauseError (a limit or the account paused it),
// ErrPaused (Pause), the context's error (the front end's context ended),
// or another error.
func (j *Job) Err() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.err
}

// Wait waits for Done and returns Err.
func (j *Job) Wait() error {
	<-j.done
	return j.Err()
}
