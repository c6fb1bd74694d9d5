package campaign

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"

	"github.com/securemerge/securemerge/internal/merge"
)

// ErrInvalid: validation found errors; nothing was frozen. The *merge.Report says what.
var ErrInvalid = errors.New("the campaign has errors: fix them before sending")

// FreezeOptions tune Freeze.
type FreezeOptions struct {
	// SkipInvalid freezes a campaign whose only errors are in rows: each
	// such row is journaled skipped with ReasonInvalid and its errors. An
	// error that is not a row's (the template's) still blocks.
	SkipInvalid bool
}

// Freeze validates every row from open() with m (merge.ValidateEach) and,
// when there is no error (or only row errors, with SkipInvalid), freezes
// the recipients in one store call
// (Store.StartSending): a Snapshot of the rows (Columns =
// m.Header().Columns(), each row's Index, Line and Values copied) and one
// Entry per row: pending with Key = msg.Key and To = the To addresses as
// shown to the user, or skipped with the reason ("duplicate of row N",
// "suppressed: …") exactly as merge.Engine reports it, or — with
// SkipInvalid — skipped with the row's errors.
//
// It returns the validation report (warnings included) in every case, and
// ErrInvalid when the report has errors; the campaign then stays a draft
// without a snapshot.
//
// open is called once: each row is read, rendered and checked once (the
// rows are held for the snapshot, which is stored in one transaction
// anyway); a source that is an io.Closer is closed after the pass. m must
// have been built with Options.CampaignID set
// to the campaign's ID, so that message keys are the ones the Runner will
// compute.
func Freeze(ctx context.Context, st Store, id string, m *merge.Merger, open func() (merge.RowSource, error), opt FreezeOptions) (*merge.Report, error) {
	src, err := open()
	if err != nil {
		return nil, fmt.Errorf("prepare campaign %s: open recipients: %w", id, err)
	}
	// One pass: each row is read, rendered and checked once, and its
	// journal entry kept; the entries are stored only if the report allows.
	rec := &recordingSource{src: src}
	var entries []Entry
	rep, err := merge.ValidateEach(ctx, m, rec, func(r merge.Result) error {
		e := entryOf(r)
		if r.Err != nil && opt.SkipInvalid {
			e.State, e.Why = StateSkipped, NewReason(ReasonInvalid, "detail", r.Err.Error())
			e.Reason = e.Why.English(nil)
		}
		entries = append(entries, e)
		return nil
	})
	closeSource(src)
	if err != nil {
		return rep, fmt.Errorf("prepare campaign %s: %w", id, err)
	}
	if rep.HasErrors() && (!opt.SkipInvalid || !rowErrorsOnly(rep)) {
		return rep, ErrInvalid
	}
	snap := &Snapshot{Columns: m.Header().Columns(), Rows: rec.rows}
	if len(snap.Rows) != len(entries) {
		// The engine renders every row it reads; anything else is a bug,
		// and freezing a journal without its rows would lose recipients.
		return rep, fmt.Errorf("prepare campaign %s: %d rows read but %d rendered", id, len(snap.Rows), len(entries))
	}
	if err := st.StartSending(id, snap, entries); err != nil {
		return rep, fmt.Errorf("prepare campaign %s: freeze recipients: %w", id, err)
	}
	return rep, nil
}

// rowErrorsOnly reports whether every error of rep belongs to a row.
func rowErrorsOnly(rep *merge.Report) bool {
	for _, p := range rep.Errors() {
		if p.Line == 0 {
			return false
		}
	}
	return true
}

// entryOf is the journal entry of one rendered row.
func entryOf(r merge.Result) Entry {
	e := Entry{Index: r.Index, Line: r.Line, State: StatePending}
	if r.Msg != nil {
		e.Key = r.Msg.Key
		e.To = displayTo(r.Msg)
	}
	switch {
	case r.Err != nil:
		e.State, e.Why = StateFailed, NewReason(ReasonRender, "detail", r.Err.Error())
	case r.Skip != "":
		e.State, e.Why = StateSkipped, skipReason(r)
	}
	e.Reason = e.Why.English(nil)
	return e
}

// displayTo is a message's To addresses as the results table shows them.
func displayTo(m *merge.Message) string {
	addrs := make([]string, len(m.To))
	for i, a := range m.To {
		addrs[i] = a.Address
	}
	return strings.Join(addrs, ", ")
}

func closeSource(src merge.RowSource) {
	if c, ok := src.(io.Closer); ok {
		c.Close()
	}
}

// recordingSource copies every row the engine reads, for the snapshot: the
// engine's results carry messages, not the cells they came from. The
// engine's reader goroutine calls Next; the caller reads rows after Run.
type recordingSource struct {
	src  merge.RowSource
	mu   sync.Mutex
	rows []SnapshotRow
}

func (s *recordingSource) Next() ([]string, error) {
	row, err := s.src.Next()
	if err != nil {
		return row, err
	}
	s.mu.Lock()
	s.rows = append(s.rows, SnapshotRow{Index: len(s.rows), Line: s.src.Line(), Values: slices.Clone(row)})
	s.mu.Unlock()
	return row, nil
}

func (s *recordingSource) Line() int { return s.src.Line() }

// skipReason is the journal reason of a row the engine skipped.
func skipReason(r merge.Result) Reason {
	if r.Suppressed != "" {
		return NewReason(ReasonSuppressed, "detail", r.Suppressed)
	}
	if r.DuplicateAddress != "" {
		return NewReason(ReasonDuplicate, "row", itoa(r.DuplicateOf), "address", r.DuplicateAddress)
	}
	return NewReason(ReasonDuplicate, "row", itoa(r.DuplicateOf))
}
