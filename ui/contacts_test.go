package ui

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/securemerge/securemerge/internal/campaign"
	"github.com/securemerge/securemerge/internal/graph"
	"github.com/securemerge/securemerge/internal/graph/graphtest"
)

// contactSources reads "contacts:" paths from the Graph emulator and the
// rest as spreadsheets, as cmd/securemerge's sources does.
type contactSources struct {
	files campaign.Sources
	url   string
}

func (s contactSources) Open(d campaign.DataSource) (campaign.Rows, error) {
	if !d.IsContacts() {
		return s.files.Open(d)
	}
	src, err := campaign.ParseContactsPath(d.Path)
	if err != nil {
		return nil, err
	}
	c, err := graph.NewClient(graph.ClientOptions{BaseURL: s.url, Tokens: graph.StaticToken("tok")})
	if err != nil {
		return nil, err
	}
	cs, err := c.Contacts(context.Background(), src)
	if err != nil {
		return nil, err
	}
	if len(cs) == 0 {
		return nil, fmt.Errorf("%s: %w", src, campaign.ErrNoContacts)
	}
	return graph.NewContactRows(cs), nil
}

// consent is the person allowing SecureMerge to read contacts: the
// emulator stops refusing the mailbox's contacts.
type consent struct {
	srv     *graphtest.Server
	mailbox string
	asked   int
}

func (c *consent) Consent(context.Context) error {
	c.asked++
	return c.srv.DenyContacts(c.mailbox, false)
}

const sharedBox = "shared@contoso.test"

// newContactsApp is a send test app reading contacts from an emulator
// whose shared mailbox has 25 contacts (more than a page), 9 of them in
// category "Clients", and refuses them until the person consents.
func newContactsApp(t *testing.T) (*testApp, *graphtest.Server, *consent) {
	t.Helper()
	srv := graphtest.NewServer(graphtest.Options{Tokens: []string{"tok"}, PerWindow: 100000, Window: time.Minute,
		Users: []graphtest.User{{ID: "22222222-2222-2222-2222-222222222222", DisplayName: "Shared", Mail: sharedBox}}})
	t.Cleanup(srv.Close)
	for i := 1; i <= 25; i++ {
		c := graphtest.Contact{GivenName: "Client", Surname: itoa(i), EmailAddresses: []graphtest.EmailAddress{{Address: "c" + itoa(i) + "@example.com"}}, CompanyName: "Fabrikam"}
		if i%3 == 0 {
			c.Categories = []string{"Clients"}
		}
		if _, err := srv.AddContact(sharedBox, "", c); err != nil {
			t.Fatal(err)
		}
	}
	if err := srv.DenyContacts(sharedBox, true); err != nil {
		t.Fatal(err)
	}
	ta := newSendApp(t)
	ta.svc.Sources = contactSources{files: ta.svc.Sources, url: srv.URL}
	ta.svc.Senders = emulated{url: srv.URL}
	ok := &consent{srv: srv, mailbox: sharedBox}
	ta.deps.Contacts = ok
	ta.home.contacts.Show()
	return ta, srv, ok
}

// TestCampaignFromSharedContactsInACategory: a shared mailbox's contacts
// in category "Clients" become a draft campaign after the person allows
// SecureMerge to read them; it previews and sends through the emulator as
// a spreadsheet campaign does.
func TestCampaignFromSharedContactsInACategory(t *testing.T) {
	ta, srv, asked := newContactsApp(t)
	w := ta.Window()
	test.Tap(button(t, w, "From Outlook contacts"))
	golden(t, "contacts/dialog.en.xml", w)
	radio := radioWith(t, w, "The contacts of a shared mailbox")
	radio.SetSelected("The contacts of a shared mailbox")
	test.Tap(button(t, w, "Use these contacts"))
	mustShow(t, w, "Type the shared mailbox’s address, such as shared@contoso.com.")
	var mailbox, cats *entry
	visitEntries(w, func(e *entry) {
		switch e.PlaceHolder {
		case "shared@contoso.com":
			mailbox = e
		case "Clients, VIP":
			cats = e
		}
	})
	test.Type(mailbox, sharedBox)
	test.Type(cats, "clients")
	test.Tap(button(t, w, "Use these contacts"))
	if asked.asked != 1 {
		t.Fatalf("consent asked %d times; want once, when the mailbox refused", asked.asked)
	}
	if ta.open == nil {
		t.Fatalf("no campaign opened:\n%s", texts(w))
	}
	c := ta.open.vm.c
	if c.Name != sharedBox+" – clients" || c.Data.Path != "contacts:"+sharedBox+"?category=clients" {
		t.Fatalf("campaign %q on %q", c.Name, c.Data.Path)
	}
	tpl := "From: Ada <ada@contoso.test>\nTo: {{ Email }}\nSubject: Hello {{ First Name }} {{ Last Name }}\n\nDear {{ First Name }} at {{ Company }},\nsee you soon.\n"
	if _, err := ta.svc.Update(c.ID, campaign.Edit{Template: &tpl, Settings: func(s *campaign.Settings) { s.Mode = campaign.ModeSend }}); err != nil {
		t.Fatal(err)
	}
	msg, err := ta.svc.Preview(context.Background(), mustCampaign(t, ta, c.ID), campaign.RowRef{Index: 0})
	if err != nil || msg.Subject != "Hello Client 3" {
		t.Fatalf("preview of the first contact: %v %+v", err, msg)
	}
	ta.showCampaign(mustCampaign(t, ta, c.ID), stepSend)
	step := ta.open.steps[stepSend].(*sendStep)
	step.runner = func(r *campaign.Runner) { r.Rate = -1 }
	test.Tap(button(t, w, "Send…"))
	test.Tap(button(t, w, "Send 8 messages"))
	waitEnd(t, step)
	got := map[string]bool{}
	for _, d := range srv.Delivered() {
		for _, to := range d.To {
			got[to] = true
		}
	}
	if len(got) != 8 || !got["c3@example.com"] || !got["c24@example.com"] || got["c1@example.com"] {
		t.Errorf("delivered to %v; want the 8 clients c3, c6 … c24", got)
	}
}

