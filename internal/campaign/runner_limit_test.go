package campaign_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/securemerge/securemerge/internal/campaign"
	"github.com/securemerge/securemerge/internal/outbox"
	"github.com/securemerge/securemerge/internal/store/storetest"
)

// TestRunnerLimitStopsAndResumes: --limit sends that many, pauses with a
// clear reason, and the next run sends the rest, once.
func TestRunnerLimitStopsAndResumes(t *testing.T) {
	for _, batch := range []bool{false, true} {
		db := storetest.Open(t)
		id, m := prepared(t, db, people(10))
		dir := filepath.Join(t.TempDir(), "out")
		var sender campaign.Sender = outbox.Sender{Dir: outbox.Dir{Path: dir, Batch: true}}
		if !batch {
			sender = plainSender{sender}
		}
		r := &campaign.Runner{Store: db, Sender: sender, Merger: m, Rate: -1, DailyLimit: -1, Limit: 4}
		if err := r.Run(context.Background(), id); err != nil {
			t.Fatalf("batch=%v: Run with Limit 4 = %v; want nil", batch, err)
		}
		c, _ := db.Campaign(id)
		if c.Counts.Sent != 4 || c.Status != campaign.StatusPaused || c.Reason == "" {
			t.Errorf("batch=%v: after Limit 4: %s %q %+v", batch, c.Status, c.Reason, c.Counts)
		}
		r.Limit = 0
		if err := r.Run(context.Background(), id); err != nil {
			t.Fatal(err)
		}
		c, _ = db.Campaign(id)
		if c.Counts.Sent != 10 || c.Status != campaign.StatusDone {
			t.Errorf("batch=%v: after resume: %s %+v", batch, c.Status, c.Counts)
		}
		if files, _ := filepath.Glob(filepath.Join(dir, "*.eml")); len(files) != 10 {
			t.Errorf("batch=%v: %d files; want 10", batch, len(files))
		}
	}
}

// plainSender hides BatchSender so the paced path runs.
type plainSender struct{ campaign.Sender }
