package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"

	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/securemerge/securemerge/internal/campaign"

	"github.com/securemerge/securemerge/internal/merge"
)

type sendFlags struct {
	dataFlags
	outbox                string
	drafts, test, live    bool
	limit, rate, daily    int
	row                   int
	name, dataDir, sendAs string
	yes, json             bool
	skipInvalid           bool
	sched                 scheduleFlags
}

func (m *Main) runSend(ctx context.Context, args []string) int {
	fs := m.flags("send", "--data FILE --template FILE [--outbox DIR | --drafts | --test | --live] [--campaign NAME]",
		`Send a campaign: one message per recipient. Without a mode it is a dry run that renders
and validates everything and sends nothing.
  --outbox DIR  write one .eml file per recipient into DIR (no account needed)
  --drafts      create every message in your mailbox's Drafts folder, to review
  --test        send one row to yourself, subject prefixed [TEST]
  --live        send through your Microsoft 365 mailbox (asks to confirm unless --yes)
Re-running with the same --campaign resumes: rows already sent are never sent again.`)
	var f sendFlags
	f.register(fs, m)
	fs.StringVar(&f.outbox, "outbox", "", "write .eml files into `DIR`")
	fs.BoolVar(&f.drafts, "drafts", false, "create the messages in Drafts")
	fs.BoolVar(&f.test, "test", false, "send one row (--row) to yourself")
	fs.BoolVar(&f.live, "live", false, "send through your mailbox")
	fs.IntVar(&f.limit, "limit", 0, "send at most `N` messages in this run (0 = all); run again to continue")
	fs.IntVar(&f.rate, "rate", 0, "messages per minute (default 30, the Microsoft 365 limit)")
	fs.IntVar(&f.daily, "daily-limit", 0, "recipients per rolling 24 hours (default: the daily-limit setting, else 10000)")
	fs.IntVar(&f.row, "row", 0, "with --test: the spreadsheet row `N` to send (default: the first recipient)")
	fs.StringVar(&f.name, "campaign", "", "campaign `NAME` (or ID): resume it if it exists, else create it")
	fs.StringVar(&f.dataDir, "data-dir", "", "folder of the local database")
	fs.StringVar(&f.sendAs, "send-as", "", "send as this shared mailbox `ADDRESS` (needs Mail.Send.Shared)")
	fs.BoolVar(&f.skipInvalid, "skip-invalid", false, "send the rows without errors; each row with errors is skipped and recorded with its reason")
	fs.BoolVar(&f.yes, "yes", false, "do not ask for confirmation")
	fs.BoolVar(&f.json, "json", false, "print machine-readable JSON lines")
	f.sched.register(fs)
	if c := parse(fs, args); c >= 0 {
		return c
	}
	modes := 0
	mode := campaign.ModeDryRun
	for _, mm := range []struct {
		on   bool
		mode campaign.Mode
	}{{f.outbox != "", campaign.ModeOutbox}, {f.drafts, campaign.ModeDrafts}, {f.test, campaign.ModeTest}, {f.live, campaign.ModeSend}} {
		if mm.on {
			modes++
			mode = mm.mode
		}
	}
	if modes > 1 {
		fmt.Fprintln(m.Stderr, "securemerge: choose one of --outbox, --drafts, --test, --live")
		return exitUsage
	}
	if f.rate < 0 || f.limit < 0 || f.daily < 0 {
		fmt.Fprintln(m.Stderr, "securemerge: --rate, --limit and --daily-limit must be positive")
		return exitUsage
	}
	if c := f.sched.check(m, mode); c >= 0 {
		return c
	}
	switch mode {
	case campaign.ModeDryRun:
		if !f.require(m) {
			return exitUsage
		}
		return m.dryRun(ctx, &f)
	case campaign.ModeTest:
		if !f.require(m) {
			return exitUsage
		}
		return m.sendTest(ctx, &f)
	}
	if f.name == "" && !f.require(m) {
		return exitUsage
	}
	db, code := m.openStore(f.dataDir)
	if db == nil {
		return code
	}
	defer db.Close()
	dir, _ := m.dataDir(f.dataDir)
	svc := m.service(db, dir, f.locale)
	defer svc.Close()
	c, code := m.findOrCreate(svc, &f, mode)
	if c == nil {
		return code
	}
	if f.sched.sch != nil {
		return m.scheduleCampaign(svc, c, &f)
	}
	return m.runCampaign(ctx, svc, c, &f)
}

