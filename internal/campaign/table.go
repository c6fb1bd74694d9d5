package campaign

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/securemerge/securemerge/internal/merge"
)

// FirstRows is how many rows a Table has ready before it says so first:
// what the Data screen shows before the rest of the file is read.
const FirstRows = 100

// Table is a draft campaign's data source read once, in the background,
// and kept in memory for random access: the Data screen's virtualized
// table, "preview row N", the row picker. Rows come in as they are read;
// First is closed once the first 100 are ready (or the file ends), long
// before a 100,000-row file is read through. Memory is bounded by the
// Service's RowCacheBytes: past it the Table stops keeping rows, and a row
// beyond is found by reading the file again (Truncated says so).
//
// A Table is safe for concurrent use.
type Table struct {
	svc   *Service
	src   DataSource
	stamp fileStamp

	cols  []string
	info  SourceInfo
	first chan struct{}

	mu        sync.Mutex
	changed   *sync.Cond
	rows      []SnapshotRow
	warnings  []merge.Problem
	done      bool
	truncated bool
	err       error
	stop      context.CancelFunc
}

type fileStamp struct {
	size int64
	mod  time.Time
}

func stampOf(path string) fileStamp {
	fi, err := os.Stat(path)
	if err != nil {
		return fileStamp{}
	}
	return fileStamp{fi.Size(), fi.ModTime()}
}

func tableKey(d DataSource) string {
	return d.Path + "\x00" + d.Sheet + "\x00" + d.Encoding + "\x00" + d.Delimiter
}

// Table returns the data source's Table, reading it when it is not cached
// or when the file changed since. Opening reads the header before it
// returns (so a damaged file fails here, with the source's error).
func (s *Service) Table(d DataSource) (*Table, error) {
	if d.Path == "" {
		return nil, ErrNoSource
	}
	key, stamp := tableKey(d), stampOf(d.Path)
	s.mu.Lock()
	if t := s.tables[key]; t != nil && t.stamp == stamp {
		s.mu.Unlock()
		return t, nil
	}
	s.mu.Unlock()
	rows, err := s.Sources.Open(d)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	t := &Table{svc: s, src: d, stamp: stamp, cols: rows.Columns(), first: make(chan struct{}), stop: cancel}
	t.changed = sync.NewCond(&t.mu)
	if si, ok := rows.(interface{ Source() SourceInfo }); ok {
		t.info = si.Source()
	}
	s.mu.Lock()
	if s.tables == nil {
		s.tables = map[string]*Table{}
	}
	if old := s.tables[key]; old != nil {
		old.stop()
	}
	s.tables[key] = t
	s.mu.Unlock()
	go t.read(ctx, rows)
	return t, nil
}

func (t *Table) read(ctx context.Context, rows Rows) {
	defer rows.Close()
	limit := t.svc.RowCacheBytes
	if limit <= 0 {
		limit = 256 << 20
	}
	var size int64
	firstDone := false
	signal := func() {
		if !firstDone {
			firstDone = true
			close(t.first)
		}
	}
	for {
		if ctx.Err() != nil {
			t.end(ctx.Err(), false)
			signal()
			return
		}
		values, err := rows.Next()
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = nil
			}
			t.mu.Lock()
			t.warnings = rows.Warnings()
			t.mu.Unlock()
			t.end(err, false)
			signal()
			return
		}
		for _, v := range values {
			size += int64(len(v)) + 16
		}
		if size > limit {
			t.end(nil, true)
			signal()
			return
		}
		t.mu.Lock()
		t.rows = append(t.rows, SnapshotRow{Index: len(t.rows), Line: rows.Line(), Values: slices.Clone(values)})
		n := len(t.rows)
		t.changed.Broadcast()
		t.mu.Unlock()
		if n == FirstRows {
			signal()
		}
	}
}

func (t *Table) end(err error, truncated bool) {
	t.mu.Lock()
	t.done, t.err, t.truncated = true, err, truncated
	t.changed.Broadcast()
	t.mu.Unlock()
}

// Columns is the header as read.
func (t *Table) Columns() []string { return t.cols }

