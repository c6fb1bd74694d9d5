package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/securemerge/securemerge/internal/campaign"
	"github.com/securemerge/securemerge/internal/graph"
	"github.com/securemerge/securemerge/internal/merge"
	"github.com/securemerge/securemerge/internal/outbox"
	"github.com/securemerge/securemerge/internal/store"
)

type sendFlags struct {
	dataFlags
	outbox                string
	drafts, test, live    bool
	limit, rate, daily    int
	row                   int
	name, dataDir, sendAs string
	yes, json             bool
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
	f.register(fs)
	fs.StringVar(&f.outbox, "outbox", "", "write .eml files into `DIR`")
	fs.BoolVar(&f.drafts, "drafts", false, "create the messages in Drafts")
	fs.BoolVar(&f.test, "test", false, "send one row (--row) to yourself")
	fs.BoolVar(&f.live, "live", false, "send through your mailbox")
	fs.IntVar(&f.limit, "limit", 0, "send at most `N` messages in this run (0 = all); run again to continue")
	fs.IntVar(&f.rate, "rate", 0, "messages per minute (default 30, the Microsoft 365 limit)")
	fs.IntVar(&f.daily, "daily-limit", 0, "recipients per rolling 24 hours (default 10000, or the saved setting)")
	fs.IntVar(&f.row, "row", 0, "with --test: the spreadsheet row `N` to send (default: the first recipient)")
	fs.StringVar(&f.name, "campaign", "", "campaign `NAME` (or ID): resume it if it exists, else create it")
	fs.StringVar(&f.dataDir, "data-dir", "", "folder of the local database")
	fs.StringVar(&f.sendAs, "send-as", "", "send as this shared mailbox `ADDRESS` (needs Mail.Send.Shared)")
	fs.BoolVar(&f.yes, "yes", false, "do not ask for confirmation")
	fs.BoolVar(&f.json, "json", false, "print machine-readable JSON lines")
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
	c, code := m.findOrCreate(db, &f, mode)
	if c == nil {
		return code
	}
	return m.runCampaign(ctx, db, c, &f)
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
	mb, code := m.connect(ctx, f.dataDir)
	if mb == nil {
		return code
	}
	p, code := m.prepare(&f.dataFlags, mergeOptions{campaignID: "test", from: mb.from()})
	if p == nil {
		return code
	}
	defer p.Close()
	for index := 0; ; index++ {
		values, err := p.rows.Next()
		if err != nil {
			fmt.Fprintf(m.Stderr, "securemerge: no data row %d to test with (%v)\n", f.row, err)
			return exitProblems
		}
		if f.row > 0 && p.rows.Line() != f.row {
			continue
		}
		msg, err := p.merger.Render(index, p.rows.Line(), values)
		if err != nil {
			fmt.Fprintf(m.Stderr, "securemerge: %v\n", err)
			return exitProblems
		}
		self, _ := mail.ParseAddress(mb.from())
		msg.To, msg.Cc, msg.Bcc = []mail.Address{*self}, nil, nil
		msg.Subject = "[TEST] " + msg.Subject
		msg.Key += "-test-" + time.Now().UTC().Format("20060102T150405")
		sender := graph.NewSender(mb.client, graph.SenderOptions{SendAs: f.sendAs})
		if err := sender.Send(ctx, msg); err != nil {
			return m.fail(fmt.Errorf("test message for row %d: %w", msg.Line, err))
		}
		fmt.Fprintf(m.Stdout, "Sent row %d to %s as a test: %q\n", msg.Line, self.Address, msg.Subject)
		return exitOK
	}
}