// dryRun renders and validates every message and sends nothing.
func (m *Main) dryRun(ctx context.Context, f *sendFlags) int {
	code := m.runCheck(ctx, checkArgs(f))
	if code == exitOK {
		fmt.Fprintln(m.Stdout, "Dry run: nothing was sent. Add --outbox DIR, --drafts, --test or --live to send.")
	}
	return code
}

// checkArgs rebuilds the check command line from send's flags.
func checkArgs(f *sendFlags) []string {
	a := []string{"--data", f.data, "--template", f.template}
	for _, kv := range [][2]string{{"sheet", f.sheet}, {"encoding", f.encoding}, {"delimiter", f.delimiter},
		{"locale", f.locale}, {"attachments", f.attachments}, {"from", f.from}, {"data-dir", f.dataDir}} {
		if kv[1] != "" {
			a = append(a, "--"+kv[0], kv[1])
		}
	}
	if f.json {
		a = append(a, "--json")
	}
	return a
}

// sendTest sends one row to the signed-in user, subject prefixed [TEST].
func (m *Main) sendTest(ctx context.Context, f *sendFlags) int {
	c, code := m.draftFromFlags(&f.dataFlags, "test")
	if c == nil {
		return code
	}
	c.Settings.SendAs = f.sendAs
	db := m.optionalStore(f.dataDir)
	if db != nil {
		defer db.Close()
	}
	dir, _ := m.dataDir(f.dataDir)
	svc := m.service(db, dir, f.locale)
	defer svc.Close()
	msg, err := svc.SendTest(ctx, c, campaign.RowRef{Line: f.row})
	var ce *campaign.ConnectError
	switch {
	case err == nil:
		fmt.Fprintf(m.Stdout, "Sent row %d to %s as a test: %q\n", msg.Line, msg.To[0].Address, msg.Subject)
		return exitOK
	case errors.As(err, &ce):
		fmt.Fprintf(m.Stderr, "securemerge: %v\n", ce.Err)
		return exitFailure
	case errors.Is(err, campaign.ErrNoRow):
		fmt.Fprintf(m.Stderr, "securemerge: no data row %d to test with (%v)\n", f.row, err)
		return exitProblems
	case len(merge.TemplateProblems(err)) > 0:
		return m.templateProblems(f.template, err)
	case errors.As(err, new(*campaign.RenderError)):
		fmt.Fprintf(m.Stderr, "securemerge: %v\n", err)
		return exitProblems
	case ctx.Err() != nil:
		return exitCanceled
	}
	return m.fail(err)
}

