package ui

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/securemerge/securemerge/internal/campaign"
)

// guests is the spreadsheet the Message and Preview tests open.
const guests = "Prénom,Email,Ville\n" +
	"Alice,alice@example.org,Lyon\n" +
	"Bruno,bruno@example.org,Paris\n" +
	"Chloé,chloe@example.org,Nantes\n"

// invitation is a message over guests.
const invitation = "From: Équipe <equipe@example.org>\n" +
	"To: {{ Email }}\n" +
	"Subject: Bonjour {{ Prénom }}\n" +
	"\n" +
	"Hello {{ Prénom }},\n" +
	"\n" +
	"See you in **{{ Ville }}**.\n"

// openCampaign stores a campaign on a spreadsheet written in the test's
// folder and opens it at step; the clock is fixed so that rendered dates
// are the same in every run.
func openCampaign(t *testing.T, u *testApp, data, tpl string, step int) *campaignScreen {
	t.Helper()
	u.svc.Now = func() time.Time { return time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC) }
	path := u.writeFile(t, "guests.csv", data)
	c, err := u.svc.Create(campaign.Draft{Name: "Invitations", Template: tpl,
		Data: campaign.DataSource{Path: path}, Settings: campaign.Settings{Mode: campaign.ModeOutbox}})
	if err != nil {
		t.Fatal(err)
	}
	u.showCampaign(c, step)
	if u.open == nil {
		t.Fatal("the campaign did not open")
	}
	return u.open
}

func messageOf(s *campaignScreen) *messageStep { return s.steps[stepMessage].(*messageStep) }

func TestMessageChipInsertsTokenAtCursorAndPreviewShowsFirstRecipient(t *testing.T) {
	u := newTestApp(t)
	tpl := "From: me@example.org\nTo: {{ Email }}\nSubject: Hi\n\n"
	m := messageOf(openCampaign(t, u, guests, tpl, stepMessage))
	w := u.Window()

	test.Type(m.body, "Hello ")
	test.Tap(button(t, w, "Prénom"))
	test.Type(m.body, "!")
	if got, want := m.body.Text, "Hello {{ Prénom }}!"; got != want {
		t.Errorf("after typing and tapping the chip, the body is %q; want %q", got, want)
	}
	mustShow(t, w, "Hello Alice!", "alice@example.org")
	mustNotShow(t, w, "Bruno")

	// The subject had the focus last: the chip types there.
	m.subject.CursorColumn = len(m.subject.Text) // as a click after "Hi" does
	test.Type(m.subject, " from ")
	test.Tap(button(t, w, "Ville"))
	if got, want := m.subject.Text, "Hi from {{ Ville }}"; got != want {
		t.Errorf("subject = %q; want %q", got, want)
	}
	mustShow(t, w, "Hi from Lyon")
	if got := u.open.vm.spec.Body; got != "Hello {{ Prénom }}!" {
		t.Errorf("the campaign's body is %q; the window shows %q", got, m.body.Text)
	}
	if c, err := u.svc.Campaign(u.open.vm.c.ID); err != nil || !strings.Contains(c.Template, "Subject: Hi from {{ Ville }}") {
		t.Errorf("saved template = %q, %v; want it to hold the new subject", c.Template, err)
	}
}

func TestMessageMistakeSaysWhereAndSuggests(t *testing.T) {
	for _, tc := range []struct {
		lang string
		want []string
	}{
		{"en", []string{"Message, line 3, column 13: unknown column “Prenom” (did you mean “Prénom”?)"}},
		{"fr", []string{"ligne 3", "colonne 13", "« Prenom »", "vouliez-vous dire « Prénom »"}},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			if tc.lang == "fr" {
				inFrench(t)
			}
			u := newTestApp(t)
			m := messageOf(openCampaign(t, u, guests, invitation, stepMessage))
			m.body.SetText("Hello,\n\nSee you, {{ Prenom }}.")
			mustShow(t, u.Window(), tc.want...)
			mustNotShow(t, u.Window(), "x.tpl", "Invitations.tpl", "Body:")

			m.body.SetText("Hello,\n\nSee you, {{ Prénom }}.")
			mustNotShow(t, u.Window(), "Prenom")
			mustShow(t, u.Window(), "See you, Alice.")
		})
	}
}

func TestMessageSubjectMistakeCountsColumnsInTheSubject(t *testing.T) {
	u := newTestApp(t)
	m := messageOf(openCampaign(t, u, guests, invitation, stepMessage))
	m.subject.SetText("Hello {{ Nom }}")
	mustShow(t, u.Window(), "Subject, column 10: unknown column “Nom”")
}

func TestMessageFormatAndLanguageAreSaved(t *testing.T) {
	u := newTestApp(t)
	m := messageOf(openCampaign(t, u, guests, invitation, stepMessage))
	m.format.SetSelected("Plain text")
	m.language.SetSelected("Français")
	sp := u.open.vm.spec
	if sp.Format != "text" || sp.Language != "fr" {
		t.Errorf("Format, Language = %q, %q; want text, fr", sp.Format, sp.Language)
	}
	// Plain text: the asterisks are sent as typed.
	mustShow(t, u.Window(), "See you in **Lyon**.")
}

func TestMessageFromPlaceholderNamesTheDefaultSender(t *testing.T) {
	u := newTestApp(t)
	if err := u.svc.SetSetting("from", "me@example.org"); err != nil {
		t.Fatal(err)
	}
	m := messageOf(openCampaign(t, u, guests, strings.Replace(invitation, "From: Équipe <equipe@example.org>\n", "", 1), stepMessage))
	if !strings.Contains(m.from.PlaceHolder, "me@example.org") || !strings.Contains(m.from.PlaceHolder, "signed-in mailbox") {
		t.Errorf("From placeholder = %q; want it to name the signed-in mailbox and me@example.org", m.from.PlaceHolder)
	}
	mustShow(t, u.Window(), "Hello Alice,")

	test.Type(m.from, "Bureau <bureau@example.org>")
	u.open.show(stepPreview)
	mustShow(t, u.Window(), "Bureau <bureau@example.org>")
}

