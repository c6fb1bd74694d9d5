package ui

import (
	"context"
	"net/mail"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/securemerge/securemerge/internal/campaign"
	"github.com/securemerge/securemerge/internal/campaign/campaigntest"
	"github.com/securemerge/securemerge/internal/graph"
	"github.com/securemerge/securemerge/internal/graph/graphtest"
)

// emulated is a computer signed in to the Graph emulator's mailbox, the
// way cmd/securemerge connects with SECUREMERGE_GRAPH_URL and
// SECUREMERGE_ACCESS_TOKEN.
type emulated struct {
	outboxOnly
	url string
}

func (e emulated) Mailbox(ctx context.Context) (campaign.Mailbox, error) {
	c, err := graph.NewClient(graph.ClientOptions{BaseURL: e.url, Tokens: graph.StaticToken("tok")})
	if err != nil {
		return nil, err
	}
	me, err := c.Me(ctx)
	if err != nil {
		return nil, err
	}
	return emulatedMailbox{c, me}, nil
}

type emulatedMailbox struct {
	c  *graph.Client
	me graph.User
}

func (m emulatedMailbox) Address() (mail.Address, error) { return m.me.MailboxAddress() }
func (m emulatedMailbox) Sender(drafts bool, sendAs string) campaign.Sender {
	return graph.NewSender(m.c, graph.SenderOptions{Drafts: drafts, SendAs: sendAs})
}

// TestLiveSendPauseResumeEveryoneOnce sends for real from the window to
// the Graph emulator (Sent Items lagging behind, as Exchange does): the
// confirmation names the mailbox, the send is paused mid-way and resumed,
// and every recipient gets exactly one message.
func TestLiveSendPauseResumeEveryoneOnce(t *testing.T) {
	const n = 24
	srv := graphtest.NewServer(graphtest.Options{Tokens: []string{"tok"}, PerWindow: 100000, Window: time.Minute, SentItemsLag: 5 * time.Second})
	defer srv.Close()
	ta := newSendApp(t)
	ta.svc.Senders = emulated{url: srv.URL}
	_, step := openSend(t, ta, "Live", recipients(n))
	var hold *campaigntest.Hold
	step.runner = func(r *campaign.Runner) {
		r.Rate = -1 // the emulator's window is wide open; a test need not wait 48 s
		if hold == nil {
			hold = campaigntest.NewHold(r.Sender, 8)
			r.Sender = hold
		}
	}
	w := ta.Window()
	step.mode.SetSelected(step.modeText[3])
	test.Tap(button(t, w, "Send…"))
	mustShow(t, w, "Send now?", "Send for real from my mailbox", "Ada Admin", "ada@contoso.test",
		"24 messages, 24 recipients", "[Send 24 messages]")
	pressKey(w, fyne.KeyReturn)
	<-hold.Reached
	test.Tap(button(t, w, "Pause"))
	close(hold.Release)
	waitEnd(t, step)
	paused, _ := ta.svc.Campaign(step.vm.c.ID)
	if paused.Status != campaign.StatusPaused || paused.Counts.Sent == 0 || paused.Counts.Sent == n {
		t.Fatalf("after the pause: %s %+v", paused.Status, paused.Counts)
	}
	mustShow(t, w, "[Resume]")

	test.Tap(button(t, w, "Resume"))
	waitEnd(t, step)
	mustShow(t, w, "24 sent · 0 failed · 0 skipped · 0 left", "Done: every message was sent.")
	per := map[string]int{}
	for _, d := range srv.Delivered() {
		for _, to := range d.To {
			per[to]++
		}
	}
	for i := 1; i <= n; i++ {
		if a := "p" + itoa(i) + "@example.com"; per[a] != 1 {
			t.Errorf("%s got %d messages; want exactly 1", a, per[a])
		}
	}
	mustList(t, step, "2 | p1@example.com | Sent", "25 | p24@example.com | Sent")
}
