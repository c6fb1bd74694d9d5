package ui

import (
	"context"
	"errors"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/securemerge/securemerge/internal/campaign"
)

type fakeBackend struct {
	mu        sync.Mutex
	campaigns []*campaign.Campaign
	err       error

	window       fyne.Window // to read what the row shows while writing
	progressSeen string
}

func (f *fakeBackend) Campaigns() ([]*campaign.Campaign, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*campaign.Campaign(nil), f.campaigns...), f.err
}

// WriteOutbox reports two steps of progress, then marks the campaign done.
func (f *fakeBackend) WriteOutbox(ctx context.Context, id string, progress func(campaign.Report)) (string, error) {
	f.mu.Lock()
	var c *campaign.Campaign
	for _, x := range f.campaigns {
		if x.ID == id {
			c = x
		}
	}
	f.mu.Unlock()
	if c == nil {
		return "", errors.New("no such campaign")
	}
	progress(campaign.Report{Counts: campaign.Counts{Total: 5, Sent: 2, Pending: 3}})
	f.progressSeen = texts(f.window)
	progress(campaign.Report{Counts: campaign.Counts{Total: 5, Sent: 5}})
	f.mu.Lock()
	c.Status, c.Counts = campaign.StatusDone, campaign.Counts{Total: 5, Sent: 5}
	f.mu.Unlock()
	return "/home/ada/.config/SecureMerge/outbox", nil
}

func (f *fakeBackend) NewCampaign(name string) (*campaign.Campaign, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := &campaign.Campaign{ID: name, Name: name, Status: campaign.StatusDraft}
	f.campaigns = append([]*campaign.Campaign{c}, f.campaigns...)
	return c, nil
}

// texts returns every label and button text shown in the window.
func texts(w fyne.Window) string {
	var b strings.Builder
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if !o.Visible() {
			return
		}
		switch v := o.(type) {
		case *widget.Label:
			b.WriteString(v.Text + "\n")
		case *widget.Button:
			b.WriteString("[" + v.Text + "]\n")
		case *widget.List:
			for _, c := range test.LaidOutObjects(v) {
				if l, ok := c.(*widget.Label); ok {
					b.WriteString(l.Text + "\n")
				}
			}
			return
		case *fyne.Container:
			for _, c := range v.Objects {
				walk(c)
			}
		case fyne.Widget:
			for _, c := range test.WidgetRenderer(v).Objects() {
				walk(c)
			}
		}
	}
	walk(w.Content())
	return b.String()
}

// newInline builds the app with background work run inline, so the window
// has settled when a call returns.
func newInline(a fyne.App, b Backend) *App {
	u := New(a, b)
	u.home.spawn = func(f func()) { f() }
	return u
}

func TestHomeEmptyStateInvitesToCreate(t *testing.T) {
	a := test.NewTempApp(t)
	u := New(a, &fakeBackend{})
	u.Window().Resize(fyne.NewSize(800, 600))
	u.home.show(nil, nil)
	got := texts(u.Window())
	for _, want := range []string{"No campaigns yet", "[New campaign]", "nothing leaves this computer"} {
		if !strings.Contains(got, want) {
			t.Errorf("empty home shows:\n%s\nwant it to contain %q", got, want)
		}
	}
	if u.Window().Title() != "SecureMerge" {
		t.Errorf("window title = %q; want SecureMerge", u.Window().Title())
	}
}

func TestHomeListsCampaignsWithStatus(t *testing.T) {
	a := test.NewTempApp(t)
	b := &fakeBackend{campaigns: []*campaign.Campaign{
		{ID: "a", Name: "December appointments", Status: campaign.StatusPaused, Counts: campaign.Counts{Total: 10, Sent: 4, Failed: 1, Pending: 5}},
	}}
	u := newInline(a, b)
	u.Window().Resize(fyne.NewSize(800, 600))
	u.Refresh()
	got := texts(u.Window())
	for _, want := range []string{"December appointments", "Paused", "4 sent · 1 failed · 5 to send"} {
		if !strings.Contains(got, want) {
			t.Errorf("home shows:\n%s\nwant %q", got, want)
		}
	}
	if strings.Contains(got, "No campaigns yet") {
		t.Errorf("home shows the empty state beside a campaign:\n%s", got)
	}
}

func TestHomeShowsStoreProblemWithoutRawError(t *testing.T) {
	a := test.NewTempApp(t)
	u := newInline(a, &fakeBackend{err: errors.New("bbolt: timeout /secret/path")})
	u.Refresh()
	got := texts(u.Window())
	if !strings.Contains(got, "could not be opened") {
		t.Errorf("home does not say the campaigns could not be opened:\n%s", got)
	}
	if strings.Contains(got, "bbolt") || strings.Contains(got, "/secret/path") {
		t.Errorf("the window shows a raw Go error:\n%s", got)
	}
}

