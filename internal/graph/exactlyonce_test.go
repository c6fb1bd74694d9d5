package graph_test

import (
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/securemerge/securemerge/internal/campaign"
	"github.com/securemerge/securemerge/internal/graph"
	"github.com/securemerge/securemerge/internal/graph/graphtest"
	"github.com/securemerge/securemerge/internal/merge"
	"github.com/securemerge/securemerge/internal/store/storetest"
)

// The campaign's own tests run against fakes; these run the real Runner
// through the real Graph sender against the emulator, as restic keeps its
// backend suites beside the backend.

// rowsSource is a merge.RowSource over rows in memory.
type rowsSource struct {
	rows [][]string
	i    int
}

func (s *rowsSource) Next() ([]string, error) {
	if s.i >= len(s.rows) {
		return nil, io.EOF
	}
	s.i++
	return append([]string(nil), s.rows[s.i-1]...), nil
}

// Line numbers rows as a spreadsheet with a header row does.
func (s *rowsSource) Line() int { return s.i + 1 }

func people(n int) [][]string {
	rows := make([][]string, n)
	for i := range rows {
		rows[i] = []string{fmt.Sprintf("user%05d@example.com", i+1), fmt.Sprintf("Person %d", i+1)}
	}
	return rows
}

// prepared creates and prepares a campaign for rows.
func prepared(t testing.TB, db campaign.Store, rows [][]string) (string, *merge.Merger) {
	t.Helper()
	c := &campaign.Campaign{Name: t.Name()}
	if err := db.CreateCampaign(c); err != nil {
		t.Fatalf("CreateCampaign: %v", err)
	}
	spec := &merge.Spec{From: "sender@example.com", To: "{{ Email }}", Subject: "Hello {{ Name }}", Body: "Dear {{ Name }},\n\nSee you soon."}
	m, err := merge.NewMerger(spec, merge.NewHeader([]string{"Email", "Name"}), merge.Options{CampaignID: c.ID, Suppressed: db.Suppressed})
	if err != nil {
		t.Fatalf("NewMerger: %v", err)
	}
	rep, err := campaign.Freeze(context.Background(), db, c.ID, m, func() (merge.RowSource, error) { return &rowsSource{rows: rows}, nil }, campaign.FreezeOptions{})
	if err != nil {
		t.Fatalf("Prepare: %v (problems: %+v)", err, rep.Problems)
	}
	return c.ID, m
}

func journal(t testing.TB, db campaign.Store, id string) []campaign.Entry {
	t.Helper()
	var es []campaign.Entry
	if err := db.Journal(id, func(e campaign.Entry) bool { es = append(es, e); return true }); err != nil {
		t.Fatalf("Journal: %v", err)
	}
	return es
}

// ambiguousFaults are the emulator's faults after which a request may or
// may not have been taken. Throttling is left out: it is unambiguous, and
// each 429 stops the whole campaign for a whole second of Retry-After.
var ambiguousFaults = []graphtest.Fault{
	graphtest.FaultUnavailable,
	graphtest.FaultTimeoutAfterAccept,
	graphtest.FaultDropAfterAccept,
	graphtest.FaultDropBefore,
	graphtest.FaultRedirect,
}

// benchFaults are the faults of BenchmarkSendRate's faults10 case, kept as
// they were when the benchmark was written so its numbers stay comparable.
var benchFaults = []graphtest.Fault{
	graphtest.FaultThrottle,
	graphtest.FaultUnavailable,
	graphtest.FaultTimeoutAfterAccept,
	graphtest.FaultDropAfterAccept,
	graphtest.FaultDropBefore,
}

// graphSender returns the real Graph sender talking to srv.
func graphSender(t testing.TB, srv *graphtest.Server) *graph.Sender {
	t.Helper()
	c, err := graph.NewClient(graph.ClientOptions{BaseURL: srv.URL, Tokens: graph.StaticToken("t")})
	if err != nil {
		t.Fatalf("graph.NewClient: %v", err)
	}
	return graph.NewSender(c, graph.SenderOptions{})
}

// graphRunner paces to the emulator's scaled limit.
func graphRunner(db campaign.Store, s campaign.Sender, m *merge.Merger, rate int, window time.Duration) *campaign.Runner {
	return &campaign.Runner{Store: db, Sender: s, Merger: m, Rate: rate, Window: window,
		Backoff: 10 * time.Millisecond, MaxBackoff: 200 * time.Millisecond}
}

// sentItemsLags are the delays between acceptance and the Sent Items copy
// the exactly-once tests run with. They are real time: a lag longer than
// the test (60 s) means no lookup ever sees a sent message, and none needs
// to, so the test does not wait for it.
var sentItemsLags = []time.Duration{0, 5 * time.Second, 60 * time.Second}

