package campaign_test

import (
	"context"
	"testing"
	"time"

	"github.com/securemerge/securemerge/internal/campaign"
	"github.com/securemerge/securemerge/internal/store/storetest"
)

// Scaled Exchange Online limits: 30 messages per second instead of per
// minute. A shorter window would measure the disk (two journal writes per
// message, fsynced) rather than the pacer.
const (
	scaledRate   = 30
	scaledWindow = time.Second
)

// maxInWindow returns the most starts found in any window-long interval.
func maxInWindow(starts []time.Time, window time.Duration) int {
	most, j := 0, 0
	for i := range starts {
		for starts[i].Sub(starts[j]) >= window {
			j++
		}
		most = max(most, i-j+1)
	}
	return most
}

func TestPacingStaysUnderTheRateAndCloseToIt(t *testing.T) {
	if testing.Short() {
		t.Skip("paces 150 messages over 4 s")
	}
	db := storetest.Open(t)
	const n = 5 * scaledRate
	id, m := prepared(t, db, people(n))
	fs := newFakeSender()
	fs.Latency = 2 * time.Millisecond
	r := &campaign.Runner{Store: db, Sender: fs, Merger: m, Rate: scaledRate, Window: scaledWindow}
	if err := r.Run(context.Background(), id); err != nil {
		t.Fatalf("Run: %v", err)
	}
	_, starts, _, _ := fs.snapshot()
	if len(starts) != n {
		t.Fatalf("%d sends; want %d", len(starts), n)
	}
	if got := maxInWindow(starts, scaledWindow); got > scaledRate {
		t.Errorf("%d sends started within one %s window; want at most %d", got, scaledWindow, scaledRate)
	}
	// After the first window's burst, each further window should carry
	// close to the limit: >= 90% of it.
	elapsed := starts[n-1].Sub(starts[0])
	perWindow := float64(n-scaledRate) / (float64(elapsed) / float64(scaledWindow))
	if perWindow < 0.9*scaledRate {
		t.Errorf("%.1f messages per window over %s; want at least 90%% of %d", perWindow, elapsed, scaledRate)
	}
}

func TestConcurrencyLimit(t *testing.T) {
	db := storetest.Open(t)
	id, m := prepared(t, db, people(40))
	fs := newFakeSender()
	fs.Latency = 10 * time.Millisecond
	r := fastRunner(db, fs, m)
	r.Concurrency = 2
	if err := r.Run(context.Background(), id); err != nil {
		t.Fatalf("Run: %v", err)
	}
	_, _, _, most := fs.snapshot()
	if most != 2 {
		t.Errorf("at most %d requests in flight; want exactly the limit, 2", most)
	}
}

func TestNothingStartsBeforeRetryAfter(t *testing.T) {
	db := storetest.Open(t)
	id, m := prepared(t, db, people(40))
	fs := newFakeSender()
	fs.Latency = time.Millisecond
	fs.RetryAfter = 250 * time.Millisecond
	fs.failRow(10, faultThrottle)
	// Paced well above what the fake can do, so the pacer only matters
	// for the 429.
	r := &campaign.Runner{Store: db, Sender: fs, Merger: m, Rate: 1000, Window: time.Second, Concurrency: 4}
	if err := r.Run(context.Background(), id); err != nil {
		t.Fatalf("Run: %v", err)
	}
	_, starts, answered, _ := fs.snapshot()
	if len(answered) != 1 || answered[0].Fault != faultThrottle {
		t.Fatalf("faults answered %+v; want one throttle", answered)
	}
	at := answered[0].At
	// Requests already granted when the 429 came back may still leave;
	// 20 ms covers that, far less than Retry-After.
	const granted = 20 * time.Millisecond
	var during int
	for _, s := range starts {
		if s.After(at.Add(granted)) && s.Before(at.Add(fs.RetryAfter)) {
			during++
		}
	}
	if during > 0 {
		t.Errorf("%d sends started during the %s the server asked to wait", during, fs.RetryAfter)
	}
	if len(starts) != 41 {
		t.Errorf("%d sends; want 41 (40 rows, one retried)", len(starts))
	}
	for _, e := range journal(t, db, id) {
		if e.State != campaign.StateSent {
			t.Errorf("row %d: %s; want sent", e.Line, e.State)
		}
	}
}