func TestMessageAttachmentsCommonAndPerRow(t *testing.T) {
	u := newTestApp(t)
	plan := u.writeFile(t, "plan.pdf", "%PDF-1.4 plan")
	tpl := "From: me@example.org\nTo: {{ Email }}\nSubject: Hi\nAttachment: {{ Badge }}\n\nHello"
	m := messageOf(openCampaign(t, u, "Email,Badge\na@example.org,a.pdf\n", tpl, stepMessage))
	w := u.Window()
	mustShow(t, w, "No file for everyone.", "from the column “Badge”")

	m.addAttachment(plan)
	mustShow(t, w, "plan.pdf", "[Remove]")
	if got := u.open.vm.spec.Attachments; len(got) != 2 || got[1] != plan {
		t.Errorf("attachments = %q; want the column then %s", got, plan)
	}
	test.Tap(button(t, w, "Remove"))
	mustNotShow(t, w, "plan.pdf")
	if got := u.open.vm.spec.Attachments; len(got) != 1 || got[0] != "{{ Badge }}" {
		t.Errorf("after remove, attachments = %q; want only the column", got)
	}
}

func TestMessageReadOnlyOnceStarted(t *testing.T) {
	u := newTestApp(t)
	s := openCampaign(t, u, guests, invitation, stepMessage)
	s.vm.c.Status = campaign.StatusSending
	m := messageOf(s)
	m.fill()
	m.fillChips()
	mustShow(t, u.Window(), "This campaign has started")
	test.Type(m.body, "more")
	if strings.Contains(s.vm.spec.Body, "more") || !m.body.Disabled() || !button(t, u.Window(), "Prénom").Disabled() {
		t.Errorf("a started campaign's message changed: body %q", s.vm.spec.Body)
	}
}

func TestMessageCtrlEnterGoesToPreview(t *testing.T) {
	u := newTestApp(t)
	s := openCampaign(t, u, guests, invitation, stepMessage)
	u.window.Canvas().Focus(messageOf(s).body)
	press(u.Window(), ctrl(fyne.KeyReturn))
	if got := s.tabs.SelectedIndex(); got != stepPreview {
		t.Fatalf("Ctrl+Enter shows step %d; want Preview", got)
	}
	mustShow(t, u.Window(), "Recipient 1 of 3")
}

func TestMessageGolden(t *testing.T) {
	for _, l := range []string{"en", "fr"} {
		t.Run(l, func(t *testing.T) {
			if l == "fr" {
				inFrench(t)
			}
			u := newTestApp(t)
			openCampaign(t, u, guests, invitation, stepMessage)
			golden(t, "message/editor."+l+".xml", u.Window())
		})
	}
}

func TestMessageUnreadableTemplateIsKeptAndExplained(t *testing.T) {
	u := newTestApp(t)
	u.svc.Now = nil
	path := u.writeFile(t, "guests.csv", guests)
	tpl := "Subjet: Hi\nTo: {{ Email }}\n\nHello"
	c, err := u.svc.Create(campaign.Draft{Name: "Hand-written", Template: tpl, TemplateName: filepath.Join(u.dir, "invite.tpl"),
		Data: campaign.DataSource{Path: path}})
	if err != nil {
		t.Fatal(err)
	}
	u.showCampaign(c, stepMessage)
	mustShow(t, u.Window(), "The template invite.tpl cannot be read (line 1).")
	u.showHome()
	if c, err := u.svc.Campaign(c.ID); err != nil || c.Template != tpl {
		t.Errorf("after opening and leaving, the template is %q (%v); want it kept as written: %q", c.Template, err, tpl)
	}
}

func TestMessageLivePreviewNeverWaitsAndDropsStaleRenderings(t *testing.T) {
	u := newTestApp(t)
	m := messageOf(openCampaign(t, u, guests, invitation, stepMessage))
	w := u.Window()
	var queue []func()
	u.work.spawn = func(f func()) { queue = append(queue, f) }

	m.body.SetText("First {{ Prénom }}")
	m.body.SetText("Second {{ Prénom }}")
	if m.body.Text != "Second {{ Prénom }}" {
		t.Fatalf("body = %q", m.body.Text)
	}
	mustNotShow(t, w, "First Alice", "Second Alice") // typing did not wait for rendering
	// The renderings come back newest first: the older one must not win.
	for i := len(queue) - 1; i >= 0; i-- {
		queue[i]()
	}
	mustShow(t, w, "Second Alice")
	mustNotShow(t, w, "First Alice")
}

func TestMessageTabOrderFollowsTheScreen(t *testing.T) {
	u := newTestApp(t)
	m := messageOf(openCampaign(t, u, guests, invitation, stepMessage))
	c := u.Window().Canvas()
	c.Focus(m.from)
	for _, want := range []fyne.Focusable{m.subject, m.format, m.language} {
		test.FocusNext(c)
		if c.Focused() != want {
			t.Fatalf("Tab went to %T; want %T", c.Focused(), want)
		}
	}
	for i := 0; i < 10 && c.Focused() != m.body; i++ {
		test.FocusNext(c)
		if b, ok := c.Focused().(*widget.Button); ok && b.Text == lang.L("message.attach.add") {
			t.Fatal("Tab reached the attachments before the body")
		}
	}
	if c.Focused() != m.body {
		t.Fatalf("Tab did not reach the body after the column chips; at %T", c.Focused())
	}
}
