package campaign

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Bounce is one non-delivery report found in the mailbox: Graph's sendMail
// answers 202 and a failure comes back later as a message from the
// postmaster (DESIGN.md §6). The mailbox adapter reads it; the Service
// matches it to a journal row by Key.
type Bounce struct {
	Key        string    // the merge key of the message that bounced (from its <sm.KEY@domain> Message-ID), lower case
	Status     string    // the enhanced status code, "5.1.1"; always a permanent failure (5.x.x)
	Detail     string    // the server's diagnostic text ("RESOLVER.ADR.RecipNotFound; not found"), may be empty
	Recipients []string  // the addresses the report names as undeliverable, as written there; may be empty
	Received   time.Time // when the report reached the mailbox
	ReportID   string    // the report's id in the mailbox, so a person can find it
}

// BounceReader is a Mailbox that can read its non-delivery reports. It is
// a separate interface so that a Mailbox without it (a test double, a
// future adapter) still sends; Service.Bounces says when it is missing.
type BounceReader interface {
	// Bounces returns the permanent non-delivery reports that reached the
	// mailbox (sendAs: the shared mailbox a campaign sent as, "" for the
	// signed-in one) since since, matched or not to any campaign. It only
	// reads: nothing in the mailbox is moved, marked read or deleted.
	Bounces(ctx context.Context, sendAs string, since time.Time) ([]Bounce, error)
}

// BouncedRow is one journal row a non-delivery report names.
type BouncedRow struct {
	Entry     Entry    // the row as it is now (bounced)
	Status    string   // the status code of its report
	Detail    string   // the server's text
	Addresses []string // the row's addresses that bounced, lower case
	New       bool     // marked bounced by this call; false when an earlier call already had
}

// BounceReport is what Service.Bounces found.
type BounceReport struct {
	Rows      []BouncedRow // in row order
	Reports   int          // permanent non-delivery reports read in the mailbox since the campaign started
	Unmatched int          // reports of messages that are not this campaign's (ignored)
}

// Errors of Bounces callers branch on.
var (
	ErrNotSentLive  = errors.New("only a campaign sent live can bounce")
	ErrNoBounceRead = errors.New("this mailbox cannot read non-delivery reports")
)

// bounceSkew is how far before a campaign's start reports are read: the
// computer's clock and Exchange's may disagree by a few minutes.
const bounceSkew = 10 * time.Minute

