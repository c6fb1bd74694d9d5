package ui

import (
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"

	"github.com/securemerge/securemerge/assets"
)

// The window speaks English or French. Fyne's lang picks the language from
// the OS each time translations are added and has no setter, so the one
// choice is made here: every file is registered, then, when the language
// setting differs from what the OS would pick, the chosen file is
// registered again under the OS's locale. No screen calls lang with a
// language of its own.

// windowLanguage is the language the window speaks: "en" or "fr".
var windowLanguage = "en"

// useLanguage makes the window speak code ("en", "fr"; "" follows the OS).
// Screens built afterwards use it; the caller rebuilds the ones shown.
func useLanguage(code string) {
	// The files are embedded and checked by a test; an error here would be
	// a build defect, and English keys still show something readable.
	_ = lang.AddTranslationsFS(assets.Translations, "translations")
	system := systemLanguage()
	windowLanguage = system
	if code == "" || code == system {
		return
	}
	b, err := assets.Translations.ReadFile("translations/" + code + ".json")
	if err != nil {
		return
	}
	_ = lang.AddTranslationsForLocale(b, fyne.Locale(system))
	windowLanguage = code
}

// systemLanguage is the language lang picks from the OS: French for any
// French locale, else English (the fallback).
func systemLanguage() string {
	if strings.HasPrefix(strings.ToLower(string(lang.SystemLocale())), "fr") {
		return "fr"
	}
	return "en"
}

// loadTranslations follows the OS; tests that need French set LC_ALL first.
func loadTranslations() { useLanguage("") }

// formatCount writes n with the window's thousands separator: "12,500" in
// English, "12 500" in French (a narrow no-break space).
func formatCount(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	sep := ","
	if windowLanguage == "fr" {
		sep = "\u202f"
	}
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(r)
	}
	return b.String()
}

var (
	monthsEN = [12]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}
	monthsFR = [12]string{"janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."}
)

// formatWhen writes a moment as the window's language does, shorter when
// it is today or this year: "14:05", "3 Dec 14:05", "3 Dec 2025 14:05" in
// English; "14:05", "3 déc. 14:05" in French. Local time.
func formatWhen(t, now time.Time) string {
	if t.IsZero() {
		return ""
	}
	t, now = t.Local(), now.Local()
	clock := t.Format("15:04")
	if y, m, d := t.Date(); y == now.Year() && m == now.Month() && d == now.Day() {
		return clock
	}
	month := monthsEN[t.Month()-1]
	if windowLanguage == "fr" {
		month = monthsFR[t.Month()-1]
	}
	day := strconv.Itoa(t.Day()) + " " + month
	if t.Year() != now.Year() {
		day += " " + strconv.Itoa(t.Year())
	}
	return day + " " + clock
}

// formatSize writes a file size: "12 KB", "3.4 MB" ("3,4 Mo" in French).
func formatSize(n int64) string {
	units := []string{lang.L("size.b"), lang.L("size.kb"), lang.L("size.mb"), lang.L("size.gb")}
	f, u := float64(n), 0
	for f >= 1000 && u < len(units)-1 {
		f /= 1000
		u++
	}
	var s string
	if u == 0 || f >= 10 {
		s = strconv.Itoa(int(f + 0.5))
	} else {
		s = strconv.FormatFloat(f, 'f', 1, 64)
		if windowLanguage == "fr" {
			s = strings.Replace(s, ".", ",", 1)
		}
	}
	return s + "\u00a0" + units[u]
}
