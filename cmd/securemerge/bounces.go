package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/securemerge/securemerge/internal/campaign"
)

// bouncesJSON is `campaign bounces --json`.
type bouncesJSON struct {
	Campaign   string           `json:"campaign"`
	Reports    int              `json:"reports"`
	Unmatched  int              `json:"unmatched"`
	Rows       []bouncedRowJSON `json:"rows"`
	Suppressed []string         `json:"suppressed,omitempty"`
}

type bouncedRowJSON struct {
	Row       int      `json:"row"`
	To        string   `json:"to"`
	Status    string   `json:"status"`
	Detail    string   `json:"detail"`
	Addresses []string `json:"addresses"`
	New       bool     `json:"new"`
}

// campaignBounces is `campaign bounces ID [--suppress] [--json]`: read the
// mailbox's non-delivery reports since the campaign started, mark the rows
// they name as bounced, print them, and with --suppress put their
// addresses on the suppression list.
func (m *Main) campaignBounces(ctx context.Context, args []string) int {
	var suppress, asJSON *bool
	db, c, _, dataDir, code := m.campaignArgDir("bounces", "ID [--suppress] [--json]",
		"Read the non-delivery reports in the mailbox since the campaign was sent, mark the rows that bounced, and list them. Nothing in the mailbox is moved or deleted.", args,
		func(fs fsFlags) {
			suppress = fs.Bool("suppress", false, "also add every bounced address to the suppression list")
			asJSON = fs.Bool("json", false, "print JSON")
		})
	if db == nil {
		return code
	}
	defer db.Close()
	dir, _ := m.dataDir(dataDir)
	svc := m.service(db, dir, "")
	defer svc.Close()
	rep, err := svc.Bounces(ctx, c.ID)
	if err != nil {
		if errors.Is(err, campaign.ErrNotSentLive) {
			fmt.Fprintf(m.Stderr, "securemerge: %v: non-delivery reports come back only for messages sent with --live\n", err)
			return exitProblems
		}
		return m.fail(err)
	}
	var suppressed []string
	if *suppress {
		if suppressed, err = svc.SuppressBounced(c.ID); err != nil {
			return m.fail(err)
		}
	}
	if *asJSON {
		out := bouncesJSON{Campaign: c.ID, Reports: rep.Reports, Unmatched: rep.Unmatched, Rows: []bouncedRowJSON{}, Suppressed: suppressed}
		for _, r := range rep.Rows {
			out.Rows = append(out.Rows, bouncedRowJSON{Row: lineOf(r.Entry), To: r.Entry.To, Status: r.Status, Detail: r.Detail, Addresses: r.Addresses, New: r.New})
		}
		return m.writeJSON(out)
	}
	// One line per row, not a table: the server's text is the point and
	// a table cell would cut it.
	newRows := 0
	for _, r := range rep.Rows {
		mark := ""
		if r.New {
			mark, newRows = " (new)", newRows+1
		}
		fmt.Fprintf(m.Stdout, "row %d  %s  %s  %s%s\n", lineOf(r.Entry), termSafe(strings.Join(r.Addresses, ", ")), r.Status, termSafe(r.Detail), mark)
	}
	fmt.Fprintf(m.Stdout, "%d of %d rows bounced (%d newly marked); %d non-delivery reports read, %d about other messages (ignored).\n",
		len(rep.Rows), c.Counts.Total, newRows, rep.Reports, rep.Unmatched)
	switch {
	case *suppress && len(suppressed) > 0:
		fmt.Fprintf(m.Stdout, "%d addresses added to the suppression list: %s\n", len(suppressed), termSafe(strings.Join(suppressed, ", ")))
	case *suppress:
		fmt.Fprintln(m.Stdout, "No bounced address to add to the suppression list.")
	case len(rep.Rows) > 0:
		fmt.Fprintf(m.Stdout, "Run 'securemerge campaign bounces %s --suppress' to never write to these addresses again.\n", c.ID)
	}
	return exitOK
}

// lineOf is the row number a person sees for e.
func lineOf(e campaign.Entry) int {
	if e.Line > 0 {
		return e.Line
	}
	return e.Index + 1
}

// bouncedText is ", N bounced" for a campaign with bounced rows.
func bouncedText(c campaign.Counts) string {
	if c.Bounced == 0 {
		return ""
	}
	return fmt.Sprintf(", %d bounced", c.Bounced)
}
