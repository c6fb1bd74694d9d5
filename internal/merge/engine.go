package merge

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strconv"

	"golang.org/x/sync/errgroup"
)

// RowSource yields data rows in order. Next returns io.EOF after the last
// row; the returned slice may be reused by the next call. Line is the row
// number users see for the row Next last returned. *sheet.Reader satisfies
// it.
type RowSource interface {
	Next() ([]string, error)
	Line() int
}

// Result is the outcome of one row. Exactly one of these holds: Err is set
// (the row cannot be sent), Skip is set (the row is deliberately not sent;
// Msg is still rendered so callers can show who it was for), or Msg is ready
// to send.
type Result struct {
	Index, Line int
	Msg         *Message
	Err         error
	// Skip is why the row is not sent, in English: "duplicate of row N"
	// (its To address already had a message from row N; with several To
	// addresses, "duplicate of row N: ADDRESS" names the one) or
	// "suppressed: ADDRESS: REASON". Callers branch on DuplicateOf and
	// Suppressed, never on it.
	Skip string
	// DuplicateOf is the source row of the earlier message to one of this
	// row's To addresses when it is skipped as a duplicate, 0 otherwise;
	// DuplicateAddress names the address when the row has several.
	DuplicateOf      int
	DuplicateAddress string
	// Suppressed is "ADDRESS: REASON" when the row is skipped because a
	// recipient is on the suppression list, "" otherwise.
	Suppressed string
}

// Engine renders rows concurrently and hands results back in row order.
// The zero value is ready to use; an Engine holds no state between runs.
type Engine struct {
	Workers int // 0 means GOMAXPROCS
	Buffer  int // rows in flight at most; 0 means 4*Workers
}

// job is one row in flight; the worker fills out and closes done.
type job struct {
	index, line int
	row         []string
	out         outcome
	done        chan struct{}
}

// Run renders every row of src with m and calls emit once per row, in row
// order, from the goroutine that called Run. At most Buffer rows are in
// memory at once whatever the row count. Duplicate and suppressed rows are
// detected in order and reported through Result.Skip. Run returns when src
// is exhausted, on the first error from src or emit, or promptly after ctx
// is cancelled (returning ctx.Err()); no goroutine outlives it.
func (e *Engine) Run(ctx context.Context, m *Merger, src RowSource, emit func(Result) error) error {
	return e.run(ctx, m, src, func(j *job, r Result) error { return emit(r) })
}

// run is Run with access to the whole outcome, for Validate.
func (e *Engine) run(ctx context.Context, m *Merger, src RowSource, emit func(*job, Result) error) error {
	workers := e.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	buffer := e.Buffer
	if buffer <= 0 {
		buffer = 4 * workers
	}
	buffer = max(buffer, workers)

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	g, gctx := errgroup.WithContext(ctx)
	todo := make(chan *job, buffer)  // to workers
	order := make(chan *job, buffer) // to the emitter, in row order

	g.Go(func() error {
		defer close(todo)
		defer close(order)
		for index := 0; ; index++ {
			if err := gctx.Err(); err != nil {
				return nil // the emitter reports the cause
			}
			row, err := src.Next()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return fmt.Errorf("read row %d: %w", index+1, err)
			}
			j := &job{index: index, line: src.Line(), row: slices.Clone(row), done: make(chan struct{})}
			select {
			case order <- j:
			case <-gctx.Done():
				return nil
			}
			select {
			case todo <- j:
			case <-gctx.Done():
				return nil
			}
		}
	})
	for range workers {
		g.Go(func() error {
			for j := range todo {
				// ctx, not gctx: rows read before a read error still render.
				if ctx.Err() == nil {
					j.out = m.render(j.index, j.line, j.row)
				}
				j.row = nil
				close(j.done)
			}
			return nil
		})
	}

	seen := map[[16]byte]int{} // To address -> line of the first row sent to it
	emitErr := func() error {
		for {
			var j *job
			select {
			case j = <-order:
			case <-ctx.Done():
				return ctx.Err()
			}
			if j == nil {
				return nil
			}
			select {
			case <-j.done:
			case <-ctx.Done():
				return ctx.Err()
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			r := Result{Index: j.index, Line: j.line, Msg: j.out.msg, Err: j.out.err}
			if r.Err == nil {
				if j.out.suppressed != "" {
					r.Skip, r.Suppressed = "suppressed: "+j.out.suppressed, j.out.suppressed
				} else if first, addr := duplicateTo(seen, r.Msg, j.line); first > 0 {
					r.Skip, r.DuplicateOf = "duplicate of row "+strconv.Itoa(first), first
					if len(r.Msg.To) > 1 {
						r.Skip += ": " + addr
						r.DuplicateAddress = addr
					}
				}
			}
			if err := emit(j, r); err != nil {
				return err
			}
		}
	}()
	cancel()
	readErr := g.Wait()
	if emitErr != nil {
		return emitErr
	}
	return readErr
}

// duplicateTo returns the first row whose message already went to one of
// m's To addresses, and that address; or 0 after recording m's addresses
// as sent by line. Addresses are compared one by one (lower-cased, ASCII
// domain), so an address in two rows' lists gets one message; 16 bytes per
// address keep it cheap.
func duplicateTo(seen map[[16]byte]int, m *Message, line int) (int, string) {
	if m == nil {
		return 0, ""
	}
	keys := make([][16]byte, len(m.To))
	for i, a := range m.To {
		sum := sha256.Sum256([]byte(normalAddress(a.Address)))
		copy(keys[i][:], sum[:])
		if first, dup := seen[keys[i]]; dup {
			return first, a.Address
		}
	}
	for _, k := range keys {
		seen[k] = line
	}
	return 0, ""
}
