package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/securemerge/securemerge/internal/campaign"
	"github.com/securemerge/securemerge/internal/graph/graphtest"
	"github.com/securemerge/securemerge/internal/store"
)

// child runs the real program in a child process (see TestMain).
func child(t *testing.T, env map[string]string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "SECUREMERGE_TEST_MAIN=1")
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	return cmd
}

// killDuring starts the command and SIGKILLs it after d (if still running).
func killDuring(t *testing.T, cmd *exec.Cmd, d time.Duration) {
	t.Helper()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	timer := time.AfterFunc(d, func() { _ = cmd.Process.Signal(syscall.SIGKILL) })
	_ = cmd.Wait()
	timer.Stop()
}

// journal reads the campaign's journal from the database.
func journal(t *testing.T, dataDir, name string) (*campaign.Campaign, []campaign.Entry) {
	t.Helper()
	db, err := store.Open(dataDir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Check(); err != nil {
		t.Errorf("database inconsistent after kills: %v", err)
	}
	c, err := db.Campaign(name)
	if err != nil {
		t.Fatal(err)
	}
	var es []campaign.Entry
	db.Journal(c.ID, func(e campaign.Entry) bool { es = append(es, e); return true })
	return c, es
}

func TestOutboxKilledAndRerunWritesEachOnce(t *testing.T) {
	const n = 400
	f := newFixture(t, n, "")
	out := filepath.Join(f.dir, "outbox")
	args := []string{"send", "--data", f.data, "--template", f.tpl, "--outbox", out, "--campaign", "killme", "--yes"}
	rng := rand.New(rand.NewPCG(1, 2))
	for round := 0; round < 5; round++ {
		killDuring(t, child(t, f.env, args...), time.Duration(50+rng.IntN(400))*time.Millisecond)
	}
	cmd := child(t, f.env, args...)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("final run: %v\n%s", err, b)
	}
	entries, _ := os.ReadDir(out)
	seen := map[string]int{}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".eml") {
			if e.Name() != "summary.csv" {
				t.Errorf("left in the outbox: %s", e.Name())
			}
			continue
		}
		b, err := os.ReadFile(filepath.Join(out, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		i := bytes.Index(b, []byte("\r\nTo: "))
		if i < 0 || !bytes.Contains(b, []byte("\r\n\r\n")) {
			t.Errorf("%s is not a whole message", e.Name())
			continue
		}
		to := string(b[i+6 : i+6+bytes.Index(b[i+6:], []byte("\r\n"))])
		seen[to]++
	}
	if len(seen) != n {
		t.Errorf("%d distinct recipients in the outbox; want %d", len(seen), n)
	}
	for to, k := range seen {
		if k != 1 {
			t.Errorf("%s has %d messages", to, k)
		}
	}
	c, es := journal(t, f.dataDir, "killme")
	if c.Counts.Sent != n || c.Status != campaign.StatusDone {
		t.Errorf("campaign after kills: %s, %+v", c.Status, c.Counts)
	}
	for _, e := range es {
		if e.State != campaign.StateSent {
			t.Errorf("row %d is %s", e.Line, e.State)
		}
	}
}

// TestLiveSendKilledAndRerunDeliversExactlyOnce SIGKILLs the real program
// during a live send, under random faults and with Exchange's Sent Items
// lagging behind acceptance by 0, 5 s and 60 s (real time: with 60 s no
// sent message is ever visible during the test, and none needs to be).
func TestLiveSendKilledAndRerunDeliversExactlyOnce(t *testing.T) {
	for _, lag := range []time.Duration{0, 5 * time.Second, 60 * time.Second} {
		t.Run(fmt.Sprintf("lag=%s", lag), func(t *testing.T) { liveSendKilled(t, lag) })
	}
}

