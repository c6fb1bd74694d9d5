package ui

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"testing"

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
