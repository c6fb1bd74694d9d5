package ui

import (
	"context"
	"errors"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// Admin is the tenant admin's seat management (DESIGN.md §7): the licence
// server's admin endpoints and the organization's directory, both with the
// admin's own Microsoft sign-in. cmd/securemerge implements it; nil means
// the window has no admin part.
type Admin interface {
	Seats(ctx context.Context) (SeatList, error)
	// Search finds colleagues in the directory by name or address prefix.
	Search(ctx context.Context, query string) ([]Person, error)
	Assign(ctx context.Context, p Person) error
	Unassign(ctx context.Context, p Person) error
}

// SeatList is the organization's seats and who holds them.
type SeatList struct {
	Total, Used int
	Assigned    []Person
}

// Person is a colleague: directory id, name, address.
type Person struct{ ID, Name, Email string }

// Errors an Admin returns that the window explains.
var (
	ErrAdminSignIn    = errors.New("sign in as a tenant admin first")
	ErrNotAdmin       = errors.New("not an admin of the organization")
	ErrNoSeatsLeft    = errors.New("no seats left")
	ErrAdminRefused   = errors.New("the licence server refused the sign-in")
	ErrAdminNoSeat    = errors.New("no seat is assigned to this user")
	ErrAdminOffline   = errors.New("the licence server or the directory cannot be reached")
	ErrNotInDirectory = errors.New("not in the organization's directory")
)

func init() {
	errorKeys = append(errorKeys, []struct {
		err error
		key string
	}{
		{ErrAdminSignIn, "admin.error.signin"},
		{ErrNotAdmin, "admin.error.notadmin"},
		{ErrNoSeatsLeft, "admin.error.noseats"},
		{ErrAdminRefused, "admin.error.refused"},
		{ErrAdminNoSeat, "admin.error.noseat"},
		{ErrAdminOffline, "admin.error.offline"},
		{ErrNotInDirectory, "admin.error.directory"},
	}...)
}

// adminScreen: the seat count, who holds a seat (unassign), and a
// directory search to give one (assign).
type adminScreen struct {
	u      *App
	top    *fyne.Container
	count  *widget.Label
	bar    *widget.ProgressBar
	status *widget.Label
	seats  []Person
	found  []Person
	held   *widget.List
	search *entry
	result *widget.List
	typing *debouncer
	query  int // the search being shown; older answers are dropped
}

// showAdmin opens the seat management.
func (u *App) showAdmin() {
	if u.deps.Admin == nil {
		return
	}
	u.leaveCampaign()
	a := &adminScreen{u: u, typing: &debouncer{w: &u.work, delay: 300 * time.Millisecond}}
	u.window.SetTitle(lang.L("admin.title") + " — " + lang.L("app.title"))
	u.window.SetContent(a.build())
	a.reload()
}

func (a *adminScreen) build() fyne.CanvasObject {
	back := widget.NewButtonWithIcon(lang.L("campaign.back"), theme.NavigateBackIcon(), a.u.showHome)
	back.Importance = widget.LowImportance
	title := widget.NewLabelWithStyle(lang.L("admin.title"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	title.SizeName = theme.SizeNameSubHeadingText
	a.count = widget.NewLabel("")
	a.bar = widget.NewProgressBar()
	a.bar.TextFormatter = func() string { return "" }
	a.status = widget.NewLabel("")
	a.status.Wrapping = fyne.TextWrapWord
	a.status.Importance = widget.DangerImportance
	a.status.Hide()

	a.held = widget.NewList(func() int { return len(a.seats) }, a.newPersonRow,
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i < len(a.seats) {
				p := a.seats[i]
				o.(*personRow).set(p, lang.L("admin.unassign"), widget.MediumImportance, func() { a.onUnassign(p) })
			}
		})
	a.search = newEntry(a.u.keys)
	a.search.SetPlaceHolder(lang.L("admin.search"))
	a.search.ActionItem = widget.NewIcon(theme.SearchIcon())
	a.search.OnChanged = func(q string) { a.typing.call(func() { a.find(q) }) }
	a.result = widget.NewList(func() int { return len(a.found) }, a.newPersonRow,
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i < len(a.found) {
				p := a.found[i]
				label, imp, action := lang.L("admin.assign"), widget.HighImportance, func() { a.onAssign(p) }
				if a.holds(p) {
					label, imp, action = lang.L("admin.hasseat"), widget.LowImportance, nil
				}
				o.(*personRow).set(p, label, imp, action)
			}
		})
	heldTitle := widget.NewLabelWithStyle(lang.L("admin.held"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	giveTitle := widget.NewLabelWithStyle(lang.L("admin.give"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	note := widget.NewLabel(lang.L("admin.note"))
	note.Wrapping = fyne.TextWrapWord
	note.Importance = widget.LowImportance
	columns := container.NewGridWithColumns(2,
		container.NewBorder(heldTitle, nil, nil, nil, a.held),
		container.NewBorder(container.NewVBox(giveTitle, a.search), nil, nil, nil, a.result))
	a.top = container.NewVBox(
		container.NewBorder(nil, nil, back, nil, title),
		widget.NewSeparator(),
		a.count, a.bar,
		a.status)
	return container.NewBorder(a.top, note, nil, nil, columns)
}

// personRow: name and address, and one action.
type personRow struct {
	widget.BaseWidget
	name, email *widget.Label
	action      *widget.Button
	content     *fyne.Container
}

func (a *adminScreen) newPersonRow() fyne.CanvasObject {
	r := &personRow{name: widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), email: widget.NewLabel(""), action: widget.NewButton("", nil)}
	r.name.Truncation, r.email.Truncation = fyne.TextTruncateEllipsis, fyne.TextTruncateEllipsis
	r.content = container.NewBorder(nil, nil, nil, container.NewCenter(r.action), container.NewVBox(r.name, r.email))
	r.ExtendBaseWidget(r)
	return r
}

func (r *personRow) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(r.content) }

func (r *personRow) set(p Person, label string, imp widget.Importance, action func()) {
	r.name.SetText(firstText(p.Name, p.Email))
	r.email.SetText(p.Email)
	r.action.SetText(label)
	r.action.Importance = imp
	r.action.OnTapped = action
	if action == nil {
		r.action.Disable()
	} else {
		r.action.Enable()
	}
	// The row's layout follows its texts (a container lays its objects
	// out again only when refreshed itself).
	r.content.Refresh()
}

func firstText(v ...string) string {
	for _, s := range v {
		if strings.TrimSpace(s) != "" {
			return s
		}
	}
	return ""
}

func (a *adminScreen) holds(p Person) bool {
	for _, s := range a.seats {
		if (p.ID != "" && s.ID == p.ID) || strings.EqualFold(s.Email, p.Email) {
			return true
		}
	}
	return false
}

// reload reads the seats in the background.
func (a *adminScreen) reload() {
	ctx := a.u.work.ctx
	a.u.work.run(func() {
		s, err := a.u.deps.Admin.Seats(ctx)
		fyne.Do(func() {
			if err != nil {
				a.problem(err)
				return
			}
			a.status.Hide()
			a.seats = s.Assigned
			a.count.SetText(lang.L("admin.count", map[string]any{"Used": formatCount(s.Used), "Total": formatCount(s.Total)}))
			if s.Total > 0 {
				a.bar.SetValue(float64(s.Used) / float64(s.Total))
			} else {
				a.bar.SetValue(0)
			}
			a.top.Refresh()
			a.held.Refresh()
			a.result.Refresh()
		})
	})
}

func (a *adminScreen) problem(err error) {
	fyne.LogError("seats", err)
	a.status.SetText(userText(err))
	a.status.Show()
	a.top.Refresh()
}

// find searches the directory for q; answers to older queries are dropped.
func (a *adminScreen) find(q string) {
	a.query++
	n := a.query
	q = strings.TrimSpace(q)
	if q == "" {
		a.found = nil
		a.result.Refresh()
		return
	}
	ctx := a.u.work.ctx
	a.u.work.run(func() {
		people, err := a.u.deps.Admin.Search(ctx, q)
		fyne.Do(func() {
			if n != a.query {
				return
			}
			if err != nil {
				a.problem(err)
				return
			}
			a.found = people
			a.result.Refresh()
		})
	})
}

func (a *adminScreen) onAssign(p Person) {
	ctx := a.u.work.ctx
	a.u.work.run(func() {
		err := a.u.deps.Admin.Assign(ctx, p)
		fyne.Do(func() {
			if err != nil {
				a.problem(err)
				return
			}
			a.reload()
		})
	})
}

func (a *adminScreen) onUnassign(p Person) {
	a.u.ask(lang.L("admin.unassign"), lang.L("admin.unassign.confirm", map[string]any{"Name": firstText(p.Name, p.Email)}), lang.L("admin.unassign"), lang.L("dialog.cancel"), false, func(ok bool) {
		if !ok {
			return
		}
		ctx := a.u.work.ctx
		a.u.work.run(func() {
			err := a.u.deps.Admin.Unassign(ctx, p)
			fyne.Do(func() {
				if err != nil {
					a.problem(err)
					return
				}
				a.reload()
			})
		})
	})
}
