package ui

import (
	"context"

	"github.com/securemerge/securemerge/internal/campaign"
	"github.com/securemerge/securemerge/internal/merge"
)

// Campaigns is the application layer as the window uses it;
// *campaign.Service implements it (cmd/securemerge checks so at compile
// time). Methods may block: the window calls them off the UI goroutine.
type Campaigns interface {
	Campaigns() ([]*campaign.Campaign, error)
	Campaign(idOrName string) (*campaign.Campaign, error)
	Create(d campaign.Draft) (*campaign.Campaign, error)
	Update(id string, e campaign.Edit) (*campaign.Campaign, error)
	Duplicate(id, name string) (*campaign.Campaign, error)
	Delete(id string) error

	// Table reads a data source once, in the background (the Data step).
	Table(d campaign.DataSource) (*campaign.Table, error)
	// Check validates every row (the problems marked on the Data step).
	Check(ctx context.Context, c *campaign.Campaign) (*merge.Report, error)
	// Preview renders one row exactly as it would be sent.
	Preview(ctx context.Context, c *campaign.Campaign, ref campaign.RowRef) (*merge.Message, error)
	// PlanFooter is the free plan's footer, nil for a licensed user.
	PlanFooter() *merge.Footer
	SendTest(ctx context.Context, c *campaign.Campaign, ref campaign.RowRef) (*merge.Message, error)

	Plan(ctx context.Context, id string, opt campaign.PlanOptions) (*campaign.Plan, *merge.Report, error)
	Running(id string) *campaign.Job
	Results(id string, from, n int) ([]campaign.Entry, campaign.Counts, error)
	Retry(id string) (int, error)
	Cancel(id string) (int, error)
	OutboxFolder(c *campaign.Campaign) string

	Settings() campaign.AppSettings
	SetSetting(key, value string) error
	// Recall and Remember keep the window's own state (its size, the last
	// folder opened) in the database, never in a second preferences file.
	Recall(key string) string
	Remember(key, value string) error
}

// Deps is everything the window is given. Err, when set, says the
// database could not be opened: the window opens anyway and says so.
type Deps struct {
	Campaigns Campaigns
	// DataFolder is where the app keeps its data; the preview area
	// (DataFolder/preview) holds the .eml files "Open in my mail app" opens.
	DataFolder string
	// Admin manages the organization's seats (nil: no admin part).
	Admin Admin
	// AfterCrash asks once, after a crash, about crash reports (nil: never).
	AfterCrash AfterCrash
	Err        error
}
