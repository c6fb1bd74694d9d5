package ui

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/securemerge/securemerge/internal/campaign"
	"github.com/securemerge/securemerge/internal/graph/graphtest"
)

// bouncing is the emulator's mailbox with the non-delivery reports
// cmd/securemerge's adapter reads (wire.go's mailbox.Bounces).
type bouncing struct{ emulated }

func (b bouncing) Mailbox(ctx context.Context) (campaign.Mailbox, error) {
	mb, err := b.emulated.Mailbox(ctx)
	if err != nil {
		return nil, err
	}
	return bouncingMailbox{mb.(emulatedMailbox)}, nil
}

type bouncingMailbox struct{ emulatedMailbox }

func (m bouncingMailbox) Bounces(ctx context.Context, sendAs string, since time.Time) ([]campaign.Bounce, error) {
	return m.c.Bounces(ctx, sendAs, since)
}

var _ campaign.BounceReader = bouncingMailbox{}

// TestCheckForBouncesMarksRowsAndSuppressesThem sends live to the Graph
// emulator, two recipients of which bounce (Exchange-shaped reports) among
// 121 reports of other mail; "Check for bounces" marks those two rows
// bounced with their reason, says what it found, and one confirmed action
// puts both addresses on the suppression list.
func TestCheckForBouncesMarksRowsAndSuppressesThem(t *testing.T) {
	// The emulator's clock is the real one: a campaign's start is
	// stamped with it, and reports are read from ten minutes before.
	srv := graphtest.NewServer(graphtest.Options{Tokens: []string{"tok"}, PerWindow: 100000, Window: time.Minute})
	defer srv.Close()
	srv.BounceTo("p2@example.com", graphtest.NDR{Status: "5.1.1"})
	srv.BounceTo("p5@example.com", graphtest.NDR{Status: "5.7.1", Diagnostic: "Service unavailable, Client host [192.0.2.1] blocked using Spamhaus", Postmaster: true})
	ta := newSendApp(t)
	ta.svc.Senders = bouncing{emulated{url: srv.URL}}
	_, step := openSend(t, ta, "Live", recipients(6))
	step.runner = func(r *campaign.Runner) { r.Rate = -1 }
	w := ta.Window()
	mustNotShow(t, w, "Check for bounces") // nothing sent yet

	step.mode.SetSelected(step.modeText[3])
	test.Tap(button(t, w, "Send…"))
	test.Tap(button(t, w, "Send 6 messages"))
	waitEnd(t, step)
	// The reports that came back while sending: the run marked them itself.
	mustShow(t, w, "4 sent · 0 failed · 2 bounced · 0 skipped · 0 left")
	mustNotShow(t, w, "bounced addresses to the suppression list")

	for i := range 120 {
		if _, err := srv.DeliverNDR("", graphtest.Report{Recipient: fmt.Sprintf("old%d@example.org", i),
			OriginalMessageID: fmt.Sprintf("<CAF%04d@mail.example.net>", i), OriginalSubject: "Minutes"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := srv.DeliverNDR("", graphtest.Report{Recipient: "x@example.org", OriginalMessageID: "<sm.00000000000000000000000000000000@contoso.test>"}); err != nil {
		t.Fatal(err)
	}

	test.Tap(button(t, w, "Check for bounces"))
	mustShow(t, w, "2 bounced, 121 other reports ignored.", "4 sent · 0 failed · 2 bounced · 0 skipped · 0 left")
	mustList(t, step,
		"3 | p2@example.com | Bounced | 14:05 | bounced: p2@example.com (5.1.1)",
		"6 | p5@example.com | Bounced",
		"5 | p4@example.com | Sent")
	if got := resultsShown(step); !strings.Contains(got, "5.7.1") {
		t.Errorf("the results do not say why p5 bounced:\n%s", got)
	}

	// Checking again finds the same rows and marks nothing twice.
	test.Tap(button(t, w, "Check for bounces"))
	mustShow(t, w, "2 bounced, 121 other reports ignored.", "4 sent · 0 failed · 2 bounced")

	test.Tap(button(t, w, "Add the 2 bounced addresses to the suppression list"))
	mustShow(t, w, "Add to the suppression list?", "p2@example.com, p5@example.com")
	if _, ok := ta.svc.Store.Suppressed("p2@example.com"); ok {
		t.Fatal("suppressed before the confirmation")
	}
	test.Tap(button(t, w, "Add to the suppression list"))
	mustShow(t, w, "2 addresses added to the suppression list.")
	mustNotShow(t, w, "bounced addresses to the suppression list")
	for _, a := range []string{"p2@example.com", "p5@example.com"} {
		if _, ok := ta.svc.Store.Suppressed(a); !ok {
			t.Errorf("%s is not on the suppression list", a)
		}
	}
	if _, ok := ta.svc.Store.Suppressed("p4@example.com"); ok {
		t.Error("a delivered address was suppressed")
	}
}

// TestCheckForBouncesWithNoReports says so, and offers nothing to suppress.
func TestCheckForBouncesWithNoReports(t *testing.T) {
	inFrench(t)
	srv := graphtest.NewServer(graphtest.Options{Tokens: []string{"tok"}, PerWindow: 100000, Window: time.Minute})
	defer srv.Close()
	ta := newSendApp(t)
	ta.svc.Senders = bouncing{emulated{url: srv.URL}}
	_, step := openSend(t, ta, "Live", recipients(3))
	step.runner = func(r *campaign.Runner) { r.Rate = -1 }
	w := ta.Window()
	step.mode.SetSelected(step.modeText[3])
	step.onStart(false)
	test.Tap(button(t, w, "Envoyer 3 messages"))
	waitEnd(t, step)
	test.Tap(button(t, w, "Rechercher les retours"))
	mustShow(t, w, "Aucun avis de non-remise dans la boîte aux lettres depuis l’envoi de cette campagne.")
	mustNotShow(t, w, "liste d’exclusion")
}

// TestCheckForBouncesOnAMailboxThatCannotReadThem says so in a sentence.
func TestCheckForBouncesOnAMailboxThatCannotReadThem(t *testing.T) {
	srv := graphtest.NewServer(graphtest.Options{Tokens: []string{"tok"}, PerWindow: 100000, Window: time.Minute})
	defer srv.Close()
	ta := newSendApp(t)
	ta.svc.Senders = emulated{url: srv.URL}
	_, step := openSend(t, ta, "Live", recipients(2))
	step.runner = func(r *campaign.Runner) { r.Rate = -1 }
	w := ta.Window()
	step.mode.SetSelected(step.modeText[3])
	test.Tap(button(t, w, "Send…"))
	test.Tap(button(t, w, "Send 2 messages"))
	waitEnd(t, step)
	test.Tap(button(t, w, "Check for bounces"))
	mustShow(t, w, "This mailbox cannot read non-delivery reports.")
}
