package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/securemerge/securemerge/internal/license/idtest"
)

// BenchmarkAssign1000For500SeatsPostgres2Instances: 1,000 concurrent
// POST /v1/seats of distinct users for a tenant with 500 seats, spread
// over two servers with their own pools on one PostgreSQL database. Each
// iteration uses a new tenant; exactly 500 must be assigned. Reports the
// whole burst's time and the 99th-percentile request latency.
func BenchmarkAssign1000For500SeatsPostgres2Instances(b *testing.B) {
	dsn := openPostgresDSN(b)
	open := func() Store {
		p, err := OpenPostgres(context.Background(), dsn)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { p.Close() })
		return p
	}
	st := open()
	benchAssign(b, st, newAdminEnv(b, st, 2, open))
}

// BenchmarkAssign1000For500SeatsBbolt1Instance is the same burst on one
// server with the bbolt store.
func BenchmarkAssign1000For500SeatsBbolt1Instance(b *testing.B) {
	st := openDB(b)
	benchAssign(b, st, newAdminEnv(b, st, 1, nil))
}

func benchAssign(b *testing.B, st Store, e *adminEnv) {
	const requests, seats = 1000, 500
	tr := &http.Transport{MaxIdleConnsPerHost: 256, MaxConnsPerHost: 256}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: time.Minute}
	var all []time.Duration
	var total time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		ten := fmt.Sprintf("bench-%d-%d", time.Now().UnixNano(), i)
		st.SetSeats(ten, seats, t0)
		token := e.iss.Token(idtest.Claims{Tenant: ten, Email: "boss@contoso.com", Roles: globalAdmin})
		bodies := make([][]byte, requests)
		for j := range bodies {
			bodies[j], _ = json.Marshal(Seat{ID: fmt.Sprint("oid-", j), Email: fmt.Sprintf("u%d@%s.example.com", j, ten)})
		}
		lat := make([]time.Duration, requests)
		codes := make([]int, requests)
		b.StartTimer()
		start := time.Now()
		var wg sync.WaitGroup
		for j := range requests {
			wg.Go(func() {
				req, _ := http.NewRequest("POST", e.urls[j%len(e.urls)]+SeatsPath, bytes.NewReader(bodies[j]))
				req.Header.Set("Authorization", "Bearer "+token)
				t := time.Now()
				resp, err := hc.Do(req)
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					codes[j] = resp.StatusCode
				}
				lat[j] = time.Since(t)
			})
		}
		wg.Wait()
		total += time.Since(start)
		b.StopTimer()
		n201 := 0
		for _, c := range codes {
			if c == 201 {
				n201++
			} else if c != 409 {
				b.Fatalf("an assign answered %d; want 201 or 409", c)
			}
		}
		if _, used, _ := st.Tenant(ten); n201 != seats || used != seats {
			b.Fatalf("%d assigns succeeded, %d seats used; want exactly %d", n201, used, seats)
		}
		all = append(all, lat...)
		b.StartTimer()
	}
	b.StopTimer()
	slices.Sort(all)
	b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms/burst")
	b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1000, "p99-ms")
}
