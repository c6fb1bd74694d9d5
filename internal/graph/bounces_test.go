package graph_test

import (
	"context"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/securemerge/securemerge/internal/campaign"
	"github.com/securemerge/securemerge/internal/graph"
	"github.com/securemerge/securemerge/internal/graph/graphtest"
	"github.com/securemerge/securemerge/internal/merge"
	"github.com/securemerge/securemerge/internal/store/storetest"
)

// bounceMailbox is the campaign.Mailbox cmd/securemerge wires, reduced to
// what reading bounces needs.
type bounceMailbox struct{ c *graph.Client }

func (b bounceMailbox) Mailbox(context.Context) (campaign.Mailbox, error) { return b, nil }
func (b bounceMailbox) Outbox(string, bool) (campaign.Sender, error) {
	return nil, fmt.Errorf("no outbox")
}
func (b bounceMailbox) Address() (mail.Address, error) {
	return mail.Address{Address: "ada@contoso.test"}, nil
}
func (b bounceMailbox) Sender(drafts bool, sendAs string) campaign.Sender {
	return graph.NewSender(b.c, graph.SenderOptions{Drafts: drafts, SendAs: sendAs})
}
func (b bounceMailbox) Bounces(ctx context.Context, sendAs string, since time.Time) ([]campaign.Bounce, error) {
	return b.c.Bounces(ctx, sendAs, since)
}

var _ campaign.BounceReader = bounceMailbox{}

