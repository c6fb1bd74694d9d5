package campaign

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/securemerge/securemerge/internal/merge"
)

// Runner sends a campaign's pending recipients exactly once: for each row it
// writes "sending" to the journal, asks the Sender, and writes the outcome;
// after a crash, a timeout or an ambiguous error it asks the Sender whether
// the message already exists before sending again (DESIGN.md §6).
//
// The zero values of its tuning fields are the Exchange Online limits. A
// Runner runs one campaign at a time; Run is not safe to call concurrently
// on the same Runner.
type Runner struct {
	Store  Store
	Sender Sender
	Merger *merge.Merger // renders snapshot rows; built for the snapshot's columns

	Rate          int           // messages started per Window; 0 means 30; negative means unpaced (outbox)
	Window        time.Duration // 0 means one minute
	Concurrency   int           // requests in flight; 0 means 4
	DailyLimit    int           // recipients per rolling Day across campaigns; 0 means 10,000; negative means none
	Day           time.Duration // 0 means 24 hours
	WaitForBudget bool          // when the daily budget is spent: true waits for the window to free up; false pauses the campaign and returns a *PauseError
	MaxAttempts   int           // sends of one row after ambiguous failures before it is marked failed; 0 means 6
	Backoff       time.Duration // first wait after an ambiguous failure, doubled each time; 0 means 2 s
	MaxBackoff    time.Duration // cap of Backoff; 0 means 2 minutes
	SendTimeout   time.Duration // one request's limit; 0 means 2 minutes
	Limit         int           // deliver at most this many rows in one Run (the CLI's --limit); 0 means all. A run that stops there pauses the campaign and returns nil
	// Hours says whether a message may start at a moment and, when not,
	// when it may next (a scheduled campaign's sending hours). Outside
	// them the run waits (WaitForBudget) or pauses with ReasonOutsideHours
	// and ResumeAt. nil means any time. The outbox is not held to it.
	Hours func(time.Time) (open bool, next time.Time)
	// HoursText describes Hours for the reason ("08:00-18:00"), and
	// Weekdays says Hours keeps to Monday to Friday.
	HoursText string
	Weekdays  bool

	Now      func() time.Time                           // nil means time.Now
	Sleep    func(context.Context, time.Duration) error // nil means a timer that stops on cancel
	Progress Progress                                   // nil means none
	// OnPanic is called with the value of a panic in one of the Runner's
	// goroutines, before the panic goes on and ends the process as a kill
	// would: the journal stays as it was (a row being sent stays "sending"
	// and is checked against the mailbox at the next run). Front ends
	// record the crash here (opt-in crash reports). nil means none.
	OnPanic func(v any)
}

// repanic is deferred first in each of the Runner's goroutines: it hands a
// panic to OnPanic, then lets it go on.
func (r *Runner) repanic() {
	if v := recover(); v != nil {
		if r.OnPanic != nil {
			r.OnPanic(v)
		}
		panic(v)
	}
}

// Progress receives a campaign's counts as they change. The Runner calls it
// from its worker goroutines, one call at a time and in order; it must not
// block (a slow Progress slows sending: front ends go through a Pump, which
// never blocks the Runner). p.Last is a copy the callee may keep.
type Progress interface {
	Progress(p Report)
}

// Report is a runner's progress at one moment.
type Report struct {
	Counts
	InFlight int
	ETA      time.Duration // at the paced rate; 0 when done
	Waiting  string        // why nothing is moving right now ("daily limit reached; continuing at 14:05"), "" otherwise
	Wait     Reason        // the same as a code (ReasonDailyLimit, ReasonThrottled), zero otherwise
	Last     *Entry        // a copy of the entry that just changed, if any; the callee may keep it
}

// PauseError says the campaign was paused by a limit or an account problem;
// Why says why as a code, Reason is the same in English. ResumeAt is set
// when it can continue by itself.
type PauseError struct {
	Reason   string
	Why      Reason
	ResumeAt time.Time
	Err      error
}

func pauseFor(why Reason, err error) *PauseError {
	return &PauseError{Reason: why.English(nil), Why: why, ResumeAt: why.ResumeAt(), Err: err}
}

func (e *PauseError) Error() string { return "campaign paused: " + e.Reason }
func (e *PauseError) Unwrap() error { return e.Err }

// ErrNotStarted is returned by Run for a campaign without a snapshot.
var ErrNotStarted = errors.New("campaign has not been started: no recipients snapshot")

