package store

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/securemerge/securemerge/internal/campaign"
	"github.com/securemerge/securemerge/internal/merge"
	bolt "go.etcd.io/bbolt"
)

// Suppression is one address that must never be sent to again.
type Suppression struct {
	Address string    `json:"address"` // canonical: merge.CanonicalAddress
	Reason  string    `json:"reason"`
	Added   time.Time `json:"added"`
}

type suppressionRecord struct {
	Reason string    `json:"reason"`
	Added  time.Time `json:"added"`
}

// normalizeAddress returns the canonical form of s, the one every entry is
// stored and looked up under, so that no other spelling of an address
// (case, punycode or Unicode domain, full-width characters, another Unicode
// normal form, a display name) slips past the list:
// merge.CanonicalAddress. Errors wrap ErrInvalidAddress.
func normalizeAddress(s string) (string, error) {
	addr, err := merge.CanonicalAddress(s)
	if err != nil {
		return "", fmt.Errorf("%q: %w", strings.TrimSpace(s), ErrInvalidAddress)
	}
	return addr, nil
}

// Suppressed reports whether addr must never be sent to again, and why.
// Every spelling of the same address matches (normalizeAddress).
func (db *DB) Suppressed(addr string) (reason string, ok bool) {
	key, err := normalizeAddress(addr)
	if err != nil {
		key = strings.ToLower(strings.TrimSpace(addr))
	}
	db.view(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketSuppression).Get([]byte(key))
		if v == nil {
			return nil
		}
		var r suppressionRecord
		json.Unmarshal(v, &r)
		reason, ok = r.Reason, true
		return nil
	})
	return reason, ok
}

// Suppress adds addresses with a reason, in one transaction. An address
// already listed gets the new reason and keeps its Added time. Any invalid
// address (ErrInvalidAddress) refuses the whole call.
func (db *DB) Suppress(reason string, addrs ...string) error {
	list := make([]Suppression, 0, len(addrs))
	for _, a := range addrs {
		key, err := normalizeAddress(a)
		if err != nil {
			return fmt.Errorf("suppress: %w", err)
		}
		list = append(list, Suppression{Address: key, Reason: reason})
	}
	if err := db.suppress(list); err != nil {
		return fmt.Errorf("suppress: %w", err)
	}
	return nil
}

func (db *DB) suppress(list []Suppression) error {
	return db.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSuppression)
		now := db.now()
		for _, s := range list {
			r := suppressionRecord{Reason: s.Reason, Added: now}
			if old := b.Get([]byte(s.Address)); old != nil {
				var prev suppressionRecord
				if json.Unmarshal(old, &prev) == nil && !prev.Added.IsZero() {
					r.Added = prev.Added
				}
			}
			v, err := json.Marshal(r)
			if err != nil {
				return err
			}
			if err := b.Put([]byte(s.Address), v); err != nil {
				return err
			}
		}
		return nil
	})
}

// canonicalSuppressions re-keys entries stored under another spelling than
// normalizeAddress's (files written before it was canonical: Unicode
// domains, NFD), so that lookups by the canonical key find them. Two entries
// that turn out to be one keep the earlier Added and the canonical entry's
// reason. Keys that are not addresses stay as they are. It writes only when
// something changes, so it costs one read on every later Open.
func (db *DB) canonicalSuppressions() error {
	type rekey struct{ old, canon string }
	var todo []rekey
	err := db.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketSuppression).ForEach(func(k, _ []byte) error {
			if c, err := normalizeAddress(string(k)); err == nil && c != string(k) {
				todo = append(todo, rekey{string(k), c})
			}
			return nil
		})
	})
	if err != nil || len(todo) == 0 {
		return err
	}
	return db.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSuppression)
		for _, r := range todo {
			var old, cur suppressionRecord
			json.Unmarshal(b.Get([]byte(r.old)), &old)
			merged := old
			if v := b.Get([]byte(r.canon)); v != nil && json.Unmarshal(v, &cur) == nil {
				merged.Reason = cur.Reason
				if !cur.Added.IsZero() && (old.Added.IsZero() || cur.Added.Before(old.Added)) {
					merged.Added = cur.Added
				}
			}
			v, err := json.Marshal(merged)
			if err != nil {
				return err
			}
			if err := b.Put([]byte(r.canon), v); err != nil {
				return err
			}
			if err := b.Delete([]byte(r.old)); err != nil {
				return err
			}
		}
		return nil
	})
}

// Unsuppress removes addresses (every spelling of each, as Suppressed
// compares them); addresses not listed are ignored.
func (db *DB) Unsuppress(addrs ...string) error {
	err := db.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSuppression)
		for _, a := range addrs {
			key, err := normalizeAddress(a)
			if err != nil {
				key = strings.ToLower(strings.TrimSpace(a))
			}
			if key == "" {
				continue
			}
			if err := b.Delete([]byte(key)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("unsuppress: %w", err)
	}
	return nil
}

// Suppressions lists the suppression list in address order.
func (db *DB) Suppressions() ([]Suppression, error) {
	var list []Suppression
	err := db.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketSuppression).ForEach(func(k, v []byte) error {
			var r suppressionRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("suppression %q: %w: %w", k, ErrCorrupt, err)
			}
			list = append(list, Suppression{Address: string(k), Reason: r.Reason, Added: r.Added})
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("read suppression list: %w", err)
	}
	return list, nil
}

