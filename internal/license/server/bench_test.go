package server

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/securemerge/securemerge/internal/license"
)

// BenchmarkCheck64Clients is a load generator: 64 concurrent clients, each
// with its own keep-alive connection, post checks to a real server on
// 127.0.0.1 backed by the bbolt store (a quarter of the addresses hold a
// licence). It reports checks per second and the 99th-percentile latency.
// The rate limit is lifted: every client shares 127.0.0.1.
func BenchmarkCheck64Clients(b *testing.B) {
	const clients = 64
	db := openDB(b)
	db.SetSeats(tenant, 1000, t0)
	const addresses = 4000
	for i := 0; i < addresses; i += 4 {
		if err := db.Grant(tenant, Licence{Email: fmt.Sprintf("user%d@contoso.com", i)}, t0); err != nil {
			b.Fatal(err)
		}
	}
	url := serve(b, Options{Licences: db, Rate: rateInf}) + license.CheckPath
	bodies := make([][]byte, addresses)
	for i := range bodies {
		bodies[i] = fmt.Appendf(nil, `{"email":"user%d@contoso.com"}`, i)
	}
	tr := &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: 10 * time.Second}

	var next atomic.Int64
	lat := make([][]time.Duration, clients)
	var failed atomic.Int64
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(b.N) {
					return
				}
				t := time.Now()
				resp, err := hc.Post(url, "application/json", bytes.NewReader(bodies[i%addresses]))
				if err != nil {
					failed.Add(1)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					failed.Add(1)
				}
				lat[c] = append(lat[c], time.Since(t))
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if n := failed.Load(); n > 0 {
		b.Fatalf("%d of %d checks failed", n, b.N)
	}
	all := slices.Concat(lat...)
	slices.Sort(all)
	p99 := all[len(all)*99/100]
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "req/s")
	b.ReportMetric(float64(p99.Microseconds())/1000, "p99-ms")
}
