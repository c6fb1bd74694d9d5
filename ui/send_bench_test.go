package ui

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/securemerge/securemerge/internal/campaign"
	"github.com/securemerge/securemerge/internal/sheet"
	"github.com/securemerge/securemerge/internal/store"
)

// BenchmarkWindowOutbox5k writes 5,000 messages to the outbox from the
// window as a person does (Ctrl+Enter, Enter), with the progress and the
// results shown live every progressEvery as in the app, a new database
// each time; compare with cmd/securemerge's BenchmarkSendOutbox5k (the
// same rows through the command line).
func BenchmarkWindowOutbox5k(b *testing.B) {
	const rows = 5000
	root := b.TempDir()
	csv := filepath.Join(root, "data.csv")
	if err := os.WriteFile(csv, []byte(recipients(rows)), 0o600); err != nil {
		b.Fatal(err)
	}
	a := test.NewTempApp(b)
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		dir := filepath.Join(root, fmt.Sprint(i))
		db, err := store.Open(dir, store.Options{})
		if err != nil {
			b.Fatal(err)
		}
		svc := &campaign.Service{Store: db, Sources: sheet.Sources{Locale: "en-GB"}, Senders: outboxOnly{}, OutboxDir: filepath.Join(dir, "outbox")}
		u := New(a, Deps{Campaigns: svc, DataFolder: dir})
		u.work.spawn = func(f func()) { f() }
		c, err := svc.Create(campaign.Draft{Name: "bench", Template: sendTemplate, Data: campaign.DataSource{Path: csv},
			Settings: campaign.Settings{Mode: campaign.ModeOutbox}})
		if err != nil {
			b.Fatal(err)
		}
		u.showCampaign(c, stepSend)
		step := u.open.steps[stepSend].(*sendStep)
		step.live = true
		b.StartTimer()
		press(u.window, ctrl(fyne.KeyReturn))
		pressKey(u.window, fyne.KeyReturn)
		<-step.ended
		b.StopTimer()
		if n, _ := filepath.Glob(filepath.Join(svc.OutboxFolder(c), "*.eml")); len(n) != rows {
			b.Fatalf("the outbox holds %d files; want %d", len(n), rows)
		}
		u.window.Close()
		svc.Close()
		db.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "msgs/s")
}
