package ui

import (
	"context"
	"errors"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/securemerge/securemerge/internal/campaign"
	"github.com/securemerge/securemerge/internal/merge"
)

// sendModes are the Send step's choices, in the order shown. Test is no
// campaign mode: it sends one row to the signed-in mailbox and journals
// nothing.
var sendModes = []campaign.Mode{campaign.ModeTest, campaign.ModeOutbox, campaign.ModeDrafts, campaign.ModeSend}

// progressEvery is how often, at most, the window shows a running send's
// progress: a send to the outbox reports thousands of rows a second, and
// redrawing for each would freeze the window.
const progressEvery = 100 * time.Millisecond

// sendStep is the campaign's Send step: the mode, where the messages go
// and from whom, the start (after a confirmation that says how many, from
// whom and how long), the progress of a running send with pause, resume
// and cancel, and every recipient's result. It runs on the UI goroutine;
// the job reports through a progressSink, which the step reads at most
// every progressEvery.
type sendStep struct {
	s  *campaignScreen
	u  *App
	vm *campaignVM

	mode     *widget.RadioGroup
	modeText []string // the radio's options, by sendModes index
	from     *widget.Label
	folder   *widget.Label
	openDir  *widget.Button
	choose   *widget.Button
	where    *fyne.Container // the outbox folder and its buttons
	testRow  *widget.Label
	start    *widget.Button
	later    *sendLater    // "Send later…", or when a scheduled campaign goes
	note     *widget.Label // why the start is refused, or what happened

	blocked  *fyne.Container // the rows with errors, and "Skip N rows"
	problems *widget.Label
	skip     *widget.Button

	progress *fyne.Container
	bar      *widget.ProgressBar
	counts   *widget.Label
	eta      *widget.Label
	waiting  *widget.Label
	pause    *widget.Button
	resume   *widget.Button
	cancel   *widget.Button

	results *resultsTable

	job  *campaign.Job
	sink *progressSink
	// ended is closed once the end of the job started last has been shown
	// (tests wait on it); nil before the first start.
	ended chan struct{}
	// runner adjusts each Runner before it runs (tests hold a send
	// mid-way with it); nil in the app.
	runner func(*campaign.Runner)
	// live makes a window whose work runs inline (tests) show progress as
	// the app does, every progressEvery; otherwise such a window shows
	// only the end, so a test reads it only once the job has ended.
	live bool
	// mailbox is the signed-in mailbox's address, "" when nobody is
	// signed in or the window has no Account.
	mailbox string
	// pausing is set between Pause and the job's end.
	pausing bool
	// confirming is set while the confirmation is open: the campaign is
	// frozen but nothing has started, so no progress shows behind it.
	confirming bool
}

func newSendStep(s *campaignScreen) *sendStep { return &sendStep{s: s, u: s.u, vm: s.vm} }

