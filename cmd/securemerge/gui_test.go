package main

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/securemerge/securemerge/internal/campaign"
	"github.com/securemerge/securemerge/internal/store"
)

// TestSampleCampaignWorksWithNoAccount checks what a new user gets on first
// run: one sample draft, created once, that sends to the app's own outbox
// with no account and no network.
func TestSampleCampaignWorksWithNoAccount(t *testing.T) {
	dir := t.TempDir()
	db, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if err := addSample(db, dir); err != nil {
			t.Fatalf("addSample: %v", err)
		}
	}
	list, _ := db.Campaigns()
	if len(list) != 1 || list[0].Settings.Mode != campaign.ModeOutbox {
		t.Fatalf("after two starts: %d campaigns %+v; want one outbox sample", len(list), list)
	}
	id := list[0].ID
	db.Close()
	env := map[string]string{"SECUREMERGE_DATA_DIR": dir}
	code, out, errs := run(t, env, "campaign", "resume", id)
	if code != exitOK {
		t.Fatalf("sending the sample = %d:\n%s%s", code, out, errs)
	}
	// DESIGN.md §9: a campaign with no folder chosen writes to
	// <data folder>/outbox/<campaign name>/.
	if n := countEML(t, filepath.Join(dir, store.OutboxName, "Sample - appointment reminders")); n != 5 {
		t.Errorf("the sample wrote %d messages to the app's outbox; want 5", n)
	}
}

// TestWindowWritesSampleToOutbox drives the window's backend the way the
// home screen's "Write to outbox" button does.
func TestWindowWritesSampleToOutbox(t *testing.T) {
	dir := t.TempDir()
	db, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := addSample(db, dir); err != nil {
		t.Fatal(err)
	}
	list, _ := db.Campaigns()
	b := &backend{db: db, dataDir: dir, svc: (&Main{}).service(db, dir, "")}
	defer b.svc.Close()
	var last campaign.Report
	folder, err := b.WriteOutbox(context.Background(), list[0].ID, func(r campaign.Report) { last = r })
	if err != nil {
		t.Fatalf("WriteOutbox: %v", err)
	}
	if folder != filepath.Join(dir, store.OutboxName, "Sample - appointment reminders") || countEML(t, folder) != 5 {
		t.Errorf("WriteOutbox wrote %d messages into %s", countEML(t, folder), folder)
	}
	if last.Sent != 5 || last.Pending != 0 {
		t.Errorf("last progress = %+v; want 5 sent, none pending", last.Counts)
	}
	c, _ := db.Campaign(list[0].ID)
	if c.Status != campaign.StatusDone {
		t.Errorf("sample campaign is %s after writing", c.Status)
	}
}
