package ui

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/widget"

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

// App is the desktop application: one main window showing the home
// screen, an open campaign or the settings.
type App struct {
	fyne   fyne.App
	window fyne.Window
	deps   Deps
	keys   *keymap
	work   worker
	sched  *scheduler // sends scheduled campaigns while the window is open

	home   *home
	open   *campaignScreen // nil on the home screen
	dialog dialog.Dialog   // the dialog shown, for Escape
}

// Open is what the window opens on besides the home screen: a spreadsheet
// (and a template) given on the command line, dropped on the app's icon or
// chosen with "Open with".
type Open struct {
	Data, Template string
}

// New builds the window on a. It does not show it.
func New(a fyne.App, d Deps) *App {
	u := &App{fyne: a, deps: d, work: worker{ctx: context.Background()}}
	language := ""
	if d.Campaigns != nil {
		language = d.Campaigns.Settings().Language
	}
	useLanguage(language)
	u.window = a.NewWindow(lang.L("app.title"))
	u.window.SetIcon(Metadata.Icon)
	u.window.Resize(u.rememberedSize())
	u.keys = newKeymap(u.window.Canvas())
	u.home = newHome(u)
	u.sched = newScheduler(u)
	u.bindKeys()
	u.window.SetOnDropped(u.onDropped)
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
func Run(ctx context.Context, d Deps, open Open) {
	app.SetMetadata(Metadata)
	a := app.NewWithID(Metadata.ID)
	u := New(a, d)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	u.work.ctx = ctx
	// Closing during a send asks first, then pauses it cleanly: cancel ends
	// the window's context, which pauses every job (requests in flight
	// finish and are journaled), and the caller waits for them before
	// closing the database.
	u.window.SetCloseIntercept(func() {
		u.confirmClose(func() {
			u.leaveCampaign()
			u.rememberSize()
			cancel()
			u.window.Close()
		})
	})
	u.window.Show()
	if open.Data != "" {
		u.openFile(open.Data, open.Template)
	} else {
		u.Refresh()
		u.offerResume()
	}
	u.sched.start()
	u.askAfterCrash()
	a.Run()
}

// offerResume: a campaign left "sending" by a crash or a closed laptop is
// offered for resume when the app opens. Resuming starts it again from its
// Send step, through the same path as the command line's `campaign resume`:
// its rows left "sending" are asked of the mailbox before anything is sent
// again.
func (u *App) offerResume() {
	if u.deps.Campaigns == nil {
		return
	}
	u.work.run(func() {
		list, err := u.deps.Campaigns.Campaigns()
		if err != nil {
			return
		}
		var left []*campaign.Campaign
		for _, c := range list {
			// A scheduled one is the scheduler's to continue: asking
			// about it too would ask about something already running.
			if c.Status == campaign.StatusSending && c.Schedule == nil && u.deps.Campaigns.Running(c.ID) == nil {
				left = append(left, c)
			}
		}
		if len(left) == 0 {
			return
		}
		c := left[0]
		fyne.Do(func() {
			u.ask(lang.L("resume.title"), lang.N("resume.text", len(left), map[string]any{"Name": c.Name, "Count": len(left), "Sent": formatCount(c.Counts.Sent), "Total": formatCount(c.Counts.Total)}), lang.L("resume.ok"), lang.L("resume.later"), false, func(ok bool) {
				if ok {
					u.openCampaign(c.ID, stepSend)
				}
			})
		})
	})
}

// bindKeys registers the window's shortcuts (DESIGN.md §9).
func (u *App) bindKeys() {
	u.keys.on(ctrl(fyne.KeyN), u.home.onNew)
	u.keys.on(ctrl(fyne.KeyO), u.onOpenSpreadsheet)
	for i, k := range []fyne.KeyName{fyne.Key1, fyne.Key2, fyne.Key3, fyne.Key4} {
		u.keys.on(ctrl(k), func() {
			if u.open != nil {
				u.open.show(i)
			}
		})
	}
	u.keys.on(ctrl(fyne.KeyReturn), u.mainAction)
	u.keys.on(ctrl(fyne.KeyEnter), u.mainAction)
	u.keys.on(ctrl(fyne.KeyComma), u.showSettings)
	u.keys.onKey(fyne.KeyF1, u.showHelp)
	u.keys.onKey(fyne.KeyEscape, u.onEscape)
}

func (u *App) mainAction() {
	if u.dialog != nil {
		return
	}
	if u.open != nil {
		u.open.current().mainAction()
		return
	}
	u.home.onNew()
}

func (u *App) onEscape() {
	if u.dialog != nil {
		u.dialog.Hide()
		u.dialog = nil
	}
}

// showDialog shows d with the focus in its first field (nil: none).
func (u *App) showDialog(d dialog.Dialog, first fyne.Focusable) {
	u.dialog = d
	d.SetOnClosed(func() {
		if u.dialog == d {
			u.dialog = nil
		}
	})
	d.Show()
	if first != nil {
		u.window.Canvas().Focus(first)
	}
}

// showHome goes back to the campaign list.
func (u *App) showHome() {
	u.leaveCampaign()
	u.window.SetTitle(lang.L("app.title"))
	u.window.SetContent(u.home.content)
	u.Refresh()
}

func (u *App) leaveCampaign() {
	if u.open != nil {
		u.open.close()
		u.open = nil
	}
}

// openCampaign shows campaign id at step.
func (u *App) openCampaign(id string, step int) {
	u.work.run(func() {
		c, err := u.deps.Campaigns.Campaign(id)
		fyne.Do(func() {
			if err != nil {
				showError(u.window, "open campaign", err)
				return
			}
			u.showCampaign(c, step)
		})
	})
}

func (u *App) showCampaign(c *campaign.Campaign, step int) {
	u.leaveCampaign()
	vm := newCampaignVM(u, c)
	s := newCampaignScreen(u, vm)
	u.open = s
	u.window.SetTitle(lang.L("app.title.campaign", map[string]any{"Name": c.Name}))
	u.window.SetContent(s.build())
	s.show(step)
	vm.load()
}

// spreadsheetExts are the files "Open spreadsheet" offers and a drop takes.
var spreadsheetExts = []string{".xlsx", ".xlsm", ".ods", ".csv", ".tsv", ".txt"}

func isSpreadsheet(path string) bool {
	ext := strings.ToLower(filepath.Ext(path))
	for _, e := range spreadsheetExts {
		if ext == e {
			return true
		}
	}
	return false
}

// onOpenSpreadsheet asks for a file (Ctrl+O) and makes a campaign of it.
func (u *App) onOpenSpreadsheet() {
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil {
			showError(u.window, "open spreadsheet", err)
			return
		}
		if r == nil {
			return
		}
		path := r.URI().Path()
		_ = r.Close()
		_ = u.deps.Campaigns.Remember("folder", filepath.Dir(path))
		u.openFile(path, "")
	}, u.window)
	d.SetFilter(storage.NewExtensionFileFilter(spreadsheetExts))
	if dir := u.deps.Campaigns.Recall("folder"); dir != "" {
		if l, err := storage.ListerForURI(storage.NewFileURI(dir)); err == nil {
			d.SetLocation(l)
		}
	}
	d.Resize(fyne.NewSize(800, 560))
	u.showDialog(d, nil)
}

