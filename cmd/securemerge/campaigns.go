package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/securemerge/securemerge/internal/campaign"
	"github.com/securemerge/securemerge/internal/store"
)

func (m *Main) runCampaigns(ctx context.Context, args []string) int {
	fs := m.flags("campaigns", "[--json]", "List the campaigns in the local database, newest first.")
	dataDir := fs.String("data-dir", "", "folder of the local database")
	asJSON := fs.Bool("json", false, "print JSON")
	if c := parse(fs, args); c >= 0 {
		return c
	}
	db, code := m.openStore(*dataDir)
	if db == nil {
		return code
	}
	defer db.Close()
	list, err := db.Campaigns()
	if err != nil {
		return m.fail(err)
	}
	if *asJSON {
		if list == nil {
			list = []*campaign.Campaign{}
		}
		return m.writeJSON(list)
	}
	if len(list) == 0 {
		fmt.Fprintln(m.Stdout, "No campaigns yet. Start one with 'securemerge send --data FILE --template FILE --outbox DIR'.")
		return exitOK
	}
	rows := make([][]string, len(list))
	lines := make([]int, len(list))
	for i, c := range list {
		lines[i] = i + 1
		rows[i] = []string{c.ID, c.Name, scheduleStatus(c), fmt.Sprintf("%d/%d", c.Counts.Sent, c.Counts.Total),
			fmt.Sprint(c.Counts.Failed), fmt.Sprint(c.Counts.Skipped), c.Updated.Local().Format("2006-01-02 15:04")}
	}
	writeTable(m.Stdout, []string{"id", "name", "status", "sent", "failed", "skipped", "updated"}, lines, rows)
	return exitOK
}

func (m *Main) writeJSON(v any) int {
	enc := json.NewEncoder(m.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return m.fail(err)
	}
	return exitOK
}

// runCampaign dispatches `campaign show|results|resume|retry|cancel|delete|export ID`.
func (m *Main) runCampaignCmd(ctx context.Context, args []string) int {
	sub := map[string]func(context.Context, []string) int{
		"show": m.campaignShow, "results": m.campaignResults, "resume": m.campaignResume,
		"retry": m.campaignRetry, "cancel": m.campaignCancel, "delete": m.campaignDelete, "export": m.campaignExport,
		"rename": m.campaignRename, "duplicate": m.campaignDuplicate, "bounces": m.campaignBounces,
	}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		fmt.Fprint(m.Stdout, `Usage: securemerge campaign show|results|resume|retry|cancel|delete|export ID

  show ID                 status, counts, source and settings
  results ID [--csv FILE] every recipient's status and reason (--failed: only failures)
  resume ID [--yes]       continue sending a paused or interrupted campaign
  retry ID                put the failed rows back in the queue (then resume)
  cancel ID               stop for good: rows not sent yet are skipped
  delete ID [--yes]       remove the campaign and its journal from this computer
  export ID [FILE]        the campaign, its recipients and journal as JSON
  rename ID NAME          give the campaign another name
  duplicate ID NAME       a new draft with the same template, data and settings
  bounces ID [--suppress] read the non-delivery reports, mark and list the rows that bounced

ID is the campaign's id or its exact name (see 'securemerge campaigns').
`)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	f, ok := sub[args[0]]
	if !ok {
		fmt.Fprintf(m.Stderr, "securemerge: unknown campaign command %q (show, results, resume, retry, cancel, delete, export, rename, duplicate, bounces)\n", args[0])
		return exitUsage
	}
	return f(ctx, args[1:])
}

// campaignArg parses a campaign subcommand's flags, opens the store and
// finds the campaign.
func (m *Main) campaignArg(name, usage, summary string, args []string, extra func(fsFlags)) (*store.DB, *campaign.Campaign, []string, int) {
	db, c, rest, _, code := m.campaignArgDir(name, usage, summary, args, extra)
	return db, c, rest, code
}

// campaignArgDir is campaignArg that also returns the --data-dir value.
func (m *Main) campaignArgDir(name, usage, summary string, args []string, extra func(fsFlags)) (*store.DB, *campaign.Campaign, []string, string, int) {
	fs := m.flags("campaign "+name, usage, summary)
	dataDir := fs.String("data-dir", "", "folder of the local database")
	if extra != nil {
		extra(fs)
	}
	if c := parse(fs, args); c >= 0 {
		return nil, nil, nil, "", c
	}
	if fs.NArg() < 1 {
		fs.Usage()
		return nil, nil, nil, "", exitUsage
	}
	db, code := m.openStore(*dataDir)
	if db == nil {
		return nil, nil, nil, "", code
	}
	c, err := db.Campaign(fs.Arg(0))
	if err != nil {
		db.Close()
		if errors.Is(err, campaign.ErrNotFound) {
			fmt.Fprintf(m.Stderr, "securemerge: no campaign %q (see 'securemerge campaigns')\n", fs.Arg(0))
			return nil, nil, nil, "", exitProblems
		}
		return nil, nil, nil, "", m.fail(err)
	}
	return db, c, fs.Args()[1:], *dataDir, exitOK
}