// Source describes the file as it was opened (sheets, encoding, delimiter).
func (t *Table) Source() SourceInfo { return t.info }

// First is closed when the first 100 rows are ready, or the file ended.
func (t *Table) First() <-chan struct{} { return t.first }

// Len returns how many rows are ready and whether reading is over.
func (t *Table) Len() (n int, done bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.rows), t.done
}

// Err is the error that ended reading (a damaged row), nil otherwise.
func (t *Table) Err() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.err
}

// Truncated reports that the file holds more than the Table keeps.
func (t *Table) Truncated() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.truncated
}

// Warnings are the source's warnings, known once reading is over.
func (t *Table) Warnings() []merge.Problem {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.warnings
}

// Rows returns the rows from index from on, at most n, of those ready now:
// it never waits (a table shows "…" for the rest and asks again).
func (t *Table) Rows(from, n int) []SnapshotRow {
	t.mu.Lock()
	defer t.mu.Unlock()
	if from < 0 || from >= len(t.rows) {
		return nil
	}
	return slices.Clone(t.rows[from:min(len(t.rows), from+n)])
}

// Find returns one row, waiting for the reader to get there. Beyond what
// the Table keeps, it reads the file again up to that row.
func (t *Table) Find(ctx context.Context, ref RowRef) (SnapshotRow, error) {
	stop := context.AfterFunc(ctx, func() {
		t.mu.Lock()
		t.changed.Broadcast()
		t.mu.Unlock()
	})
	defer stop()
	t.mu.Lock()
	for {
		if r, ok := t.lookup(ref); ok {
			t.mu.Unlock()
			if r.Line < 0 {
				return SnapshotRow{}, notFound(ref)
			}
			return r, nil
		}
		if ctx.Err() != nil {
			t.mu.Unlock()
			return SnapshotRow{}, ctx.Err()
		}
		if t.done {
			break
		}
		t.changed.Wait()
	}
	truncated, err := t.truncated, t.err
	t.mu.Unlock()
	if truncated {
		return t.scan(ctx, ref)
	}
	if err != nil {
		return SnapshotRow{}, err
	}
	return SnapshotRow{}, notFound(ref)
}

// lookup finds ref among the rows read so far; t.mu is held.
func (t *Table) lookup(ref RowRef) (SnapshotRow, bool) {
	if ref.Line <= 0 {
		if ref.Index >= 0 && ref.Index < len(t.rows) {
			return t.rows[ref.Index], true
		}
		return SnapshotRow{}, false
	}
	i, ok := slices.BinarySearchFunc(t.rows, ref.Line, func(r SnapshotRow, line int) int { return r.Line - line })
	if ok {
		return t.rows[i], true
	}
	if i < len(t.rows) {
		// A later line is already read: this one is not a data row.
		return SnapshotRow{Line: -1}, true
	}
	return SnapshotRow{}, false
}

// scan reads the file again from the top to ref.
func (t *Table) scan(ctx context.Context, ref RowRef) (SnapshotRow, error) {
	rows, err := t.svc.Sources.Open(t.src)
	if err != nil {
		return SnapshotRow{}, err
	}
	defer rows.Close()
	for i := 0; ; i++ {
		if ctx.Err() != nil {
			return SnapshotRow{}, ctx.Err()
		}
		values, err := rows.Next()
		if errors.Is(err, io.EOF) {
			return SnapshotRow{}, notFound(ref)
		}
		if err != nil {
			return SnapshotRow{}, err
		}
		line := rows.Line()
		if (ref.Line > 0 && line == ref.Line) || (ref.Line <= 0 && i == ref.Index) {
			return SnapshotRow{Index: i, Line: line, Values: slices.Clone(values)}, nil
		}
		if ref.Line > 0 && line > ref.Line {
			return SnapshotRow{}, notFound(ref)
		}
	}
}

func notFound(ref RowRef) error {
	if ref.Line > 0 {
		return fmt.Errorf("spreadsheet row %d is not a recipient: %w", ref.Line, ErrNoRow)
	}
	return fmt.Errorf("recipient %d: %w", ref.Index+1, ErrNoRow)
}
