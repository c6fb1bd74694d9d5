package ui

import (
	"context"
	"time"

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
	// Bounces reads the mailbox's non-delivery reports and marks the rows
	// they name; SuppressBounced puts those rows' addresses on the
	// suppression list (bounces.go).
	Bounces(ctx context.Context, id string) (*campaign.BounceReport, error)
	SuppressBounced(id string) ([]string, error)
	// Schedule sets (nil: removes) when a draft sends by itself; Due and
	// RunDue are the window's scheduler (schedule.go), as run-scheduled's.
	Schedule(id string, sch *campaign.Schedule) (*campaign.Campaign, error)
	Due(now time.Time) ([]*campaign.Campaign, error)
	RunDue(ctx context.Context, now time.Time, opt campaign.StartOptions) ([]campaign.ScheduledRun, error)

	Settings() campaign.AppSettings
	SetSetting(key, value string) error
	// Recall and Remember keep the window's own state (its size, the last
	// folder opened) in the database, never in a second preferences file.
	Recall(key string) string
	Remember(key, value string) error
}

// Budget is the rolling 24-hour log of recipients sent, which the daily
// limit counts (*store.DB implements it): the Send step's confirmation
// says how much of today's budget a send takes.
type Budget interface {
	// SentSince returns how many recipients were sent since t, across
	// every campaign, and the time of the oldest send counted.
	SentSince(t time.Time) (n int, oldest time.Time, err error)
}

// Licence tells the licence as `securemerge license status` does; the
// Settings screen shows it. Status may use the network (a first check, a
// background re-check of an old token): the window calls it off the UI
// goroutine.
type Licence interface {
	Status(ctx context.Context) LicenceStatus
}

// LicenceStatus is the licence as the Settings screen shows it. Zero
// times mean unknown (no token held, never checked).
type LicenceStatus struct {
	Licensed bool   // false: the free plan, whose messages carry the footer
	Email    string // the address the licence is for; "" when nobody is signed in
	Expires  time.Time
	Checked  time.Time
	Offline  bool // the last check failed: the status comes from the cache
}

// Crash builds the crash-report preview the Settings screen shows: the
// exact JSON `securemerge crash-report preview` prints.
type Crash interface {
	Preview(ctx context.Context) ([]byte, error)
}

// Account is the Microsoft 365 sign-in as the window uses it. Its methods
// may use the network: the window calls them off the UI goroutine.
type Account interface {
	// Who is the signed-in mailbox's address; "" when nobody is signed in
	// (or the mailbox cannot be reached to ask).
	Who(ctx context.Context) string
	// SignIn signs in: in the system browser, or with deviceCode by a code
	// entered on another device, which prompt shows (called once, before
	// SignIn waits for the person). It returns the address signed in.
	SignIn(ctx context.Context, deviceCode bool, prompt func(DeviceCode)) (string, error)
	// SignOut removes the saved tokens from this computer.
	SignOut(ctx context.Context) error
}

// Contacts is what "From Outlook contacts" needs beyond the data source
// itself, which Campaigns.Table reads (a "contacts:" path).
type Contacts interface {
	// Consent asks the person, in the browser, to let SecureMerge read
	// their contacts and those shared with them (Contacts.Read,
	// Contacts.Read.Shared), as `securemerge login --contacts` does: asked
	// when they choose this source, never at the first sign-in.
	Consent(ctx context.Context) error
}

// DeviceCode is what a device-code sign-in asks the person to do: open URL
// and type Code. URL is "" when the sign-in service gave only a sentence,
// which Code then holds.
type DeviceCode struct{ Code, URL string }

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

	// Budget, Licence, Crash and Account are optional: nil means the
	// whole daily budget is taken as free, and Settings shows no licence,
	// no crash-report preview, no account.
	Budget  Budget
	Licence Licence
	Crash   Crash
	Account Account
	// Contacts, when set, offers "From Outlook contacts" on the home
	// screen (nil: spreadsheets only).
	Contacts Contacts
}
