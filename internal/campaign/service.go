package campaign

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/securemerge/securemerge/internal/merge"
)

// Rows is an open data source: the recipients of a spreadsheet, row by row.
// internal/sheet's Reader is one, through the adapter cmd/securemerge wires.
type Rows interface {
	merge.RowSource
	Columns() []string
	// Warnings are the source's own remarks (empty or duplicate headers,
	// bytes that were not UTF-8), as validation warnings.
	Warnings() []merge.Problem
	Close() error
}

// SourceInfo describes a data file as it was read: its format, the sheet
// read and the others, and for CSV the encoding and delimiter found. A
// Rows that knows them has a Source() SourceInfo method.
type SourceInfo struct {
	Format    string   // "xlsx", "ods" or "csv"
	Sheet     string   // the sheet read
	Sheets    []string // every sheet, in workbook order
	Encoding  string   // csv only
	Delimiter string   // csv only: "," ";" "\t" or "|"
}

// Sources opens a campaign's data source. Implementations are safe for
// concurrent use.
type Sources interface {
	Open(d DataSource) (Rows, error)
}

// Senders builds the senders of each mode. The outbox needs no account;
// the mailbox modes connect when asked, and only then.
type Senders interface {
	// Outbox returns the sender that writes .eml files into dir. It must be
	// a BatchSender (idempotent, made durable by Flush). own says dir is
	// the app's own outbox (not chosen by the person), which the sender
	// marks so that `data erase` may remove what it wrote there.
	Outbox(dir string, own bool) (Sender, error)
	// Mailbox connects to the signed-in Microsoft 365 mailbox.
	Mailbox(ctx context.Context) (Mailbox, error)
}

// Mailbox is a connected mailbox.
type Mailbox interface {
	// Address is the mailbox's own address; an error when it has none
	// usable (a /me with neither mail nor user principal name).
	Address() (mail.Address, error)
	// Sender delivers through the mailbox: into Drafts when drafts is set,
	// as the shared mailbox sendAs when not "".
	Sender(drafts bool, sendAs string) Sender
}

// Service is the application layer the window and the command line share:
// every use case of a campaign — create, edit, duplicate, check, preview,
// test-send, start (and pause, resume, cancel through the Job), results —
// with the rules that go with them (which merge options, which sender and
// pace per mode, which settings apply). Front ends keep only their
// presentation: flags, printing and exit codes; screens and dialogs.
//
// Configure it with the fields below before first use; it is then safe for
// concurrent use. Close pauses every running job and waits for them, so a
// front end closes the Service before the Store.
type Service struct {
	Store   Store
	Sources Sources
	Senders Senders // nil: only dry runs and previews work
	// Footer returns the promotional footer of the free plan, or nil for a
	// licensed user (DESIGN.md §7). nil means no footer.
	Footer func() *merge.Footer
	// OutboxDir is the app's own outbox folder, <data folder>/outbox: a
	// campaign with no folder chosen writes to OutboxDir/<campaign name>.
	OutboxDir string
	// Language is the person's language ("fr", "en"): the default of a
	// template's Language: header. "" means English.
	Language string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// OnPanic is given to every Runner the Service starts (Runner.OnPanic).
	OnPanic func(v any)
	// RowCacheBytes bounds the cells a data-source Table keeps in memory;
	// 0 means 256 MiB.
	RowCacheBytes int64

	mu     sync.Mutex
	jobs   map[string]*Job
	tables map[string]*Table
	closed bool
}

// Errors of the Service callers branch on.
var (
	ErrJobRunning = errors.New("this campaign is already being sent")
	ErrModeFixed  = errors.New("a started campaign keeps its sending mode")
	ErrNoMailbox  = errors.New("no mailbox: sign in first")
	ErrNoSource   = errors.New("the campaign has no template or no recipients yet")
	ErrClosed     = errors.New("SecureMerge is closing")
	ErrNoRow      = errors.New("no such row")
)

// ConnectError says the mailbox could not be used: not signed in, not
// reachable, or without an address to send from. Err says which.
type ConnectError struct{ Err error }

func (e *ConnectError) Error() string { return e.Err.Error() }
func (e *ConnectError) Unwrap() error { return e.Err }