type fsFlags interface {
	Bool(name string, value bool, usage string) *bool
	String(name, value, usage string) *string
}

func (m *Main) campaignShow(ctx context.Context, args []string) int {
	var asJSON *bool
	db, c, _, code := m.campaignArg("show", "ID [--json]", "Show a campaign's status, counts, source and settings.", args,
		func(fs fsFlags) { asJSON = fs.Bool("json", false, "print JSON") })
	if db == nil {
		return code
	}
	defer db.Close()
	if *asJSON {
		return m.writeJSON(c)
	}
	w := m.Stdout
	fmt.Fprintf(w, "Campaign  %s (%s)\n", termSafe(c.Name), c.ID)
	status := statusWord(c.Status)
	if c.Reason != "" {
		status += ": " + c.Reason
	}
	fmt.Fprintf(w, "Status    %s\n", termSafe(status))
	if !c.ResumeAt.IsZero() {
		fmt.Fprintf(w, "Resumes   %s\n", c.ResumeAt.Local().Format(time.DateTime))
	}
	if c.Schedule != nil {
		fmt.Fprintf(w, "Scheduled %s\n", c.Schedule.Describe(time.Local))
	}
	mode := c.Settings.Mode
	if mode == "" {
		mode = campaign.ModeDryRun
	}
	fmt.Fprintf(w, "Mode      %s\n", mode)
	if c.Settings.Outbox != "" {
		fmt.Fprintf(w, "Outbox    %s\n", termSafe(c.Settings.Outbox))
	}
	fmt.Fprintf(w, "Data      %s\n", termSafe(c.Data.Path))
	fmt.Fprintf(w, "Counts    %d recipients: %d sent, %d failed, %d skipped, %d to send%s\n",
		c.Counts.Total, c.Counts.Sent, c.Counts.Failed, c.Counts.Skipped, c.Counts.Pending+c.Counts.Sending, bouncedText(c.Counts))
	fmt.Fprintf(w, "Created   %s\n", c.Created.Local().Format(time.DateTime))
	if !c.Started.IsZero() {
		fmt.Fprintf(w, "Started   %s\n", c.Started.Local().Format(time.DateTime))
	}
	if !c.Finished.IsZero() {
		fmt.Fprintf(w, "Finished  %s\n", c.Finished.Local().Format(time.DateTime))
	}
	return exitOK
}

func (m *Main) campaignResults(ctx context.Context, args []string) int {
	var csvPath *string
	var failed *bool
	db, c, _, code := m.campaignArg("results", "ID [--csv FILE] [--failed]", "Every recipient's status and reason.", args,
		func(fs fsFlags) {
			csvPath = fs.String("csv", "", "write the results to `FILE` as CSV (safe to open in a spreadsheet)")
			failed = fs.Bool("failed", false, "only the rows that failed")
		})
	if db == nil {
		return code
	}
	defer db.Close()
	var entries []campaign.Entry
	if err := db.Journal(c.ID, func(e campaign.Entry) bool {
		if !*failed || e.State == campaign.StateFailed {
			entries = append(entries, e)
		}
		return true
	}); err != nil {
		return m.fail(err)
	}
	if *csvPath != "" {
		if err := m.writeOut(*csvPath, func(w io.Writer) error { return campaign.WriteResultsCSV(w, entries) }); err != nil {
			return m.fail(err)
		}
		if *csvPath != "-" {
			fmt.Fprintf(m.Stdout, "%d rows written to %s\n", len(entries), *csvPath)
		}
		return exitOK
	}
	rows := make([][]string, len(entries))
	lines := make([]int, len(entries))
	for i, e := range entries {
		lines[i] = e.Line
		rows[i] = []string{e.To, string(e.State), e.Reason}
	}
	writeTable(m.Stdout, []string{"to", "status", "reason"}, lines, rows)
	return exitOK
}

func (m *Main) campaignResume(ctx context.Context, args []string) int {
	var yes, asJSON *bool
	db, c, _, dataDir, code := m.campaignArgDir("resume", "ID [--yes]", "Continue sending a paused or interrupted campaign; rows already sent are never sent again.", args,
		func(fs fsFlags) {
			yes = fs.Bool("yes", false, "do not ask for confirmation")
			asJSON = fs.Bool("json", false, "print machine-readable JSON lines")
		})
	if db == nil {
		return code
	}
	defer db.Close()
	dir, _ := m.dataDir(dataDir)
	svc := m.service(db, dir, "")
	defer svc.Close()
	return m.runCampaign(ctx, svc, c, &sendFlags{yes: *yes, json: *asJSON, dataDir: dataDir})
}