// onDropped makes a campaign of a spreadsheet dropped anywhere on the
// window; a template (.tpl, .txt beside a spreadsheet) dropped with it is
// its message.
func (u *App) onDropped(_ fyne.Position, uris []fyne.URI) {
	var data, tpl string
	for _, uri := range uris {
		p := uri.Path()
		switch {
		case strings.EqualFold(filepath.Ext(p), ".tpl"):
			tpl = p
		case data == "" && isSpreadsheet(p):
			data = p
		}
	}
	if data == "" {
		dialog.ShowInformation(lang.L("open.title"), lang.L("open.notsheet"), u.window)
		return
	}
	if u.open != nil && tpl == "" && u.open.steps[stepData].(*dataStep).takeDrop(data) {
		return // an open campaign with no data yet takes it
	}
	u.openFile(data, tpl)
}

// openFile creates a draft campaign on a spreadsheet (and a template) and
// opens it at its Data step.
func (u *App) openFile(data, tpl string) {
	u.work.run(func() {
		c, err := u.createFrom(data, tpl)
		fyne.Do(func() {
			if err != nil {
				showError(u.window, "open file", err)
				u.Refresh()
				return
			}
			u.showCampaign(c, stepData)
		})
	})
}

func (u *App) createFrom(data, tpl string) (*campaign.Campaign, error) {
	if abs, err := filepath.Abs(data); err == nil {
		data = abs
	}
	d := campaign.Draft{
		Name:     u.home.uniqueName(strings.TrimSuffix(filepath.Base(data), filepath.Ext(data))),
		Data:     campaign.DataSource{Path: data},
		Settings: campaign.Settings{Mode: campaign.ModeOutbox},
	}
	if tpl != "" {
		b, err := readTemplate(tpl)
		if err != nil {
			return nil, err
		}
		d.Template, d.TemplateName = b, tpl
	}
	return u.deps.Campaigns.Create(d)
}

// rememberedSize is the window's size when it was last closed.
func (u *App) rememberedSize() fyne.Size {
	size := fyne.NewSize(1100, 720)
	if u.deps.Campaigns == nil {
		return size
	}
	var w, h float32
	if _, err := fmt.Sscanf(u.deps.Campaigns.Recall("window"), "%gx%g", &w, &h); err == nil && w >= 640 && h >= 480 {
		size = fyne.NewSize(w, h)
	}
	return size
}

func (u *App) rememberSize() {
	if u.deps.Campaigns == nil {
		return
	}
	s := u.window.Canvas().Size()
	_ = u.deps.Campaigns.Remember("window", fmt.Sprintf("%gx%g", s.Width, s.Height))
}

// ask shows a question with two answers: yes (the default button, which
// Enter presses) and no; danger colours yes as destructive. answer gets
// the choice.
func (u *App) ask(title, text, yes, no string, danger bool, answer func(bool)) {
	d := dialog.NewConfirm(title, text, answer, u.window)
	d.SetConfirmText(yes)
	d.SetDismissText(no)
	if danger {
		d.SetConfirmImportance(widget.DangerImportance)
	}
	u.showDialog(d, nil)
}
