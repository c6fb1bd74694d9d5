package ui

import (
	"context"
	"image/color"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/data/binding"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/securemerge/securemerge/internal/campaign"
)

// home is the first screen: the campaign list, or help when there is none.
type home struct {
	window  fyne.Window
	backend Backend
	ctx     context.Context // the window's life: work started here stops with it

	// spawn runs slow work off the UI goroutine; nil means a new goroutine.
	// Tests run it inline so that they read the window only once it settled.
	spawn func(func())

	items   binding.UntypedList // of *campaign.Campaign
	status  binding.String      // a problem loading the list, shown to the person
	list    *widget.List
	empty   fyne.CanvasObject
	body    *fyne.Container
	newBtn  *widget.Button
	content fyne.CanvasObject

	running map[string]string // campaign ID → progress text, while writing; UI goroutine only
}

func newHome(w fyne.Window, b Backend) *home {
	return &home{window: w, backend: b, ctx: context.Background(), items: binding.NewUntypedList(), status: binding.NewString(), running: map[string]string{}}
}

func (h *home) build() fyne.CanvasObject {
	title := widget.NewLabelWithStyle(lang.L("home.heading"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	title.SizeName = theme.SizeNameHeadingText
	h.newBtn = widget.NewButtonWithIcon(lang.L("home.new"), theme.ContentAddIcon(), h.onNew)
	h.newBtn.Importance = widget.HighImportance

	h.list = widget.NewListWithData(h.items,
		func() fyne.CanvasObject {
			name := widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
			write := widget.NewButtonWithIcon(lang.L("home.outbox"), theme.MailSendIcon(), nil)
			return container.NewBorder(nil, nil, nil, container.NewHBox(widget.NewLabel(""), write), container.NewVBox(name, widget.NewLabel("")))
		},
		func(item binding.DataItem, o fyne.CanvasObject) {
			v, err := item.(binding.Untyped).Get()
			if err != nil {
				return
			}
			c := v.(*campaign.Campaign)
			row := o.(*fyne.Container)
			texts := row.Objects[0].(*fyne.Container).Objects
			right := row.Objects[1].(*fyne.Container).Objects
			texts[0].(*widget.Label).SetText(c.Name)
			counts := countsText(c.Counts)
			if p, ok := h.running[c.ID]; ok {
				counts = p
			}
			texts[1].(*widget.Label).SetText(counts)
			right[0].(*widget.Label).SetText(statusText(c.Status))
			write := right[1].(*widget.Button)
			write.OnTapped = func() { h.onWriteOutbox(c) }
			_, busy := h.running[c.ID]
			if canWriteOutbox(c) && !busy {
				write.Show()
			} else {
				write.Hide()
			}
		})

	emptyTitle := widget.NewLabelWithStyle(lang.L("home.empty.title"), fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	emptyTitle.SizeName = theme.SizeNameSubHeadingText
	help := widget.NewLabelWithStyle(lang.L("home.empty.help"), fyne.TextAlignCenter, fyne.TextStyle{})
	help.Wrapping = fyne.TextWrapWord
	cta := widget.NewButtonWithIcon(lang.L("home.new"), theme.ContentAddIcon(), h.onNew)
	cta.Importance = widget.HighImportance
	// A wrapping label takes the width it is given: hold the help text at a
	// readable measure instead of letting the centre squeeze it.
	measure := canvas.NewRectangle(color.Transparent)
	measure.SetMinSize(fyne.NewSize(520, 0))
	h.empty = container.NewCenter(container.NewStack(measure, container.NewVBox(
		container.NewCenter(widget.NewIcon(theme.MailComposeIcon())),
		emptyTitle, help, container.NewCenter(cta))))

	problem := widget.NewLabelWithData(h.status)
	problem.Importance = widget.DangerImportance
	problem.Wrapping = fyne.TextWrapWord

	privacy := widget.NewLabelWithStyle(lang.L("home.privacy"), fyne.TextAlignLeading, fyne.TextStyle{Italic: true})
	privacy.Wrapping = fyne.TextWrapWord

	h.body = container.NewStack(h.empty)
	h.content = container.NewBorder(
		container.NewVBox(container.NewBorder(nil, nil, nil, h.newBtn, title), problem),
		privacy, nil, nil, h.body)
	return h.content
}

// refresh loads the campaigns off the UI goroutine.
func (h *home) refresh() {
	h.background(func() {
		list, err := h.backend.Campaigns()
		fyne.Do(func() { h.show(list, err) })
	})
}

func (h *home) background(f func()) {
	if h.spawn != nil {
		h.spawn(f)
		return
	}
	go f()
}

func (h *home) show(list []*campaign.Campaign, err error) {
	if err != nil {
		_ = h.status.Set(lang.L("error.store"))
		fyne.LogError("list campaigns", err)
	} else {
		_ = h.status.Set("")
	}
	items := make([]any, len(list))
	for i, c := range list {
		items[i] = c
	}
	_ = h.items.Set(items)
	if len(list) == 0 {
		h.body.Objects = []fyne.CanvasObject{h.empty}
	} else {
		h.body.Objects = []fyne.CanvasObject{h.list}
	}
	h.body.Refresh()
}

func (h *home) onNew() {
	name := widget.NewEntry()
	name.SetPlaceHolder(lang.L("home.new.placeholder"))
	dialog.ShowForm(lang.L("home.new"), lang.L("home.create"), lang.L("home.cancel"),
		[]*widget.FormItem{widget.NewFormItem(lang.L("home.name"), name)},
		func(ok bool) {
			if !ok {
				return
			}
			n := strings.TrimSpace(name.Text)
			if n == "" {
				n = lang.L("home.untitled")
			}
			h.background(func() {
				_, err := h.backend.NewCampaign(n)
				fyne.Do(func() {
					if err != nil {
						fyne.LogError("new campaign", err)
						_ = h.status.Set(lang.L("error.store"))
						return
					}
					h.refresh()
				})
			})
		}, h.window)
}

func statusText(s campaign.Status) string {
	if s == "" {
		s = campaign.StatusDraft
	}
	return lang.L("status." + string(s))
}

func countsText(c campaign.Counts) string {
	if c.Total == 0 {
		return lang.L("home.norecipients")
	}
	// Each count takes its own plural form: "1 envoyé", "2 envoyés".
	return lang.N("home.sent", c.Sent, map[string]any{"Count": c.Sent}) + " · " +
		lang.N("home.failed", c.Failed, map[string]any{"Count": c.Failed}) + " · " +
		lang.N("home.pending", c.Pending+c.Sending, map[string]any{"Count": c.Pending + c.Sending})
}

// canWriteOutbox: an outbox campaign with a message and recipients that
// still has rows to write (or has not started).
func canWriteOutbox(c *campaign.Campaign) bool {
	if c.Settings.Mode != campaign.ModeOutbox || c.Template == "" || c.Data.Path == "" {
		return false
	}
	return c.Status == campaign.StatusDraft || c.Status == campaign.StatusPaused || c.Status == ""
}

// onWriteOutbox writes a campaign's messages to its outbox in the
// background; the row shows the progress and a dialog says where they are.
func (h *home) onWriteOutbox(c *campaign.Campaign) {
	id, name := c.ID, c.Name
	h.running[id] = lang.L("home.writing")
	h.list.Refresh()
	h.background(func() {
		folder, err := h.backend.WriteOutbox(h.ctx, id, func(r campaign.Report) {
			text := lang.L("home.written", map[string]any{"Done": r.Sent, "Total": r.Total - r.Skipped})
			fyne.Do(func() {
				if _, ok := h.running[id]; ok {
					h.running[id] = text
					h.list.Refresh()
				}
			})
		})
		fyne.Do(func() {
			delete(h.running, id)
			if err != nil {
				fyne.LogError("write outbox", err)
				dialog.ShowInformation(name, lang.L("home.outbox.failed"), h.window)
			} else {
				dialog.ShowInformation(name, lang.L("home.outbox.done", map[string]any{"Folder": folder}), h.window)
			}
			h.refresh()
		})
	})
}