func (m *Main) campaignRetry(ctx context.Context, args []string) int {
	db, c, _, code := m.campaignArg("retry", "ID", "Put the failed rows back in the queue; 'campaign resume ID' then sends them.", args, nil)
	if db == nil {
		return code
	}
	defer db.Close()
	n, err := db.Retry(c.ID)
	if err != nil {
		return m.fail(err)
	}
	if n == 0 {
		fmt.Fprintf(m.Stdout, "Campaign %q has no failed rows.\n", c.Name)
		return exitOK
	}
	fmt.Fprintf(m.Stdout, "%d failed rows are queued again. Run 'securemerge campaign resume %s' to send them.\n", n, c.ID)
	return exitOK
}

func (m *Main) campaignCancel(ctx context.Context, args []string) int {
	db, c, _, code := m.campaignArg("cancel", "ID", "Stop a campaign for good: rows not sent yet are skipped.", args, nil)
	if db == nil {
		return code
	}
	defer db.Close()
	n, err := campaign.Cancel(db, c.ID)
	if err != nil {
		return m.fail(err)
	}
	fmt.Fprintf(m.Stdout, "Campaign %q cancelled; %d rows not sent.\n", c.Name, n)
	return exitOK
}

func (m *Main) campaignDelete(ctx context.Context, args []string) int {
	var yes *bool
	db, c, _, code := m.campaignArg("delete", "ID [--yes]", "Remove a campaign, its recipients snapshot and journal from this computer.", args,
		func(fs fsFlags) { yes = fs.Bool("yes", false, "do not ask for confirmation") })
	if db == nil {
		return code
	}
	defer db.Close()
	if !*yes && !m.confirm(fmt.Sprintf("Delete campaign %q and its journal?", c.Name)) {
		return exitCanceled
	}
	if err := db.DeleteCampaign(c.ID); err != nil {
		return m.fail(err)
	}
	fmt.Fprintf(m.Stdout, "Deleted campaign %q.\n", c.Name)
	return exitOK
}

// campaignExportJSON is one campaign with its recipients and journal.
type campaignExportJSON struct {
	*campaign.Campaign
	Snapshot *campaign.Snapshot `json:"snapshot"`
	Journal  []campaign.Entry   `json:"journal"`
}

func (m *Main) campaignExport(ctx context.Context, args []string) int {
	db, c, rest, code := m.campaignArg("export", "ID [FILE]", "Write the campaign, its recipients and journal as JSON (to FILE or standard output).", args, nil)
	if db == nil {
		return code
	}
	defer db.Close()
	snap, err := db.Snapshot(c.ID)
	if err != nil {
		return m.fail(err)
	}
	out := campaignExportJSON{Campaign: c, Snapshot: snap, Journal: []campaign.Entry{}}
	if err := db.Journal(c.ID, func(e campaign.Entry) bool { out.Journal = append(out.Journal, e); return true }); err != nil {
		return m.fail(err)
	}
	if len(rest) == 0 || rest[0] == "-" {
		return m.writeJSON(out)
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return m.fail(err)
	}
	if err := os.WriteFile(rest[0], append(b, '\n'), 0o600); err != nil {
		return m.fail(err)
	}
	fmt.Fprintf(m.Stdout, "Campaign %q written to %s\n", c.Name, rest[0])
	return exitOK
}

func (m *Main) campaignRename(ctx context.Context, args []string) int {
	db, c, rest, code := m.campaignArg("rename", "ID NAME", "Give a campaign another name.", args, nil)
	if db == nil {
		return code
	}
	defer db.Close()
	if len(rest) != 1 || strings.TrimSpace(rest[0]) == "" {
		fmt.Fprintln(m.Stderr, "securemerge: campaign rename needs the new NAME")
		return exitUsage
	}
	name := strings.TrimSpace(rest[0])
	if err := db.UpdateCampaign(c.ID, func(c *campaign.Campaign) error { c.Name = name; return nil }); err != nil {
		return m.fail(err)
	}
	fmt.Fprintf(m.Stdout, "Campaign %s is now %q.\n", c.ID, name)
	return exitOK
}

func (m *Main) campaignDuplicate(ctx context.Context, args []string) int {
	db, c, rest, code := m.campaignArg("duplicate", "ID NAME", "Make a new draft with the same template, data and settings (nothing of the journal).", args, nil)
	if db == nil {
		return code
	}
	defer db.Close()
	name := c.Name + " (copy)"
	if len(rest) > 0 && strings.TrimSpace(rest[0]) != "" {
		name = strings.TrimSpace(rest[0])
	}
	d, err := db.DuplicateCampaign(c.ID, name)
	if err != nil {
		return m.fail(err)
	}
	fmt.Fprintf(m.Stdout, "New draft %q (%s). Send it with 'securemerge campaign resume %s'.\n", d.Name, d.ID, d.ID)
	return exitOK
}
