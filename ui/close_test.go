package ui

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/securemerge/securemerge/internal/campaign"
	"github.com/securemerge/securemerge/internal/campaign/campaigntest"
	"github.com/securemerge/securemerge/internal/outbox"
)

// heldOutbox writes to the outbox but holds every message after the first,
// so that a send is still running when the test looks.
type heldOutbox struct{ hold *campaigntest.Hold }

func (h *heldOutbox) Outbox(dir string, own bool) (campaign.Sender, error) {
	h.hold = campaigntest.NewHold(outbox.Sender{Dir: outbox.Dir{Path: dir}}, 1)
	return h.hold, nil
}

func (h *heldOutbox) Mailbox(context.Context) (campaign.Mailbox, error) {
	return nil, campaign.ErrNoMailbox
}

func TestClosingDuringASendAsksAndPauses(t *testing.T) {
	u := newTestApp(t)
	senders := &heldOutbox{}
	u.svc.Senders = senders
	rows := "Email\n"
	for i := range 50 {
		rows += fmt.Sprintf("p%d@example.com\n", i)
	}
	data := u.writeFile(t, "list.csv", rows)
	c, err := u.svc.Create(campaign.Draft{Name: "Held", Template: "From: me@example.com\nTo: {{ Email }}\nSubject: Hi\n\nHello", Data: campaign.DataSource{Path: data}, Settings: campaign.Settings{Mode: campaign.ModeOutbox}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	job, _, err := u.svc.Start(ctx, c.ID, campaign.PlanOptions{}, campaign.StartOptions{})
	if err != nil {
		t.Fatal(err)
	}
	<-senders.hold.Reached

	closed := false
	u.confirmClose(func() { closed = true; stop() })
	if closed {
		t.Fatal("the window closed during a send without asking")
	}
	mustShow(t, u.Window(), "A send is running", "[Keep sending]", "[Pause and close]")
	test.Tap(button(t, u.Window(), "Pause and close"))
	close(senders.hold.Release)
	if !closed {
		t.Fatal("Pause and close did not stop the window's work")
	}
	if err := job.Wait(); !errors.Is(err, context.Canceled) {
		t.Errorf("the send ended with %v; want it stopped by the window's context", err)
	}
	// The requests in flight finished and were journaled; nothing else went.
	got, _ := u.svc.Campaign(c.ID)
	if got.Status != campaign.StatusPaused || got.Counts.Sent == 0 || got.Counts.Sent == 50 || got.Counts.Sending != 0 {
		t.Errorf("after closing: %s with %+v; want paused part-way, its sent rows kept", got.Status, got.Counts)
	}
}

func TestInterruptedSendIsOfferedForResume(t *testing.T) {
	u := newTestApp(t)
	c, err := u.svc.Create(campaign.Draft{Name: "Cut off"})
	if err != nil {
		t.Fatal(err)
	}
	if err := u.svc.Store.UpdateCampaign(c.ID, func(c *campaign.Campaign) error { c.Status = campaign.StatusSending; return nil }); err != nil {
		t.Fatal(err)
	}
	u.offerResume()
	mustShow(t, u.Window(), "“Cut off” stopped while it was being sent")
	test.Tap(button(t, u.Window(), "Resume…"))
	if u.open == nil || u.open.vm.c.ID != c.ID || u.open.tabs.SelectedIndex() != stepSend {
		t.Errorf("Resume did not open the campaign at its Send step:\n%s", texts(u.Window()))
	}
}

type crashAsk struct{ pending, answered, on bool }

func (c *crashAsk) Pending() bool { return c.pending }
func (c *crashAsk) Answer(on bool) error {
	c.pending, c.answered, c.on = false, true, on
	return nil
}

func TestTheWindowAsksAboutCrashReportsOnlyAfterACrash(t *testing.T) {
	u := newTestApp(t)
	ask := &crashAsk{}
	u.deps.AfterCrash = ask
	u.askAfterCrash()
	mustNotShow(t, u.Window(), "stopped on an internal error")
	ask.pending = true
	u.askAfterCrash()
	mustShow(t, u.Window(), "stopped on an internal error last time", "never your addresses")
	test.Tap(button(t, u.Window(), "Keep them off"))
	if !ask.answered || ask.on {
		t.Errorf("after Keep them off: answered %v, on %v", ask.answered, ask.on)
	}
}