// findOrCreate returns the campaign named by --campaign, or a new one made
// from --data and --template.
func (m *Main) findOrCreate(svc *campaign.Service, f *sendFlags, mode campaign.Mode) (*campaign.Campaign, int) {
	apply := func(s *campaign.Settings) { applySettings(s, f, mode) }
	if f.name != "" {
		c, err := svc.Campaign(f.name)
		if err == nil {
			edit := campaign.Edit{Settings: apply}
			if c.Status == campaign.StatusDraft && f.template != "" {
				// A draft: take the template and data given now.
				text, err := os.ReadFile(f.template)
				if err != nil {
					return nil, m.fail(fmt.Errorf("template: %w", err))
				}
				tpl, data := string(text), f.source()
				edit.Template, edit.TemplateName, edit.Data = &tpl, &f.template, &data
				attach := f.attachDir()
				edit.Settings = func(s *campaign.Settings) { apply(s); s.AttachDir = attach }
			}
			c, err = svc.Update(c.ID, edit)
			if errors.Is(err, campaign.ErrModeFixed) {
				fmt.Fprintf(m.Stderr, "securemerge: %v\n", err)
				return nil, exitUsage
			}
			if err != nil {
				return nil, m.fail(err)
			}
			return c, exitOK
		}
		if !errors.Is(err, campaign.ErrNotFound) {
			return nil, m.fail(err)
		}
		if !f.require(m) {
			return nil, exitUsage
		}
	}
	name := f.name
	if name == "" {
		base := strings.TrimSuffix(filepath.Base(f.template), filepath.Ext(f.template))
		name = fmt.Sprintf("%s %s", base, time.Now().Format("2006-01-02 15:04"))
	}
	text, err := os.ReadFile(f.template)
	if err != nil {
		return nil, m.fail(fmt.Errorf("template: %w", err))
	}
	d := campaign.Draft{Name: name, Template: string(text), TemplateName: f.template, Data: f.source()}
	applySettings(&d.Settings, f, mode)
	d.Settings.AttachDir = f.attachDir()
	c, err := svc.Create(d)
	if err != nil {
		return nil, m.fail(err)
	}
	return c, exitOK
}

func applySettings(s *campaign.Settings, f *sendFlags, mode campaign.Mode) {
	s.Mode = mode
	if f.outbox != "" {
		if abs, err := filepath.Abs(f.outbox); err == nil {
			s.Outbox = abs
		}
	}
	if f.rate > 0 {
		s.Rate = f.rate
	}
	if f.daily > 0 {
		s.DailyLimit = f.daily
	}
	if f.from != "" {
		s.From = f.from
	}
	if f.sendAs != "" {
		s.SendAs = f.sendAs
	}
}