func TestGraphExactlyOnceUnderFaults(t *testing.T) {
	n := 400
	if testing.Short() {
		n = 150
	}
	for _, lag := range sentItemsLags {
		t.Run(fmt.Sprintf("lag=%s", lag), func(t *testing.T) {
			const perWindow, window = 30, 300 * time.Millisecond
			srv := graphtest.NewServer(graphtest.Options{PerWindow: perWindow, Window: window, Seed: 7, SentItemsLag: lag})
			t.Cleanup(srv.Close)
			srv.SetRetryAfter(50 * time.Millisecond)
			srv.SetFaultRate(0.1, ambiguousFaults...)

			db := storetest.Open(t)
			id, m := prepared(t, db, people(n))
			r := graphRunner(db, graphSender(t, srv), m, perWindow, window)
			if err := r.Run(context.Background(), id); err != nil {
				t.Fatalf("Run: %v", err)
			}
			keys := map[string]bool{}
			for _, e := range journal(t, db, id) {
				if e.State != campaign.StateSent {
					t.Errorf("row %d: %s (%s); want sent", e.Line, e.State, e.Reason)
				}
				keys[e.Key] = true
			}
			copies := map[string]int{}
			for _, d := range srv.Delivered() {
				copies[d.Key]++
				if !keys[d.Key] {
					t.Errorf("delivered a message with key %q that no row has", d.Key)
				}
			}
			dup, lost := 0, 0
			for k := range keys {
				switch c := copies[k]; {
				case c > 1:
					dup++
				case c == 0:
					lost++
				}
			}
			if dup > 0 || lost > 0 {
				t.Errorf("%d of %d recipients got more than one copy and %d got none; want exactly one each", dup, n, lost)
			}
			st := srv.Stats()
			if st.Throttled != 0 {
				t.Errorf("the emulator refused %d requests for its limits; our pacing must keep it at 0", st.Throttled)
			}
			var injected int
			for _, v := range st.Injected {
				injected += v
			}
			if injected < n/20 {
				t.Errorf("only %d faults injected for %d messages: the test did not exercise recovery", injected, n)
			}
			t.Logf("%d messages, %d requests, %d faults injected %v, max %d in flight", n, st.Requests, injected, st.Injected, st.MaxConcurrent)
		})
	}
}

// BenchmarkSendRate sends 150 messages through the real Graph sender to the
// emulator at a scaled limit of 30 per second and reports the share of the
// limit achieved in steady state (rate-share-%: one window over the mean
// time between message i and message i+30) and the emulator's refusals; with
// 10% faults also the retries (send requests beyond one per message) and
// lost-s, the time from first to last delivery beyond the ideal 4 windows.
func BenchmarkSendRate(b *testing.B) {
	const n, perWindow, window = 150, 30, time.Second
	for _, bc := range []struct {
		name   string
		faults float64
	}{{"clean", 0}, {"faults10", 0.1}} {
		b.Run(bc.name, func(b *testing.B) {
			var share, refusals, retries, lost float64
			for b.Loop() {
				b.StopTimer()
				srv := graphtest.NewServer(graphtest.Options{PerWindow: perWindow, Window: window, Seed: 3})
				srv.SetRetryAfter(50 * time.Millisecond)
				if bc.faults > 0 {
					srv.SetFaultRate(bc.faults, benchFaults...)
				}
				db := storetest.Open(b)
				id, m := prepared(b, db, people(n))
				r := graphRunner(db, graphSender(b, srv), m, perWindow, window)
				b.StartTimer()
				if err := r.Run(context.Background(), id); err != nil {
					b.Fatalf("Run: %v", err)
				}
				b.StopTimer()
				d := srv.Delivered()
				if len(d) != n {
					b.Fatalf("%d delivered; want %d", len(d), n)
				}
				// In steady state message i+30 is accepted one window after
				// message i: the mean of those gaps against the window is
				// the share of the limit achieved.
				var gaps time.Duration
				for i := perWindow; i < n; i++ {
					gaps += d[i].At.Sub(d[i-perWindow].At)
				}
				mean := gaps / time.Duration(n-perWindow)
				share += float64(window) / float64(mean) * 100
				elapsed := d[n-1].At.Sub(d[0].At)
				st := srv.Stats()
				refusals += float64(st.Throttled)
				retries += float64(st.SendRequests - n)
				ideal := time.Duration(n/perWindow-1) * window
				lost += (elapsed - ideal).Seconds()
				srv.Close()
				b.StartTimer()
			}
			runs := float64(b.N)
			b.ReportMetric(share/runs, "rate-share-%")
			b.ReportMetric(refusals/runs, "refusals")
			if bc.faults > 0 {
				b.ReportMetric(retries/runs, "retries")
				b.ReportMetric(lost/runs, "lost-s")
			}
		})
	}
}
