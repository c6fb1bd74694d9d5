package store

import (
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/securemerge/securemerge/internal/campaign"
)

// maxPage bounds one paged read, so a caller asking for "everything" by
// mistake cannot hold a 100,000-row campaign in one transaction's memory.
const maxPage = 10000

// Entries returns at most n journal entries of campaign id starting at index
// from (0-based), in index order: one cursor seek on the big-endian index
// keys, then n steps, so page 1,000 of a 100,000-row journal costs what
// page 1 does. A page past the end is empty; n <= 0 or over 10,000 is
// treated as 10,000. campaign.ErrNotFound for an unknown campaign.
func (db *DB) Entries(id string, from, n int) ([]campaign.Entry, error) {
	n = pageSize(n)
	var out []campaign.Entry
	err := db.view(func(tx *bolt.Tx) error {
		jb, err := journalOf(tx, id)
		if err != nil || jb == nil {
			return err
		}
		c := jb.Cursor()
		for k, v := c.Seek(u64(uint64(max(from, 0)))); k != nil && len(out) < n; k, v = c.Next() {
			e, err := decodeEntry(id, k, v)
			if err != nil {
				return err
			}
			out = append(out, e)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("journal page of campaign %s: %w", id, err)
	}
	return out, nil
}

// SnapshotRows returns at most n frozen rows of campaign id starting at
// index from, in index order, with the same seek as Entries. It returns nil
// and no error when the campaign has no snapshot yet.
func (db *DB) SnapshotRows(id string, from, n int) ([]campaign.SnapshotRow, error) {
	n = pageSize(n)
	var out []campaign.SnapshotRow
	err := db.view(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketCampaigns).Get([]byte(id)) == nil {
			return fmt.Errorf("campaign %q: %w", id, campaign.ErrNotFound)
		}
		sb := tx.Bucket(bucketSnapshots).Bucket([]byte(id))
		if sb == nil {
			return nil
		}
		rb := sb.Bucket(keyRows)
		if rb == nil {
			return nil
		}
		c := rb.Cursor()
		for k, v := c.Seek(u64(uint64(max(from, 0)))); k != nil && len(out) < n; k, v = c.Next() {
			var r campaign.SnapshotRow
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("row key %x: %w: %w", k, ErrCorrupt, err)
			}
			out = append(out, r)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("snapshot page of campaign %s: %w", id, err)
	}
	return out, nil
}

// SnapshotColumns returns the frozen column names, nil when not frozen.
func (db *DB) SnapshotColumns(id string) ([]string, error) {
	var cols []string
	err := db.view(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketCampaigns).Get([]byte(id)) == nil {
			return fmt.Errorf("campaign %q: %w", id, campaign.ErrNotFound)
		}
		sb := tx.Bucket(bucketSnapshots).Bucket([]byte(id))
		if sb == nil {
			return nil
		}
		if err := json.Unmarshal(sb.Get(keyColumns), &cols); err != nil {
			return fmt.Errorf("columns: %w: %w", ErrCorrupt, err)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("snapshot of campaign %s: %w", id, err)
	}
	return cols, nil
}

func pageSize(n int) int {
	if n <= 0 || n > maxPage {
		return maxPage
	}
	return n
}
