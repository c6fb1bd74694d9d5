package campaign_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/securemerge/securemerge/internal/campaign"
	"github.com/securemerge/securemerge/internal/merge"
)

// fault is a failure fakeSender can answer a Send with.
type fault int

const (
	faultNone            fault = iota
	faultThrottle              // 429 with RetryAfter; nothing delivered
	faultTransientBefore       // 5xx or a timeout before the message was accepted
	faultTransientAfter        // the message is delivered, then the answer is lost (504)
	faultPermanent             // 400 invalid recipient
	faultAuth                  // 401 after the silent refresh
	faultQuota                 // 403 sending limit exceeded
)

func (f fault) String() string {
	return [...]string{"none", "throttle", "transient-before", "transient-after", "permanent", "auth", "quota"}[f]
}

// permanentReason is the server's message for faultPermanent.
const permanentReason = "The recipient mailbox does not exist"

// quotaReason is the server's message for faultQuota.
const quotaReason = "Cannot send this message: the mailbox has exceeded its limit of recipients per day"

// fakeSender is an in-memory campaign.Sender that delivers messages by key
// and records every attempt. It is safe for concurrent use. Knobs:
//
//   - Latency: how long each Send takes (the request stays in flight).
//   - RetryAfter: the delay a throttle answer asks for.
//   - failRow: scripted faults for one row's successive attempts.
//   - failNext: faults for the next sends, whatever the row.
//   - setFaultRate: random faults with probability p, from a seeded source.
//   - lookupFails: how many Lookup calls fail (transient) before answering.
type fakeSender struct {
	Latency    time.Duration
	RetryAfter time.Duration

	mu          sync.Mutex
	rows        map[int][]fault
	next        []fault
	rate        float64
	kinds       []fault
	rnd         *rand.Rand
	lookupFails int

	delivered   map[string]int // key -> copies delivered
	order       []string       // keys in delivery order
	starts      []time.Time    // every Send call
	answered    []answer       // every fault answered
	inFlight    int
	maxInFlight int
	sends       int
	lookups     int
}

// answer is one fault the fake answered, and when.
type answer struct {
	Index int
	Fault fault
	At    time.Time
}

func newFakeSender() *fakeSender {
	return &fakeSender{RetryAfter: time.Millisecond, rows: map[int][]fault{}, delivered: map[string]int{}}
}

var _ campaign.Sender = (*fakeSender)(nil)

// failRow makes row index's next attempts answer fs, one per attempt.
func (f *fakeSender) failRow(index int, fs ...fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rows[index] = append(f.rows[index], fs...)
}

// setFaultRate gives every send, with probability p, a fault drawn
// uniformly from kinds.
func (f *fakeSender) setFaultRate(p float64, seed uint64, kinds ...fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rate, f.kinds, f.rnd = p, kinds, rand.New(rand.NewPCG(seed, seed^0x5eed))
}

func (f *fakeSender) pick(index int) fault {
	f.mu.Lock()
	defer f.mu.Unlock()
	if q := f.rows[index]; len(q) > 0 {
		f.rows[index] = q[1:]
		return q[0]
	}
	if len(f.next) > 0 {
		fl := f.next[0]
		f.next = f.next[1:]
		return fl
	}
	if f.rnd != nil && f.rnd.Float64() < f.rate {
		return f.kinds[f.rnd.IntN(len(f.kinds))]
	}
	return faultNone
}

func (f *fakeSender) Send(ctx context.Context, m *merge.Message) error {
	f.mu.Lock()
	f.starts = append(f.starts, time.Now())
	f.sends++
	f.inFlight++
	f.maxInFlight = max(f.maxInFlight, f.inFlight)
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.inFlight--
		f.mu.Unlock()
	}()
	if f.Latency > 0 {
		t := time.NewTimer(f.Latency)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return &campaign.SendError{Kind: campaign.KindTransient, Message: "request cancelled", Err: ctx.Err()}
		}
	}
	fl := f.pick(m.Index)
	if fl == faultNone || fl == faultTransientAfter {
		f.mu.Lock()
		f.delivered[m.Key]++
		f.order = append(f.order, m.Key)
		f.mu.Unlock()
	}
	if fl == faultNone {
		return nil
	}
	f.mu.Lock()
	f.answered = append(f.answered, answer{Index: m.Index, Fault: fl, At: time.Now()})
	f.mu.Unlock()
	switch fl {
	case faultThrottle:
		return &campaign.SendError{Kind: campaign.KindThrottled, RetryAfter: f.RetryAfter, Code: "ApplicationThrottled", Message: "The mailbox is over its message rate limit."}
	case faultTransientBefore:
		return &campaign.SendError{Kind: campaign.KindTransient, Code: "ServiceUnavailable", Message: "Service unavailable"}
	case faultTransientAfter:
		return &campaign.SendError{Kind: campaign.KindTransient, Code: "UnknownError", Message: "Gateway timeout"}
	case faultPermanent:
		return &campaign.SendError{Kind: campaign.KindPermanent, Code: "ErrorInvalidRecipients", Message: permanentReason}
	case faultAuth:
		return &campaign.SendError{Kind: campaign.KindAuth, Code: "InvalidAuthenticationToken", Message: "sign in again: Access token has expired"}
	case faultQuota:
		return &campaign.SendError{Kind: campaign.KindQuota, Code: "ErrorExceededMessageLimit", Message: quotaReason}
	}
	panic(fmt.Sprintf("fakeSender: unknown fault %d", fl))
}

func (f *fakeSender) Lookup(ctx context.Context, m *merge.Message) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lookups++
	if f.lookupFails > 0 {
		f.lookupFails--
		return false, &campaign.SendError{Kind: campaign.KindTransient, Message: "connection reset"}
	}
	return f.delivered[m.Key] > 0, nil
}

// copies returns how many copies of key were delivered.
func (f *fakeSender) copies(key string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.delivered[key]
}

// stats returns a snapshot of what the fake saw.
func (f *fakeSender) snapshot() (delivered map[string]int, starts []time.Time, answered []answer, maxInFlight int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delivered = make(map[string]int, len(f.delivered))
	for k, v := range f.delivered {
		delivered[k] = v
	}
	return delivered, append([]time.Time(nil), f.starts...), append([]answer(nil), f.answered...), f.maxInFlight
}