// Bounces reads the mailbox's non-delivery reports received since campaign
// id started, marks each sent row they name as bounced with the report's
// status and text (ReasonBounced), and returns every bounced row of the
// campaign that a report names. It is idempotent: a row already bounced
// is reported again with New false, and reports of other messages are
// counted in Unmatched and otherwise ignored. Matching is by the merge key
// of the message (its <sm.KEY@domain> Message-ID), case-insensitively.
func (s *Service) Bounces(ctx context.Context, id string) (*BounceReport, error) {
	c, err := s.Store.Campaign(id)
	if err != nil {
		return nil, err
	}
	if c.Settings.Mode != ModeSend || c.Started.IsZero() {
		return nil, fmt.Errorf("campaign %q: %w (it was %s)", c.Name, ErrNotSentLive, sentHow(c))
	}
	mb, _, err := s.connect(ctx)
	if err != nil {
		return nil, err
	}
	br, ok := mb.(BounceReader)
	if !ok {
		return nil, ErrNoBounceRead
	}
	reports, err := br.Bounces(ctx, firstNonEmpty(c.Settings.SendAs, s.Settings().SendAs), c.Started.Add(-bounceSkew))
	if err != nil {
		return nil, fmt.Errorf("read non-delivery reports: %w", err)
	}
	byKey := map[string][]Bounce{}
	for _, b := range reports {
		k := strings.ToLower(strings.TrimSpace(b.Key))
		if k != "" {
			byKey[k] = append(byKey[k], b)
		}
	}
	rep := &BounceReport{Reports: len(reports)}
	matched := map[string]bool{}
	var rows []Entry
	err = s.Store.Journal(c.ID, func(e Entry) bool {
		k := strings.ToLower(e.Key)
		if _, ok := byKey[k]; ok && k != "" && (e.State == StateSent || e.State == StateBounced) {
			rows = append(rows, e)
			matched[k] = true
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	for k, bs := range byKey {
		if !matched[k] {
			rep.Unmatched += len(bs)
		}
	}
	rep.Unmatched += len(reports) - countKeyed(byKey)
	now := s.now()
	for _, e := range rows {
		bs := byKey[strings.ToLower(e.Key)]
		row := BouncedRow{Entry: e, Status: bs[0].Status, Detail: bs[0].Detail, Addresses: bouncedAddresses(e, bs)}
		if e.State == StateSent {
			why := NewReason(ReasonBounced, "status", row.Status, "detail", row.Detail, "address", strings.Join(row.Addresses, ", "))
			err := s.Store.Move(c.ID, e.Index, StateBounced, why, 0, now)
			var te *TransitionError
			switch {
			case err == nil:
				row.New = true
				row.Entry.State, row.Entry.Why, row.Entry.Reason, row.Entry.Updated = StateBounced, why, why.English(nil), now
			case errors.As(err, &te) && te.From == StateBounced:
				// Another reader marked it in between: same outcome.
				if row.Entry, err = s.Store.Entry(c.ID, e.Index); err != nil {
					return nil, err
				}
			default:
				return nil, err
			}
		} else {
			row.Status, row.Detail = e.Why.Arg("status"), e.Why.Arg("detail")
			if a := e.Why.Arg("address"); a != "" {
				row.Addresses = strings.Split(a, ", ")
			}
		}
		rep.Rows = append(rep.Rows, row)
	}
	return rep, nil
}

func countKeyed(byKey map[string][]Bounce) int {
	n := 0
	for _, bs := range byKey {
		n += len(bs)
	}
	return n
}

// sentHow names how a campaign was (not) sent, for ErrNotSentLive.
func sentHow(c *Campaign) string {
	if c.Started.IsZero() {
		return "never started"
	}
	return "sent in " + modeWords(c.Settings.Mode) + " mode"
}

// bouncedAddresses are the addresses of row e that its reports say
// bounced: the row's own To addresses the reports name; else the addresses
// the reports name (a Cc or Bcc recipient of the row); else, when the
// reports name no one, every To address of the row.
func bouncedAddresses(e Entry, bs []Bounce) []string {
	var to []string
	for _, a := range strings.Split(e.To, ",") {
		if a = strings.ToLower(strings.TrimSpace(a)); a != "" {
			to = append(to, a)
		}
	}
	var named []string
	for _, b := range bs {
		for _, a := range b.Recipients {
			if a = strings.ToLower(strings.TrimSpace(a)); a != "" && !slices.Contains(named, a) {
				named = append(named, a)
			}
		}
	}
	var out []string
	for _, a := range to {
		if slices.Contains(named, a) {
			out = append(out, a)
		}
	}
	switch {
	case len(out) > 0:
		return out
	case len(named) > 0:
		return named
	}
	return to
}

// SuppressBounced adds every bounced address of campaign id to the
// suppression list, so no later campaign writes to it again, and returns
// the addresses, sorted. The reason stored with each says which campaign
// and which status code.
func (s *Service) SuppressBounced(id string) ([]string, error) {
	c, err := s.Store.Campaign(id)
	if err != nil {
		return nil, err
	}
	byReason := map[string][]string{}
	var all []string
	err = s.Store.Journal(c.ID, func(e Entry) bool {
		if e.State != StateBounced {
			return true
		}
		reason := fmt.Sprintf("bounced (%s) in campaign %q", firstNonEmpty(e.Why.Arg("status"), "undeliverable"), c.Name)
		for _, a := range strings.Split(e.Why.Arg("address"), ",") {
			if a = strings.ToLower(strings.TrimSpace(a)); a != "" && !slices.Contains(all, a) {
				all = append(all, a)
				byReason[reason] = append(byReason[reason], a)
			}
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	reasons := make([]string, 0, len(byReason))
	for r := range byReason {
		reasons = append(reasons, r)
	}
	slices.Sort(reasons)
	for _, r := range reasons {
		if err := s.Store.Suppress(r, byReason[r]...); err != nil {
			return nil, err
		}
	}
	slices.Sort(all)
	return all, nil
}