// ErrCancelled is returned by Run for a cancelled campaign.
var ErrCancelled = errors.New("campaign was cancelled")

func (r *Runner) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func (r *Runner) sleep(ctx context.Context, d time.Duration) error {
	if r.Sleep != nil {
		return r.Sleep(ctx, d)
	}
	return sleepCtx(ctx, d)
}

func orDefault[T int | time.Duration](v, def T) T {
	if v == 0 {
		return def
	}
	return v
}

// run is the state of one Run call.
type run struct {
	*Runner
	id    string
	rows  map[int]SnapshotRow
	pacer *pacer

	mu       sync.Mutex
	counts   Counts
	inFlight int
	reserved int           // recipients of in-flight sends, not yet in the sent log
	released chan struct{} // closed and replaced when reserved goes down
	waiting  Reason
	pause    *PauseError
	stop     context.CancelFunc // stops scheduling new rows
	limited  bool               // Limit left rows for a later run

	reportMu sync.Mutex // keeps Progress calls in order, so counts never go back
}

// Run sends every pending row of campaign id and returns nil when none is
// left, a *PauseError when a limit or the account paused it, or ctx.Err()
// when cancelled (the campaign is then paused; Run again resumes it).
func (r *Runner) Run(ctx context.Context, id string) error {
	c, err := r.Store.Campaign(id)
	if err != nil {
		return err
	}
	if c.Status == StatusCancelled {
		return ErrCancelled
	}
	snap, err := r.Store.Snapshot(c.ID)
	if err != nil {
		return err
	}
	if snap == nil {
		return ErrNotStarted
	}
	st := &run{Runner: r, id: c.ID, rows: make(map[int]SnapshotRow, len(snap.Rows)), counts: c.Counts, released: make(chan struct{})}
	for _, row := range snap.Rows {
		st.rows[row.Index] = row
	}
	if r.Rate >= 0 {
		st.pacer = newPacer(orDefault(r.Rate, 30), orDefault(r.Window, time.Minute), r.now, r.sleep)
	}
	if err := r.Store.UpdateCampaign(c.ID, func(c *Campaign) error {
		c.Status, c.Reason, c.Why, c.ResumeAt = StatusSending, "", Reason{}, time.Time{}
		if c.Started.IsZero() {
			c.Started = r.now()
		}
		return nil
	}); err != nil {
		return err
	}
	err = st.send(ctx)
	return st.finish(ctx, err)
}

