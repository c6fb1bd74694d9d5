package ui

import (
	"github.com/securemerge/securemerge/internal/campaign"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
)

// TestSeatsScreenDraws draws the Seats screen with Fyne's software painter
// (its data comes from the licence server, which the Xvfb screenshots do
// not start) and checks the picture holds a screen, not a blank. With
// SCREENSHOT_DIR set it keeps the pictures there (docs/screenshots).
func TestSeatsScreenDraws(t *testing.T) {
	for _, l := range []string{"en", "fr"} {
		t.Run(l, func(t *testing.T) {
			if l == "fr" {
				inFrench(t)
			}
			u := newTestApp(t)
			fyne.CurrentApp().Settings().SetTheme(theme.DefaultTheme())
			u.deps.Admin = &seatBook{total: 5,
				held: []Person{{ID: "m1", Name: "Marie Dupont", Email: "marie.dupont@contoso.com"}, {ID: "j1", Name: "John Smith", Email: "john.smith@contoso.com"}},
				directory: []Person{
					{ID: "m1", Name: "Marie Dupont", Email: "marie.dupont@contoso.com"},
					{ID: "m2", Name: "Marie Nakamura", Email: "marie.nakamura@contoso.com"},
					{ID: "m3", Name: "Marie Okafor", Email: "marie.okafor@contoso.com"},
				}}
			u.showAdmin()
			for _, o := range visibleEntries(u) {
				test.Type(o, "marie")
			}
			mustShow(t, u.Window(), "Marie Nakamura")
			keepCapture(t, u, "seats."+l+".png")
		})
	}
}

// TestNewDialogsDraw draws the "From Outlook contacts" and "Send later"
// dialogs (they open from a click, which the Xvfb walk does not make) in
// both languages, as TestSeatsScreenDraws does.
func TestNewDialogsDraw(t *testing.T) {
	for _, l := range []string{"en", "fr"} {
		t.Run(l, func(t *testing.T) {
			if l == "fr" {
				inFrench(t)
			}
			ta, _, _ := newContactsApp(t)
			fyne.CurrentApp().Settings().SetTheme(theme.DefaultTheme())
			ta.onContacts()
			keepCapture(t, ta, "contacts."+l+".png")
			ta.onEscape()

			data := ta.writeFile(t, "list.csv", "Email,Name\nada@example.com,Ada\n")
			c, err := ta.svc.Create(campaign.Draft{Name: "Newsletter", Template: "From: me@example.com\nTo: {{ Email }}\nSubject: Hi\n\nHello", Data: campaign.DataSource{Path: data}, Settings: campaign.Settings{Mode: campaign.ModeOutbox}})
			if err != nil {
				t.Fatal(err)
			}
			ta.showCampaign(c, stepSend)
			test.Tap(button(t, ta.Window(), map[string]string{"en": "Send later…", "fr": "Envoyer plus tard…"}[l]))
			keepCapture(t, ta, "send-later."+l+".png")
		})
	}
}

// keepCapture draws the window, fails on a blank picture, and keeps it in
// SCREENSHOT_DIR (or the test's temporary folder).
func keepCapture(t *testing.T, u *testApp, name string) {
	t.Helper()
	img := u.Window().Canvas().Capture()
	if n := colours(img); n < 16 {
		t.Fatalf("%s draws %d colours: blank", name, n)
	}
	dir := os.Getenv("SCREENSHOT_DIR")
	if dir == "" {
		dir = t.TempDir()
	}
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
}

func visibleEntries(u *testApp) []*entry {
	var out []*entry
	visit(u.Window(), func(o fyne.CanvasObject, _ bool) bool {
		if e, ok := o.(*entry); ok {
			out = append(out, e)
			return false
		}
		return true
	})
	return out
}

func colours(img image.Image) int {
	seen := map[[4]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			r, g, bl, a := img.At(x, y).RGBA()
			seen[[4]uint32{r, g, bl, a}] = true
		}
	}
	return len(seen)
}