// LineError is one refused line of an imported CSV file.
type LineError struct {
	Line int    // 1-based line in the file
	Text string // the cell as read
	Err  error
}

func (e *LineError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }
func (e *LineError) Unwrap() error { return e.Err }

// ImportError lists the lines ImportSuppressions skipped; the other lines
// were imported.
type ImportError struct {
	Lines []*LineError
}

func (e *ImportError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d line(s) skipped: ", len(e.Lines))
	for i, l := range e.Lines {
		if i == 10 {
			fmt.Fprintf(&b, "; and %d more", len(e.Lines)-10)
			break
		}
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(l.Error())
	}
	return b.String()
}

func (e *ImportError) Unwrap() []error {
	errs := make([]error, len(e.Lines))
	for i, l := range e.Lines {
		errs[i] = l
	}
	return errs
}

// ImportSuppressions reads a CSV file of addresses and adds them in one
// transaction. The address column is the one headed "email", "e-mail" or
// "address" (any case), else the first column; a first row whose first cell
// is not an address is taken as a header. A "reason" column, when present
// and not empty, overrides reason. A UTF-8 BOM is skipped; the delimiter is
// ',' or, when the first line has ';' and no ',', ';'. It returns how many
// addresses were added or updated; invalid lines are skipped and reported in
// an *ImportError (with line numbers) alongside that count. A malformed CSV
// file imports nothing and returns a located error.
func (db *DB) ImportSuppressions(r io.Reader, reason string) (int, error) {
	list, lineErrs, err := parseSuppressionCSV(r, reason)
	if err != nil {
		return 0, fmt.Errorf("import suppression list: %w", err)
	}
	if len(list) > 0 {
		if err := db.suppress(list); err != nil {
			return 0, fmt.Errorf("import suppression list: %w", err)
		}
	}
	if len(lineErrs) > 0 {
		return len(list), fmt.Errorf("import suppression list: %w", &ImportError{Lines: lineErrs})
	}
	return len(list), nil
}

// maxImportLineErrors bounds the memory a file of garbage can take.
const maxImportLineErrors = 1000

func parseSuppressionCSV(r io.Reader, reason string) ([]Suppression, []*LineError, error) {
	data, err := io.ReadAll(io.LimitReader(r, 256<<20))
	if err != nil {
		return nil, nil, err
	}
	text := strings.TrimPrefix(string(data), "\uFEFF")
	cr := csv.NewReader(strings.NewReader(text))
	first, _, _ := strings.Cut(text, "\n")
	if strings.Contains(first, ";") && !strings.Contains(first, ",") {
		cr.Comma = ';'
	}
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true

	addrCol, reasonCol := 0, -1
	var list []Suppression
	var lineErrs []*LineError
	seen := map[string]int{}
	for row := 0; ; row++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, nil, fmt.Errorf("line %d, column %d: %w", pe.Line, pe.Column, pe.Err)
			}
			return nil, nil, err
		}
		line, _ := cr.FieldPos(0)
		if row == 0 && isHeader(rec) {
			for i, h := range rec {
				switch strings.ToLower(strings.TrimSpace(h)) {
				case "email", "e-mail", "address", "email address", "e-mail address":
					addrCol = i
				case "reason":
					reasonCol = i
				}
			}
			continue
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // blank line
		}
		cell := ""
		if addrCol < len(rec) {
			cell = rec[addrCol]
		}
		addr, err := normalizeAddress(cell)
		if err != nil {
			if len(lineErrs) < maxImportLineErrors {
				lineErrs = append(lineErrs, &LineError{Line: line, Text: cell, Err: err})
			}
			continue
		}
		why := reason
		if reasonCol >= 0 && reasonCol < len(rec) && strings.TrimSpace(rec[reasonCol]) != "" {
			why = strings.TrimSpace(rec[reasonCol])
		}
		if i, dup := seen[addr]; dup {
			list[i].Reason = why
			continue
		}
		seen[addr] = len(list)
		list = append(list, Suppression{Address: addr, Reason: why})
	}
	return list, lineErrs, nil
}

// isHeader reports whether the first CSV row names its columns: it has a
// known column name, or its first cell is not an address.
func isHeader(rec []string) bool {
	for _, h := range rec {
		switch strings.ToLower(strings.TrimSpace(h)) {
		case "email", "e-mail", "address", "email address", "e-mail address", "reason":
			return true
		}
	}
	_, err := normalizeAddress(rec[0])
	return err != nil && strings.TrimSpace(rec[0]) != "" && !strings.Contains(rec[0], "@")
}

// ExportSuppressions writes the suppression list as CSV with the header
// address,reason,added (RFC 3339); cells a spreadsheet would run as a
// formula are escaped (campaign.SafeCSVCell).
func (db *DB) ExportSuppressions(w io.Writer) error {
	list, err := db.Suppressions()
	if err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.Write([]string{"address", "reason", "added"})
	for _, s := range list {
		cw.Write([]string{campaign.SafeCSVCell(s.Address), campaign.SafeCSVCell(s.Reason), s.Added.UTC().Format(time.RFC3339)})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("export suppression list: %w", err)
	}
	return nil
}
