package campaign

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Status is where a campaign is in its life.
type Status string

// Campaign statuses.
const (
	StatusDraft     Status = "draft"     // being written; nothing sent
	StatusSending   Status = "sending"   // a runner is (or was, before a crash) sending it
	StatusPaused    Status = "paused"    // stopped by the user or by a limit; Reason says why
	StatusDone      Status = "done"      // every recipient is sent, failed or skipped
	StatusCancelled Status = "cancelled" // stopped for good; pending rows stay unsent
)

// Mode is how a campaign delivers its messages.
type Mode string

// Delivery modes (DESIGN.md §6).
const (
	ModeDryRun Mode = "dry-run" // render and validate only
	ModeOutbox Mode = "outbox"  // write .eml files to a folder
	ModeTest   Mode = "test"    // send one row to the sender, subject prefixed [TEST]
	ModeDrafts Mode = "drafts"  // create every message in the mailbox's Drafts
	ModeSend   Mode = "send"    // send through the mailbox
)

// ContactsScheme starts a DataSource path that names Outlook contacts
// rather than a file ("contacts:", "contacts:FOLDER",
// "contacts:shared@contoso.com?category=Clients"; internal/graph reads
// them). Such a path is kept as it is, never made absolute.
const ContactsScheme = "contacts:"

// IsContacts reports whether d names Outlook contacts.
func (d DataSource) IsContacts() bool { return strings.HasPrefix(d.Path, ContactsScheme) }

// DataSource says where a campaign's recipients come from.
type DataSource struct {
	Path      string `json:"path"`
	Sheet     string `json:"sheet,omitempty"`
	Encoding  string `json:"encoding,omitempty"`
	Delimiter string `json:"delimiter,omitempty"`
}

// Settings are a campaign's sending options. Zero values mean the defaults.
type Settings struct {
	From       string `json:"from,omitempty"`        // sender when the template has no From: ("" = signed-in mailbox or the app setting)
	Mode       Mode   `json:"mode,omitempty"`        // "" means ModeDryRun
	Outbox     string `json:"outbox,omitempty"`      // folder for ModeOutbox ("" = the app's own outbox in the data folder)
	Rate       int    `json:"rate,omitempty"`        // messages per minute; 0 means 30
	DailyLimit int    `json:"daily_limit,omitempty"` // recipients per rolling 24 h; 0 means 10,000
	AttachDir  string `json:"attach_dir,omitempty"`  // folder for relative attachment paths ("" = the template's folder)
	SendAs     string `json:"send_as,omitempty"`     // shared mailbox address to send as ("" = the signed-in mailbox)
}

// Counts tallies a campaign's journal.
type Counts struct {
	Total   int `json:"total"`
	Pending int `json:"pending"`
	Sending int `json:"sending"`
	Sent    int `json:"sent"`
	Failed  int `json:"failed"`
	Skipped int `json:"skipped"`
	Bounced int `json:"bounced,omitempty"` // sent, then a non-delivery report came back (not counted in Sent)
}

// Campaign is one mail merge: a template, a data source and its sending state.
// The journal and the snapshot are stored beside it, not in it.
type Campaign struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Template string `json:"template"` // the template file text (DESIGN.md §8 format)
	// TemplateName is the name of the file the template came from, as the
	// person gave it ("invite.tpl"), so located errors name their file; ""
	// for a template written in the window (errors then name the campaign).
	TemplateName string     `json:"template_name,omitempty"`
	Data         DataSource `json:"data"`
	Settings     Settings   `json:"settings"`
	Status       Status     `json:"status"`
	Reason       string     `json:"reason,omitempty"`   // why it is paused or cancelled, in English (Why.English)
	Why          Reason     `json:"why,omitzero"`       // the same as a code with arguments
	ResumeAt     time.Time  `json:"resume_at,omitzero"` // when a paused campaign may continue by itself (daily budget, sending hours)
	Schedule     *Schedule  `json:"schedule,omitempty"` // when it sends by itself; nil: when asked
	Created      time.Time  `json:"created"`
	Updated      time.Time  `json:"updated"`
	Started      time.Time  `json:"started,omitzero"`
	Finished     time.Time  `json:"finished,omitzero"`
	Counts       Counts     `json:"counts"` // filled by the store when read; ignored when written
}

// Snapshot is the recipient data frozen when sending starts, so an edited
// spreadsheet cannot change who gets what.
type Snapshot struct {
	Columns []string      `json:"columns"`
	Rows    []SnapshotRow `json:"rows"`
}

// SnapshotRow is one data row of a Snapshot.
type SnapshotRow struct {
	Index  int      `json:"index"` // 0-based data row
	Line   int      `json:"line"`  // row number in the source, as the user sees it
	Values []string `json:"values"`
}

// State is where one recipient is in the journal.
type State string

// Journal states: pending → sending → sent | failed | skipped (DESIGN.md §6),
// and sent → bounced when the mailbox later received a non-delivery report
// for the row's message.
const (
	StatePending State = "pending"
	StateSending State = "sending" // written before the external request; after a crash it means "ask the mailbox"
	StateSent    State = "sent"
	StateFailed  State = "failed"
	StateSkipped State = "skipped"
	StateBounced State = "bounced" // accepted, then reported undeliverable; Why is a ReasonBounced
)

// Entry is one recipient's line in a campaign's journal.
type Entry struct {
	Index    int       `json:"index"` // 0-based data row, the journal key
	Line     int       `json:"line"`  // source row number
	To       string    `json:"to"`    // recipients as shown to the user
	Key      string    `json:"key"`   // per-(campaign, recipient) key carried by the message, to find it later
	State    State     `json:"state"`
	Reason   string    `json:"reason,omitempty"` // why failed or skipped, in English (Why.English)
	Why      Reason    `json:"why,omitzero"`     // the same as a code with arguments, for the window to translate
	Attempts int       `json:"attempts"`
	Updated  time.Time `json:"updated"`
}

// CanMove reports whether the journal allows moving from s to t. Retrying a
// failed row moves it back to pending; a crashed "sending" row may end
// anywhere once the mailbox has been asked; a sent row can only bounce,
// and a bounced row stays bounced (it is never sent again).
func (s State) CanMove(t State) bool {
	switch s {
	case StatePending:
		return t == StateSending || t == StateSkipped || t == StateFailed
	case StateSending:
		return t == StateSent || t == StateFailed || t == StatePending || t == StateSkipped
	case StateFailed:
		return t == StatePending
	case StateSent:
		return t == StateBounced
	}
	return false
}

// Errors callers branch on.
var (
	ErrNotFound       = errors.New("no such campaign")
	ErrBadTransition  = errors.New("journal transition not allowed")
	ErrAlreadyRunning = errors.New("SecureMerge is already running")
)

// TransitionError says which journal move was refused.
type TransitionError struct {
	Index    int
	From, To State
}

func (e *TransitionError) Error() string {
	return fmt.Sprintf("row %d: cannot move from %s to %s", e.Index+1, e.From, e.To)
}

func (e *TransitionError) Unwrap() error { return ErrBadTransition }
