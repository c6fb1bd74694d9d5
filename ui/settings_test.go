package ui

import (
	"context"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// fixedLicence is a licence server's answer held still for a test.
type fixedLicence LicenceStatus

func (l fixedLicence) Status(context.Context) LicenceStatus { return LicenceStatus(l) }

// fixedCrash is a crash-report preview held still for a test.
type fixedCrash string

func (c fixedCrash) Preview(context.Context) ([]byte, error) { return []byte(c), nil }

const crashJSON = `{"exception":[{"type":"*errors.errorString","value":"sample crash: sending to [address] failed"}]}`

// newSettingsApp is a test app with a licence and a crash-report preview,
// its home folder the data folder (shown as ~).
func newSettingsApp(t *testing.T) *testApp {
	t.Helper()
	ta := newTestApp(t)
	t.Setenv("HOME", ta.dir)
	ta.deps.Licence = fixedLicence{Licensed: true, Email: "ada@example.com",
		Expires: time.Date(2031, 3, 4, 9, 30, 0, 0, time.Local), Checked: time.Date(2025, 11, 30, 8, 0, 0, 0, time.Local)}
	ta.deps.Crash = fixedCrash(crashJSON)
	return ta
}

func TestSettingsShowLicenceCrashPreviewAndData(t *testing.T) {
	ta := newSettingsApp(t)
	w := ta.Window()
	press(w, ctrl(fyne.KeyComma))
	mustShow(t, w, "Settings", "Licensed (no footer)", "ada@example.com", "4 Mar 2031 09:30", "30 Nov 2025 08:00",
		crashJSON, "(Send a report when SecureMerge crashes)", "~", "[Open folder]")
	golden(t, "settings/settings.en.xml", w)
	test.Tap(button(t, w, "Campaigns"))
	mustShow(t, w, "[New campaign]")
}

func TestSettingsInFrench(t *testing.T) {
	inFrench(t)
	ta := newSettingsApp(t)
	ta.deps.Licence = fixedLicence{Email: "ada@example.com", Offline: true}
	w := ta.Window()
	press(w, ctrl(fyne.KeyComma))
	mustShow(t, w, "Réglages", "Gratuite (les messages portent le pied de page SecureMerge) — hors ligne", "jamais")
	golden(t, "settings/settings.fr.xml", w)
}

// TestSendingSettingsArePersisted: the From and the limits are checked,
// then kept in the database, where the engine reads them.
func TestSendingSettingsArePersisted(t *testing.T) {
	ta := newSettingsApp(t)
	w := ta.Window()
	ta.showSettings()
	scr := settingsOf(t, ta)
	test.Type(scr.rate, "45")
	test.Tap(button(t, w, "Save"))
	mustShow(t, w, "a whole number from 1 to 30")
	if got := ta.svc.Settings().Rate; got != 0 {
		t.Fatalf("a refused rate was stored: %d", got)
	}

	scr.rate.SetText("")
	test.Type(scr.rate, "20")
	test.Type(scr.daily, "2000")
	test.Type(scr.from, "Clinic <clinic@example.com>")
	test.Type(scr.sendAs, "bookings@example.com")
	w.Canvas().Focus(scr.from)
	scr.from.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	mustShow(t, w, "Saved.")
	got := ta.svc.Settings()
	if got.Rate != 20 || got.DailyLimit != 2000 || got.From != "Clinic <clinic@example.com>" || got.SendAs != "bookings@example.com" {
		t.Errorf("settings stored: %+v", got)
	}

	// Opening Settings again shows what was stored.
	ta.showSettings()
	scr = settingsOf(t, ta)
	if scr.rate.Text != "20" || scr.daily.Text != "2000" || scr.from.Text != "Clinic <clinic@example.com>" {
		t.Errorf("Settings shows rate %q, daily %q, from %q", scr.rate.Text, scr.daily.Text, scr.from.Text)
	}
}

// TestCrashReportsOffUntilChosen: nothing is on before the person says so.
func TestCrashReportsOffUntilChosen(t *testing.T) {
	ta := newSettingsApp(t)
	ta.showSettings()
	scr := settingsOf(t, ta)
	if scr.crash.Checked || ta.svc.Settings().CrashReports {
		t.Fatal("crash reports are on before the person chose")
	}
	test.Tap(scr.crash)
	if !ta.svc.Settings().CrashReports {
		t.Error("ticking the box did not turn crash reports on")
	}
	test.Tap(scr.crash)
	if ta.svc.Settings().CrashReports {
		t.Error("unticking the box did not turn crash reports off")
	}
}

// TestLanguageRebuildsTheWindow: choosing Français stores it and shows the
// campaigns in French at once.
func TestLanguageRebuildsTheWindow(t *testing.T) {
	ta := newSettingsApp(t)
	t.Cleanup(func() { useLanguage("") })
	w := ta.Window()
	ta.showSettings()
	scr := settingsOf(t, ta)
	scr.language.SetSelected("Français")
	if got := ta.svc.Settings().Language; got != "fr" {
		t.Errorf("language stored %q; want fr", got)
	}
	mustShow(t, w, "Aucune campagne pour l’instant")
	press(w, ctrl(fyne.KeyComma))
	scr = settingsOf(t, ta)
	scr.language.SetSelected("Follow the system")
	if got := ta.svc.Settings().Language; got != "" {
		t.Errorf("language stored %q; want the system's", got)
	}
	mustShow(t, w, "No campaigns yet")
}

// shownSettings is the settings screen's fields, found in the window as a
// person finds them: the entries in order (From, send as, rate, daily), the
// crash-report box and the language choice.
type shownSettings struct {
	from, sendAs, rate, daily *entry
	crash                     *widget.Check
	language                  *widget.RadioGroup
}

func settingsOf(t *testing.T, ta *testApp) shownSettings {
	t.Helper()
	var s shownSettings
	var entries []*entry
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch v := o.(type) {
		case *entry:
			entries = append(entries, v)
			return
		case *widget.Check:
			s.crash = v
			return
		case *widget.RadioGroup:
			s.language = v
			return
		case *fyne.Container:
			for _, c := range v.Objects {
				walk(c)
			}
			return
		case fyne.Widget:
			for _, c := range test.WidgetRenderer(v).Objects() {
				walk(c)
			}
		}
	}
	walk(ta.Window().Content())
	if len(entries) != 4 || s.crash == nil || s.language == nil {
		t.Fatalf("Settings is not shown: %d entries:\n%s", len(entries), texts(ta.Window()))
	}
	s.from, s.sendAs, s.rate, s.daily = entries[0], entries[1], entries[2], entries[3]
	return s
}