// connect opens the mailbox and its own address.
func (s *Service) connect(ctx context.Context) (Mailbox, mail.Address, error) {
	if s.Senders == nil {
		return nil, mail.Address{}, &ConnectError{ErrNoMailbox}
	}
	mb, err := s.Senders.Mailbox(ctx)
	if err != nil {
		return nil, mail.Address{}, &ConnectError{err}
	}
	self, err := mb.Address()
	if err != nil {
		return nil, mail.Address{}, &ConnectError{err}
	}
	return mb, self, nil
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Draft is what a new campaign starts from.
type Draft struct {
	Name         string
	Template     string // the template file's text
	TemplateName string // the file's name, for located errors ("" for one written in the window)
	Data         DataSource
	Settings     Settings
}

// Create stores a new draft campaign. A relative data path or attachment
// folder is made absolute, so the campaign works from any directory later.
// With no attachment folder, the template's folder is used when the
// template came from a file (TemplateName holds its path), else the data
// file's folder.
func (s *Service) Create(d Draft) (*Campaign, error) {
	name := strings.TrimSpace(d.Name)
	if name == "" {
		return nil, errors.New("a campaign needs a name")
	}
	c := &Campaign{Name: name, Template: d.Template, Data: d.Data, Settings: d.Settings}
	c.TemplateName = filepath.Base(d.TemplateName)
	if d.TemplateName == "" {
		c.TemplateName = ""
	}
	normalize(c, d.TemplateName)
	if err := s.Store.CreateCampaign(c); err != nil {
		return nil, err
	}
	return c, nil
}

// normalize makes paths absolute and fills the attachment folder.
func normalize(c *Campaign, templatePath string) {
	if c.Data.Path != "" && !c.Data.IsContacts() {
		if abs, err := filepath.Abs(c.Data.Path); err == nil {
			c.Data.Path = abs
		}
	}
	if c.Settings.Outbox != "" {
		if abs, err := filepath.Abs(c.Settings.Outbox); err == nil {
			c.Settings.Outbox = abs
		}
	}
	switch {
	case c.Settings.AttachDir != "":
		if abs, err := filepath.Abs(c.Settings.AttachDir); err == nil {
			c.Settings.AttachDir = abs
		}
	case templatePath != "":
		if abs, err := filepath.Abs(templatePath); err == nil {
			c.Settings.AttachDir = filepath.Dir(abs)
		}
	case c.Data.Path != "" && !c.Data.IsContacts():
		c.Settings.AttachDir = filepath.Dir(c.Data.Path)
	}
}

// Edit is a change to a campaign; nil fields are left as they are.
type Edit struct {
	Name         *string
	Template     *string
	TemplateName *string // the template file's path or name
	Data         *DataSource
	Settings     func(*Settings) // changes the settings in place
}

// Update applies e to campaign id. Once sending has started, the template
// and the data are frozen (they are refused with ErrStarted semantics: an
// error saying to duplicate the campaign), and so is the mode
// (ErrModeFixed): an outbox campaign cannot be relabelled as sent live.
func (s *Service) Update(id string, e Edit) (*Campaign, error) {
	var out *Campaign
	err := s.Store.UpdateCampaign(id, func(c *Campaign) error {
		started := c.Status != StatusDraft && c.Status != ""
		if e.Name != nil {
			n := strings.TrimSpace(*e.Name)
			if n == "" {
				return errors.New("a campaign needs a name")
			}
			c.Name = n
		}
		if started && (e.Template != nil || e.Data != nil) {
			return fmt.Errorf("campaign %q has started: its message and recipients are frozen; duplicate it to change them", c.Name)
		}
		tplPath := ""
		if e.Template != nil {
			c.Template = *e.Template
		}
		if e.TemplateName != nil {
			tplPath = *e.TemplateName
			c.TemplateName = ""
			if tplPath != "" {
				c.TemplateName = filepath.Base(tplPath)
			}
		}
		if e.Data != nil {
			c.Data = *e.Data
		}
		if e.Settings != nil {
			old := c.Settings.Mode
			e.Settings(&c.Settings)
			if started && c.Settings.Mode != old && old != "" && old != ModeDryRun {
				return &ModeError{Campaign: c.Name, Was: old, Asked: c.Settings.Mode}
			}
		}
		if tplPath != "" && e.Settings == nil {
			c.Settings.AttachDir = ""
		}
		normalize(c, tplPath)
		out = c
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.Store.Campaign(out.ID)
}

// ModeError refuses to change a started campaign's mode.
type ModeError struct {
	Campaign   string
	Was, Asked Mode
}

func (e *ModeError) Error() string {
	return fmt.Sprintf("campaign %q was started in %s mode and cannot continue in %s mode: nothing of it was sent that way. Duplicate it to send the same message again (securemerge campaign duplicate %q NEW-NAME)",
		e.Campaign, modeWords(e.Was), modeWords(e.Asked), e.Campaign)
}

func (e *ModeError) Unwrap() error { return ErrModeFixed }

func modeWords(m Mode) string {
	switch m {
	case ModeSend:
		return "live"
	case "":
		return string(ModeDryRun)
	}
	return string(m)
}

// Duplicate copies a campaign's template, data and settings into a new
// draft.
func (s *Service) Duplicate(id, name string) (*Campaign, error) {
	return s.Store.DuplicateCampaign(id, name)
}

// Delete removes a campaign that is not being sent.
func (s *Service) Delete(id string) error {
	s.mu.Lock()
	_, busy := s.jobs[id]
	s.mu.Unlock()
	if busy {
		return ErrJobRunning
	}
	return s.Store.DeleteCampaign(id)
}

// Campaign returns a campaign by ID or name; Campaigns lists them all.
func (s *Service) Campaign(idOrName string) (*Campaign, error) { return s.Store.Campaign(idOrName) }
func (s *Service) Campaigns() ([]*Campaign, error)             { return s.Store.Campaigns() }

// templateName is what located template errors name: the file the person
// gave, else the campaign.
func templateName(c *Campaign) string {
	if c.TemplateName != "" {
		return c.TemplateName
	}
	if c.Name != "" {
		return c.Name + ".tpl"
	}
	return "template"
}

// Spec parses the campaign's template.
func (s *Service) Spec(c *Campaign) (*merge.Spec, error) {
	if strings.TrimSpace(c.Template) == "" {
		return nil, ErrNoSource
	}
	return merge.ParseSpec(strings.NewReader(c.Template), templateName(c))
}

// Merger builds the campaign's Merger over columns: the one place the merge
// options are decided. The sender is, in order: the template's From:, the
// campaign's From setting, from (the signed-in mailbox, when sending
// through it), then the app's from setting.
func (s *Service) Merger(c *Campaign, columns []string, from string) (*merge.Merger, error) {
	spec, err := s.Spec(c)
	if err != nil {
		return nil, err
	}
	set := s.Settings()
	opt := merge.Options{
		DefaultFrom: firstNonEmpty(c.Settings.From, from, set.From),
		AttachDir:   c.Settings.AttachDir,
		CampaignID:  c.ID,
		Language:    firstNonEmpty(set.Language, s.Language),
		Now:         s.Now,
	}
	if s.Store != nil {
		opt.Suppressed = s.Store.Suppressed
	}
	if s.Footer != nil {
		opt.Footer = s.Footer()
	}
	return merge.NewMerger(spec, merge.NewHeader(columns), opt)
}

func firstNonEmpty(v ...string) string {
	for _, s := range v {
		if s != "" {
			return s
		}
	}
	return ""
}

// open opens the campaign's data source.
func (s *Service) open(c *Campaign) (Rows, error) {
	if c.Data.Path == "" {
		return nil, ErrNoSource
	}
	return s.Sources.Open(c.Data)
}

// Check validates every row of campaign c (which need not be stored) and
// adds the data source's own warnings, as the window's warnings panel and
// `securemerge check` show them. A template problem comes back as the error
// (merge.TemplateProblems explains it).
func (s *Service) Check(ctx context.Context, c *Campaign) (*merge.Report, error) {
	rows, err := s.open(c)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	m, err := s.Merger(c, rows.Columns(), "")
	if err != nil {
		return nil, err
	}
	rep, err := merge.Validate(ctx, m, rows)
	if err != nil {
		return nil, err
	}
	rep.Problems = append(rep.Problems, rows.Warnings()...)
	return rep, nil
}

// RowRef names one data row: by its 0-based Index, or (when Line > 0) by
// its row number in the spreadsheet, as the person sees it.
type RowRef struct {
	Index int
	Line  int
}

// Preview renders one row of campaign c exactly as it would be sent. A
// started campaign renders from its frozen snapshot (one paged read); a
// draft from the data source's Table, so previewing row 99,999 after the
// first open reads nothing again.
func (s *Service) Preview(ctx context.Context, c *Campaign, ref RowRef) (*merge.Message, error) {
	cols, row, err := s.row(ctx, c, ref)
	if err != nil {
		return nil, err
	}
	m, err := s.Merger(c, cols, "")
	if err != nil {
		return nil, err
	}
	msg, err := m.Render(row.Index, row.Line, row.Values)
	if err != nil {
		return nil, &RenderError{err}
	}
	return msg, nil
}

// RenderError says a row cannot be rendered (its own problems: an invalid
// address, an empty subject); Err is the located merge error.
type RenderError struct{ Err error }

func (e *RenderError) Error() string { return e.Err.Error() }
func (e *RenderError) Unwrap() error { return e.Err }

// row finds one row of c: from the snapshot when frozen, else the source.
func (s *Service) row(ctx context.Context, c *Campaign, ref RowRef) ([]string, SnapshotRow, error) {
	if c.ID != "" && s.Store != nil {
		cols, err := s.Store.SnapshotColumns(c.ID)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return nil, SnapshotRow{}, err
		}
		if cols != nil {
			row, err := s.snapshotRow(c.ID, ref)
			return cols, row, err
		}
	}
	t, err := s.Table(c.Data)
	if err != nil {
		return nil, SnapshotRow{}, err
	}
	row, err := t.Find(ctx, ref)
	return t.Columns(), row, err
}

func (s *Service) snapshotRow(id string, ref RowRef) (SnapshotRow, error) {
	if ref.Line <= 0 {
		rows, err := s.Store.SnapshotRows(id, ref.Index, 1)
		if err != nil {
			return SnapshotRow{}, err
		}
		if len(rows) == 0 || rows[0].Index != ref.Index {
			return SnapshotRow{}, fmt.Errorf("row %d: %w", ref.Index+1, ErrNoRow)
		}
		return rows[0], nil
	}
	// Lines grow with the index but may skip (blank rows): walk pages.
	for from := 0; ; from += 1000 {
		rows, err := s.Store.SnapshotRows(id, from, 1000)
		if err != nil {
			return SnapshotRow{}, err
		}
		for _, r := range rows {
			if r.Line == ref.Line {
				return r, nil
			}
			if r.Line > ref.Line {
				return SnapshotRow{}, fmt.Errorf("spreadsheet row %d: %w", ref.Line, ErrNoRow)
			}
		}
		if len(rows) < 1000 {
			return SnapshotRow{}, fmt.Errorf("spreadsheet row %d: %w", ref.Line, ErrNoRow)
		}
	}
}

// SendTest sends one row of campaign c to the signed-in mailbox itself,
// with the subject prefixed "[TEST]" and no other recipient: the Send
// step's "test to myself". It returns the message as sent. Nothing is
// journaled: a test is not part of the campaign.
func (s *Service) SendTest(ctx context.Context, c *Campaign, ref RowRef) (*merge.Message, error) {
	mb, self, err := s.connect(ctx)
	if err != nil {
		return nil, err
	}
	cols, row, err := s.row(ctx, c, ref)
	if err != nil {
		return nil, err
	}
	test := *c
	test.ID = "test"
	m, err := s.Merger(&test, cols, self.String())
	if err != nil {
		return nil, err
	}
	msg, err := m.Render(row.Index, row.Line, row.Values)
	if err != nil {
		return nil, &RenderError{err}
	}
	msg.To, msg.Cc, msg.Bcc = []mail.Address{self}, nil, nil
	msg.Subject = "[TEST] " + msg.Subject
	msg.Key += "-test-" + s.now().UTC().Format("20060102T150405")
	if err := mb.Sender(false, firstNonEmpty(c.Settings.SendAs, s.Settings().SendAs)).Send(ctx, msg); err != nil {
		return msg, fmt.Errorf("test message for row %d: %w", msg.Line, err)
	}
	return msg, nil
}

// Results returns at most n journal entries of campaign id from index from
// on, and the campaign's counts: a results table's page.
func (s *Service) Results(id string, from, n int) ([]Entry, Counts, error) {
	c, err := s.Store.Campaign(id)
	if err != nil {
		return nil, Counts{}, err
	}
	es, err := s.Store.Entries(c.ID, from, n)
	return es, c.Counts, err
}

// Retry re-queues the failed rows of campaign id (resume it to send them).
func (s *Service) Retry(id string) (int, error) {
	s.mu.Lock()
	_, busy := s.jobs[id]
	s.mu.Unlock()
	if busy {
		return 0, ErrJobRunning
	}
	return s.Store.Retry(id)
}

// Cancel stops campaign id for good, pausing its job first if it runs.
func (s *Service) Cancel(id string) (int, error) {
	s.mu.Lock()
	j := s.jobs[id]
	s.mu.Unlock()
	if j != nil {
		return j.Cancel()
	}
	return Cancel(s.Store, id)
}

// Close pauses every running job and waits for each to finish its
// requests in flight and journal them. Start fails with ErrClosed after.
func (s *Service) Close() {
	s.mu.Lock()
	s.closed = true
	jobs := make([]*Job, 0, len(s.jobs))
	for _, j := range s.jobs {
		jobs = append(jobs, j)
	}
	for _, t := range s.tables {
		t.stop()
	}
	s.mu.Unlock()
	for _, j := range jobs {
		j.Pause()
	}
	for _, j := range jobs {
		<-j.Done()
	}
}

// Running returns the job of campaign id when one runs in this process.
func (s *Service) Running(id string) *Job {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.jobs[id]
}

// PlanFooter is the footer messages carry now: the free plan's, or nil
// for a licensed user (the one footer decision, Service.Footer).
func (s *Service) PlanFooter() *merge.Footer {
	if s.Footer == nil {
		return nil
	}
	return s.Footer()
}
