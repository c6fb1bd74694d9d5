package ui

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"testing"
	"time"

	"fyne.io/fyne/v2/lang"

	"github.com/securemerge/securemerge/assets"
	"github.com/securemerge/securemerge/internal/campaign"
)

// TestTranslationsComplete fails when a key used in ui is missing from a
// language, so a French user never sees a raw key.
func TestTranslationsComplete(t *testing.T) {
	used := map[string]bool{}
	files, _ := filepath.Glob("*.go")
	re := regexp.MustCompile(`lang\.[LNX]\("([a-z0-9._]*[a-z0-9])"`)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllSubmatch(b, -1) {
			used[string(m[1])] = true
		}
	}
	for _, s := range []string{"draft", "sending", "paused", "done", "cancelled"} {
		used["status."+s] = true
	}
	for _, e := range errorKeys {
		used[e.key] = true
	}
	for _, c := range problemCodes {
		used["problem."+c] = true
	}
	for _, f := range fieldNames {
		used["field."+f] = true
	}
	for _, k := range shortcutKeys {
		used[k.what] = true
	}
	for _, c := range campaign.ReasonCodes {
		used["reason."+string(c)] = true
	}
	for _, l := range []string{"en", "fr"} {
		b, err := fs.ReadFile(assets.Translations, "translations/"+l+".json")
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any // a plural entry is an object of forms
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s.json: %v", l, err)
		}
		var missing []string
		for k := range used {
			if m[k] == nil || m[k] == "" {
				missing = append(missing, k)
			}
		}
		sort.Strings(missing)
		if len(missing) > 0 {
			t.Errorf("%s.json lacks %v", l, missing)
		}
	}
}

// TestLanguageSettingOverridesTheSystem: the language setting wins over
// the OS locale, both ways, and numbers follow the window's language.
func TestLanguageSettingOverridesTheSystem(t *testing.T) {
	t.Cleanup(func() { useLanguage("") })
	t.Setenv("LC_ALL", "en_GB.UTF-8")
	useLanguage("fr")
	if got := lang.L("home.heading"); got != "Campagnes" || formatCount(12500) != "12\u202f500" {
		t.Errorf(`language "fr" on an English system: heading %q, 12500 as %q`, got, formatCount(12500))
	}
	t.Setenv("LC_ALL", "fr_FR.UTF-8")
	useLanguage("en")
	if got := lang.L("home.heading"); got != "Campaigns" || formatCount(12500) != "12,500" {
		t.Errorf(`language "en" on a French system: heading %q, 12500 as %q`, got, formatCount(12500))
	}
	useLanguage("")
	if got := lang.L("home.heading"); got != "Campagnes" {
		t.Errorf("following a French system: heading %q", got)
	}
}

func TestDatesFollowTheWindowsLanguage(t *testing.T) {
	t.Cleanup(func() { useLanguage("") })
	now := time.Date(2026, 12, 1, 15, 0, 0, 0, time.Local)
	t.Setenv("LC_ALL", "fr_FR.UTF-8")
	useLanguage("")
	for _, tc := range []struct {
		t    time.Time
		want string
	}{
		{time.Date(2026, 12, 1, 9, 5, 0, 0, time.Local), "09:05"},
		{time.Date(2026, 2, 3, 14, 5, 0, 0, time.Local), "3 févr. 14:05"},
		{time.Date(2025, 8, 30, 8, 0, 0, 0, time.Local), "30 août 2025 08:00"},
	} {
		if got := formatWhen(tc.t, now); got != tc.want {
			t.Errorf("formatWhen(%v) = %q; want %q", tc.t, got, tc.want)
		}
	}
	if got := formatSize(3_400_000); got != "3,4\u00a0Mo" {
		t.Errorf("formatSize in French = %q", got)
	}
}

// TestEveryTranslationRenders: a string that is not a valid template (a
// literal "{{ Column }}" in a help text) shows as its raw key.
func TestEveryTranslationRenders(t *testing.T) {
	t.Cleanup(func() { useLanguage("") })
	for _, l := range []string{"en", "fr"} {
		useLanguage(l)
		b, err := fs.ReadFile(assets.Translations, "translations/"+l+".json")
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		for k, v := range m {
			var got string
			if _, plural := v.(map[string]any); plural {
				got = lang.N(k, 2, map[string]any{"Count": 2})
			} else {
				got = lang.L(k)
			}
			if got == k {
				t.Errorf("%s: %q does not render (is it a valid template?)", l, k)
			}
		}
	}
}
