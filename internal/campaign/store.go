package campaign

import "time"

// Store keeps campaigns, their snapshots and journals, the sent-recipients log
// and the suppression list. internal/store implements it on bbolt.
// Implementations must be safe for concurrent use; every method that changes
// state does so in one transaction, so a crash leaves either the old or the new
// state, never a mix.
type Store interface {
	// CreateCampaign stores c with a fresh ID (set on c), Created/Updated and
	// StatusDraft when c.Status is empty.
	CreateCampaign(c *Campaign) error
	// Campaign returns the campaign with this ID, or with this exact name when
	// no ID matches, with Counts filled from its journal. ErrNotFound if none.
	Campaign(idOrName string) (*Campaign, error)
	// Campaigns lists every campaign, newest first, with Counts.
	Campaigns() ([]*Campaign, error)
	// UpdateCampaign loads the campaign, calls fn, and stores the result
	// (Updated set) in one transaction; fn's error aborts.
	UpdateCampaign(id string, fn func(c *Campaign) error) error
	// DuplicateCampaign copies template, data and settings into a new draft
	// named name; the journal and snapshot are not copied.
	DuplicateCampaign(id, name string) (*Campaign, error)
	// DeleteCampaign removes a campaign with its snapshot and journal.
	DeleteCampaign(id string) error

	// StartSending stores the snapshot and one pending journal entry per
	// entry given, and sets the status to sending, in one transaction. It
	// fails if the campaign already has a snapshot (resume instead).
	StartSending(id string, snap *Snapshot, entries []Entry) error
	// Snapshot returns the frozen recipient rows (nil, nil when none yet).
	Snapshot(id string) (*Snapshot, error)
	// Journal calls fn for every entry in index order until fn returns false.
	Journal(id string, fn func(e Entry) bool) error
	// Entry returns one journal entry.
	Entry(id string, index int) (Entry, error)
	// Move changes one entry's state (checked with State.CanMove; a refused
	// move is a *TransitionError), sets Why, Reason (why in English),
	// Updated and, when moving to sending, increments Attempts. When the
	// move is to sent, the entry's recipients count is added to the
	// sent-recipients log at the same time, in the same transaction.
	Move(id string, index int, to State, why Reason, recipients int, at time.Time) error
	// MoveMany applies several moves, each checked as Move does, in one
	// transaction: all of them or none. The Runner records the outcomes of
	// an idempotent sender (the outbox) this way, in batches.
	MoveMany(id string, moves []Move, at time.Time) error
	// Entries returns at most n journal entries from index from on, in
	// index order, without reading the rest (a results table's page).
	Entries(id string, from, n int) ([]Entry, error)
	// SnapshotRows returns at most n frozen rows from index from on, in
	// index order (nil when not frozen yet); SnapshotColumns their header.
	SnapshotRows(id string, from, n int) ([]SnapshotRow, error)
	SnapshotColumns(id string) ([]string, error)
	// Retry moves every failed entry back to pending and the campaign to
	// paused (ready to resume); it returns how many rows were re-queued.
	Retry(id string) (int, error)

	// SentSince returns how many recipients were sent since t, across every
	// campaign (the rolling 24-hour budget), and the time of the oldest send
	// counted, so a caller can tell when the window frees up.
	SentSince(t time.Time) (n int, oldest time.Time, err error)

	// Suppressed reports whether addr (compared case-insensitively) must
	// never be sent to again, and why.
	Suppressed(addr string) (reason string, ok bool)
	// Suppress adds addresses with a reason; Unsuppress removes them.
	Suppress(reason string, addrs ...string) error
	Unsuppress(addrs ...string) error

	// Setting returns an app setting and whether it is set; SetSetting
	// stores one ("" removes it). AppSettings reads them typed.
	Setting(key string) (string, bool)
	SetSetting(key, value string) error
}

// Move is one journal transition for Store.MoveMany.
type Move struct {
	Index      int
	To         State
	Why        Reason
	Recipients int // added to the sent-recipients log when To is sent
}