// findOrCreate returns the campaign named by --campaign, or a new one made
// from --data and --template.
func (m *Main) findOrCreate(db *store.DB, f *sendFlags, mode campaign.Mode) (*campaign.Campaign, int) {
	if f.name != "" {
		c, err := db.Campaign(f.name)
		if err == nil {
			if err := db.UpdateCampaign(c.ID, func(c *campaign.Campaign) error {
				applySettings(c, f, mode)
				return nil
			}); err != nil {
				return nil, m.fail(err)
			}
			c, err = db.Campaign(c.ID)
			if err != nil {
				return nil, m.fail(err)
			}
			snap, err := db.Snapshot(c.ID)
			if err != nil {
				return nil, m.fail(err)
			}
			if snap != nil || f.template == "" {
				return c, exitOK
			}
			// A draft: take the template and data given now.
			if code := m.setSource(db, c, f); code != exitOK {
				return nil, code
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
	c := &campaign.Campaign{Name: name}
	applySettings(c, f, mode)
	if err := db.CreateCampaign(c); err != nil {
		return nil, m.fail(err)
	}
	if code := m.setSource(db, c, f); code != exitOK {
		return nil, code
	}
	return c, exitOK
}

func applySettings(c *campaign.Campaign, f *sendFlags, mode campaign.Mode) {
	c.Settings.Mode = mode
	if f.outbox != "" {
		if abs, err := filepath.Abs(f.outbox); err == nil {
			c.Settings.Outbox = abs
		}
	}
	if f.rate > 0 {
		c.Settings.Rate = f.rate
	}
	if f.daily > 0 {
		c.Settings.DailyLimit = f.daily
	}
	if f.from != "" {
		c.Settings.From = f.from
	}
	if f.sendAs != "" {
		c.Settings.SendAs = f.sendAs
	}
}

// setSource stores the template text and data reference in a draft.
func (m *Main) setSource(db *store.DB, c *campaign.Campaign, f *sendFlags) int {
	text, err := os.ReadFile(f.template)
	if err != nil {
		return m.fail(fmt.Errorf("template: %w", err))
	}
	data, _ := filepath.Abs(f.data)
	attach, _ := filepath.Abs(f.attachDir())
	err = db.UpdateCampaign(c.ID, func(cc *campaign.Campaign) error {
		cc.Template = string(text)
		cc.Data = campaign.DataSource{Path: data, Sheet: f.sheet, Encoding: f.encoding, Delimiter: f.delimiter}
		cc.Settings.AttachDir = attach
		*c = *cc
		return nil
	})
	if err != nil {
		return m.fail(err)
	}
	return exitOK
}

// runCampaign freezes the recipients when the campaign starts, then sends
// (or resumes) it with the runner shared with the window.
func (m *Main) runCampaign(ctx context.Context, db *store.DB, c *campaign.Campaign, f *sendFlags) int {
	if c.Status == campaign.StatusCancelled {
		fmt.Fprintf(m.Stderr, "securemerge: campaign %q was cancelled; duplicate it to send again\n", c.Name)
		return exitProblems
	}
	mode := c.Settings.Mode
	var mb *mailbox
	from := c.Settings.From
	if mode == campaign.ModeSend || mode == campaign.ModeDrafts {
		var code int
		if mb, code = m.connect(ctx, f.dataDir); mb == nil {
			return code
		}
		from = firstNonEmpty(from, mb.from())
	}
	merger, rep, err := freeze(ctx, db, c, from, f.locale)
	if rep != nil && len(rep.Problems) > 0 && !f.json {
		_ = rep.WriteText(m.Stderr)
	}
	switch {
	case errors.Is(err, campaign.ErrInvalid):
		fmt.Fprintf(m.Stderr, "\nNothing was sent: fix the errors above, then run the same command again.\n")
		return exitProblems
	case len(merge.TemplateProblems(err)) > 0:
		return m.templateProblems(c.Name, err)
	case err != nil && ctx.Err() != nil:
		return exitCanceled
	case err != nil:
		return m.fail(err)
	}
	c, err = db.Campaign(c.ID)
	if err != nil {
		return m.fail(err)
	}
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
	var sender campaign.Sender
	r := &campaign.Runner{Store: db, Merger: merger, WaitForBudget: true,
		Rate: c.Settings.Rate, DailyLimit: c.Settings.DailyLimit}
	switch mode {
	case campaign.ModeOutbox:
		dir := c.Settings.Outbox
		if dir == "" {
			dataDir, _ := m.dataDir(f.dataDir)
			dir = filepath.Join(dataDir, store.OutboxName)
		}
		if sender, err = outboxSender(r, dir); err != nil {
			return m.fail(err)
		}
		if !f.json {
			fmt.Fprintf(m.Stdout, "Outbox: %s\n", dir)
		}
	case campaign.ModeDrafts:
		sender = graph.NewSender(mb.client, graph.SenderOptions{Drafts: true, SendAs: c.Settings.SendAs})
		r.DailyLimit = -1
	case campaign.ModeSend:
		sender = graph.NewSender(mb.client, graph.SenderOptions{SendAs: c.Settings.SendAs})
	default:
		fmt.Fprintf(m.Stderr, "securemerge: campaign %q has no sending mode; use --outbox, --drafts or --live\n", c.Name)
		return exitUsage
	}
	r.Sender, r.Limit = sender, f.limit
	pr := newProgress(m.Stdout, f.json, isTerminal(m.Stdout))
	r.Progress = pr
	err = r.Run(ctx, c.ID)
	pr.finish()
	c, _ = db.Campaign(c.ID)
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
	m.summary(c, f.json)
	if c != nil && c.Status == campaign.StatusPaused && c.Reason != "" {
		fmt.Fprintf(m.Stdout, "%s: 'securemerge campaign resume %s'\n", c.Reason, c.ID)
	}
	if c != nil && c.Counts.Failed > 0 {
		fmt.Fprintf(m.Stderr, "%d rows failed: see 'securemerge campaign results %s', fix them, then 'securemerge campaign retry %s'.\n", c.Counts.Failed, c.ID, c.ID)
		return exitProblems
	}
	return exitOK
}

func (m *Main) summary(c *campaign.Campaign, asJSON bool) {
	if c == nil {
		return
	}
	if asJSON {
		writeJSONLine(m.Stdout, map[string]any{"event": "summary", "campaign": c.ID, "name": c.Name, "status": c.Status, "reason": c.Reason, "counts": c.Counts})
		return
	}
	fmt.Fprintf(m.Stdout, "%s: %d sent, %d failed, %d skipped, %d left\n", statusWord(c.Status), c.Counts.Sent, c.Counts.Failed, c.Counts.Skipped, c.Counts.Pending+c.Counts.Sending)
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

// freeze builds the campaign's Merger from its stored template and, the
// first time, validates the data file and freezes the recipients
// (campaign.Prepare). Template problems come back as errors that
// merge.TemplateProblems explains; validation errors as campaign.ErrInvalid
// with the report.
func freeze(ctx context.Context, db *store.DB, c *campaign.Campaign, from, locale string) (*merge.Merger, *merge.Report, error) {
	spec, err := merge.ParseSpec(strings.NewReader(c.Template), c.Name+".tpl")
	if err != nil {
		return nil, nil, err
	}
	snap, err := db.Snapshot(c.ID)
	if err != nil {
		return nil, nil, err
	}
	opt := merge.Options{DefaultFrom: from, AttachDir: c.Settings.AttachDir, Footer: freeFooter(),
		CampaignID: c.ID, Suppressed: db.Suppressed}
	if opt.DefaultFrom == "" {
		opt.DefaultFrom, _ = db.Setting("from")
	}
	if snap != nil {
		merger, err := merge.NewMerger(spec, merge.NewHeader(snap.Columns), opt)
		return merger, nil, err
	}
	d := dataFlags{data: c.Data.Path, sheet: c.Data.Sheet, encoding: c.Data.Encoding, delimiter: c.Data.Delimiter, locale: locale}
	rows, err := d.openRows()
	if err != nil {
		return nil, nil, err
	}
	merger, err := merge.NewMerger(spec, merge.NewHeader(rows.Columns()), opt)
	rows.Close()
	if err != nil {
		return nil, nil, err
	}
	rep, err := campaign.Prepare(ctx, db, c.ID, merger, func() (merge.RowSource, error) { return d.openRows() })
	return merger, rep, err
}

// outboxSender sets r up for writing .eml files into dir: unpaced (no
// mailbox limit applies), no daily budget, in parallel, in batches.
func outboxSender(r *campaign.Runner, dir string) (campaign.Sender, error) {
	box := outbox.Dir{Path: dir, Batch: true}
	if _, err := box.RemoveTemp(); err != nil && !os.IsNotExist(err) {
		return nil, err
	}
	r.Rate, r.DailyLimit, r.Concurrency = -1, -1, 8
	return outbox.Sender{Dir: box}, nil
}
