package server

import (
	"net/netip"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// limiter keeps one token bucket per client address: an IPv4 address, or
// an IPv6 /64 (one subscriber's usual allocation, which a client can rotate
// through freely). Idle buckets are full, so dropping them loses nothing.
type limiter struct {
	rate  rate.Limit
	burst int

	mu        sync.Mutex
	visitors  map[netip.Prefix]*visitor
	lastSweep time.Time
}

type visitor struct {
	lim  *rate.Limiter
	seen time.Time
}

const sweepEvery = time.Minute

func newLimiter(r rate.Limit, burst int) *limiter {
	return &limiter{rate: r, burst: burst, visitors: map[netip.Prefix]*visitor{}}
}

// allow takes one check from addr's bucket, or says how long to wait.
func (l *limiter) allow(addr netip.Addr, now time.Time) (bool, time.Duration) {
	key := clientKey(addr)
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.lastSweep) > sweepEvery {
		l.sweep(now)
	}
	v := l.visitors[key]
	if v == nil {
		v = &visitor{lim: rate.NewLimiter(l.rate, l.burst)}
		l.visitors[key] = v
	}
	v.seen = now
	r := v.lim.ReserveN(now, 1)
	if !r.OK() {
		return false, time.Minute
	}
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// sweep drops buckets idle long enough to be full again.
func (l *limiter) sweep(now time.Time) {
	l.lastSweep = now
	full := time.Duration(float64(l.burst)/float64(l.rate)*float64(time.Second)) + time.Second
	for k, v := range l.visitors {
		if now.Sub(v.seen) > full {
			delete(l.visitors, k)
		}
	}
}

func clientKey(a netip.Addr) netip.Prefix {
	a = a.Unmap()
	bits := 32
	if a.Is6() {
		bits = 64
	}
	p, _ := a.Prefix(bits)
	return p
}
