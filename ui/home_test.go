package ui

import (
	"errors"
	"os"
	"regexp"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"

	"github.com/securemerge/securemerge/internal/campaign"
)

func TestHomeEmptyStateSaysWhatToDo(t *testing.T) {
	u := newTestApp(t)
	u.Refresh()
	mustShow(t, u.Window(), "No campaigns yet", "[Open spreadsheet]", "nothing leaves this computer", "drop")
	if u.Window().Title() != "SecureMerge" {
		t.Errorf("window title = %q; want SecureMerge", u.Window().Title())
	}
}

func TestHomeListsCampaignsWithStatusAndCounts(t *testing.T) {
	u := newTestApp(t)
	if _, err := u.svc.Create(campaign.Draft{Name: "December appointments"}); err != nil {
		t.Fatal(err)
	}
	u.Refresh()
	mustShow(t, u.Window(), "December appointments", "Draft", "No recipients yet")
	mustNotShow(t, u.Window(), "No campaigns yet")
}

func TestHomeShowsStoreProblemWithoutRawError(t *testing.T) {
	a := test.NewTempApp(t)
	u := New(a, Deps{Err: errors.New("bbolt: timeout /secret/path")})
	u.Refresh()
	mustShow(t, u.Window(), "could not be opened")
	mustNotShow(t, u.Window(), "bbolt", "/secret/path")
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

func TestNewCampaignOpensItsDataStep(t *testing.T) {
	u := newTestApp(t)
	u.Refresh()
	press(u.Window(), ctrl(fyne.KeyN))
	name, ok := u.Window().Canvas().Focused().(*entry)
	if !ok {
		t.Fatalf("Ctrl+N: the focus is on %T, not in the name field", u.Window().Canvas().Focused())
	}
	test.Type(name, "Spring newsletter")
	test.Tap(button(t, u.Window(), "Create"))
	if u.open == nil || u.open.vm.c.Name != "Spring newsletter" {
		t.Fatalf("after Create the window shows:\n%s", texts(u.Window()))
	}
	if u.open.tabs.SelectedIndex() != stepData {
		t.Errorf("a new campaign opens at step %d; want the Data step", u.open.tabs.SelectedIndex())
	}
	button(t, u.Window(), "Campaigns").OnTapped()
	mustShow(t, u.Window(), "Spring newsletter")
}

func TestEscapeClosesTheDialog(t *testing.T) {
	u := newTestApp(t)
	u.Refresh()
	press(u.Window(), ctrl(fyne.KeyN))
	pressKey(u.Window(), fyne.KeyEscape)
	if u.dialog != nil || len(u.Window().Canvas().Overlays().List()) != 0 {
		t.Errorf("Escape left the dialog open:\n%s", texts(u.Window()))
	}
}

func TestHomeRenameDuplicateDeleteAndSearch(t *testing.T) {
	u := newTestApp(t)
	c, err := u.svc.Create(campaign.Draft{Name: "Invoices"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := u.svc.Create(campaign.Draft{Name: "Newsletter"}); err != nil {
		t.Fatal(err)
	}
	u.Refresh()

	u.home.onRename(c)
	f := u.Window().Canvas().Focused().(*entry)
	f.SetText("")
	test.Type(f, "Invoices 2026")
	test.Tap(button(t, u.Window(), "Rename"))
	mustShow(t, u.Window(), "Invoices 2026")

	c, _ = u.svc.Campaign(c.ID)
	u.home.onDuplicate(c)
	mustShow(t, u.Window(), "Copy of Invoices 2026")

	test.Type(u.home.search, "news")
	mustShow(t, u.Window(), "Newsletter")
	mustNotShow(t, u.Window(), "Invoices 2026")
	u.home.search.SetText("nothing like it")
	mustShow(t, u.Window(), "No campaign matches")
	u.home.search.SetText("")

	u.home.onDelete(c)
	mustShow(t, u.Window(), "Delete “Invoices 2026”?")
	test.Tap(button(t, u.Window(), "Delete"))
	if _, err := u.svc.Campaign(c.ID); !errors.Is(err, campaign.ErrNotFound) {
		t.Errorf("after Delete the campaign is still there (%v)", err)
	}
	mustNotShow(t, u.Window(), "\nInvoices 2026\n")
	mustShow(t, u.Window(), "Copy of Invoices 2026", "Newsletter")
}

func TestDroppedSpreadsheetBecomesACampaign(t *testing.T) {
	u := newTestApp(t)
	u.Refresh()
	p := u.writeFile(t, "members.csv", "Name,Email\nAda,ada@example.com\n")
	u.onDropped(fyne.NewPos(10, 10), []fyne.URI{storage.NewFileURI(p)})
	if u.open == nil {
		t.Fatalf("dropping a spreadsheet opened nothing:\n%s", texts(u.Window()))
	}
	if got := u.open.vm.c; got.Name != "members" || got.Data.Path != p {
		t.Errorf("the dropped file made campaign %q on %q", got.Name, got.Data.Path)
	}
	if u.open.vm.spec.To != "{{ Email }}" {
		t.Errorf("the To column was not preselected: To = %q", u.open.vm.spec.To)
	}
	u.showHome()
	u.onDropped(fyne.NewPos(10, 10), []fyne.URI{storage.NewFileURI(u.writeFile(t, "notes.pdf", "%PDF"))})
	mustShow(t, u.Window(), "not a spreadsheet")
}

func TestWindowSizeIsRemembered(t *testing.T) {
	u := newTestApp(t)
	u.Window().Resize(fyne.NewSize(900, 610))
	u.rememberSize()
	if got := u.rememberedSize(); got != fyne.NewSize(900, 610) {
		t.Errorf("remembered size %v; want 900x610", got)
	}
}

func TestHomeGoldens(t *testing.T) {
	for _, l := range []string{"en", "fr"} {
		t.Run(l, func(t *testing.T) {
			if l == "fr" {
				inFrench(t)
			}
			u := newTestApp(t)
			u.home.now = func() time.Time { return time.Date(2026, 12, 1, 15, 0, 0, 0, time.Local) }
			u.Refresh()
			golden(t, "home/empty."+l+".xml", u.Window())
			_, err := u.svc.Create(campaign.Draft{Name: "December appointments"})
			if err != nil {
				t.Fatal(err)
			}
			u.Refresh()
			mustShow(t, u.Window(), map[string]string{"en": "No recipients yet", "fr": "Pas encore de destinataires"}[l])
		})
	}
}