func TestBouncesComeBackAsExchangeReportsAndMarkTheirRows(t *testing.T) {
	srv := graphtest.NewServer(graphtest.Options{})
	defer srv.Close()
	srv.BounceTo("user00002@example.com", graphtest.NDR{Status: "5.1.1"})
	srv.BounceTo("USER00004@example.com", graphtest.NDR{Status: "5.7.1", Diagnostic: "Service unavailable, Client host [192.0.2.1] blocked using Spamhaus", Postmaster: true})
	srv.BounceTo("user00005@example.com", graphtest.NDR{Status: "4.4.7"}) // a delay notice, not a bounce
	client, err := graph.NewClient(graph.ClientOptions{BaseURL: srv.URL, Tokens: graph.StaticToken("t")})
	if err != nil {
		t.Fatal(err)
	}
	db := storetest.Open(t)
	c := &campaign.Campaign{Name: "december", Settings: campaign.Settings{Mode: campaign.ModeSend}}
	if err := db.CreateCampaign(c); err != nil {
		t.Fatal(err)
	}
	spec := &merge.Spec{From: "ada@contoso.test", To: "{{ Email }}", Subject: "Hello {{ Name }}", Body: "Dear {{ Name }},"}
	m, err := merge.NewMerger(spec, merge.NewHeader([]string{"Email", "Name"}), merge.Options{CampaignID: c.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := campaign.Freeze(context.Background(), db, c.ID, m, func() (merge.RowSource, error) { return &rowsSource{rows: people(6)}, nil }, campaign.FreezeOptions{}); err != nil {
		t.Fatal(err)
	}
	r := graphRunner(db, graph.NewSender(client, graph.SenderOptions{}), m, 100, time.Second)
	if err := r.Run(context.Background(), c.ID); err != nil {
		t.Fatalf("Run: %v", err)
	}
	// Reports of other mail in the same inbox, more than one page of them.
	for i := range 120 {
		if _, err := srv.DeliverNDR("", graphtest.Report{Recipient: fmt.Sprintf("old%d@example.org", i),
			OriginalMessageID: fmt.Sprintf("<CAF%04d@mail.example.net>", i), OriginalSubject: "Minutes"}); err != nil {
			t.Fatal(err)
		}
	}
	// A report of a SecureMerge message of some other campaign.
	if _, err := srv.DeliverNDR("", graphtest.Report{Recipient: "x@example.org", OriginalMessageID: "<sm.00000000000000000000000000000000@contoso.test>"}); err != nil {
		t.Fatal(err)
	}
	svc := &campaign.Service{Store: db, Senders: bounceMailbox{client}}
	rep, err := svc.Bounces(context.Background(), c.ID)
	if err != nil {
		t.Fatalf("Bounces: %v", err)
	}
	if len(rep.Rows) != 2 || rep.Reports != 123 || rep.Unmatched != 121 {
		t.Fatalf("Bounces = %d rows, %d reports, %d unmatched; want 2 rows of 123 reports, 121 unmatched", len(rep.Rows), rep.Reports, rep.Unmatched)
	}
	want := []struct {
		row    int
		addr   string
		status string
		reason string
	}{
		{2, "user00002@example.com", "5.1.1", "bounced: user00002@example.com (5.1.1): RESOLVER.ADR.RecipNotFound; not found"},
		{4, "user00004@example.com", "5.7.1", "bounced: user00004@example.com (5.7.1): Service unavailable, Client host [192.0.2.1] blocked using Spamhaus"},
	}
	for i, w := range want {
		got := rep.Rows[i]
		if got.Entry.Index+1 != w.row || got.Status != w.status || !slices.Equal(got.Addresses, []string{w.addr}) || !got.New || got.Entry.Reason != w.reason {
			t.Errorf("bounced row %d = row %d %s %q new=%v reason %q; want row %d %s %s, new, %q",
				i, got.Entry.Index+1, got.Status, got.Addresses, got.New, got.Entry.Reason, w.row, w.status, w.addr, w.reason)
		}
	}
	es := journal(t, db, c.ID)
	for _, e := range es {
		wantState := campaign.StateSent
		if e.Index == 1 || e.Index == 3 {
			wantState = campaign.StateBounced
		}
		if e.State != wantState {
			t.Errorf("row %d is %s; want %s", e.Index+1, e.State, wantState)
		}
	}

	// Idempotent: a second read finds the same, marks nothing new, and
	// the reports are still in the inbox (nothing was moved or deleted).
	again, err := svc.Bounces(context.Background(), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(again.Rows) != 2 || again.Rows[0].New || again.Rows[1].New || again.Reports != 123 {
		t.Errorf("second read: %d rows (new: %v, %v) of %d reports; want the same 2, none new, 123 reports", len(again.Rows), again.Rows[0].New, again.Rows[1].New, again.Reports)
	}
	got, _ := db.Campaign(c.ID)
	if got.Counts.Bounced != 2 || got.Counts.Sent != 4 {
		t.Errorf("counts %+v; want 4 sent, 2 bounced", got.Counts)
	}

	addrs, err := svc.SuppressBounced(c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(addrs, []string{"user00002@example.com", "user00004@example.com"}) {
		t.Errorf("SuppressBounced = %q", addrs)
	}
	if why, ok := db.Suppressed("user00002@example.com"); !ok || !strings.Contains(why, "5.1.1") {
		t.Errorf("user00002 suppressed = %v (%q); want suppressed for 5.1.1", ok, why)
	}
	if _, ok := db.Suppressed("user00005@example.com"); ok {
		t.Error("a delayed recipient was suppressed")
	}
}

func TestBouncesReadOnlyWhatTheyNeed(t *testing.T) {
	var queries []string
	srv := graphtest.NewServer(graphtest.Options{Logf: func(format string, args ...any) {
		queries = append(queries, fmt.Sprintf(format, args...))
	}})
	defer srv.Close()
	client, err := graph.NewClient(graph.ClientOptions{BaseURL: srv.URL, Tokens: graph.StaticToken("t")})
	if err != nil {
		t.Fatal(err)
	}
	since := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	if _, err := client.Bounces(context.Background(), "", since); err != nil {
		t.Fatal(err)
	}
	srv.Close()
	if len(queries) != 1 {
		t.Fatalf("requests: %q; want one GET", queries)
	}
	q := queries[0]
	for _, want := range []string{"GET /v1.0/me/mailFolders/inbox/messages?", "$filter=receivedDateTime%20ge%202026-12-01T09%3A00%3A00Z", "$select=id,receivedDateTime,from,subject,body,internetMessageHeaders&"} {
		if !strings.Contains(q, want) {
			t.Errorf("request %q lacks %q", q, want)
		}
	}
}
