package ui

import (
	"image/color"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/securemerge/securemerge/internal/campaign"
)

// home is the first screen: the campaigns, or help when there is none.
type home struct {
	u *App

	all    []*campaign.Campaign // as loaded, newest first
	shown  []*campaign.Campaign // after the search
	status *widget.Label        // a problem loading the list
	search *entry
	list   *widget.List
	empty  fyne.CanvasObject
	none   *widget.Label // the search found nothing
	body   *fyne.Container
	newBtn *widget.Button
	open   *widget.Button
	// contacts is "From Outlook contacts" (contacts.go), hidden without
	// Deps.Contacts.
	contacts *widget.Button

	content fyne.CanvasObject
	now     func() time.Time
}

func newHome(u *App) *home { return &home{u: u, now: time.Now} }

func (h *home) build() fyne.CanvasObject {
	title := widget.NewLabelWithStyle(lang.L("home.heading"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	title.SizeName = theme.SizeNameHeadingText
	h.newBtn = widget.NewButtonWithIcon(lang.L("home.new"), theme.ContentAddIcon(), h.onNew)
	h.newBtn.Importance = widget.HighImportance
	h.open = widget.NewButtonWithIcon(lang.L("home.open"), theme.FolderOpenIcon(), h.u.onOpenSpreadsheet)
	h.contacts = widget.NewButtonWithIcon(lang.L("contacts.open"), theme.AccountIcon(), h.u.onContacts)
	h.contacts.Hidden = h.u.deps.Contacts == nil
	settings := widget.NewButtonWithIcon("", theme.SettingsIcon(), h.u.showSettings)
	settings.Importance = widget.LowImportance

	h.search = newEntry(h.u.keys)
	h.search.SetPlaceHolder(lang.L("home.search"))
	h.search.ActionItem = widget.NewIcon(theme.SearchIcon())
	h.search.OnChanged = func(string) { h.filter() }

	h.list = widget.NewList(func() int { return len(h.shown) }, h.newRow, h.updateRow)
	h.list.OnSelected = func(id widget.ListItemID) {
		h.list.UnselectAll()
		if id < len(h.shown) {
			h.u.openCampaign(h.shown[id].ID, stepData)
		}
	}

	emptyTitle := widget.NewLabelWithStyle(lang.L("home.empty.title"), fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	emptyTitle.SizeName = theme.SizeNameSubHeadingText
	help := widget.NewLabelWithStyle(lang.L("home.empty.help"), fyne.TextAlignCenter, fyne.TextStyle{})
	help.Wrapping = fyne.TextWrapWord
	cta := widget.NewButtonWithIcon(lang.L("home.open"), theme.FolderOpenIcon(), h.u.onOpenSpreadsheet)
	cta.Importance = widget.HighImportance
	drop := widget.NewLabelWithStyle(lang.L("home.empty.drop"), fyne.TextAlignCenter, fyne.TextStyle{Italic: true})
	// A wrapping label takes the width it is given: hold the help text at a
	// readable measure instead of letting the centre squeeze it.
	measure := canvas.NewRectangle(color.Transparent)
	measure.SetMinSize(fyne.NewSize(520, 0))
	h.empty = container.NewCenter(container.NewStack(measure, container.NewVBox(
		container.NewCenter(widget.NewIcon(theme.MailComposeIcon())),
		emptyTitle, help, container.NewCenter(cta), drop)))
	h.none = widget.NewLabelWithStyle("", fyne.TextAlignCenter, fyne.TextStyle{})

	h.status = widget.NewLabel("")
	h.status.Importance = widget.DangerImportance
	h.status.Wrapping = fyne.TextWrapWord
	h.status.Hide()

	privacy := widget.NewLabelWithStyle(lang.L("home.privacy"), fyne.TextAlignLeading, fyne.TextStyle{Italic: true})
	privacy.Wrapping = fyne.TextWrapWord

	h.body = container.NewStack(h.empty)
	top := container.NewBorder(nil, nil, title, container.NewHBox(h.contacts, h.open, h.newBtn, settings))
	h.content = container.NewBorder(
		container.NewVBox(top, h.search, h.status),
		privacy, nil, nil, h.body)
	return h.content
}

// A row: name and counts on the left; status, last change and the
// row's actions on the right.
func (h *home) newRow() fyne.CanvasObject {
	name := widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	name.Truncation = fyne.TextTruncateEllipsis
	counts := widget.NewLabel("")
	status := widget.NewLabel("")
	changed := widget.NewLabel("")
	changed.Alignment = fyne.TextAlignTrailing
	status.Alignment = fyne.TextAlignTrailing
	status.TextStyle.Bold = true
	menu := widget.NewButtonWithIcon("", theme.MoreVerticalIcon(), nil)
	menu.Importance = widget.LowImportance
	r := &homeRow{name: name, counts: counts, status: status, changed: changed, menu: menu,
		content: container.NewBorder(nil, nil, nil,
			container.NewHBox(container.NewVBox(status, changed), container.NewCenter(menu)),
			container.NewVBox(name, counts))}
	r.ExtendBaseWidget(r)
	return r
}

// homeRow names the parts of a row, so updating one is not positional.
type homeRow struct {
	widget.BaseWidget
	content                       *fyne.Container
	name, counts, status, changed *widget.Label
	menu                          *widget.Button
}

func (r *homeRow) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(r.content) }

func (h *home) updateRow(id widget.ListItemID, o fyne.CanvasObject) {
	if id >= len(h.shown) {
		return
	}
	c := h.shown[id]
	r := o.(*homeRow)
	r.name.SetText(c.Name)
	r.counts.SetText(countsText(c))
	r.status.SetText(homeStatus(c, h.now()))
	r.changed.SetText(lang.L("home.changed", map[string]any{"When": formatWhen(c.Updated, h.now())}))
	r.menu.OnTapped = func() { h.showMenu(c, r.menu) }
}

// showMenu offers a campaign's actions beside its ⋮ button.
func (h *home) showMenu(c *campaign.Campaign, at fyne.CanvasObject) {
	m := fyne.NewMenu("",
		fyne.NewMenuItem(lang.L("home.action.open"), func() { h.u.openCampaign(c.ID, stepData) }),
		fyne.NewMenuItem(lang.L("home.action.rename"), func() { h.onRename(c) }),
		fyne.NewMenuItem(lang.L("home.action.duplicate"), func() { h.onDuplicate(c) }),
		fyne.NewMenuItemSeparator(),
		fyne.NewMenuItem(lang.L("home.action.delete"), func() { h.onDelete(c) }),
	)
	pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(at).AddXY(0, at.Size().Height)
	widget.ShowPopUpMenuAtPosition(m, h.u.window.Canvas(), pos)
}

// refresh loads the campaigns off the UI goroutine.
func (h *home) refresh() {
	if h.u.deps.Campaigns == nil {
		h.show(nil, h.u.deps.Err)
		return
	}
	h.u.work.run(func() {
		list, err := h.u.deps.Campaigns.Campaigns()
		fyne.Do(func() { h.show(list, err) })
	})
}

func (h *home) show(list []*campaign.Campaign, err error) {
	if err != nil {
		h.status.SetText(lang.L("error.store"))
		h.status.Show()
		fyne.LogError("list campaigns", err)
	} else {
		h.status.Hide()
	}
	h.all = list
	h.filter()
}

// filter shows the campaigns whose name holds the search text.
func (h *home) filter() {
	q := strings.ToLower(strings.TrimSpace(h.search.Text))
	h.shown = h.shown[:0]
	for _, c := range h.all {
		if q == "" || strings.Contains(strings.ToLower(c.Name), q) {
			h.shown = append(h.shown, c)
		}
	}
	switch {
	case len(h.all) == 0:
		h.body.Objects = []fyne.CanvasObject{h.empty}
	case len(h.shown) == 0:
		h.none.SetText(lang.L("home.search.none", map[string]any{"Query": h.search.Text}))
		h.body.Objects = []fyne.CanvasObject{container.NewCenter(h.none)}
	default:
		h.body.Objects = []fyne.CanvasObject{h.list}
	}
	h.list.Refresh()
	h.body.Refresh()
}

// uniqueName is name, or "name (2)"… when a campaign has it already.
func (h *home) uniqueName(name string) string {
	if name == "" {
		name = lang.L("home.untitled")
	}
	taken := map[string]bool{}
	for _, c := range h.all {
		taken[strings.ToLower(c.Name)] = true
	}
	out := name
	for i := 2; taken[strings.ToLower(out)]; i++ {
		out = name + " (" + formatCount(i) + ")"
	}
	return out
}

// onNew asks for a name and opens the new campaign at its Data step.
func (h *home) onNew() {
	if h.u.deps.Campaigns == nil {
		return
	}
	name := newEntry(h.u.keys)
	name.SetPlaceHolder(lang.L("home.new.placeholder"))
	d := dialog.NewForm(lang.L("home.new"), lang.L("home.create"), lang.L("dialog.cancel"),
		[]*widget.FormItem{widget.NewFormItem(lang.L("home.name"), name)},
		func(ok bool) {
			if !ok {
				return
			}
			n := h.uniqueName(strings.TrimSpace(name.Text))
			h.u.work.run(func() {
				c, err := h.u.deps.Campaigns.Create(campaign.Draft{Name: n, Settings: campaign.Settings{Mode: campaign.ModeOutbox}})
				fyne.Do(func() {
					if err != nil {
						showError(h.u.window, "new campaign", err)
						return
					}
					h.u.showCampaign(c, stepData)
				})
			})
		}, h.u.window)
	name.OnSubmitted = func(string) { d.Submit() }
	d.Resize(fyne.NewSize(420, 0))
	h.u.showDialog(d, name)
}

func (h *home) onRename(c *campaign.Campaign) {
	name := newEntry(h.u.keys)
	name.SetText(c.Name)
	d := dialog.NewForm(lang.L("campaign.rename"), lang.L("campaign.rename.ok"), lang.L("dialog.cancel"),
		[]*widget.FormItem{widget.NewFormItem(lang.L("home.name"), name)},
		func(ok bool) {
			n := strings.TrimSpace(name.Text)
			if !ok || n == "" || n == c.Name {
				return
			}
			h.u.work.run(func() {
				_, err := h.u.deps.Campaigns.Update(c.ID, campaign.Edit{Name: &n})
				fyne.Do(func() {
					if err != nil {
						showError(h.u.window, "rename campaign", err)
					}
					h.refresh()
				})
			})
		}, h.u.window)
	name.OnSubmitted = func(string) { d.Submit() }
	d.Resize(fyne.NewSize(420, 0))
	h.u.showDialog(d, name)
}

func (h *home) onDuplicate(c *campaign.Campaign) {
	n := h.uniqueName(lang.L("home.copyof", map[string]any{"Name": c.Name}))
	h.u.work.run(func() {
		_, err := h.u.deps.Campaigns.Duplicate(c.ID, n)
		fyne.Do(func() {
			if err != nil {
				showError(h.u.window, "duplicate campaign", err)
			}
			h.refresh()
		})
	})
}

func (h *home) onDelete(c *campaign.Campaign) {
	msg := lang.L("home.delete.confirm", map[string]any{"Name": c.Name})
	if c.Counts.Sent > 0 {
		msg += "\n" + lang.N("home.delete.sent", c.Counts.Sent, map[string]any{"Count": formatCount(c.Counts.Sent)})
	}
	h.u.ask(lang.L("home.action.delete"), msg, lang.L("home.delete.ok"), lang.L("dialog.cancel"), true, func(ok bool) {
		if !ok {
			return
		}
		h.u.work.run(func() {
			err := h.u.deps.Campaigns.Delete(c.ID)
			fyne.Do(func() {
				if err != nil {
					showError(h.u.window, "delete campaign", err)
				}
				h.refresh()
			})
		})
	})
}

func statusText(s campaign.Status) string {
	if s == "" {
		s = campaign.StatusDraft
	}
	return lang.L("status." + string(s))
}

// countsText is what a campaign has done: its counts once started, else
// the spreadsheet it will send to.
func countsText(cp *campaign.Campaign) string {
	c := cp.Counts
	if c.Total == 0 {
		if cp.Data.Path != "" {
			return lang.L("home.notstarted", map[string]any{"File": dataName(cp.Data)})
		}
		return lang.L("home.norecipients")
	}
	// Each count takes its own plural form: "1 envoyé", "2 envoyés".
	return lang.N("home.sent", c.Sent, map[string]any{"Count": formatCount(c.Sent)}) + " · " +
		lang.N("home.failed", c.Failed, map[string]any{"Count": formatCount(c.Failed)}) + " · " +
		lang.N("home.pending", c.Pending+c.Sending, map[string]any{"Count": formatCount(c.Pending + c.Sending)})
}
