package ui

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/securemerge/securemerge/internal/campaign"
	"github.com/securemerge/securemerge/internal/sheet"
	"github.com/securemerge/securemerge/internal/store"
)

// testApp is the window over the real application layer: a bbolt file in
// a temporary folder, spreadsheets read by internal/sheet, background work
// run inline so that a test reads the window once it settled.
type testApp struct {
	*App
	svc *campaign.Service
	dir string
}

func newTestApp(t testing.TB) *testApp {
	t.Helper()
	a := test.NewTempApp(t)
	dir := t.TempDir()
	db, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	svc := &campaign.Service{Store: db, Sources: sheet.Sources{Locale: "en-GB"}, OutboxDir: filepath.Join(dir, "outbox")}
	t.Cleanup(func() { svc.Close(); db.Close() })
	u := New(a, Deps{Campaigns: svc, DataFolder: dir})
	u.work.spawn = func(f func()) { f() }
	u.Window().Resize(fyne.NewSize(1100, 720))
	return &testApp{App: u, svc: svc, dir: dir}
}

// writeFile writes a file into the app's temporary folder.
func (ta *testApp) writeFile(t testing.TB, name, text string) string {
	t.Helper()
	p := filepath.Join(ta.dir, name)
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// visit calls f on every visible object of the window and its dialogs,
// dialogs first. The rows of lists and tables sit in a scroller a renderer
// walk does not reach: their objects come flattened, with listed set.
func visit(w fyne.Window, f func(o fyne.CanvasObject, listed bool) (deeper bool)) {
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if o == nil || !o.Visible() {
			return
		}
		switch v := o.(type) {
		case *widget.List, *widget.Table, *widget.GridWrap:
			for _, c := range test.LaidOutObjects(v) {
				if c.Visible() {
					f(c, true)
				}
			}
			return
		}
		if !f(o, false) {
			return
		}
		switch v := o.(type) {
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
	for _, o := range w.Canvas().Overlays().List() {
		walk(o)
	}
	walk(w.Content())
}

// texts returns every label, button, entry and table cell text shown in
// the window and its dialogs, each on a line of its own (the first too:
// "\nName\n" finds a whole line).
func texts(w fyne.Window) string {
	var b strings.Builder
	b.WriteString("\n")
	visit(w, func(o fyne.CanvasObject, listed bool) bool {
		switch v := o.(type) {
		case *widget.Label:
			if !listed { // in a list, the label's own RichText comes next
				b.WriteString(v.Text + "\n")
			}
		case *widget.Button:
			b.WriteString("[" + v.Text + "]\n")
		case *defaultButton:
			b.WriteString("[" + v.Text + "]\n")
		case *widget.Hyperlink:
			b.WriteString("<" + v.Text + ">\n")
		case *widget.Entry:
			b.WriteString("{" + v.Text + "}\n")
		case *entry:
			b.WriteString("{" + v.Text + "}\n")
		case *widget.RichText:
			b.WriteString(v.String() + "\n")
		case *widget.Check:
			b.WriteString("(" + v.Text + ")\n")
		case *widget.Select:
			b.WriteString("<" + v.Selected + ">\n")
		default:
			return true
		}
		return false
	})
	return b.String()
}

// mustShow fails unless the window shows every want.
func mustShow(t *testing.T, w fyne.Window, want ...string) {
	t.Helper()
	got := texts(w)
	for _, s := range want {
		if !strings.Contains(got, s) {
			t.Errorf("the window shows:\n%s\nwant it to show %q", got, s)
		}
	}
}

// mustNotShow fails when the window shows any of these.
func mustNotShow(t *testing.T, w fyne.Window, not ...string) {
	t.Helper()
	got := texts(w)
	for _, s := range not {
		if strings.Contains(got, s) {
			t.Errorf("the window shows %q:\n%s", s, got)
		}
	}
}

// button finds a visible button by its text, in a dialog first, then in
// the window.
func button(t *testing.T, w fyne.Window, text string) *widget.Button {
	t.Helper()
	var found *widget.Button
	visit(w, func(o fyne.CanvasObject, _ bool) bool {
		switch b := o.(type) {
		case *widget.Button:
			if found == nil && b.Text == text {
				found = b
			}
			return false
		case *defaultButton: // the dialog button Enter presses
			if found == nil && b.Text == text {
				found = &b.Button
			}
			return false
		}
		return found == nil
	})
	if found == nil {
		t.Fatalf("no button %q in the window:\n%s", text, texts(w))
	}
	return found
}

// press types a shortcut as the keyboard would, wherever the focus is.
func press(w fyne.Window, s fyne.Shortcut) {
	if f, ok := w.Canvas().Focused().(fyne.Shortcutable); ok {
		f.TypedShortcut(s)
		return
	}
	w.Canvas().(interface{ TypedShortcut(fyne.Shortcut) }).TypedShortcut(s)
}

// pressKey types a bare key (F1, Escape) wherever the focus is.
func pressKey(w fyne.Window, name fyne.KeyName) {
	ev := &fyne.KeyEvent{Name: name}
	if f := w.Canvas().Focused(); f != nil {
		f.TypedKey(ev)
		return
	}
	w.Canvas().(interface{ OnTypedKey() func(*fyne.KeyEvent) }).OnTypedKey()(ev)
}

// update rewrites the markup goldens: go test ./ui -run X -update.
var update = flag.Bool("update", false, "rewrite the markup goldens in testdata/")

// golden compares the window with testdata/name (Fyne's markup); with
// -update it writes what the window renders now as the new golden.
func golden(t *testing.T, name string, w fyne.Window) {
	t.Helper()
	if *update {
		p := filepath.Join("testdata", name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(test.RenderToMarkup(w.Canvas())), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	test.AssertRendersToMarkup(t, name, w.Canvas())
}

// inFrench makes the window French for one test: the OS locale as the
// window reads it, then the translations again; English after the test.
func inFrench(t *testing.T) {
	t.Setenv("LC_ALL", "fr_FR.UTF-8")
	t.Setenv("LANG", "fr_FR.UTF-8")
	useLanguage("")
	t.Cleanup(func() {
		os.Unsetenv("LC_ALL")
		os.Setenv("LANG", "C.UTF-8")
		useLanguage("")
	})
}
