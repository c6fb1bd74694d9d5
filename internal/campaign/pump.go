package campaign

import "sync"

// Pump passes a Runner's progress to a front end without ever blocking the
// Runner: Progress only records the report and returns. A goroutine hands
// the reports on: every report whose entry settled (sent, failed, skipped)
// in order — a --json line per row, a failure line, a table row — and,
// of the reports in between, only the latest (counts, waiting). A slow
// front end therefore sees fewer intermediate counts, never a lost row and
// never counts that go back. Close flushes and waits.
type Pump struct {
	sink Progress

	mu      sync.Mutex
	queue   []Report // settled rows, in order
	latest  *Report  // the newest report, when newer than the queue's last
	closed  bool
	wake    chan struct{}
	stopped chan struct{}
}

// NewPump starts a Pump delivering to sink.
func NewPump(sink Progress) *Pump {
	p := &Pump{sink: sink, wake: make(chan struct{}, 1), stopped: make(chan struct{})}
	go p.loop()
	return p
}

// Progress records r; it never waits for the sink.
func (p *Pump) Progress(r Report) {
	p.mu.Lock()
	if r.Last != nil && r.Last.State != StatePending && r.Last.State != StateSending {
		p.queue = append(p.queue, r)
		p.latest = nil
	} else {
		p.latest = &r
	}
	p.mu.Unlock()
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

func (p *Pump) loop() {
	defer close(p.stopped)
	for {
		<-p.wake
		for {
			p.mu.Lock()
			queue, latest, closed := p.queue, p.latest, p.closed
			p.queue, p.latest = nil, nil
			p.mu.Unlock()
			if len(queue) == 0 && latest == nil {
				if closed {
					return
				}
				break
			}
			for _, r := range queue {
				p.sink.Progress(r)
			}
			if latest != nil {
				p.sink.Progress(*latest)
			}
		}
	}
}

// Close delivers what is left and returns once the sink has it all.
func (p *Pump) Close() {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	select {
	case p.wake <- struct{}{}:
	default:
	}
	<-p.stopped
}
