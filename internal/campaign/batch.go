package campaign

import (
	"context"
	"sync"
	"time"
)

// BatchSender is a Sender whose Send is idempotent — delivering the same
// message twice leaves one copy, as the outbox does with one file name per
// recipient — and whose deliveries become durable with Flush. The Runner
// then skips the per-row "sending" write and records outcomes in batches:
// after a crash, rows not yet recorded are simply delivered again, which
// the sender turns into no-ops. Local senders do not count against the
// mailbox's daily budget.
type BatchSender interface {
	Sender
	Flush() error
}

const (
	batchSize  = 256
	batchDelay = 250 * time.Millisecond
)

type batchOutcome struct {
	e   Entry
	err error
	why Reason // set when the row could not be rendered
}

// sendBatched delivers pending rows through an idempotent sender with a
// pool of workers and records the outcomes in batches of one transaction.
func (st *run) sendBatched(ctx context.Context, bs BatchSender, pending []Entry) error {
	workers := orDefault(st.Concurrency, 4)
	jobs := make(chan Entry)
	results := make(chan batchOutcome, workers)
	sched, stop := context.WithCancel(ctx)
	defer stop()

	var wg sync.WaitGroup
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer st.repanic()
			defer wg.Done()
			for e := range jobs {
				msg, why := st.renderRow(e)
				if msg == nil {
					results <- batchOutcome{e: e, why: why}
					continue
				}
				results <- batchOutcome{e: e, err: bs.Send(sched, msg)}
			}
		}()
	}
	go func() {
		defer st.repanic()
		defer close(jobs)
		for _, e := range pending {
			select {
			case jobs <- e:
			case <-sched.Done():
				return
			}
		}
	}()
	go func() { wg.Wait(); close(results) }()

	var moves []Move
	var done []Entry
	var firstErr error
	flush := func() {
		if len(moves) == 0 || firstErr != nil {
			return
		}
		if err := bs.Flush(); err != nil {
			firstErr = err
			stop()
			return
		}
		if err := st.Store.MoveMany(st.id, moves, st.now()); err != nil {
			firstErr = err
			stop()
			return
		}
		st.mu.Lock()
		for _, e := range done {
			adjust(&st.counts, StatePending, -1)
			adjust(&st.counts, e.State, +1)
		}
		st.mu.Unlock()
		// report copies the entry it is given, so done can be reused.
		for i := range done {
			if done[i].State == StateFailed {
				st.report(&done[i]) // each failure is news to the person
			}
		}
		st.report(&done[len(done)-1])
		moves, done = moves[:0], done[:0]
	}
	tick := time.NewTicker(batchDelay)
	defer tick.Stop()
	for {
		select {
		case o, ok := <-results:
			if !ok {
				flush()
				if firstErr != nil {
					return firstErr
				}
				return ctx.Err()
			}
			e := o.e
			switch {
			case !o.why.IsZero():
				moves = append(moves, Move{Index: e.Index, To: StateFailed, Why: o.why})
				e.State, e.Why, e.Reason = StateFailed, o.why, o.why.English(nil)
			case o.err == nil:
				moves = append(moves, Move{Index: e.Index, To: StateSending}, Move{Index: e.Index, To: StateSent})
				e.State = StateSent
			case KindOf(o.err) == KindPermanent:
				why := failure(o.err)
				moves = append(moves, Move{Index: e.Index, To: StateFailed, Why: why})
				e.State, e.Why, e.Reason = StateFailed, why, why.English(nil)
			default:
				// The destination itself is failing (a full disk): stop,
				// record what went through, and let the person resume.
				why := failure(o.err)
				why.Code = ReasonDestination
				st.pauseWith(pauseFor(why, o.err))
				stop()
				continue
			}
			done = append(done, e)
			if len(moves) >= 2*batchSize {
				flush()
			}
		case <-tick.C:
			flush()
		}
	}
}