func TestMetadataMatchesFyneAppToml(t *testing.T) {
	b, err := os.ReadFile("../FyneApp.toml")
	if err != nil {
		t.Fatal(err)
	}
	field := func(name string) string {
		m := regexp.MustCompile(`(?m)^\s*` + name + `\s*=\s*"?([^"\n]*)"?`).FindSubmatch(b)
		if m == nil {
			t.Fatalf("FyneApp.toml has no %s", name)
		}
		return string(m[1])
	}
	if got := field("ID"); got != Metadata.ID {
		t.Errorf("FyneApp.toml ID %q != ui.Metadata.ID %q", got, Metadata.ID)
	}
	if got := field("Version"); got != Metadata.Version {
		t.Errorf("FyneApp.toml Version %q != ui.Metadata.Version %q", got, Metadata.Version)
	}
	if got := field("Name"); got != Metadata.Name {
		t.Errorf("FyneApp.toml Name %q != %q", got, Metadata.Name)
	}
	if field("fyneDo") != "true" || !Metadata.Migrations["fyneDo"] {
		t.Error("the fyneDo migration must be on in FyneApp.toml and ui.Metadata")
	}
}

func TestNewCampaignAppearsInList(t *testing.T) {
	a := test.NewTempApp(t)
	b := &fakeBackend{}
	u := newInline(a, b)
	u.Window().Resize(fyne.NewSize(800, 600))
	u.Refresh()
	u.home.onNew()
	c := u.Window().Canvas()
	var entry *widget.Entry
	var create *widget.Button
	for _, o := range c.Overlays().List() {
		for _, obj := range test.LaidOutObjects(o) {
			switch w := obj.(type) {
			case *widget.Entry:
				entry = w
			case *widget.Button:
				if w.Text == "Create" {
					create = w
				}
			}
		}
	}
	if entry == nil || create == nil {
		t.Fatalf("the New campaign dialog has no name entry or Create button")
	}
	test.Type(entry, "Spring newsletter")
	test.Tap(create)
	if got := texts(u.Window()); !strings.Contains(got, "Spring newsletter") {
		t.Errorf("after creating a campaign the home shows:\n%s", got)
	}
}

func TestWriteOutboxFromTheHome(t *testing.T) {
	a := test.NewTempApp(t)
	b := &fakeBackend{campaigns: []*campaign.Campaign{
		{ID: "s", Name: "Sample: appointment reminders", Status: campaign.StatusDraft, Settings: campaign.Settings{Mode: campaign.ModeOutbox}, Template: "To: {{ Email }}\nSubject: hi\n\nhi", Data: campaign.DataSource{Path: "list.csv"}},
		{ID: "d", Name: "Done one", Status: campaign.StatusDone, Settings: campaign.Settings{Mode: campaign.ModeOutbox}, Template: "x", Data: campaign.DataSource{Path: "list.csv"}},
		{ID: "e", Name: "Empty draft", Status: campaign.StatusDraft, Settings: campaign.Settings{Mode: campaign.ModeOutbox}},
	}}
	u := newInline(a, b)
	b.window = u.Window()
	u.Window().Resize(fyne.NewSize(900, 600))
	u.Refresh()
	var buttons []*widget.Button
	for _, o := range test.LaidOutObjects(u.home.list) {
		if btn, ok := o.(*widget.Button); ok && btn.Text == "Write to outbox" && btn.Visible() {
			buttons = append(buttons, btn)
		}
	}
	if len(buttons) != 1 {
		t.Fatalf("%d visible Write to outbox buttons; want 1 (the done campaign has nothing left to write, the empty draft nothing to write yet)", len(buttons))
	}
	test.Tap(buttons[0])
	if !strings.Contains(b.progressSeen, "2 of 5 messages written") {
		t.Errorf("while writing the row shows:\n%s", b.progressSeen)
	}
	var shown string
	for _, o := range u.Window().Canvas().Overlays().List() {
		for _, obj := range test.LaidOutObjects(o) {
			if l, ok := obj.(*widget.Label); ok {
				shown += l.Text + "\n"
			}
		}
	}
	if !strings.Contains(shown, "/home/ada/.config/SecureMerge/outbox") {
		t.Errorf("after writing, the dialog says:\n%s\nwant the folder", shown)
	}
	if got := texts(u.Window()); !strings.Contains(got, "5 sent") {
		t.Errorf("after writing the list shows:\n%s", got)
	}
}
