package store

import (
	"errors"
	"fmt"
	"runtime/debug"
	"time"

	"github.com/securemerge/securemerge/internal/campaign"
	bolt "go.etcd.io/bbolt"
)

// Check verifies the whole file: bbolt's page checks (tx.Check) and our
// invariants (every bucket present, every campaign record readable, every
// journal entry keyed by its index and in a known state, every counts
// record equal to a recount of its journal, no journal or snapshot without
// its campaign, sent-log entries well formed). It reads every page, so it
// takes time on a large file; the returned error joins every problem found
// and wraps ErrCorrupt.
func (db *DB) Check() (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("check %s: %w: reading the file failed: %v", db.path, ErrCorrupt, r)
		}
	}()
	var problems []error
	err = db.view(func(tx *bolt.Tx) error {
		for e := range tx.Check() {
			problems = append(problems, e)
		}
		problems = append(problems, checkInvariants(tx)...)
		return nil
	})
	if err != nil {
		return fmt.Errorf("check %s: %w", db.path, err)
	}
	if len(problems) > 0 {
		return fmt.Errorf("check %s: %w: %w", db.path, ErrCorrupt, errors.Join(problems...))
	}
	return nil
}

func checkInvariants(tx *bolt.Tx) []error {
	var problems []error
	bad := func(format string, args ...any) {
		if len(problems) < 100 {
			problems = append(problems, fmt.Errorf(format, args...))
		}
	}
	if v, err := schemaOf(tx); err != nil || v != len(migrations) {
		bad("schema version %d (%v), want %d", v, err, len(migrations))
	}
	for _, name := range topBuckets {
		if tx.Bucket(name) == nil {
			bad("bucket %s missing", name)
			return problems
		}
	}
	campaigns := tx.Bucket(bucketCampaigns)
	campaigns.ForEach(func(k, v []byte) error {
		if _, err := decodeCampaign(tx, string(k), v); err != nil {
			bad("%v", err)
		}
		return nil
	})
	tx.Bucket(bucketCounts).ForEach(func(k, _ []byte) error {
		if campaigns.Get(k) == nil {
			bad("counts of a campaign that does not exist: %q", k)
		}
		return nil
	})
	tx.Bucket(bucketSnapshots).ForEach(func(k, v []byte) error {
		if campaigns.Get(k) == nil {
			bad("snapshot of a campaign that does not exist: %q", k)
		}
		return nil
	})
	journal := tx.Bucket(bucketJournal)
	campaigns.ForEach(func(k, _ []byte) error {
		id := string(k)
		want, err := getCounts(tx, id)
		if err != nil {
			bad("%v", err)
			return nil
		}
		var got campaign.Counts
		if jb := journal.Bucket(k); jb != nil {
			jb.ForEach(func(ek, ev []byte) error {
				e, err := decodeEntry(id, ek, ev)
				if err != nil {
					bad("%v", err)
					return nil
				}
				if err := addCount(&got, e.State, 1); err != nil {
					bad("campaign %s row %d: %v", id, e.Index+1, err)
				}
				got.Total++
				return nil
			})
			if tx.Bucket(bucketSnapshots).Bucket(k) == nil {
				bad("campaign %s has a journal but no snapshot", id)
			}
		}
		if got != want {
			bad("campaign %s: counts record %+v, journal has %+v", id, want, got)
		}
		return nil
	})
	journal.ForEach(func(k, v []byte) error {
		if v != nil || campaigns.Get(k) == nil {
			bad("journal of a campaign that does not exist: %q", k)
		}
		return nil
	})
	if err := forSent(tx, time.Time{}, func(time.Time, int) {}); err != nil {
		bad("sent-recipients log: %v", err)
	}
	return problems
}
