package campaign

import (
	"context"
	"slices"
	"sync"
	"time"
)

// pacer keeps sends under a mailbox's rate: never more than limit messages
// in any window (a sliding log, the rule Exchange Online applies), which lets
// a campaign run close to the limit without a refusal.
//
// A server counts a message when it accepts it, somewhere between the moment
// the request leaves and the moment its answer arrives; the gap varies from
// one request to the next. So a start holds its place in the log from the
// moment it is granted until a window after its request finished: the 31st
// message of a 30-per-minute mailbox then cannot reach the server less than
// a minute after the 1st was accepted, whatever the network does. The cost
// is one request's duration per window.
//
// It is safe for concurrent use.
type pacer struct {
	limit  int
	window time.Duration
	now    func() time.Time
	sleep  func(context.Context, time.Duration) error

	mu        sync.Mutex
	log       []*slot       // granted starts still counted: in flight, or finished less than a window ago
	notBefore time.Time     // nothing starts before this (after a 429)
	changed   chan struct{} // closed and replaced when an in-flight slot finishes or is given back
}

// slot is one granted start.
type slot struct {
	done time.Time // when its request finished; zero while in flight
}

func newPacer(limit int, window time.Duration, now func() time.Time, sleep func(context.Context, time.Duration) error) *pacer {
	return &pacer{limit: limit, window: window, now: now, sleep: sleep, changed: make(chan struct{})}
}

// margin keeps us on the safe side of rounding in the server's clock; the
// server accepted a message before we saw its answer, so little is needed.
func (p *pacer) margin() time.Duration { return p.window / 10000 }

// wait blocks until one more start fits in the window and grants it. The
// caller must hand the slot back with finish (the request was made) or
// cancel (it was not, or the server refused it without counting it). A nil
// pacer or a limit of zero or less means no pacing (and a nil slot).
func (p *pacer) wait(ctx context.Context) (*slot, error) {
	if p == nil || p.limit <= 0 {
		return nil, ctx.Err()
	}
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		p.mu.Lock()
		now := p.now()
		p.prune(now)
		var until time.Time
		switch {
		case now.Before(p.notBefore):
			until = p.notBefore
		case len(p.log) < p.limit:
			s := &slot{}
			p.log = append(p.log, s)
			p.mu.Unlock()
			return s, nil
		default:
			if oldest := p.oldestDone(); !oldest.IsZero() {
				until = oldest.Add(p.window + p.margin())
			}
		}
		changed := p.changed
		p.mu.Unlock()
		if until.IsZero() {
			// Every counted start is still in flight: only a finishing
			// request can change anything.
			select {
			case <-changed:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
			continue
		}
		if err := p.sleep(ctx, until.Sub(now)); err != nil {
			return nil, err
		}
	}
}

// oldestDone returns the earliest finish time in the log, zero when every
// slot is in flight. Callers hold p.mu.
func (p *pacer) oldestDone() time.Time {
	var oldest time.Time
	for _, s := range p.log {
		if !s.done.IsZero() && (oldest.IsZero() || s.done.Before(oldest)) {
			oldest = s.done
		}
	}
	return oldest
}

// prune drops the slots that finished a window ago. Callers hold p.mu.
func (p *pacer) prune(now time.Time) {
	p.log = slices.DeleteFunc(p.log, func(s *slot) bool {
		return !s.done.IsZero() && !now.Before(s.done.Add(p.window+p.margin()))
	})
}

// finish records that s's request is over; s then counts for one more
// window from now.
func (p *pacer) finish(s *slot) {
	if p == nil || s == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	s.done = p.now()
	p.broadcast()
}

// cancel gives s back: its request was not made, or the server refused it
// without counting it (a 429).
func (p *pacer) cancel(s *slot) {
	if p == nil || s == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.log = slices.DeleteFunc(p.log, func(x *slot) bool { return x == s })
	p.broadcast()
}

func (p *pacer) broadcast() {
	close(p.changed)
	p.changed = make(chan struct{})
}

// delay stops every start until the given time: after a 429 the server
// wants silence, not just fewer messages.
func (p *pacer) delay(until time.Time) {
	if p == nil || p.limit <= 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if until.After(p.notBefore) {
		p.notBefore = until
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
