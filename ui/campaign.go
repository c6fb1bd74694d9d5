package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// step is one of the campaign screen's tabs: Data, Message, Preview, Send.
type step interface {
	build() fyne.CanvasObject
	// shown is called each time the tab becomes visible.
	shown()
	// mainAction is the step's main action (Ctrl+Enter).
	mainAction()
}

// The steps, in tab order; Ctrl+1 … Ctrl+4 select them.
const (
	stepData = iota
	stepMessage
	stepPreview
	stepSend
)

// campaignScreen is an open campaign: a title bar (back to the campaigns,
// the name) over the four steps.
type campaignScreen struct {
	u     *App
	vm    *campaignVM
	tabs  *container.AppTabs
	steps []step
	name  *widget.Label
	back  *widget.Button
}

func newCampaignScreen(u *App, vm *campaignVM) *campaignScreen {
	s := &campaignScreen{u: u, vm: vm}
	s.steps = []step{newDataStep(s), newMessageStep(s), newPreviewStep(s), newSendStep(s)}
	return s
}

func (s *campaignScreen) build() fyne.CanvasObject {
	s.back = widget.NewButtonWithIcon(lang.L("campaign.back"), theme.NavigateBackIcon(), s.u.showHome)
	s.back.Importance = widget.LowImportance
	s.name = widget.NewLabelWithStyle(s.vm.c.Name, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	s.name.SizeName = theme.SizeNameSubHeadingText
	rename := widget.NewButtonWithIcon("", theme.DocumentCreateIcon(), s.onRename)
	rename.Importance = widget.LowImportance
	labels := []string{lang.L("step.data"), lang.L("step.message"), lang.L("step.preview"), lang.L("step.send")}
	icons := []fyne.Resource{theme.GridIcon(), theme.DocumentCreateIcon(), theme.VisibilityIcon(), theme.MailSendIcon()}
	items := make([]*container.TabItem, len(s.steps))
	for i, st := range s.steps {
		items[i] = container.NewTabItemWithIcon(labels[i], icons[i], st.build())
	}
	s.tabs = container.NewAppTabs(items...)
	s.tabs.OnSelected = func(*container.TabItem) { s.steps[s.tabs.SelectedIndex()].shown() }
	s.vm.onChange(func(what change) {
		if what&changedCampaign != 0 {
			s.name.SetText(s.vm.c.Name)
		}
	})
	bar := container.NewBorder(nil, nil, s.back, nil, container.NewHBox(s.name, rename))
	return container.NewBorder(container.NewVBox(bar, widget.NewSeparator()), nil, nil, nil, s.tabs)
}

// show selects step i (Ctrl+1 … Ctrl+4).
func (s *campaignScreen) show(i int) {
	if i < 0 || i >= len(s.steps) {
		return
	}
	if s.tabs.SelectedIndex() == i {
		s.steps[i].shown()
		return
	}
	s.tabs.SelectIndex(i)
}

// current is the step shown.
func (s *campaignScreen) current() step { return s.steps[s.tabs.SelectedIndex()] }

func (s *campaignScreen) onRename() {
	name := newEntry(s.u.keys)
	name.SetText(s.vm.c.Name)
	d := dialog.NewForm(lang.L("campaign.rename"), lang.L("campaign.rename.ok"), lang.L("dialog.cancel"),
		[]*widget.FormItem{widget.NewFormItem(lang.L("home.name"), name)},
		func(ok bool) {
			if ok && name.Text != "" {
				s.vm.rename(name.Text)
			}
		}, s.u.window)
	s.u.showDialog(d, name)
}

// close saves the campaign before the screen goes.
func (s *campaignScreen) close() { s.vm.close() }
