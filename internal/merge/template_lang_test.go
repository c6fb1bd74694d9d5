package merge

import (
	"strings"
	"testing"
)

// TestDateLanguage renders a date in the template's Language:, or the
// user's language when the template names none.
func TestDateLanguage(t *testing.T) {
	tests := []struct {
		name, header, userLang, want string
	}{
		{"French header", "Language: fr\n", "", "vendredi 4 décembre 2026 (déc., ven.)"},
		{"header over the user's language", "Language: de\n", "fr", "Freitag 4 Dezember 2026 (Dez., Fr.)"},
		{"user's language by default", "", "fr-CA", "vendredi 4 décembre 2026 (déc., ven.)"},
		{"Spanish", "Language: es\n", "", "viernes 4 diciembre 2026 (dic, vie)"},
		{"Italian", "Language: it\n", "", "venerdì 4 dicembre 2026 (dic, ven)"},
		{"Dutch", "Language: nl\n", "", "vrijdag 4 december 2026 (dec, vr)"},
		{"Portuguese", "Language: pt-BR\n", "", "sexta-feira 4 dezembro 2026 (dez., sex.)"},
		{"English by default", "", "", "Friday 4 December 2026 (Dec, Fri)"},
		{"user's language not offered: English", "", "ja", "Friday 4 December 2026 (Dec, Fri)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := "From: me@example.com\nTo: a@example.com\nSubject: {{ RDV | date: '%A %-d %B %Y' }}\n" + tt.header +
				"Format: text\n\n{{ RDV | date: '%A %-d %B %Y (%b, %a)' }}\n"
			spec, err := ParseSpec(strings.NewReader(src), "rdv.tpl")
			if err != nil {
				t.Fatalf("ParseSpec: %v", err)
			}
			m, err := NewMerger(spec, NewHeader([]string{"RDV"}), Options{Language: tt.userLang})
			if err != nil {
				t.Fatalf("NewMerger: %v", err)
			}
			msg, err := m.Render(0, 2, []string{"2026-12-04"})
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			if got := strings.TrimSpace(msg.Text); got != tt.want {
				t.Errorf("body = %q; want %q", got, tt.want)
			}
			if wantSubj, _, _ := strings.Cut(tt.want, " ("); msg.Subject != wantSubj {
				t.Errorf("Subject = %q; want %q", msg.Subject, wantSubj)
			}
		})
	}
}

func TestLanguageHeader(t *testing.T) {
	_, err := ParseSpec(strings.NewReader("To: a@example.com\nSubject: s\nLanguage: klingon\n\nbody"), "x.tpl")
	if err == nil || !strings.Contains(err.Error(), `x.tpl:3: Language: "klingon": expected one of de, en, es, fr, it, nl, pt`) {
		t.Errorf("ParseSpec(Language: klingon) error = %v; want it located on line 3 with the languages offered", err)
	}
	spec, err := ParseSpec(strings.NewReader("To: a@example.com\nSubject: s\nlanguage: FR\n\nbody"), "x.tpl")
	if err != nil {
		t.Fatal(err)
	}
	again, err := ParseSpec(strings.NewReader(spec.String()), "x.tpl")
	if err != nil || again.Language != "FR" {
		t.Errorf("String then ParseSpec: Language = %q, %v; want %q", again.Language, err, "FR")
	}
	// A Spec built in code with an unknown language fails in NewMerger.
	_, err = NewMerger(&Spec{From: "a@example.com", To: "a@example.com", Language: "xx"}, NewHeader(nil), Options{})
	if err == nil || !strings.Contains(err.Error(), "Language") {
		t.Errorf("NewMerger(Language xx) error = %v; want a Language error", err)
	}
}
