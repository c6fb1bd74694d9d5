package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/securemerge/securemerge/internal/campaign"
	"github.com/securemerge/securemerge/internal/merge"
)

// inLanguage loads the translations for the system language lang, as the
// window does at start (Fyne reads the locale from the environment on
// Unix), and puts English back after the test.
func inLanguage(t *testing.T, lang string) {
	t.Setenv("LANGUAGE", "")
	t.Setenv("LC_ALL", lang)
	loadTranslations()
	t.Cleanup(func() {
		t.Setenv("LC_ALL", "en_US.UTF-8")
		loadTranslations()
	})
}

func TestReasonsInEnglishAndFrench(t *testing.T) {
	resume := time.Date(2026, 12, 4, 14, 5, 0, 0, time.Local)
	daily := campaign.NewReason(campaign.ReasonDailyLimit, "limit", "10000", "resume_at", resume.UTC().Format(time.RFC3339Nano))
	for _, tc := range []struct {
		lang, want string
		r          campaign.Reason
	}{
		{"en_US.UTF-8", "duplicate of row 7", campaign.NewReason(campaign.ReasonDuplicate, "row", "7")},
		{"fr_FR.UTF-8", "doublon de la ligne 7", campaign.NewReason(campaign.ReasonDuplicate, "row", "7")},
		{"fr_FR.UTF-8", "doublon de la ligne 7 : ann@example.com", campaign.NewReason(campaign.ReasonDuplicate, "row", "7", "address", "ann@example.com")},
		{"fr_FR.UTF-8", "limite quotidienne de 10000 destinataires atteinte ; reprise le 04/12 à 14:05", daily},
		{"en_US.UTF-8", "daily limit of 10000 recipients reached; continuing Fri Dec 4 14:05", daily},
		{"fr_FR.UTF-8", "campagne annulée", campaign.NewReason(campaign.ReasonCancelled)},
		{"fr_FR.UTF-8", "la limite d’envoi de la boîte mail est atteinte", campaign.NewReason(campaign.ReasonQuota)},
	} {
		t.Run(tc.lang+"/"+string(tc.r.Code), func(t *testing.T) {
			inLanguage(t, tc.lang)
			if got := reasonText(tc.r, tc.r.English(nil)); got != tc.want {
				t.Errorf("reasonText(%s) in %s = %q; want %q", tc.r.Code, tc.lang, got, tc.want)
			}
		})
	}
}

func TestCountsTakeTheirPluralForm(t *testing.T) {
	for _, tc := range []struct {
		lang string
		c    campaign.Counts
		want string
	}{
		{"fr_FR.UTF-8", campaign.Counts{Total: 3, Sent: 1, Failed: 2}, "1 envoyé · 2 en échec · 0 à envoyer"},
		{"fr_FR.UTF-8", campaign.Counts{Total: 5, Sent: 2, Pending: 3}, "2 envoyés · 0 en échec · 3 à envoyer"},
		{"en_US.UTF-8", campaign.Counts{Total: 5, Sent: 1, Pending: 4}, "1 sent · 0 failed · 4 to send"},
		{"fr_FR.UTF-8", campaign.Counts{Total: 12500, Sent: 12500}, "12\u202f500 envoyés · 0 en échec · 0 à envoyer"},
	} {
		inLanguage(t, tc.lang)
		if got := countsText(&campaign.Campaign{Counts: tc.c}); got != tc.want {
			t.Errorf("countsText(%+v) in %s = %q; want %q", tc.c, tc.lang, got, tc.want)
		}
	}
}

func TestProblemsInTheWindowsLanguage(t *testing.T) {
	inFrench(t)
	p := merge.Problem{Severity: merge.Warning, Line: 4, Field: "Subject", Code: merge.CodeEmptyValue, Msg: `column "Prénom" is empty and has no default`, Args: map[string]string{"column": "Prénom"}}
	if got, want := problemText(p), "Objet : « Prénom » est vide et n’a pas de valeur par défaut"; got != want {
		t.Errorf("problemText = %q; want %q", got, want)
	}
	_, err := merge.NewMerger(&merge.Spec{To: "{{ Email }}", Subject: "x", Body: "Bonjour {{ Prenom }}"}, merge.NewHeader([]string{"Email", "Prénom"}), merge.Options{DefaultFrom: "me@example.com"})
	got := templateErrorTexts(err)
	if len(got) != 1 || !strings.Contains(got[0], "vouliez-vous dire « Prénom »") || !strings.Contains(got[0], "ligne 1, colonne") {
		t.Errorf("template error in French = %q", got)
	}
}

func TestContactsSourcesReadAsSuch(t *testing.T) {
	for path, want := range map[string]string{
		"contacts:": "My Outlook contacts",
		"contacts:shared@contoso.com?category=Clients": "Outlook contacts: shared@contoso.com",
		"/home/ada/list.xlsx":                          "list.xlsx",
	} {
		if got := dataName(campaign.DataSource{Path: path}); got != want {
			t.Errorf("dataName(%q) = %q; want %q", path, got, want)
		}
	}
}
