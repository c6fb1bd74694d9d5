package campaign_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/securemerge/securemerge/internal/campaign"
	"github.com/securemerge/securemerge/internal/store"
)

// bouncingSenders is fakeSenders whose mailbox also reads non-delivery
// reports: the ones in reports, received after since.
type bouncingSenders struct {
	*fakeSenders
	reports []campaign.Bounce
	// live, when set, gives the reports at the time they are read.
	live   func() []campaign.Bounce
	asked  []time.Time
	sendAs []string
}

func (s *bouncingSenders) Mailbox(context.Context) (campaign.Mailbox, error) { return s, nil }

func (s *bouncingSenders) Bounces(_ context.Context, sendAs string, since time.Time) ([]campaign.Bounce, error) {
	s.asked, s.sendAs = append(s.asked, since), append(s.sendAs, sendAs)
	var out []campaign.Bounce
	reports := s.reports
	if s.live != nil {
		reports = s.live()
	}
	for _, b := range reports {
		if !b.Received.Before(since) {
			out = append(out, b)
		}
	}
	return out, nil
}

var _ campaign.BounceReader = (*bouncingSenders)(nil)

// sentCampaign sends n people live through a fake mailbox and returns the
// service, its store, the campaign and its journal.
func sentCampaign(t *testing.T, n int) (*campaign.Service, *store.DB, *bouncingSenders, *campaign.Campaign, []campaign.Entry) {
	t.Helper()
	dir := t.TempDir()
	fake := newFakeSender()
	db, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	bs := &bouncingSenders{fakeSenders: &fakeSenders{mailbox: fake, self: "ada@example.com"}}
	svc := &campaign.Service{Store: db, Sources: &memSources{data: map[string][][]string{"/data/people.csv": people(n)}},
		Senders: bs, OutboxDir: filepath.Join(dir, "outbox")}
	t.Cleanup(svc.Close)
	c, err := svc.Create(campaign.Draft{Name: "winter", Template: serviceTemplate, Data: campaign.DataSource{Path: "/data/people.csv"},
		Settings: campaign.Settings{Mode: campaign.ModeSend, SendAs: "news@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	job, _, err := svc.Start(context.Background(), c.ID, campaign.PlanOptions{}, campaign.StartOptions{Runner: unpaced})
	if err != nil {
		t.Fatal(err)
	}
	if err := wait(t, job); err != nil {
		t.Fatal(err)
	}
	es, _, err := svc.Results(c.ID, 0, n)
	if err != nil {
		t.Fatal(err)
	}
	c, _ = svc.Campaign(c.ID)
	return svc, db, bs, c, es
}

func TestBouncesMarkTheRowsTheirReportsName(t *testing.T) {
	svc, db, bs, c, es := sentCampaign(t, 5)
	at := c.Started.Add(time.Minute)
	bs.reports = []campaign.Bounce{
		// Exchange may write the Message-ID in capitals: still ours.
		{Key: strings.ToUpper(es[1].Key), Status: "5.1.1", Detail: "RESOLVER.ADR.RecipNotFound; not found", Recipients: []string{"User00002@Example.com"}, Received: at},
		{Key: es[3].Key, Status: "5.7.1", Detail: "Delivery not authorized, message refused", Received: at},
		{Key: "0123456789abcdef0123456789abcdef", Status: "5.1.1", Received: at}, // another campaign's message
		{Key: es[0].Key, Status: "5.1.1", Received: c.Started.Add(-time.Hour)},   // before this campaign: never asked for
	}
	rep, err := svc.Bounces(context.Background(), c.ID)
	if err != nil {
		t.Fatalf("Bounces: %v", err)
	}
	if n := len(bs.sendAs); n == 0 || bs.sendAs[n-1] != "news@example.com" {
		t.Errorf("reports read from mailbox %q; want the shared mailbox the campaign sent as", bs.sendAs)
	}
	if len(rep.Rows) != 2 || rep.Unmatched != 1 || rep.Reports != 3 {
		t.Fatalf("Bounces = %d rows, %d unmatched of %d reports; want 2 rows, 1 unmatched of 3", len(rep.Rows), rep.Unmatched, rep.Reports)
	}
	r := rep.Rows[0]
	if r.Entry.Index != 1 || !r.New || r.Entry.State != campaign.StateBounced || !slices.Equal(r.Addresses, []string{"user00002@example.com"}) {
		t.Errorf("first bounced row = %+v; want row 2, new, bounced, user00002@example.com", r)
	}
	if want := "bounced: user00002@example.com (5.1.1): RESOLVER.ADR.RecipNotFound; not found"; r.Entry.Reason != want {
		t.Errorf("reason = %q; want %q", r.Entry.Reason, want)
	}
	// A report that names no recipient bounces the row's own address.
	if r := rep.Rows[1]; r.Entry.Index != 3 || !slices.Equal(r.Addresses, []string{"user00004@example.com"}) || r.Status != "5.7.1" {
		t.Errorf("second bounced row = %+v; want row 4, user00004@example.com, 5.7.1", r)
	}
	got, _ := svc.Campaign(c.ID)
	if got.Counts.Bounced != 2 || got.Counts.Sent != 3 || got.Status != campaign.StatusDone {
		t.Errorf("after bounces: %s %+v; want done, 3 sent and 2 bounced", got.Status, got.Counts)
	}

	// Reading again changes nothing and says so.
	again, err := svc.Bounces(context.Background(), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(again.Rows) != 2 || again.Rows[0].New || again.Rows[1].New || again.Rows[0].Status != "5.1.1" {
		t.Errorf("second read = %+v; want the same two rows, none new", again.Rows)
	}
	if got2, _ := svc.Campaign(c.ID); got2.Counts != got.Counts {
		t.Errorf("a second read changed the counts: %+v, then %+v", got.Counts, got2.Counts)
	}

	addrs, err := svc.SuppressBounced(c.ID)
	if err != nil {
		t.Fatalf("SuppressBounced: %v", err)
	}
	if !slices.Equal(addrs, []string{"user00002@example.com", "user00004@example.com"}) {
		t.Errorf("suppressed %q; want the two bounced addresses", addrs)
	}
	if why, ok := db.Suppressed("USER00004@example.com"); !ok || !strings.Contains(why, "5.7.1") || !strings.Contains(why, "winter") {
		t.Errorf("Suppressed(user00004) = %q, %v; want suppressed, naming 5.7.1 and the campaign", why, ok)
	}
	if _, ok := db.Suppressed("user00001@example.com"); ok {
		t.Error("an address that did not bounce was suppressed")
	}

}

func TestBouncesOfACampaignNotSentLiveIsAClearError(t *testing.T) {
	svc, _ := newService(t, t.TempDir(), 2, newFakeSender())
	defer svc.Close()
	c, err := svc.Create(campaign.Draft{Name: "draft", Template: serviceTemplate, Data: campaign.DataSource{Path: "/data/people.csv"}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = svc.Bounces(context.Background(), c.ID)
	if !errors.Is(err, campaign.ErrNotSentLive) || !strings.Contains(err.Error(), "never started") {
		t.Errorf("Bounces of a draft = %v; want ErrNotSentLive saying it never started", err)
	}
}

func TestBouncedRowCannotMoveBack(t *testing.T) {
	for _, to := range []campaign.State{campaign.StatePending, campaign.StateSending, campaign.StateSent, campaign.StateFailed} {
		if campaign.StateBounced.CanMove(to) {
			t.Errorf("bounced → %s allowed; a bounced row must stay bounced", to)
		}
	}
	if !campaign.StateSent.CanMove(campaign.StateBounced) {
		t.Error("sent → bounced refused")
	}
	if campaign.StatePending.CanMove(campaign.StateBounced) {
		t.Error("pending → bounced allowed: only a sent message can bounce")
	}
}

// TestALiveRunReadsTheBouncesThatAlreadyCameBack: at the end of a live
// send the runner reads the reports received so far, without being asked.
func TestALiveRunReadsTheBouncesThatAlreadyCameBack(t *testing.T) {
	dir := t.TempDir()
	db, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	bs := &bouncingSenders{fakeSenders: &fakeSenders{mailbox: newFakeSender(), self: "ada@example.com"}}
	svc := &campaign.Service{Store: db, Sources: &memSources{data: map[string][][]string{"/data/people.csv": people(4)}},
		Senders: bs, OutboxDir: filepath.Join(dir, "outbox")}
	t.Cleanup(svc.Close)
	c, err := svc.Create(campaign.Draft{Name: "spring", Template: serviceTemplate, Data: campaign.DataSource{Path: "/data/people.csv"},
		Settings: campaign.Settings{Mode: campaign.ModeSend}})
	if err != nil {
		t.Fatal(err)
	}
	bs.live = func() []campaign.Bounce {
		es, _, _ := svc.Results(c.ID, 0, 4)
		return []campaign.Bounce{{Key: es[2].Key, Status: "5.1.1", Detail: "unknown recipient", Received: time.Now()}}
	}
	job, _, err := svc.Start(context.Background(), c.ID, campaign.PlanOptions{}, campaign.StartOptions{Runner: unpaced})
	if err != nil {
		t.Fatal(err)
	}
	if err := wait(t, job); err != nil {
		t.Fatal(err)
	}
	if rep := job.Bounces(); rep == nil || len(rep.Rows) != 1 || rep.Rows[0].Entry.Index != 2 {
		t.Fatalf("the run's bounces = %+v; want row 3", rep)
	}
	got, _ := svc.Campaign(c.ID)
	if got.Counts.Bounced != 1 || got.Counts.Sent != 3 {
		t.Errorf("after the run: %+v; want 3 sent, 1 bounced", got.Counts)
	}
}