func (st *run) send(ctx context.Context) error {
	var pending, sending []Entry
	if err := st.Store.Journal(st.id, func(e Entry) bool {
		switch e.State {
		case StatePending:
			pending = append(pending, e)
		case StateSending:
			sending = append(sending, e)
		}
		return true
	}); err != nil {
		return err
	}
	st.report(nil)

	// A row left "sending" by a crash may have gone out: ask before anything else.
	for _, e := range sending {
		if err := ctx.Err(); err != nil {
			return err
		}
		msg, ok := st.render(e)
		if !ok {
			continue
		}
		found, err := st.reconcile(ctx, msg)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			// The row stays "sending": the next run asks again.
			st.lookupFailed(e, err)
			return nil
		}
		to := StatePending
		if found {
			to = StateSent
		}
		if err := st.move(e, StateSending, to, Reason{}, len(msg.Recipients())); err != nil {
			return err
		}
		if !found {
			pending = append(pending, e)
		}
	}

	pending = sortByIndex(pending)
	if st.Limit > 0 && len(pending) > st.Limit {
		pending, st.limited = pending[:st.Limit], true
	}
	if bs, ok := st.Sender.(BatchSender); ok {
		return st.sendBatched(ctx, bs, pending)
	}

	sched, stop := context.WithCancel(ctx)
	defer stop()
	st.stop = stop
	limit := orDefault(st.Concurrency, 4)
	sem := make(chan struct{}, limit)
	var wg sync.WaitGroup
	var firstErr error
	var errOnce sync.Once
	fail := func(err error) {
		errOnce.Do(func() { firstErr = err; stop() })
	}
	for _, e := range pending {
		if sched.Err() != nil {
			break
		}
		msg, ok := st.render(e)
		if !ok {
			continue
		}
		n := len(msg.Recipients())
		if err := st.reserve(sched, n); err != nil {
			if !errors.Is(err, errPaused) && sched.Err() == nil {
				fail(err)
			}
			break
		}
		select {
		case sem <- struct{}{}:
		case <-sched.Done():
		}
		if sched.Err() != nil {
			st.release(n)
			break
		}
		// Checked with a slot held: the message would start now.
		if err := st.inHours(sched); err != nil {
			<-sem
			st.release(n)
			if !errors.Is(err, errPaused) && sched.Err() == nil {
				fail(err)
			}
			break
		}
		wg.Add(1)
		go func() {
			defer st.repanic()
			defer wg.Done()
			defer func() { <-sem }()
			if err := st.deliver(sched, e, msg); err != nil {
				fail(err)
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	return ctx.Err()
}

// lookupFailed pauses the campaign when the mailbox cannot say whether row
// e's message already went out: sending again could deliver it twice.
func (st *run) lookupFailed(e Entry, err error) {
	why := NewReason(ReasonLookupFailed, "row", itoa(e.Line), "detail", err.Error())
	if KindOf(err) == KindAuth {
		why = NewReason(ReasonSignIn)
	}
	st.pauseWith(pauseFor(why, err))
}

// render builds row e's message; a row that cannot render fails with the reason.
func (st *run) render(e Entry) (*merge.Message, bool) {
	msg, why := st.renderRow(e)
	if msg == nil {
		_ = st.move(e, e.State, StateFailed, why, 0)
		return nil, false
	}
	return msg, true
}

// renderRow renders row e from the snapshot, or says why it cannot.
func (st *run) renderRow(e Entry) (*merge.Message, Reason) {
	row, ok := st.rows[e.Index]
	if !ok {
		return nil, NewReason(ReasonMissingRow, "row", itoa(e.Line))
	}
	msg, err := st.Merger.Render(row.Index, row.Line, row.Values)
	if err != nil {
		return nil, NewReason(ReasonRender, "detail", err.Error())
	}
	return msg, Reason{}
}

// failure is the journal reason of a permanent delivery failure: the
// server's own message when it gave one.
func failure(err error) Reason {
	var se *SendError
	if errors.As(err, &se) && se.Message != "" {
		return NewReason(ReasonRejected, "detail", se.Message)
	}
	return NewReason(ReasonRejected, "detail", err.Error())
}

// deliver sends one row until it is sent, failed, or the campaign pauses.
// Each attempt is journaled "sending" first, then waits for the pacer, so
// that the pacer's grant is followed by the request at once: the time a
// start holds its place in the rate window is the request's alone. It
// returns an error only for a problem that must stop the whole campaign.
func (st *run) deliver(ctx context.Context, e Entry, msg *merge.Message) error {
	n := len(msg.Recipients())
	defer st.release(n)
	backoff := orDefault(st.Backoff, 2*time.Second)
	attempts := 0
	throttles := 0
	for {
		if err := st.move(e, StatePending, StateSending, Reason{}, n); err != nil {
			return err
		}
		sl, err := st.pacer.wait(ctx)
		if err != nil {
			// Paused or cancelled before the request: nothing went out.
			return st.move(e, StateSending, StatePending, Reason{}, n)
		}
		st.flight(+1)
		// A request under way finishes even when the user pauses, so the
		// journal records what really happened.
		sendCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), orDefault(st.SendTimeout, 2*time.Minute))
		err = st.Sender.Send(sendCtx, msg)
		cancel()
		st.flight(-1)
		if err == nil {
			st.pacer.finish(sl)
			return st.move(e, StateSending, StateSent, Reason{}, n)
		}
		var se *SendError
		errors.As(err, &se)
		switch KindOf(err) {
		case KindThrottled:
			// Nothing was sent and the server did not count it.
			wait := backoff
			if se != nil && se.RetryAfter > 0 {
				wait = se.RetryAfter
			}
			// Silence first, before anything slow such as the journal.
			st.pacer.delay(st.now().Add(wait))
			st.pacer.cancel(sl)
			throttles++
			if err := st.move(e, StateSending, StatePending, Reason{}, n); err != nil {
				return err
			}
			if throttles > 20 {
				st.pauseWith(pauseFor(NewReason(ReasonThrottledOften), err))
				return nil
			}
			st.setWaiting(NewReason(ReasonThrottled, "wait", itoa(int(wait.Round(time.Second)/time.Second))))
			if st.sleep(ctx, wait) != nil {
				return nil
			}
			st.setWaiting(Reason{})
		case KindPermanent:
			st.pacer.finish(sl)
			return st.move(e, StateSending, StateFailed, failure(err), n)
		case KindAuth:
			st.pacer.cancel(sl)
			if err := st.move(e, StateSending, StatePending, Reason{}, n); err != nil {
				return err
			}
			st.pauseWith(pauseFor(NewReason(ReasonSignIn), err))
			return nil
		case KindQuota:
			st.pacer.finish(sl)
			if err := st.move(e, StateSending, StatePending, Reason{}, n); err != nil {
				return err
			}
			detail := ""
			if se != nil {
				detail = se.Message
			}
			st.pauseWith(pauseFor(NewReason(ReasonQuota, "detail", detail), err))
			return nil
		default: // transient: it may have been delivered
			st.pacer.finish(sl)
			found, lerr := st.reconcile(ctx, msg)
			if lerr != nil {
				// Leave the row "sending": the next run asks again.
				if ctx.Err() == nil {
					st.lookupFailed(e, lerr)
				}
				return nil
			}
			if found {
				return st.move(e, StateSending, StateSent, Reason{}, n)
			}
			attempts++
			if attempts >= orDefault(st.MaxAttempts, 6) {
				return st.move(e, StateSending, StateFailed, NewReason(ReasonNotDelivered, "attempts", itoa(attempts), "detail", err.Error()), n)
			}
			if err := st.move(e, StateSending, StatePending, Reason{}, n); err != nil {
				return err
			}
			if st.sleep(ctx, backoff) != nil {
				return nil
			}
			backoff = min(2*backoff, orDefault(st.MaxBackoff, 2*time.Minute))
		}
	}
}