func liveSendKilled(t *testing.T, lag time.Duration) {
	const n = 150
	srv := graphtest.NewServer(graphtest.Options{Tokens: []string{"tok"}, PerWindow: 100000, Window: time.Minute, Seed: 7, SentItemsLag: lag})
	defer srv.Close()
	srv.SetLatency(3 * time.Millisecond)
	srv.SetFaultRate(0.1, graphtest.FaultUnavailable, graphtest.FaultTimeoutAfterAccept, graphtest.FaultDropAfterAccept, graphtest.FaultDropBefore, graphtest.FaultRedirect)
	srv.SetRetryAfter(50 * time.Millisecond)
	f := newFixture(t, n, "To: {{ Prénom }} <{{ E-mail }}>\nSubject: Bonjour {{ Prénom }}\n\nBonjour {{ Prénom }}\n")
	f.env["SECUREMERGE_GRAPH_URL"] = srv.URL
	f.env["SECUREMERGE_ACCESS_TOKEN"] = "tok"
	args := []string{"send", "--data", f.data, "--template", f.tpl, "--live", "--yes", "--campaign", "live", "--rate", "60000"}
	rng := rand.New(rand.NewPCG(3, 4))
	for round := 0; round < 4; round++ {
		killDuring(t, child(t, f.env, args...), time.Duration(100+rng.IntN(500))*time.Millisecond)
		// A killed process's last requests are still being answered by the
		// mailbox for a moment; a new one starting at once would be a fifth
		// concurrent client, which no single app instance ever is.
		for deadline := time.Now().Add(30 * time.Second); srv.Stats().InFlight > 0 && time.Now().Before(deadline); {
			time.Sleep(10 * time.Millisecond)
		}
	}
	var out []byte
	var err error
	for attempt := 0; attempt < 5; attempt++ { // a run may stop on a row that kept failing; retry it
		out, err = child(t, f.env, args...).CombinedOutput()
		if err == nil {
			break
		}
		child(t, f.env, "campaign", "retry", "live").Run()
	}
	if err != nil {
		t.Fatalf("final run: %v\n%s", err, out)
	}
	per := map[string]int{}
	for _, d := range srv.Delivered() {
		for _, to := range d.To {
			per[to]++
		}
	}
	dup, lost := 0, 0
	for i := 1; i <= n; i++ {
		addr := fmt.Sprintf("zoe.%d@example.fr", i)
		switch per[addr] {
		case 1:
		case 0:
			lost++
		default:
			dup++
			t.Errorf("%s received %d messages; want exactly 1", addr, per[addr])
		}
	}
	if lost > 0 {
		t.Errorf("%d recipients received nothing; want exactly 1 each", lost)
	}
	if st := srv.Stats(); st.Throttled != 0 {
		t.Errorf("the mailbox refused %d messages for going too fast", st.Throttled)
	}
	c, _ := journal(t, f.dataDir, "live")
	if c.Counts.Sent != n {
		t.Errorf("journal says %d sent; want %d (%+v)", c.Counts.Sent, n, c.Counts)
	}
	t.Logf("lag %s: %d duplicates, %d lost, %d requests, faults %v", lag, dup, lost, srv.Stats().Requests, srv.Stats().Injected)
}

func TestLiveSendConfirmsUnlessYes(t *testing.T) {
	srv := graphtest.NewServer(graphtest.Options{Tokens: []string{"tok"}})
	defer srv.Close()
	f := newFixture(t, 2, "")
	f.env["SECUREMERGE_GRAPH_URL"] = srv.URL
	f.env["SECUREMERGE_ACCESS_TOKEN"] = "tok"
	code, out, _ := f.run(t, "send", "--data", f.data, "--template", f.tpl, "--live")
	if code != exitCanceled || len(srv.Delivered()) != 0 {
		t.Errorf("--live without --yes and no answer = %d, %d delivered:\n%s", code, len(srv.Delivered()), out)
	}
	if !strings.Contains(out, "Send 2 messages") {
		t.Errorf("the question does not give the count:\n%s", out)
	}
}

func TestProgressBarShowsETA(t *testing.T) {
	var b bytes.Buffer
	p := newProgress(&b, false, true)
	p.Progress(campaign.Report{Counts: campaign.Counts{Total: 100, Sent: 40, Pending: 60}, ETA: 2 * time.Minute})
	p.finish()
	if !strings.Contains(b.String(), "40%") || !strings.Contains(b.String(), "ETA 2m0s") {
		t.Errorf("progress bar = %q", b.String())
	}
	var j bytes.Buffer
	p = newProgress(&j, true, false)
	p.Progress(campaign.Report{Counts: campaign.Counts{Total: 1, Failed: 1}, Last: &campaign.Entry{Line: 2, To: "a@b.c", State: campaign.StateFailed, Reason: "bad"}})
	var ev map[string]any
	if err := json.Unmarshal(j.Bytes(), &ev); err != nil || ev["state"] != "failed" || ev["reason"] != "bad" {
		t.Errorf("--json progress = %q (%v)", j.String(), err)
	}
}

func TestSendTestGoesOnlyToMe(t *testing.T) {
	srv := graphtest.NewServer(graphtest.Options{Tokens: []string{"tok"}})
	defer srv.Close()
	f := newFixture(t, 3, "To: {{ Prénom }} <{{ E-mail }}>\nCc: boss@example.fr\nSubject: Bonjour {{ Prénom }}\n\nBonjour {{ Prénom }}\n")
	f.env["SECUREMERGE_GRAPH_URL"] = srv.URL
	f.env["SECUREMERGE_ACCESS_TOKEN"] = "tok"
	code, out, errs := f.run(t, "send", "--data", f.data, "--template", f.tpl, "--test", "--row", "3")
	if code != exitOK {
		t.Fatalf("send --test = %d:\n%s%s", code, out, errs)
	}
	d := srv.Delivered()
	if len(d) != 1 {
		t.Fatalf("send --test delivered %d messages; want 1", len(d))
	}
	me := d[0]
	if len(me.To) != 1 || me.To[0] != "ada@contoso.test" || len(me.Cc) != 0 || me.Subject != "[TEST] Bonjour Zoé 2" {
		t.Errorf("test message: to %v cc %v subject %q; want only the signed-in mailbox and a [TEST] subject of row 3", me.To, me.Cc, me.Subject)
	}
}
