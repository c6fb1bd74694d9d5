package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/securemerge/securemerge/internal/graph/graphtest"
)

// TestContactsOfASharedMailboxPreviewAndSend is issue 18's "done when": a
// campaign from a shared mailbox's contacts in category "Clients" previews
// and sends through the emulator like a spreadsheet campaign.
func TestContactsOfASharedMailboxPreviewAndSend(t *testing.T) {
	srv := graphtest.NewServer(graphtest.Options{Tokens: []string{"tok"},
		Users: []graphtest.User{{ID: "22222222-2222-2222-2222-222222222222", DisplayName: "Shared", Mail: "shared@contoso.com"}}})
	defer srv.Close()
	for _, c := range []graphtest.Contact{
		{GivenName: "Ana", Surname: "Lopez", CompanyName: "Fabrikam", Categories: []string{"Clients"}, EmailAddresses: []graphtest.EmailAddress{{Address: "ana@fabrikam.test"}}},
		{GivenName: "Bob", Surname: "Stone", Categories: []string{"Suppliers"}, EmailAddresses: []graphtest.EmailAddress{{Address: "bob@contoso.test"}}},
		{GivenName: "Chloé", Surname: "Petit", CompanyName: "Tailspin", Categories: []string{"VIP", "Clients"},
			EmailAddresses: []graphtest.EmailAddress{{Address: "chloe@tailspin.test"}, {Address: "chloe@home.test"}}},
	} {
		if _, err := srv.AddContact("shared@contoso.com", "", c); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	tpl := filepath.Join(dir, "clients.tpl")
	if err := os.WriteFile(tpl, []byte("From: Ada <ada@contoso.test>\nTo: {{ First Name }} {{ Last Name }} <{{ Email }}>\nSubject: Bonjour {{ First Name }}\n\nBonjour {{ First Name }} de {{ Company | default: 'chez vous' }},\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"SECUREMERGE_DATA_DIR": filepath.Join(dir, "data"), "SECUREMERGE_GRAPH_URL": srv.URL, "SECUREMERGE_ACCESS_TOKEN": "tok"}
	data := []string{"--data", "contacts:shared@contoso.com", "--category", "Clients", "--template", tpl}

	code, out, errs := run(t, env, append([]string{"preview", "--row", "2"}, data...)...)
	if code != exitOK || !strings.Contains(out, "Subject:  Bonjour Chloé") || !strings.Contains(out, "chloe@tailspin.test") || !strings.Contains(out, "Tailspin") {
		t.Fatalf("preview = %d:\n%s%s", code, out, errs)
	}
	code, out, errs = run(t, env, append([]string{"check"}, data...)...)
	if code != exitOK || !strings.Contains(out+errs, "has 2 e-mail addresses: the message goes to the first, chloe@tailspin.test") {
		t.Errorf("check = %d; want OK with the warning about Chloé's second address:\n%s%s", code, out, errs)
	}
	code, out, errs = run(t, env, append([]string{"send", "--live", "--yes", "--campaign", "clients"}, data...)...)
	if code != exitOK {
		t.Fatalf("send --live = %d:\n%s%s", code, out, errs)
	}
	var to []string
	for _, d := range srv.Delivered() {
		to = append(to, d.To...)
	}
	slices.Sort(to)
	if !slices.Equal(to, []string{"ana@fabrikam.test", "chloe@tailspin.test"}) {
		t.Errorf("delivered to %q; want the two clients, once each", to)
	}
	code, out, _ = run(t, env, "campaign", "show", "clients")
	if code != exitOK || !strings.Contains(out, "contacts:shared@contoso.com?category=Clients") {
		t.Errorf("campaign show = %d, lacks the contacts source:\n%s", code, out)
	}
}

func TestCategoryWithoutContactsIsAUsageError(t *testing.T) {
	f := newFixture(t, 1, "")
	code, _, errs := f.run(t, "check", "--data", f.data, "--template", f.tpl, "--category", "Clients")
	if code != exitUsage || !strings.Contains(errs, "--category picks Outlook contacts") {
		t.Errorf("check --category with a spreadsheet = %d, %q", code, errs)
	}
}

func TestContactsNotAllowedSaysHowToAllowThem(t *testing.T) {
	srv := graphtest.NewServer(graphtest.Options{Tokens: []string{"tok"}})
	defer srv.Close()
	if err := srv.DenyContacts("", true); err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, 1, "From: ada@contoso.test\nTo: {{ Email }}\nSubject: Hi\n\nHi\n")
	f.env["SECUREMERGE_GRAPH_URL"] = srv.URL
	f.env["SECUREMERGE_ACCESS_TOKEN"] = "tok"
	code, _, errs := f.run(t, "check", "--data", "contacts:", "--template", f.tpl)
	if code == exitOK || !strings.Contains(errs, "securemerge login --contacts") {
		t.Errorf("check --data contacts: without the scope = %d, %q; want a failure saying how to allow it", code, errs)
	}
}
