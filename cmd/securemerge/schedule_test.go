package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/securemerge/securemerge/internal/graph/graphtest"
)

// clockedRun is run with the application layer's clock at *now.
func clockedRun(t *testing.T, env map[string]string, now *time.Time, mu *sync.Mutex, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	m := &Main{
		Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb,
		Getenv:        func(k string) string { return env[k] },
		UserConfigDir: func() (string, error) { return t.TempDir(), nil },
		GUI:           func(context.Context, *Main) int { t.Fatalf("the window opened for %q", args); return -1 },
		Now: func() time.Time {
			mu.Lock()
			defer mu.Unlock()
			return *now
		},
	}
	code := m.Run(context.Background(), args)
	return code, out.String(), errb.String()
}

// TestSendAtThenRunScheduledSendsOnceAtThatTime is issue 18's "done
// when": a campaign scheduled for a later time sends at that time, once,
// even though each command is a new process.
func TestSendAtThenRunScheduledSendsOnceAtThatTime(t *testing.T) {
	srv := graphtest.NewServer(graphtest.Options{Tokens: []string{"tok"}})
	defer srv.Close()
	f := newFixture(t, 3, "")
	f.env["SECUREMERGE_GRAPH_URL"] = srv.URL
	f.env["SECUREMERGE_ACCESS_TOKEN"] = "tok"
	var mu sync.Mutex
	now := time.Date(2026, 12, 3, 7, 30, 0, 0, time.Local) // a Thursday
	run := func(args ...string) (int, string, string) { return clockedRun(t, f.env, &now, &mu, args...) }
	set := func(t time.Time) { mu.Lock(); now = t; mu.Unlock() }

	code, out, errs := run("send", "--data", f.data, "--template", f.tpl, "--live", "--yes", "--campaign", "noel",
		"--at", "2026-12-03 09:00", "--window", "08:00-18:00", "--weekdays")
	if code != exitOK || !strings.Contains(out, `Campaign "noel"`) || !strings.Contains(out, "scheduled: Thu 3 Dec 2026 09:00, 08:00-18:00 on weekdays (live)") {
		t.Fatalf("send --at = %d:\n%s%s", code, out, errs)
	}
	if n := len(srv.Delivered()); n != 0 {
		t.Fatalf("send --at delivered %d messages at once; want none", n)
	}
	code, out, _ = run("campaigns")
	if code != exitOK || !strings.Contains(out, "Scheduled Thu 3 Dec 09:00") {
		t.Errorf("campaigns = %d, lacks the schedule:\n%s", code, out)
	}
	if code, out, _ := run("campaign", "show", "noel"); code != exitOK || !strings.Contains(out, "Scheduled Thu 3 Dec 2026 09:00, 08:00-18:00 on weekdays") {
		t.Errorf("campaign show = %d, lacks the schedule:\n%s", code, out)
	}
	code, out, _ = run("campaigns", "--json")
	var list []struct {
		Schedule struct {
			At    time.Time
			Hours struct{ Start, End int }
		}
	}
	if err := json.Unmarshal([]byte(out), &list); code != exitOK || err != nil || len(list) != 1 || list[0].Schedule.Hours.Start != 8*60 {
		t.Errorf("campaigns --json = %d, %v:\n%s", code, err, out)
	}

	set(time.Date(2026, 12, 3, 8, 59, 0, 0, time.Local))
	if code, out, _ := run("run-scheduled"); code != exitOK || !strings.Contains(out, "No scheduled campaign is due.") || len(srv.Delivered()) != 0 {
		t.Fatalf("run-scheduled at 08:59 = %d:\n%s(%d delivered)", code, out, len(srv.Delivered()))
	}
	set(time.Date(2026, 12, 3, 9, 0, 0, 0, time.Local))
	code, out, errs = run("run-scheduled")
	if code != exitOK || !strings.Contains(out, "noel") || !strings.Contains(out, "Done; 3 sent") {
		t.Fatalf("run-scheduled at 09:00 = %d:\n%s%s", code, out, errs)
	}
	set(time.Date(2026, 12, 3, 9, 5, 0, 0, time.Local))
	if code, out, _ := run("run-scheduled"); code != exitOK || !strings.Contains(out, "No scheduled campaign is due.") {
		t.Errorf("a second run-scheduled = %d:\n%s", code, out)
	}
	per := map[string]int{}
	for _, d := range srv.Delivered() {
		for _, to := range d.To {
			per[to]++
		}
	}
	if len(per) != 3 {
		t.Errorf("%d recipients got the message; want 3", len(per))
	}
	for to, n := range per {
		if n != 1 {
			t.Errorf("%s got %d copies; want 1", to, n)
		}
	}
}

func TestSendAtIsValidated(t *testing.T) {
	f := newFixture(t, 1, "")
	var mu sync.Mutex
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.Local)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--live", "--yes", "--at", "2026-12-03 09:00"}, `--at "2026-12-03 09:00": 2026-12-03 09:00: that time has passed (it is now 2026-12-03 10:00)`},
		{[]string{"--live", "--at", "3 December"}, `--at: "3 December" is not a date and time: write it as 2026-12-03 09:00`},
		{[]string{"--live", "--at", "2026-12-04 09:00", "--window", "18:00-08:00"}, "--window: sending hours \"18:00-08:00\": the end must come after the start"},
		{[]string{"--live", "--window", "08:00-18:00"}, "--window and --weekdays go with --at"},
		{[]string{"--at", "2026-12-04 09:00"}, "--at schedules a real send: add --live, --drafts or --outbox DIR"},
	} {
		args := append([]string{"send", "--data", f.data, "--template", f.tpl, "--campaign", "x"}, tc.args...)
		code, out, errs := clockedRun(t, f.env, &now, &mu, args...)
		if code != exitUsage || !strings.Contains(errs, tc.want) {
			t.Errorf("send %q = %d, %q%q; want exit %d with %q", tc.args, code, out, errs, exitUsage, tc.want)
		}
	}
	if _, out, _ := clockedRun(t, f.env, &now, &mu, "campaigns"); !strings.Contains(out, "No campaigns yet") {
		t.Errorf("a refused schedule left a campaign behind:\n%s", out)
	}
}
