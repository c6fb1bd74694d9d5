package ui

import (
	"context"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/lang"

	"github.com/securemerge/securemerge/assets"
	"github.com/securemerge/securemerge/internal/campaign"
)

// Metadata mirrors FyneApp.toml for builds made with plain `go build`, which
// do not read that file; a test keeps the two in step.
var Metadata = fyne.AppMetadata{
	ID:         "app.securemerge.desktop",
	Name:       "SecureMerge",
	Version:    "0.1.0",
	Build:      1,
	Icon:       fyne.NewStaticResource("icon.png", assets.Icon),
	Migrations: map[string]bool{"fyneDo": true},
}

// Backend is what the window needs from the rest of the app. cmd/securemerge
// implements it over the store; tests use a fake. Methods are called off the
// UI goroutine and may block.
type Backend interface {
	// Campaigns lists every campaign, newest first.
	Campaigns() ([]*campaign.Campaign, error)
	// NewCampaign creates an empty draft campaign with this name.
	NewCampaign(name string) (*campaign.Campaign, error)
	// WriteOutbox writes campaign id's messages as .eml files into its
	// outbox folder (no account needed), calling progress as rows are
	// done, and returns the folder. Rows already written are never written
	// again, so it also resumes.
	WriteOutbox(ctx context.Context, id string, progress func(campaign.Report)) (folder string, err error)
}

// App is the desktop application: one main window showing the home screen.
type App struct {
	fyne    fyne.App
	window  fyne.Window
	backend Backend
	home    *home
}

// New builds the window on a. It does not show it.
func New(a fyne.App, b Backend) *App {
	loadTranslations()
	u := &App{fyne: a, backend: b}
	u.window = a.NewWindow(lang.L("app.title"))
	u.window.SetIcon(Metadata.Icon)
	u.window.Resize(fyne.NewSize(960, 640))
	u.home = newHome(u.window, b)
	u.window.SetContent(u.home.build())
	u.window.SetMaster()
	return u
}

// Window returns the main window.
func (u *App) Window() fyne.Window { return u.window }

// Refresh reloads the campaign list in the background.
func (u *App) Refresh() { u.home.refresh() }

// Run opens the main window and blocks until it is closed. Work started
// from the window runs on a context that ends with ctx or when the window
// closes, so closing the window pauses a running campaign; the caller
// then waits for it (campaign.Service.Close) before closing the database.
func Run(ctx context.Context, b Backend) {
	app.SetMetadata(Metadata)
	a := app.NewWithID(Metadata.ID)
	u := New(a, b)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	u.home.ctx = ctx
	u.window.SetCloseIntercept(func() {
		cancel()
		u.window.Close()
	})
	u.window.Show()
	u.Refresh()
	a.Run()
}

func loadTranslations() {
	// The files are embedded and checked by a test; an error here would be a
	// build defect, and English keys still show something readable.
	_ = lang.AddTranslationsFS(assets.Translations, "translations")
}