// TestContactsDialogSaysWhatIsWrong: a missing folder name, a folder that
// does not exist, and categories no contact is in are told in the dialog,
// which stays open; no campaign is created.
func TestContactsDialogSaysWhatIsWrong(t *testing.T) {
	inFrench(t)
	ta, srv, _ := newContactsApp(t)
	if err := srv.DenyContacts(sharedBox, false); err != nil {
		t.Fatal(err)
	}
	w := ta.Window()
	test.Tap(button(t, w, "Depuis les contacts Outlook"))
	radioWith(t, w, "Un dossier de mes contacts").SetSelected("Un dossier de mes contacts")
	test.Tap(button(t, w, "Utiliser ces contacts"))
	mustShow(t, w, "Tapez le nom du dossier de contacts, tel qu’Outlook l’affiche.")
	visitEntries(w, func(e *entry) {
		if e.PlaceHolder == "Clients 2026" {
			test.Type(e, "Partenaires")
		}
	})
	test.Tap(button(t, w, "Utiliser ces contacts"))
	mustShow(t, w, "Aucun dossier de contacts ne s’appelle « Partenaires ».")
	radioWith(t, w, "Mes contacts").SetSelected("Mes contacts")
	visitEntries(w, func(e *entry) {
		if e.PlaceHolder == "Clients, VIP" {
			test.Type(e, "Personne")
		}
	})
	test.Tap(button(t, w, "Utiliser ces contacts"))
	mustShow(t, w, "Aucun contact ne correspond\u202f: vérifiez le dossier et les catégories.")
	if ta.dialog == nil || ta.open != nil {
		t.Fatal("the dialog closed on an error")
	}
	if list, _ := ta.svc.Campaigns(); len(list) != 0 {
		t.Errorf("%d campaigns created; want none", len(list))
	}
}

// TestContactsDeniedAfterConsent: the shared mailbox's owner has not
// shared its contacts, so reading is refused even after the consent.
func TestContactsDeniedAfterConsent(t *testing.T) {
	ta, srv, asked := newContactsApp(t)
	asked.srv, asked.mailbox = srv, "" // consents, but the shared box stays refused
	w := ta.Window()
	test.Tap(button(t, w, "From Outlook contacts"))
	radioWith(t, w, "The contacts of a shared mailbox").SetSelected("The contacts of a shared mailbox")
	visitEntries(w, func(e *entry) {
		if e.PlaceHolder == "shared@contoso.com" {
			test.Type(e, sharedBox)
		}
	})
	test.Tap(button(t, w, "Use these contacts"))
	mustShow(t, w, "SecureMerge may not read the contacts of "+sharedBox+": allow it when Microsoft asks, and ask the mailbox’s owner to share its contacts with you.")
	if asked.asked != 1 || ta.open != nil {
		t.Errorf("asked %d times, campaign opened: %v", asked.asked, ta.open != nil)
	}
	if !strings.Contains(texts(w), "[Use these contacts]") {
		t.Error("the dialog's button is gone")
	}
}

// radioWith is the radio group shown that offers option.
func radioWith(t *testing.T, w fyne.Window, option string) *widget.RadioGroup {
	t.Helper()
	var found *widget.RadioGroup
	visit(w, func(o fyne.CanvasObject, _ bool) bool {
		if r, ok := o.(*widget.RadioGroup); ok && found == nil && slices.Contains(r.Options, option) {
			found = r
		}
		return found == nil
	})
	if found == nil {
		t.Fatalf("no choice %q in:\n%s", option, texts(w))
	}
	return found
}
