package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/securemerge/securemerge/internal/campaign"
	"github.com/securemerge/securemerge/internal/campaign/campaigntest"
	"github.com/securemerge/securemerge/internal/graph/graphtest"
	"github.com/securemerge/securemerge/internal/store"
)

// TestJobPauseResumeCancelWithTheGraphEmulator drives the application
// layer as the window does, over the real store and the real Graph sender
// against the emulator (with Sent Items lagging): pause mid-campaign, resume
// in a new "process" (a new store handle and Service), every recipient gets
// exactly one message; then a second campaign is cancelled mid-way and
// every row not sent is skipped.
func TestJobPauseResumeCancelWithTheGraphEmulator(t *testing.T) {
	const n = 24
	srv := graphtest.NewServer(graphtest.Options{Tokens: []string{"tok"}, PerWindow: 100000, Window: time.Minute, SentItemsLag: 5 * time.Second})
	defer srv.Close()
	srv.SetLatency(2 * time.Millisecond)
	f := newFixture(t, n, "To: {{ Prénom }} <{{ E-mail }}>\nSubject: Bonjour {{ Prénom }}\n\nBonjour {{ Prénom }}\n")
	env := map[string]string{"SECUREMERGE_GRAPH_URL": srv.URL, "SECUREMERGE_ACCESS_TOKEN": "tok"}
	m := &Main{Getenv: func(k string) string { return env[k] }}
	open := func() (*store.DB, *campaign.Service) {
		db, err := store.Open(f.dataDir, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return db, m.service(db, f.dataDir, "")
	}
	ctx := context.Background()
	db, svc := open()
	c, err := svc.Create(campaign.Draft{Name: "live", Template: readFile(t, f.tpl), TemplateName: f.tpl,
		Data: campaign.DataSource{Path: f.data}, Settings: campaign.Settings{Mode: campaign.ModeSend}})
	if err != nil {
		t.Fatal(err)
	}
	var hold *campaigntest.Hold
	job, _, err := svc.Start(ctx, c.ID, campaign.PlanOptions{}, campaign.StartOptions{Runner: func(r *campaign.Runner) {
		hold = campaigntest.NewHold(r.Sender, 8)
		r.Rate, r.Sender = -1, hold
	}})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	<-hold.Reached
	job.Pause()
	close(hold.Release)
	if err := job.Wait(); !errors.Is(err, campaign.ErrPaused) {
		t.Fatalf("paused job: %v", err)
	}
	got, _ := svc.Campaign(c.ID)
	if got.Status != campaign.StatusPaused || got.Counts.Sent == 0 || got.Counts.Sent == n || got.Counts.Sending != 0 {
		t.Fatalf("after Pause: %s %+v; want paused mid-campaign with nothing left sending", got.Status, got.Counts)
	}
	svc.Close()
	db.Close()

	db, svc = open()
	job, _, err = svc.Start(ctx, c.ID, campaign.PlanOptions{}, campaign.StartOptions{Runner: func(r *campaign.Runner) { r.Rate = -1 }})
	if err != nil {
		t.Fatalf("resume: %v", err)
	}
	if err := job.Wait(); err != nil {
		t.Fatalf("resumed job: %v", err)
	}
	per := map[string]int{}
	for _, d := range srv.Delivered() {
		for _, to := range d.To {
			per[to]++
		}
	}
	for i := 1; i <= n; i++ {
		if a := fmt.Sprintf("zoe.%d@example.fr", i); per[a] != 1 {
			t.Errorf("%s received %d messages; want exactly 1", a, per[a])
		}
	}

	// Cancel through the job: the rows not sent are skipped, none is lost.
	c2, err := svc.Duplicate(c.ID, "cancelled")
	if err != nil {
		t.Fatal(err)
	}
	job, _, err = svc.Start(ctx, c2.ID, campaign.PlanOptions{}, campaign.StartOptions{Runner: func(r *campaign.Runner) {
		hold = campaigntest.NewHold(r.Sender, 5)
		r.Rate, r.Sender = -1, hold
	}})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	<-hold.Reached
	job.Pause() // what Cancel does first; done here so no further row starts before the held ones finish
	done := make(chan struct{})
	var skipped int
	var cerr error
	go func() { skipped, cerr = job.Cancel(); close(done) }()
	close(hold.Release)
	<-done
	if cerr != nil {
		t.Fatalf("Cancel: %v", cerr)
	}
	got, _ = svc.Campaign(c2.ID)
	if got.Status != campaign.StatusCancelled || got.Counts.Sent+got.Counts.Skipped != n || skipped != got.Counts.Skipped || skipped == 0 {
		t.Errorf("after Cancel: %s %+v, %d skipped; want cancelled, every row sent or skipped", got.Status, got.Counts, skipped)
	}
	svc.Close()
	db.Close()
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
