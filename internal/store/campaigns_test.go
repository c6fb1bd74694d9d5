package store_test

import (
	"errors"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/securemerge/securemerge/internal/campaign"
	"github.com/securemerge/securemerge/internal/store"
	"github.com/securemerge/securemerge/internal/store/storetest"
)

// clock is a fake time source for store.Options.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newCampaign(t *testing.T, db *store.DB, name string) *campaign.Campaign {
	t.Helper()
	c := &campaign.Campaign{
		Name:     name,
		Template: "Subject: Hi {{ Name }}\n\nHello",
		Data:     campaign.DataSource{Path: "/data/" + name + ".xlsx", Sheet: "Sheet1"},
		Settings: campaign.Settings{Mode: campaign.ModeOutbox, Rate: 20},
	}
	if err := db.CreateCampaign(c); err != nil {
		t.Fatalf("CreateCampaign(%q): %v", name, err)
	}
	return c
}

func TestCreateCampaign(t *testing.T) {
	clk := newClock()
	db := storetest.OpenWith(t, store.Options{Now: clk.Now})
	c := newCampaign(t, db, "Spring")
	if !regexp.MustCompile(`^[a-z2-7]{10}$`).MatchString(c.ID) {
		t.Errorf("CreateCampaign ID = %q; want 10 lower-case base32 characters", c.ID)
	}
	if c.Status != campaign.StatusDraft || !c.Created.Equal(clk.Now()) || !c.Updated.Equal(clk.Now()) {
		t.Errorf("CreateCampaign set Status %q Created %v Updated %v; want draft at %v", c.Status, c.Created, c.Updated, clk.Now())
	}
	got, err := db.Campaign(c.ID)
	if err != nil {
		t.Fatalf("Campaign(%q): %v", c.ID, err)
	}
	if got.Name != "Spring" || got.Template != c.Template || got.Data != c.Data || got.Settings != c.Settings {
		t.Errorf("Campaign(%q) = %+v; want %+v", c.ID, got, c)
	}
	other := newCampaign(t, db, "Autumn")
	if other.ID == c.ID {
		t.Errorf("two campaigns share ID %q", c.ID)
	}
}

func TestCampaignLookup(t *testing.T) {
	clk := newClock()
	db := storetest.OpenWith(t, store.Options{Now: clk.Now})
	old := newCampaign(t, db, "Newsletter")
	clk.Advance(time.Hour)
	other := newCampaign(t, db, "Other")
	clk.Advance(time.Hour)
	recent := newCampaign(t, db, "Newsletter")
	clk.Advance(time.Hour)
	// A campaign named like another's ID: the ID wins.
	tricky := newCampaign(t, db, old.ID)

	tests := []struct {
		name, query, wantID string
	}{
		{"by ID", other.ID, other.ID},
		{"by name, newest first", "Newsletter", recent.ID},
		{"ID before name", old.ID, old.ID},
		{"name of the tricky one is its own ID", tricky.ID, tricky.ID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := db.Campaign(tt.query)
			if err != nil {
				t.Fatalf("Campaign(%q): %v", tt.query, err)
			}
			if got.ID != tt.wantID {
				t.Errorf("Campaign(%q).ID = %q; want %q", tt.query, got.ID, tt.wantID)
			}
		})
	}
	t.Run("unknown", func(t *testing.T) {
		if _, err := db.Campaign("newsletter"); !errors.Is(err, campaign.ErrNotFound) {
			t.Errorf("Campaign(%q) = %v; want ErrNotFound (names are exact)", "newsletter", err)
		}
	})
	t.Run("list newest first", func(t *testing.T) {
		list, err := db.Campaigns()
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, c := range list {
			ids = append(ids, c.ID)
		}
		want := []string{tricky.ID, recent.ID, other.ID, old.ID}
		if len(ids) != len(want) {
			t.Fatalf("Campaigns() = %v; want %v", ids, want)
		}
		for i := range want {
			if ids[i] != want[i] {
				t.Errorf("Campaigns()[%d] = %s; want %s", i, ids[i], want[i])
			}
		}
	})
}

func TestUpdateCampaign(t *testing.T) {
	clk := newClock()
	db := storetest.OpenWith(t, store.Options{Now: clk.Now})
	c := newCampaign(t, db, "Spring")
	clk.Advance(time.Minute)

	err := db.UpdateCampaign(c.ID, func(c *campaign.Campaign) error {
		c.Name = "Spring sale"
		c.Settings.Rate = 10
		c.ID = "hijacked"
		return nil
	})
	if err != nil {
		t.Fatalf("UpdateCampaign: %v", err)
	}
	got, _ := db.Campaign(c.ID)
	if got == nil || got.Name != "Spring sale" || got.Settings.Rate != 10 || !got.Updated.Equal(clk.Now()) || !got.Created.Equal(c.Created) {
		t.Errorf("after UpdateCampaign = %+v; want renamed, rate 10, Updated now, Created kept", got)
	}

	boom := errors.New("boom")
	err = db.UpdateCampaign(c.ID, func(c *campaign.Campaign) error {
		c.Name = "should not stick"
		return boom
	})
	if !errors.Is(err, boom) {
		t.Errorf("UpdateCampaign with failing fn = %v; want its error", err)
	}
	if got, _ := db.Campaign(c.ID); got.Name != "Spring sale" {
		t.Errorf("failed UpdateCampaign stored Name %q", got.Name)
	}
	if err := db.UpdateCampaign("nope", func(*campaign.Campaign) error { return nil }); !errors.Is(err, campaign.ErrNotFound) {
		t.Errorf("UpdateCampaign(unknown) = %v; want ErrNotFound", err)
	}
}

func TestDuplicateAndDelete(t *testing.T) {
	db := storetest.Open(t)
	c := newCampaign(t, db, "Spring")
	startSending(t, db, c.ID, 3)

	dup, err := db.DuplicateCampaign(c.ID, "Spring again")
	if err != nil {
		t.Fatalf("DuplicateCampaign: %v", err)
	}
	if dup.ID == c.ID || dup.Name != "Spring again" || dup.Status != campaign.StatusDraft || dup.Template != c.Template || dup.Data != c.Data || dup.Settings != c.Settings {
		t.Errorf("DuplicateCampaign = %+v; want a new draft with the same template, data and settings", dup)
	}
	if snap, err := db.Snapshot(dup.ID); err != nil || snap != nil {
		t.Errorf("duplicate's Snapshot = %v, %v; want none", snap, err)
	}
	if got, _ := db.Campaign(dup.ID); got.Counts != (campaign.Counts{}) {
		t.Errorf("duplicate's Counts = %+v; want zero (journal not copied)", got.Counts)
	}

	if err := db.DeleteCampaign(c.ID); err != nil {
		t.Fatalf("DeleteCampaign: %v", err)
	}
	if _, err := db.Campaign(c.ID); !errors.Is(err, campaign.ErrNotFound) {
		t.Errorf("Campaign after delete = %v; want ErrNotFound", err)
	}
	if err := db.Journal(c.ID, func(campaign.Entry) bool { return true }); !errors.Is(err, campaign.ErrNotFound) {
		t.Errorf("Journal after delete = %v; want ErrNotFound", err)
	}
	if err := db.DeleteCampaign(c.ID); !errors.Is(err, campaign.ErrNotFound) {
		t.Errorf("second DeleteCampaign = %v; want ErrNotFound", err)
	}
	if _, err := db.Campaign(dup.ID); err != nil {
		t.Errorf("deleting the original removed the duplicate: %v", err)
	}
}