// reconcile asks the Sender whether msg already exists, retrying lookups that
// fail with a transient error a few times.
func (st *run) reconcile(ctx context.Context, msg *merge.Message) (bool, error) {
	backoff := orDefault(st.Backoff, 2*time.Second)
	var err error
	for i := 0; i < orDefault(st.MaxAttempts, 6); i++ {
		lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), orDefault(st.SendTimeout, 2*time.Minute))
		var found bool
		found, err = st.Sender.Lookup(lctx, msg)
		cancel()
		if err == nil {
			return found, nil
		}
		k := KindOf(err)
		if k == KindAuth || k == KindPermanent || k == KindQuota {
			return false, err
		}
		if k == KindThrottled {
			var se *SendError
			if errors.As(err, &se) && se.RetryAfter > 0 {
				backoff = se.RetryAfter
			}
		}
		if st.sleep(ctx, backoff) != nil {
			return false, err
		}
		backoff = min(2*backoff, orDefault(st.MaxBackoff, 2*time.Minute))
	}
	return false, err
}

// move records a journal transition and updates the in-memory counts.
func (st *run) move(e Entry, from, to State, why Reason, recipients int) error {
	if err := st.Store.Move(st.id, e.Index, to, why, recipients, st.now()); err != nil {
		return fmt.Errorf("journal row %d: %w", e.Line, err)
	}
	st.mu.Lock()
	adjust(&st.counts, from, -1)
	adjust(&st.counts, to, +1)
	st.mu.Unlock()
	e.State, e.Why, e.Reason = to, why, why.English(nil)
	st.report(&e)
	return nil
}

func adjust(c *Counts, s State, d int) {
	switch s {
	case StatePending:
		c.Pending += d
	case StateSending:
		c.Sending += d
	case StateSent:
		c.Sent += d
	case StateFailed:
		c.Failed += d
	case StateSkipped:
		c.Skipped += d
	case StateBounced:
		c.Bounced += d
	}
}

func (st *run) flight(d int) {
	st.mu.Lock()
	st.inFlight += d
	st.mu.Unlock()
}

func (st *run) setWaiting(s Reason) {
	st.mu.Lock()
	st.waiting = s
	st.mu.Unlock()
	st.report(nil)
}

func (st *run) pauseWith(p *PauseError) {
	st.mu.Lock()
	if st.pause == nil {
		st.pause = p
	}
	st.mu.Unlock()
	if st.stop != nil {
		st.stop()
	}
}