func (d *sendStep) build() fyne.CanvasObject {
	d.modeText = []string{lang.L("send.mode.test"), lang.L("send.mode.outbox"), lang.L("send.mode.drafts"), lang.L("send.mode.send")}
	d.mode = widget.NewRadioGroup(d.modeText, func(string) { d.onMode() })
	d.mode.Required = true
	d.from = widget.NewLabel("")
	d.from.Wrapping = fyne.TextWrapWord
	d.folder = widget.NewLabel("")
	d.folder.Truncation = fyne.TextTruncateEllipsis
	d.openDir = widget.NewButtonWithIcon(lang.L("send.folder.open"), theme.FolderOpenIcon(), d.onOpenFolder)
	d.choose = widget.NewButtonWithIcon(lang.L("send.folder.choose"), theme.FolderIcon(), d.onChooseFolder)
	d.where = container.NewBorder(nil, nil, widget.NewLabel(lang.L("send.folder")), container.NewHBox(d.openDir, d.choose), d.folder)
	d.testRow = widget.NewLabel("")
	d.start = widget.NewButtonWithIcon("", theme.MailSendIcon(), func() { d.onStart(false) })
	d.start.Importance = widget.HighImportance
	d.later = newSendLater(d)
	d.note = widget.NewLabel("")
	d.note.Wrapping = fyne.TextWrapWord
	d.note.Hide()

	d.problems = widget.NewLabel("")
	d.problems.Wrapping = fyne.TextWrapWord
	d.skip = widget.NewButton("", func() { d.onStart(true) })
	d.skip.Importance = widget.WarningImportance
	fix := widget.NewButton(lang.L("send.blocked.fix"), func() { d.s.show(stepData) })
	blockedTitle := widget.NewLabelWithStyle(lang.L("send.blocked.title"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	blockedTitle.Importance = widget.DangerImportance
	d.blocked = container.NewVBox(blockedTitle, container.NewVScroll(d.problems), container.NewHBox(d.skip, fix))
	d.blocked.Objects[1].(*container.Scroll).SetMinSize(fyne.NewSize(0, 120))
	d.blocked.Hide()

	d.bar = widget.NewProgressBar()
	d.counts = widget.NewLabel("")
	d.eta = widget.NewLabel("")
	d.waiting = widget.NewLabel("")
	d.waiting.Importance = widget.WarningImportance
	d.waiting.Wrapping = fyne.TextWrapWord
	d.pause = widget.NewButtonWithIcon(lang.L("send.pause"), theme.MediaPauseIcon(), d.onPause)
	d.resume = widget.NewButtonWithIcon(lang.L("send.resume"), theme.MediaPlayIcon(), func() { d.onStart(false) })
	d.resume.Importance = widget.HighImportance
	d.cancel = widget.NewButtonWithIcon(lang.L("send.cancel"), theme.CancelIcon(), d.onCancel)
	d.progress = container.NewVBox(d.bar, container.NewBorder(nil, nil, nil, d.eta, d.counts), d.waiting,
		container.NewHBox(d.pause, d.resume, d.cancel))
	d.progress.Hide()

	d.results = newResultsTable(d)

	heading := widget.NewLabelWithStyle(lang.L("send.heading"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	top := container.NewVBox(heading, d.mode, d.from, d.where, d.testRow,
		container.NewHBox(d.start, d.later.later), d.later.row, d.note, d.blocked, d.progress, widget.NewSeparator())
	d.vm.onChange(func(what change) {
		if what&(changedCampaign|changedTemplate|changedRow) != 0 {
			d.showSetup()
		}
	})
	d.selectMode(d.campaignMode())
	d.showSetup()
	return container.NewBorder(container.NewPadded(top), nil, nil, nil, d.results.build())
}

// campaignMode is the mode shown: the campaign's own, else the outbox,
// which needs no account.
func (d *sendStep) campaignMode() campaign.Mode {
	switch m := d.vm.c.Settings.Mode; m {
	case campaign.ModeOutbox, campaign.ModeDrafts, campaign.ModeSend:
		return m
	}
	return campaign.ModeOutbox
}

func (d *sendStep) selectMode(m campaign.Mode) {
	for i, x := range sendModes {
		if x == m {
			d.mode.SetSelected(d.modeText[i])
		}
	}
}

// chosen is the mode selected.
func (d *sendStep) chosen() campaign.Mode {
	for i, t := range d.modeText {
		if t == d.mode.Selected {
			return sendModes[i]
		}
	}
	return campaign.ModeOutbox
}

// started reports whether the campaign has begun sending: its mode and
// recipients are fixed then.
func (d *sendStep) started() bool { return !d.vm.editable() }

func (d *sendStep) onMode() {
	m := d.chosen()
	if m != campaign.ModeTest && m != d.vm.c.Settings.Mode && !d.started() {
		id := d.vm.c.ID
		d.vm.c.Settings.Mode = m
		d.u.work.run(func() {
			_, err := d.u.deps.Campaigns.Update(id, campaign.Edit{Settings: func(s *campaign.Settings) { s.Mode = m }})
			if err != nil {
				fyne.Do(func() { showError(d.u.window, "choose mode", err) })
			}
		})
	}
	d.blocked.Hide()
	d.showSetup()
}

// showSetup shows, for the mode chosen, where the messages go, from whom,
// and what the start button does.
func (d *sendStep) showSetup() {
	if d.mode == nil {
		return
	}
	m := d.chosen()
	c := d.vm.c
	if d.started() && d.mode.Selected != d.modeText[0] {
		d.selectMode(c.Settings.Mode)
		m = d.chosen()
	}
	d.where.Hide()
	d.testRow.Hide()
	switch m {
	case campaign.ModeTest:
		d.from.SetText(d.mailboxText("send.from.test"))
		d.testRow.SetText(lang.L("send.test.row", map[string]any{"Row": formatCount(d.vm.row + 1)}))
		d.testRow.Show()
	case campaign.ModeOutbox:
		d.from.SetText(d.outboxFrom())
		d.folder.SetText(displayPath(d.u.deps.Campaigns.OutboxFolder(c)))
		d.choose.Hidden = d.started()
		d.where.Show()
	default:
		d.from.SetText(d.mailboxText("send.from.mailbox"))
	}
	d.start.SetText(lang.L("send.start." + string(m)))
	// Once started, a campaign goes on with Resume (the progress panel),
	// never a second start; a test to myself is always possible.
	d.start.Hidden = d.job != nil || (d.started() && m != campaign.ModeTest)
	d.start.Refresh()
	d.later.show()
	if d.started() {
		d.mode.Disable()
	} else {
		d.mode.Enable()
	}
	d.showState()
}

// mailboxText says which mailbox sends, so nobody sends from the wrong
// one: the signed-in address when known, else fallback's sentence.
func (d *sendStep) mailboxText(fallback string) string {
	switch {
	case d.mailbox != "":
		return lang.L("send.from.account", map[string]any{"Address": d.mailbox})
	case d.u.deps.Account != nil:
		return lang.L("send.from.signin")
	}
	return lang.L(fallback)
}

// outboxFrom says who the outbox's messages are from.
func (d *sendStep) outboxFrom() string {
	from := d.outboxSender()
	if from == "" {
		return lang.L("send.from.none")
	}
	return lang.L("send.from", map[string]any{"From": from})
}

// outboxSender is the From of the outbox's messages: the template's, the
// campaign's, else the From setting ("" when none is set).
func (d *sendStep) outboxSender() string {
	from := strings.TrimSpace(d.vm.spec.From)
	if from == "" {
		from = d.vm.c.Settings.From
	}
	if from == "" {
		from = d.u.deps.Campaigns.Settings().From
	}
	return from
}

// showState shows the progress panel for a campaign that has started:
// running, paused, done or cancelled.
func (d *sendStep) showState() {
	c := d.vm.c
	if c.Status == campaign.StatusDraft || c.Status == "" || d.confirming {
		d.progress.Hide()
		return
	}
	d.showCounts(c.Counts)
	d.eta.SetText("")
	running := d.job != nil
	d.pause.Hidden = !running || d.pausing
	d.resume.Hidden = running || c.Status == campaign.StatusDone || c.Status == campaign.StatusCancelled
	d.cancel.Hidden = c.Status == campaign.StatusDone || c.Status == campaign.StatusCancelled
	d.waiting.Importance = widget.WarningImportance
	switch {
	case d.pausing:
		d.waiting.SetText(lang.L("send.pausing"))
	case running:
		d.waiting.SetText("")
	case c.Status == campaign.StatusDone:
		d.waiting.SetText(lang.L("send.done." + string(c.Settings.Mode)))
		d.waiting.Importance = widget.SuccessImportance
	case c.Status == campaign.StatusCancelled:
		d.waiting.SetText(lang.L("send.cancelled"))
	case c.Status == campaign.StatusSending && c.Why.IsZero():
		// Frozen and not running here: the confirmation was closed, or
		// SecureMerge stopped while sending. Resume checks the rows left
		// "sending" with the destination before anything goes again.
		left := c.Counts.Pending + c.Counts.Sending
		d.waiting.SetText(lang.N("send.ready", left, map[string]any{"Count": formatCount(left)}))
	default:
		why := reasonText(c.Why, c.Reason)
		if why == "" {
			why = lang.L("reason.paused")
		}
		d.waiting.SetText(lang.L("send.paused", map[string]any{"Why": why}))
	}
	d.waiting.Hidden = d.waiting.Text == ""
	d.progress.Show()
	d.progress.Refresh()
}

// showCounts fills the bar and the counts line.
func (d *sendStep) showCounts(n campaign.Counts) {
	settled := n.Sent + n.Failed + n.Skipped + n.Bounced
	if n.Total > 0 {
		d.bar.SetValue(float64(settled) / float64(n.Total))
	} else {
		d.bar.SetValue(0)
	}
	d.counts.SetText(countsLine(n))
}

// countsLine is "12 sent · 1 failed · 3 skipped · 84 left".
func countsLine(n campaign.Counts) string {
	left := n.Pending + n.Sending
	bounced := ""
	if n.Bounced > 0 {
		bounced = lang.N("send.count.bounced", n.Bounced, map[string]any{"Count": formatCount(n.Bounced)}) + " · "
	}
	return lang.N("send.count.sent", n.Sent, map[string]any{"Count": formatCount(n.Sent)}) + " · " +
		lang.N("send.count.failed", n.Failed, map[string]any{"Count": formatCount(n.Failed)}) + " · " + bounced +
		lang.N("send.count.skipped", n.Skipped, map[string]any{"Count": formatCount(n.Skipped)}) + " · " +
		lang.N("send.count.left", left, map[string]any{"Count": formatCount(left)})
}

func (d *sendStep) shown() {
	d.reload()
	if a := d.u.deps.Account; a != nil {
		ctx := d.u.work.ctx
		d.u.work.run(func() {
			who := a.Who(ctx) // may ask the mailbox: apart from the counts
			fyne.Do(func() {
				d.mailbox = who
				d.showSetup()
			})
		})
	}
}

// reload reads the campaign's status and counts again, and follows a job
// started earlier (the campaign was left and opened again while sending).
func (d *sendStep) reload() {
	id := d.vm.c.ID
	d.u.work.run(func() {
		c, err := d.u.deps.Campaigns.Campaign(id)
		job := d.u.deps.Campaigns.Running(id)
		fyne.Do(func() {
			if err != nil {
				fyne.LogError("reload campaign", err)
				return
			}
			d.vm.c.Status, d.vm.c.Counts, d.vm.c.Why, d.vm.c.Reason = c.Status, c.Counts, c.Why, c.Reason
			d.vm.c.Settings = c.Settings
			if job != nil && d.job == nil {
				d.follow(job, nil)
			}
			d.vm.notify(changedCampaign)
			d.results.reload()
		})
	})
}

// mainAction is Ctrl+Enter: the chosen mode's start (after its
// confirmation), or resume when paused.
func (d *sendStep) mainAction() {
	switch {
	case d.job != nil:
	case !d.blocked.Hidden && !d.skip.Hidden:
		d.onStart(true)
	case !d.start.Hidden:
		d.onStart(false)
	case !d.resume.Hidden && !d.progress.Hidden:
		d.onStart(false)
	}
}

// plannedSend is what the confirmation tells before a send starts.
type plannedSend struct {
	plan      *campaign.Plan
	skipped   map[campaign.ReasonCode]int // rows skipped, by why
	sentToday int                         // recipients already sent in the last 24 h
}

// onStart plans the campaign (freezing its recipients on the first start)
// and asks to confirm; rows with errors block it unless skip is set.
func (d *sendStep) onStart(skip bool) {
	if d.job != nil {
		return
	}
	m := d.chosen()
	if m == campaign.ModeTest {
		d.onTest()
		return
	}
	// A campaign that has sent nothing yet (its confirmation was closed,
	// or SecureMerge stopped before the first message) is confirmed again;
	// one paused part-way resumes at once.
	n := d.vm.c.Counts
	resume := d.started() && n.Sent+n.Failed > 0
	d.start.Disable()
	d.resume.Disable()
	d.blocked.Hide()
	d.setNote(lang.L("send.preparing"))
	c := d.vm.current()
	editable := d.vm.editable()
	d.vm.saver.stop()
	ctx := d.u.work.ctx
	d.u.work.run(func() {
		var err error
		if editable {
			tpl := c.Template
			_, err = d.u.deps.Campaigns.Update(c.ID, campaign.Edit{Template: &tpl, Settings: func(s *campaign.Settings) { s.Mode = m }})
		}
		var plan *campaign.Plan
		var rep *merge.Report
		if err == nil {
			plan, rep, err = d.u.deps.Campaigns.Plan(ctx, c.ID, campaign.PlanOptions{SkipInvalid: skip})
		}
		var ps plannedSend
		if err == nil {
			ps = plannedSend{plan: plan, skipped: d.skippedRows(c.ID)}
			if d.u.deps.Budget != nil {
				ps.sentToday, _, _ = d.u.deps.Budget.SentSince(time.Now().Add(-24 * time.Hour))
			}
		}
		fyne.Do(func() {
			d.start.Enable()
			d.resume.Enable()
			d.setNote("")
			switch {
			case errors.Is(err, campaign.ErrInvalid):
				d.showBlocked(rep)
			case err != nil:
				showError(d.u.window, "plan campaign", err)
			case resume:
				d.vm.c.Status = plan.Campaign.Status
				d.begin(plan)
			default:
				d.confirming = true
				d.frozen(plan.Campaign)
				d.confirm(ps)
			}
		})
	})
}

// frozen takes the campaign as planning left it: its recipients frozen,
// its status sending.
func (d *sendStep) frozen(c *campaign.Campaign) {
	tpl := d.vm.c.Template
	*d.vm.c = *c
	d.vm.c.Template = tpl
	d.vm.notify(changedCampaign)
}

// skippedRows counts the campaign's skipped rows by why, for the
// confirmation (one pass over the journal, in pages).
func (d *sendStep) skippedRows(id string) map[campaign.ReasonCode]int {
	out := map[campaign.ReasonCode]int{}
	for from := 0; ; from += resultsPage * 10 {
		es, _, err := d.u.deps.Campaigns.Results(id, from, resultsPage*10)
		if err != nil {
			return out
		}
		for _, e := range es {
			if e.State == campaign.StateSkipped {
				out[e.Why.Code]++
			}
		}
		if len(es) < resultsPage*10 {
			return out
		}
	}
}

// showBlocked lists the rows with errors; "Skip N rows with problems"
// sends the others, as `send --skip-invalid` does.
func (d *sendStep) showBlocked(rep *merge.Report) {
	if rep == nil {
		showError(d.u.window, "plan campaign", campaign.ErrInvalid)
		return
	}
	var lines []string
	rows := map[int]bool{}
	templateErr := false
	for _, p := range rep.Errors() {
		if p.Line == 0 {
			templateErr = true
			lines = append(lines, problemText(p))
			continue
		}
		rows[p.Line] = true
		if len(lines) < 200 {
			lines = append(lines, lang.L("send.blocked.row", map[string]any{"Row": formatCount(p.Line), "Problem": problemText(p)}))
		}
	}
	if more := len(rep.Errors()) - len(lines); more > 0 {
		lines = append(lines, lang.N("send.blocked.more", more, map[string]any{"Count": formatCount(more)}))
	}
	d.problems.SetText(strings.Join(lines, "\n"))
	d.skip.SetText(lang.N("send.blocked.skip", len(rows), map[string]any{"Count": formatCount(len(rows))}))
	d.skip.Hidden = templateErr || len(rows) == 0
	d.skip.Refresh()
	d.blocked.Show()
	d.blocked.Refresh()
}

// confirm states what the send will do and starts it on confirmation.
func (d *sendStep) confirm(ps plannedSend) {
	p := ps.plan
	c := p.Campaign
	mode := c.Settings.Mode
	left := c.Counts.Pending + c.Counts.Sending
	recipients := left
	if p.Report != nil && p.Report.Recipients > 0 {
		recipients = p.Report.Recipients
	}
	line := func(key, value string) fyne.CanvasObject {
		v := widget.NewLabel(value)
		v.Wrapping = fyne.TextWrapWord
		return container.NewBorder(nil, nil, widget.NewLabelWithStyle(lang.L(key), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), nil, v)
	}
	from := p.From
	if from == "" {
		from = d.outboxSender()
	}
	if from == "" {
		from = lang.L("send.from.none")
	}
	rate, daily := p.Pace()
	est := estimateSend(left, recipients, rate, daily, ps.sentToday)
	body := container.NewVBox(
		line("send.confirm.mode", d.modeText[modeIndex(mode)]),
		line("send.confirm.from", from),
	)
	if p.Folder != "" {
		body.Add(line("send.confirm.folder", displayPath(p.Folder)))
	}
	body.Add(line("send.confirm.recipients", lang.N("send.confirm.count", left, map[string]any{
		"Messages": formatCount(left), "Recipients": formatCount(recipients)})))
	body.Add(line("send.confirm.skipped", skippedText(c.Counts.Skipped, ps.skipped)))
	body.Add(line("send.confirm.time", est.text()))

	ok := newDefaultButton(d.u.keys, lang.N("send.confirm.ok."+string(mode), left, map[string]any{"Count": formatCount(left)}), nil)
	ok.Importance = widget.HighImportance
	if mode == campaign.ModeSend {
		ok.Importance = widget.DangerImportance
	}
	no := widget.NewButton(lang.L("dialog.cancel"), nil)
	dlg := dialog.NewCustomWithoutButtons(lang.L("send.confirm.title."+string(mode)), body, d.u.window)
	dlg.SetButtons([]fyne.CanvasObject{no, ok})
	no.OnTapped = dlg.Hide
	started := false
	ok.OnTapped = func() {
		started = true
		dlg.Hide()
	}
	d.confirming = true
	dlg.SetOnClosed(func() {
		d.confirming = false
		if started {
			d.begin(p)
		} else {
			d.showSetup()
		}
	})
	dlg.Resize(fyne.NewSize(560, 0))
	d.u.showDialog(dlg, ok)
}

func modeIndex(m campaign.Mode) int {
	for i, x := range sendModes {
		if x == m {
			return i
		}
	}
	return 1
}

// skippedText is "none", or "3: 2 duplicates, 1 with problems".
func skippedText(total int, by map[campaign.ReasonCode]int) string {
	if total == 0 {
		return lang.L("send.skipped.none")
	}
	codes := make([]string, 0, len(by))
	for c := range by {
		codes = append(codes, string(c))
	}
	sort.Strings(codes)
	var parts []string
	other := 0
	for _, c := range codes {
		n := by[campaign.ReasonCode(c)]
		switch campaign.ReasonCode(c) {
		case campaign.ReasonDuplicate:
			parts = append(parts, lang.N("send.skipped.duplicate", n, map[string]any{"Count": formatCount(n)}))
		case campaign.ReasonSuppressed:
			parts = append(parts, lang.N("send.skipped.suppressed", n, map[string]any{"Count": formatCount(n)}))
		case campaign.ReasonInvalid:
			parts = append(parts, lang.N("send.skipped.invalid", n, map[string]any{"Count": formatCount(n)}))
		default:
			other += n
		}
	}
	if other > 0 {
		parts = append(parts, lang.N("send.skipped.other", other, map[string]any{"Count": formatCount(other)}))
	}
	return lang.N("send.skipped", total, map[string]any{"Count": formatCount(total), "Why": strings.Join(parts, ", ")})
}

// begin starts the planned send and follows it.
func (d *sendStep) begin(p *campaign.Plan) {
	sink := &progressSink{}
	job, err := p.Start(d.u.work.ctx, campaign.StartOptions{Progress: sink, Runner: d.runner})
	if err != nil {
		showError(d.u.window, "start campaign", err)
		return
	}
	d.vm.c.Status = campaign.StatusSending
	d.follow(job, sink)
}

// follow shows job's progress until it ends: from sink when this window
// started it, else (a job started before the campaign was opened again)
// from the journal's counts.
func (d *sendStep) follow(job *campaign.Job, sink *progressSink) {
	d.job, d.sink, d.pausing = job, sink, false
	ended := make(chan struct{})
	d.ended = ended
	d.showSetup()
	inline := d.u.work.inline() && !d.live
	go func() {
		defer close(ended)
		var tick <-chan time.Time
		// Tests run the window's work inline and read it once the job has
		// ended: only the end is shown there.
		if !inline {
			t := time.NewTicker(progressEvery)
			defer t.Stop()
			tick = t.C
		}
		for {
			select {
			case <-tick:
				if sink == nil {
					d.pollCounts(job)
					continue
				}
				if r, rows, ok := sink.take(); ok {
					fyne.Do(func() { d.showProgress(r, rows) })
				}
			case <-job.Done():
				var r campaign.Report
				var rows map[int]campaign.Entry
				ok := false
				if sink != nil {
					r, rows, ok = sink.take()
				}
				fyne.Do(func() {
					if ok {
						d.showProgress(r, rows)
					}
					d.finished(job)
				})
				return
			}
		}
	}()
}

// pollCounts reads the counts of a job this window did not start.
func (d *sendStep) pollCounts(job *campaign.Job) {
	_, n, err := d.u.deps.Campaigns.Results(job.ID, 0, 0)
	if err == nil {
		fyne.Do(func() {
			if d.job == job {
				d.showProgress(campaign.Report{Counts: n}, nil)
			}
		})
	}
}

// showProgress shows a report: the bar, the counts, the time left, why
// nothing moves, and the rows that changed in the results.
func (d *sendStep) showProgress(r campaign.Report, rows map[int]campaign.Entry) {
	d.vm.c.Counts = r.Counts
	d.showCounts(r.Counts)
	if r.ETA > 0 {
		d.eta.SetText(lang.L("send.eta", map[string]any{"Time": formatDuration(r.ETA)}))
	} else {
		d.eta.SetText("")
	}
	if !d.pausing {
		why := ""
		if !r.Wait.IsZero() || r.Waiting != "" {
			why = reasonText(r.Wait, r.Waiting)
		}
		d.waiting.SetText(why)
		d.waiting.Hidden = why == ""
	}
	d.progress.Refresh()
	d.results.update(r.Counts, rows)
}

// finished shows how the job ended and reads the campaign again.
func (d *sendStep) finished(job *campaign.Job) {
	if d.job != job {
		return
	}
	d.job, d.sink, d.pausing = nil, nil, false
	err := job.Err()
	var pe *campaign.PauseError
	switch {
	case err == nil, errors.Is(err, campaign.ErrPaused), errors.As(err, &pe):
	case errors.Is(err, context.Canceled):
		// The window is closing: the campaign is paused, nothing to show.
	default:
		showError(d.u.window, "send campaign", err)
	}
	d.reload()
}

// onPause stops scheduling rows; the ones in flight finish and are
// recorded, then the campaign shows as paused.
func (d *sendStep) onPause() {
	if d.job == nil {
		return
	}
	d.pausing = true
	d.job.Pause()
	d.showState()
}

// onCancel asks, then stops the campaign for good.
func (d *sendStep) onCancel() {
	left := d.vm.c.Counts.Pending + d.vm.c.Counts.Sending
	msg := lang.N("send.cancel.confirm", left, map[string]any{"Count": formatCount(left)})
	d.u.ask(lang.L("send.cancel.title"), msg, lang.L("send.cancel.ok"), lang.L("send.cancel.keep"), true, func(ok bool) {
		if !ok {
			return
		}
		id := d.vm.c.ID
		d.u.work.run(func() {
			_, err := d.u.deps.Campaigns.Cancel(id)
			fyne.Do(func() {
				if err != nil {
					showError(d.u.window, "cancel campaign", err)
				}
				d.reload()
			})
		})
	})
}

// onTest sends the selected recipient's message to the signed-in mailbox.
func (d *sendStep) onTest() {
	c := d.vm.current()
	ref := campaign.RowRef{Index: d.vm.row}
	ctx := d.u.work.ctx
	d.start.Disable()
	d.setNote(lang.L("send.preparing"))
	d.u.work.run(func() {
		msg, err := d.u.deps.Campaigns.SendTest(ctx, c, ref)
		fyne.Do(func() {
			d.start.Enable()
			if err != nil {
				d.setNote("")
				showError(d.u.window, "send test", err)
				return
			}
			to := ""
			if len(msg.To) > 0 {
				to = msg.To[0].Address
			}
			d.setNote(lang.L("send.test.sent", map[string]any{"To": to, "Subject": msg.Subject}))
		})
	})
}

func (d *sendStep) setNote(s string) {
	d.note.SetText(s)
	d.note.Hidden = s == ""
	d.note.Refresh()
}

// onOpenFolder shows the outbox folder in the file manager.
func (d *sendStep) onOpenFolder() {
	dir := d.u.deps.Campaigns.OutboxFolder(d.vm.c)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		showError(d.u.window, "open outbox folder", err)
		return
	}
	u, err := url.Parse(storage.NewFileURI(dir).String())
	if err == nil {
		err = fyne.CurrentApp().OpenURL(u)
	}
	if err != nil {
		showError(d.u.window, "open outbox folder", err)
	}
}

// onChooseFolder picks another folder for the outbox.
func (d *sendStep) onChooseFolder() {
	dlg := dialog.NewFolderOpen(func(l fyne.ListableURI, err error) {
		if err != nil {
			showError(d.u.window, "choose outbox folder", err)
			return
		}
		if l == nil {
			return
		}
		dir, id := l.Path(), d.vm.c.ID
		d.u.work.run(func() {
			c, err := d.u.deps.Campaigns.Update(id, campaign.Edit{Settings: func(s *campaign.Settings) { s.Outbox = dir }})
			fyne.Do(func() {
				if err != nil {
					showError(d.u.window, "choose outbox folder", err)
					return
				}
				d.vm.c.Settings = c.Settings
				d.showSetup()
			})
		})
	}, d.u.window)
	dlg.Resize(fyne.NewSize(800, 560))
	d.u.showDialog(dlg, nil)
}

// displayPath shortens a path under the home folder to ~/…, as file
// managers and terminals show it.
func displayPath(p string) string {
	home, err := os.UserHomeDir()
	if err != nil || home == "" {
		return p
	}
	rel, err := filepath.Rel(home, p)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) || filepath.IsAbs(rel) {
		return p
	}
	if rel == "." {
		return "~"
	}
	return "~" + string(filepath.Separator) + rel
}

// progressSink receives a job's reports on the job's goroutines and keeps
// only what the window will show: the latest counts and every row that
// changed since the window last looked. It never blocks the sender. Safe
// for concurrent use.
type progressSink struct {
	mu     sync.Mutex
	latest campaign.Report
	fresh  bool
	rows   map[int]campaign.Entry
}

// Progress implements campaign.Progress.
func (p *progressSink) Progress(r campaign.Report) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if r.Last != nil {
		if p.rows == nil {
			p.rows = map[int]campaign.Entry{}
		}
		p.rows[r.Last.Index] = *r.Last
	}
	r.Last = nil
	p.latest, p.fresh = r, true
}

// take returns what arrived since the last take; false when nothing did.
func (p *progressSink) take() (campaign.Report, map[int]campaign.Entry, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.fresh {
		return campaign.Report{}, nil, false
	}
	r, rows := p.latest, p.rows
	p.fresh, p.rows = false, nil
	return r, rows, true
}

// sendTime is how long a send takes at its pace within the daily budget.
type sendTime struct {
	Unpaced  bool          // the outbox: as fast as the disk, no limit applies
	Duration time.Duration // sending what fits in today's budget, at the pace
	Today    int           // messages sent today
	Later    int           // messages left once today's budget is spent
	Days     int           // days after today the rest needs (0 when Later is 0)
}

// estimateSend is the time messages (to recipients, To+Cc+Bcc) take at
// rate messages a minute within a daily budget of daily recipients, of
// which sentToday are spent. A negative rate means unpaced (the outbox), a
// negative daily no budget (drafts); 0 means Exchange's defaults (30 a
// minute, 10,000 a day).
func estimateSend(messages, recipients, rate, daily, sentToday int) sendTime {
	if rate < 0 {
		return sendTime{Unpaced: true, Today: messages}
	}
	if rate == 0 {
		rate = 30
	}
	if daily == 0 {
		daily = 10000
	}
	per := 1.0 // recipients per message
	if messages > 0 && recipients > messages {
		per = float64(recipients) / float64(messages)
	}
	t := sendTime{Today: messages}
	if daily > 0 {
		fit := int(float64(max(daily-sentToday, 0)) / per)
		if fit < messages {
			t.Today, t.Later = fit, messages-fit
			perDay := max(int(float64(daily)/per), 1)
			t.Days = (t.Later + perDay - 1) / perDay
		}
	}
	t.Duration = time.Duration(float64(t.Today) / float64(rate) * float64(time.Minute))
	return t
}

// text is the estimate as the confirmation says it: "about 3 h 20 min;
// 2,000 today, the rest tomorrow".
func (t sendTime) text() string {
	switch {
	case t.Unpaced:
		return lang.L("send.time.fast")
	case t.Later == 0 && t.Duration < time.Minute:
		return formatDuration(t.Duration)
	case t.Later == 0:
		return lang.L("send.time.about", map[string]any{"Time": formatDuration(t.Duration)})
	case t.Today == 0:
		return lang.N("send.time.none", t.Days, map[string]any{"Days": formatCount(t.Days)})
	case t.Days == 1:
		return lang.L("send.time.tomorrow", map[string]any{"Time": formatDuration(t.Duration), "Today": formatCount(t.Today)})
	}
	return lang.L("send.time.days", map[string]any{"Time": formatDuration(t.Duration), "Today": formatCount(t.Today), "Days": formatCount(t.Days)})
}

// formatDuration writes a duration to the minute, rounded up: "less than a
// minute", "40 min", "3 h 20 min", "2 h".
func formatDuration(d time.Duration) string {
	if d < time.Minute {
		return lang.L("send.duration.short")
	}
	mins := int(math.Ceil(d.Minutes()))
	h, m := mins/60, mins%60
	switch {
	case h == 0:
		return lang.L("send.duration.min", map[string]any{"M": formatCount(m)})
	case m == 0:
		return lang.L("send.duration.h", map[string]any{"H": formatCount(h)})
	}
	return lang.L("send.duration.hmin", map[string]any{"H": formatCount(h), "M": formatCount(m)})
}

// defaultButton is a dialog's default button: Enter presses it, and the
// window's Escape and F1 still reach the window while it has the focus.
type defaultButton struct {
	widget.Button
	keys *keymap
}

func newDefaultButton(k *keymap, text string, tapped func()) *defaultButton {
	b := &defaultButton{keys: k}
	b.Text, b.OnTapped = text, tapped
	b.ExtendBaseWidget(b)
	return b
}

// TypedKey implements fyne.Focusable.
func (b *defaultButton) TypedKey(ev *fyne.KeyEvent) {
	switch ev.Name {
	case fyne.KeyReturn, fyne.KeyEnter:
		b.Tapped(nil)
	case fyne.KeyEscape, fyne.KeyF1:
		b.keys.key(ev.Name)
	default:
		b.Button.TypedKey(ev)
	}
}

// confirmClose is the window's close while a send runs: it asks first, as
// pausing stops the send (the messages on their way finish and are
// recorded, and Resume continues where it stopped); close runs when the
// person confirms, or at once when nothing is being sent. app.go's close
// intercept calls it.
func (u *App) confirmClose(close func()) {
	left := u.sendingLeft()
	if left < 0 {
		close()
		return
	}
	msg := lang.N("send.close.confirm", left, map[string]any{"Count": formatCount(left)})
	u.ask(lang.L("send.close.title"), msg, lang.L("send.close.ok"), lang.L("send.close.keep"), false, func(ok bool) {
		if ok {
			close()
		}
	})
}

// sendingLeft is how many messages the campaigns being sent from this
// window still have to go, -1 when none is being sent.
func (u *App) sendingLeft() int {
	if u.deps.Campaigns == nil {
		return -1
	}
	left := -1
	add := func(n campaign.Counts) { left = max(left, 0) + n.Pending + n.Sending }
	if u.open != nil {
		if d, ok := u.open.steps[stepSend].(*sendStep); ok && d.job != nil {
			add(d.vm.c.Counts)
		}
	}
	if left >= 0 {
		return left
	}
	list, err := u.deps.Campaigns.Campaigns()
	if err != nil {
		return -1
	}
	for _, c := range list {
		if u.deps.Campaigns.Running(c.ID) != nil {
			add(c.Counts)
		}
	}
	return left
}