// runCampaign freezes the recipients when the campaign starts, then sends
// (or resumes) it through the application layer shared with the window.
func (m *Main) runCampaign(ctx context.Context, svc *campaign.Service, c *campaign.Campaign, f *sendFlags) int {
	if c.Status == campaign.StatusCancelled {
		fmt.Fprintf(m.Stderr, "securemerge: campaign %q was cancelled; duplicate it to send again\n", c.Name)
		return exitProblems
	}
	plan, rep, err := svc.Plan(ctx, c.ID, campaign.PlanOptions{SkipInvalid: f.skipInvalid})
	if rep != nil && len(rep.Problems) > 0 && !f.json {
		_ = rep.WriteText(m.Stderr)
	}
	var ce *campaign.ConnectError
	switch {
	case errors.Is(err, campaign.ErrInvalid):
		fmt.Fprintf(m.Stderr, "\nNothing was sent: fix the errors above, then run the same command again.\n")
		if rowErrors(rep) {
			fmt.Fprintf(m.Stderr, "Or add --skip-invalid to send the other rows now (each skipped row is recorded with its reason).\n")
		}
		return exitProblems
	case errors.As(err, &ce):
		fmt.Fprintf(m.Stderr, "securemerge: %v\n", ce.Err)
		return exitFailure
	case len(merge.TemplateProblems(err)) > 0:
		return m.templateProblems(firstNonEmpty(f.template, c.TemplateName, c.Name), err)
	case err != nil && ctx.Err() != nil:
		return exitCanceled
	case err != nil:
		return m.fail(err)
	}
	c = plan.Campaign
	mode := c.Settings.Mode
	from := firstNonEmpty(c.Settings.From, plan.From)
	left := c.Counts.Pending + c.Counts.Sending
	if !f.json {
		what := map[campaign.Mode]string{campaign.ModeOutbox: "write", campaign.ModeDrafts: "create as drafts", campaign.ModeSend: "send"}[mode]
		fmt.Fprintf(m.Stdout, "Campaign %q (%s): %d recipients, %d sent, %d skipped, %d failed; %d to %s\n",
			c.Name, c.ID, c.Counts.Total, c.Counts.Sent, c.Counts.Skipped, c.Counts.Failed, left, what)
	}
	if mode == campaign.ModeSend && left > 0 && !f.yes {
		if !m.confirm(fmt.Sprintf("Send %d messages from %s now?", left, from)) {
			fmt.Fprintln(m.Stderr, "Not sent. Run again with --yes to skip this question.")
			return exitCanceled
		}
	}
	if mode == campaign.ModeOutbox && !f.json {
		fmt.Fprintf(m.Stdout, "Outbox: %s\n", plan.Folder)
	}
	pr := newProgress(m.Stdout, f.json, isTerminal(m.Stdout))
	job, err := plan.Start(ctx, campaign.StartOptions{Limit: f.limit, Progress: pr})
	if err != nil {
		return m.fail(err)
	}
	err = job.Wait()
	outErr := pr.finish()
	c, _ = svc.Campaign(c.ID)
	var pause *campaign.PauseError
	switch {
	case errors.As(err, &pause):
		fmt.Fprintf(m.Stderr, "Paused: %s\n", pause.Reason)
		m.summary(c, f.json)
		return exitFailure
	case err != nil && ctx.Err() != nil:
		fmt.Fprintln(m.Stderr, "\nPaused. Run the same command again to resume: nothing will be sent twice.")
		m.summary(c, f.json)
		return exitCanceled
	case err != nil:
		return m.fail(err)
	}
	if err := m.summary(c, f.json); err != nil || outErr != nil {
		// The messages went out; only the report of them did not.
		return m.fail(fmt.Errorf("write the progress: %w", errors.Join(outErr, err)))
	}
	if c != nil && c.Status == campaign.StatusPaused && c.Reason != "" {
		fmt.Fprintf(m.Stdout, "%s: 'securemerge campaign resume %s'\n", c.Reason, c.ID)
	}
	if c != nil && c.Counts.Failed > 0 {
		fmt.Fprintf(m.Stderr, "%d rows failed: see 'securemerge campaign results %s', fix them, then 'securemerge campaign retry %s'.\n", c.Counts.Failed, c.ID, c.ID)
		return exitProblems
	}
	return exitOK
}

// rowErrors reports whether rep's errors all belong to rows, so that
// --skip-invalid could send the others.
func rowErrors(rep *merge.Report) bool {
	if rep == nil || !rep.HasErrors() {
		return false
	}
	for _, p := range rep.Errors() {
		if p.Line == 0 {
			return false
		}
	}
	return true
}

func (m *Main) summary(c *campaign.Campaign, asJSON bool) error {
	if c == nil {
		return nil
	}
	if asJSON {
		return writeJSONLine(m.Stdout, map[string]any{"event": "summary", "campaign": c.ID, "name": c.Name, "status": c.Status, "reason": c.Reason, "counts": c.Counts})
	}
	_, err := fmt.Fprintf(m.Stdout, "%s: %d sent, %d failed, %d skipped, %d left\n", statusWord(c.Status), c.Counts.Sent, c.Counts.Failed, c.Counts.Skipped, c.Counts.Pending+c.Counts.Sending)
	return err
}

func statusWord(s campaign.Status) string {
	if s == "" {
		return "Draft"
	}
	return strings.ToUpper(string(s[:1])) + string(s[1:])
}

// confirm asks a yes/no question on the terminal; with no terminal it says no.
func (m *Main) confirm(question string) bool {
	if !isTerminal(m.Stdout) && m.Stdin == nil {
		return false
	}
	fmt.Fprintf(m.Stdout, "%s [y/N] ", question)
	line, _ := bufio.NewReader(m.Stdin).ReadString('\n')
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes", "o", "oui":
		return true
	}
	return false
}