// reserve holds n recipients of the rolling daily budget for a send, waiting
// for the window to free up or pausing the campaign when it is spent.
func (st *run) reserve(ctx context.Context, n int) error {
	limit := orDefault(st.DailyLimit, 10000)
	if limit < 0 {
		return nil
	}
	day := orDefault(st.Day, 24*time.Hour)
	for {
		now := st.now()
		sent, oldest, err := st.Store.SentSince(now.Add(-day))
		if err != nil {
			return err
		}
		st.mu.Lock()
		if sent+st.reserved+n <= limit || sent+st.reserved == 0 {
			st.reserved += n
			st.mu.Unlock()
			return nil
		}
		released := st.released
		held := st.reserved > 0 && sent+n <= limit
		st.mu.Unlock()
		if held {
			// Only sends in flight hold the budget: they may yet fail
			// and give it back, so wait for them rather than pause.
			select {
			case <-released:
				continue
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		resume := oldest.Add(day)
		if oldest.IsZero() || !resume.After(now) {
			// The log moved on since SentSince: look again shortly.
			resume = now.Add(min(orDefault(st.Backoff, 2*time.Second), time.Second))
		}
		if !st.WaitForBudget {
			st.pauseWith(pauseFor(NewReason(ReasonDailyLimit, "limit", itoa(limit), "resume_at", resume.UTC().Format(time.RFC3339Nano)), nil))
			return errPaused
		}
		st.setWaiting(NewReason(ReasonDailyLimit, "limit", itoa(limit), "resume_at", resume.UTC().Format(time.RFC3339Nano), "waiting", "yes"))
		if err := st.sleep(ctx, resume.Sub(now)); err != nil {
			return err
		}
		st.setWaiting(Reason{})
	}
}

var errPaused = errors.New("paused")

// inHours waits for the sending hours to open, or pauses the campaign
// until they do when the run must not wait.
func (st *run) inHours(ctx context.Context) error {
	if st.Hours == nil {
		return nil
	}
	for {
		now := st.now()
		open, next := st.Hours(now)
		if open {
			return nil
		}
		kv := []string{"hours", st.HoursText, "resume_at", next.UTC().Format(time.RFC3339Nano)}
		if st.Weekdays {
			kv = append(kv, "weekdays", "yes")
		}
		if !st.WaitForBudget {
			st.pauseWith(pauseFor(NewReason(ReasonOutsideHours, kv...), nil))
			return errPaused
		}
		st.setWaiting(NewReason(ReasonOutsideHours, append(kv, "waiting", "yes")...))
		if err := st.sleep(ctx, next.Sub(now)); err != nil {
			return err
		}
		st.setWaiting(Reason{})
	}
}

func (st *run) release(n int) {
	st.mu.Lock()
	st.reserved -= n
	close(st.released)
	st.released = make(chan struct{})
	st.mu.Unlock()
}

func (st *run) report(last *Entry) {
	if st.Progress == nil {
		return
	}
	st.reportMu.Lock()
	defer st.reportMu.Unlock()
	st.mu.Lock()
	r := Report{Counts: st.counts, InFlight: st.inFlight, Waiting: st.waiting.English(nil), Wait: st.waiting}
	if last != nil {
		cp := *last
		r.Last = &cp
	}
	st.mu.Unlock()
	if rate := orDefault(st.Rate, 30); rate > 0 {
		left := r.Pending + r.Sending
		r.ETA = time.Duration(float64(left) / float64(rate) * float64(orDefault(st.Window, time.Minute)))
	}
	st.Progress.Progress(r)
}

// finish records how the run ended in the campaign's status.
func (st *run) finish(ctx context.Context, err error) error {
	st.mu.Lock()
	pause := st.pause
	left := st.counts.Pending + st.counts.Sending
	st.mu.Unlock()
	now := st.now()
	var status Status
	var why Reason
	var resumeAt time.Time
	switch {
	case pause != nil:
		status, why, resumeAt = StatusPaused, pause.Why, pause.ResumeAt
		err = pause
	case err != nil && ctx.Err() != nil:
		status, why = StatusPaused, NewReason(ReasonPaused)
	case err != nil:
		status, why = StatusPaused, NewReason(ReasonError, "detail", err.Error())
	case left == 0:
		status = StatusDone
	case st.limited:
		status, why = StatusPaused, NewReason(ReasonStoppedAtLimit, "n", itoa(st.Limit))
	default:
		status, why = StatusPaused, NewReason(ReasonPaused)
	}
	uerr := st.Store.UpdateCampaign(st.id, func(c *Campaign) error {
		c.Status, c.Why, c.Reason, c.ResumeAt = status, why, why.English(nil), resumeAt
		if status == StatusDone {
			c.Finished = now
		}
		return nil
	})
	if err == nil {
		err = uerr
	}
	st.report(nil)
	return err
}

func sortByIndex(es []Entry) []Entry {
	// Journal order is index order already; reconciled rows are appended at
	// the end and must go back in place so rows go out in sheet order.
	slices.SortStableFunc(es, func(a, b Entry) int { return cmp.Compare(a.Index, b.Index) })
	return es
}
