package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/securemerge/securemerge/internal/campaign"
)

// progress shows a runner's progress: a redrawn bar on a terminal, a plain
// line every few percent otherwise, JSON lines with --json. It never blocks
// the runner for long: printing is cheap and throttled.
type progress struct {
	w        io.Writer
	json, tt bool

	mu       sync.Mutex
	last     time.Time
	lastPct  int
	drawn    bool
	final    campaign.Report
	haveLast bool
	err      error // the first --json line that could not be written
}

func newProgress(w io.Writer, asJSON, terminal bool) *progress {
	return &progress{w: w, json: asJSON, tt: terminal && !asJSON, lastPct: -1}
}

func (p *progress) Progress(r campaign.Report) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.final, p.haveLast = r, true
	if p.json {
		if r.Last != nil && r.Last.State != campaign.StateSending && r.Last.State != campaign.StatePending {
			if err := writeJSONLine(p.w, map[string]any{"event": "row", "row": r.Last.Line, "to": r.Last.To, "state": r.Last.State, "reason": r.Last.Reason}); err != nil && p.err == nil {
				p.err = err
			}
		}
		return
	}
	if r.Last != nil && r.Last.State == campaign.StateFailed {
		p.clear()
		fmt.Fprintf(p.w, "row %d (%s) failed: %s\n", r.Last.Line, r.Last.To, r.Last.Reason)
	}
	done := r.Sent + r.Failed + r.Skipped
	pct := 100
	if r.Total > 0 {
		pct = done * 100 / r.Total
	}
	now := time.Now()
	if p.tt {
		if now.Sub(p.last) < 100*time.Millisecond && done < r.Total {
			return
		}
		p.last = now
		p.draw(r, pct)
		return
	}
	if pct/10 != p.lastPct/10 || r.Waiting != "" && now.Sub(p.last) > time.Minute {
		p.lastPct, p.last = pct, now
		fmt.Fprintf(p.w, "%d%%: %s\n", pct, counts(r))
		if r.Waiting != "" {
			fmt.Fprintln(p.w, r.Waiting)
		}
	}
}

func counts(r campaign.Report) string {
	s := fmt.Sprintf("%d/%d sent", r.Sent, r.Total-r.Skipped)
	if r.Failed > 0 {
		s += fmt.Sprintf(", %d failed", r.Failed)
	}
	if r.Skipped > 0 {
		s += fmt.Sprintf(", %d skipped", r.Skipped)
	}
	return s
}

func (p *progress) draw(r campaign.Report, pct int) {
	const width = 30
	fill := pct * width / 100
	bar := strings.Repeat("█", fill) + strings.Repeat("░", width-fill)
	eta := ""
	if r.ETA > 0 {
		eta = " · ETA " + r.ETA.Round(time.Second).String()
	}
	line := fmt.Sprintf("\r%s %3d%% %s%s", bar, pct, counts(r), eta)
	if r.Waiting != "" {
		line += " · " + r.Waiting
	}
	fmt.Fprint(p.w, line+"\x1b[K")
	p.drawn = true
}

func (p *progress) clear() {
	if p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.drawn = false
	}
}

// finish ends the bar's line and returns the first output error.
func (p *progress) finish() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drawn {
		fmt.Fprintln(p.w)
		p.drawn = false
	}
	return p.err
}

// writeJSONLine writes v as one line of JSON.
func writeJSONLine(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// isTerminal reports whether w is an interactive terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
