package store_test

import (
	"testing"
	"time"

	"github.com/securemerge/securemerge/internal/campaign"
	"github.com/securemerge/securemerge/internal/store/storetest"
)

// BenchmarkMove measures one journal transition per transaction, each
// fsynced on commit: the ceiling of journal writes per second.
func BenchmarkMove(b *testing.B) {
	db := storetest.Open(b)
	c := &campaign.Campaign{Name: "bench"}
	if err := db.CreateCampaign(c); err != nil {
		b.Fatal(err)
	}
	const rows = 10000
	startSending(b, db, c.ID, rows)
	b.ResetTimer()
	i := 0
	for b.Loop() {
		// pending -> sending -> pending cycles every row through two moves.
		idx := (i / 2) % rows
		to := campaign.StateSending
		if i%2 == 1 {
			to = campaign.StatePending
		}
		if err := db.Move(c.ID, idx, to, campaign.Reason{}, 1, time.Time{}); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "moves/s")
}

// BenchmarkStartSending100k stores a 100,000-row snapshot and journal in one
// transaction, as a large campaign does when sending starts.
func BenchmarkStartSending100k(b *testing.B) {
	snap, entries := testRows(100_000)
	for b.Loop() {
		b.StopTimer()
		db := storetest.Open(b)
		c := &campaign.Campaign{Name: "big"}
		if err := db.CreateCampaign(c); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if err := db.StartSending(c.ID, snap, entries); err != nil {
			b.Fatal(err)
		}
	}
}
