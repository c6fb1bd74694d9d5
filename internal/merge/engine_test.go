package merge

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// genSource generates n rows on the fly; read counts the rows handed out.
type genSource struct {
	n, i  int
	read  atomic.Int64
	row   []string
	err   error // returned instead of row errAt
	errAt int
}

func (s *genSource) Next() ([]string, error) {
	if s.err != nil && s.i == s.errAt {
		return nil, s.err
	}
	if s.i >= s.n {
		return nil, io.EOF
	}
	s.i++
	s.read.Add(1)
	s.row = append(s.row[:0], fmt.Sprintf("user%d@example.com", s.i), fmt.Sprintf("User %d", s.i))
	return s.row, nil
}

func (s *genSource) Line() int { return s.i + 1 }

func engineMerger(t testing.TB) *Merger {
	t.Helper()
	spec := Spec{From: "me@example.com", To: "{{ Name }} <{{ Email }}>", Subject: "Hello {{ Name }}", Body: "Dear **{{ Name }}**,\n\n{% if Name %}See you.{% endif %}\n"}
	m, err := NewMerger(&spec, NewHeader([]string{"Email", "Name"}), Options{Now: fixedNow})
	if err != nil {
		t.Fatalf("NewMerger: %v", err)
	}
	return m
}

func TestEngineOrder(t *testing.T) {
	m := engineMerger(t)
	src := &genSource{n: 10000}
	e := Engine{Workers: 8, Buffer: 16}
	next := 0
	var maxAhead int64
	err := e.Run(context.Background(), m, src, func(r Result) error {
		if r.Index != next || r.Line != next+2 {
			return fmt.Errorf("result %d/%d; want index %d line %d", r.Index, r.Line, next, next+2)
		}
		if r.Err != nil || r.Skip != "" {
			return fmt.Errorf("row %d: %v %q", r.Line, r.Err, r.Skip)
		}
		if want := fmt.Sprintf("user%d@example.com", next+1); r.Msg.To[0].Address != want || r.Msg.Subject != fmt.Sprintf("Hello User %d", next+1) {
			return fmt.Errorf("row %d rendered for %s / %q; want %s", r.Line, r.Msg.To[0].Address, r.Msg.Subject, want)
		}
		maxAhead = max(maxAhead, src.read.Load()-int64(next))
		next++
		return nil
	})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if next != 10000 {
		t.Errorf("Run emitted %d results; want 10000", next)
	}
	// Streaming: rows read but not yet emitted stay bounded by the buffer
	// (order queue + worker queue + one in the reader's hands).
	if maxAhead > 2*16+8+2 {
		t.Errorf("Run read up to %d rows ahead of emit; want at most about 2*Buffer", maxAhead)
	}
}

func TestEngineDetectsDuplicatesInOrder(t *testing.T) {
	m := engineMerger(t)
	rows := [][]string{{"a@example.com", "A"}, {"b@example.com", "B"}, {"A@example.com", "A again"}, {"b@example.com", "B again"}}
	var skips []string
	err := (&Engine{Workers: 4}).Run(context.Background(), m, &sliceSource{rows: rows}, func(r Result) error {
		skips = append(skips, r.Skip)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"", "", "duplicate of row 2", "duplicate of row 3"}
	if strings.Join(skips, "|") != strings.Join(want, "|") {
		t.Errorf("Run skips = %q; want %q", skips, want)
	}
}

func TestEngineRowErrorsDoNotStopOthers(t *testing.T) {
	m := engineMerger(t)
	rows := [][]string{{"a@example.com", "A"}, {"a@example.com", "Evil\r\nBcc: x@example.com"}, {"c@example.com", "C"}}
	var got []string
	err := (&Engine{}).Run(context.Background(), m, &sliceSource{rows: rows}, func(r Result) error {
		if r.Err != nil {
			got = append(got, r.Err.Error())
		} else {
			got = append(got, r.Msg.To[0].Address)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0] != "a@example.com" || !strings.Contains(got[1], "row 3, To: contains a line break") || got[2] != "c@example.com" {
		t.Errorf("Run results = %q; want row 3 failing with a line break and the others rendered", got)
	}
}

func TestEngineCancel(t *testing.T) {
	m := engineMerger(t)
	before := runtime.NumGoroutine()
	ctx, cancel := context.WithCancel(context.Background())
	src := &genSource{n: 1 << 30} // practically endless
	n := 0
	done := make(chan error, 1)
	go func() {
		done <- (&Engine{Workers: 4}).Run(ctx, m, src, func(r Result) error {
			n++
			if n == 100 {
				cancel()
			}
			return nil
		})
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Run after cancel = %v; want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	if n > 100 {
		t.Errorf("emit called %d times; want no call after cancel (100)", n)
	}
	checkNoLeak(t, before)
}

func TestEngineEmitErrorStops(t *testing.T) {
	m := engineMerger(t)
	before := runtime.NumGoroutine()
	stop := errors.New("disk full")
	n := 0
	err := (&Engine{Workers: 3}).Run(context.Background(), m, &genSource{n: 1 << 30}, func(r Result) error {
		n++
		if n == 50 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 50 {
		t.Errorf("Run = %v after %d results; want %v after 50", err, n, stop)
	}
	checkNoLeak(t, before)
}

func TestEngineReadError(t *testing.T) {
	m := engineMerger(t)
	bad := errors.New("corrupt file")
	n := 0
	err := (&Engine{Workers: 2}).Run(context.Background(), m, &genSource{n: 100, err: bad, errAt: 30}, func(r Result) error {
		if r.Msg == nil {
			t.Errorf("row %d emitted without a message", r.Line)
		}
		n++
		return nil
	})
	if !errors.Is(err, bad) || n != 30 {
		t.Errorf("Run = %v after %d rows; want %v after the 30 rows read", err, n, bad)
	}
}

// checkNoLeak waits briefly for goroutines to finish and fails if more are
// left than before.
func checkNoLeak(t *testing.T, before int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines after Run; %d before:\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}
