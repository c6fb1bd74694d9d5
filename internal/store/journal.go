package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/securemerge/securemerge/internal/campaign"
	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// journalBatch is how many entries Journal reads per read transaction; fn is
// called with no transaction open, so it may call Move.
const journalBatch = 1024

// StartSending stores the snapshot (nil stores an empty one) and one journal
// entry per entry given, sets the campaign's status to sending and Started
// to now, all in one transaction. Entries are keyed by Index (duplicates are
// refused); their State must be empty or pending (stored as pending), or
// skipped or failed (a row that validation already refused, with its
// Reason); Attempts starts at 0 and Updated at now. It fails with ErrStarted
// if the campaign already has a snapshot: resume it instead.
func (db *DB) StartSending(id string, snap *campaign.Snapshot, entries []campaign.Entry) error {
	if snap == nil {
		snap = &campaign.Snapshot{}
	}
	sorted := slices.Clone(entries)
	slices.SortFunc(sorted, func(a, b campaign.Entry) int { return a.Index - b.Index })
	var counts campaign.Counts
	for i := range sorted {
		e := &sorted[i]
		if e.Index < 0 {
			return fmt.Errorf("start sending campaign %s: row index %d is negative", id, e.Index)
		}
		if i > 0 && sorted[i-1].Index == e.Index {
			return fmt.Errorf("start sending campaign %s: row %d appears twice", id, e.Index+1)
		}
		switch e.State {
		case "", campaign.StatePending:
			e.State = campaign.StatePending
		case campaign.StateSkipped, campaign.StateFailed:
		default:
			return fmt.Errorf("start sending campaign %s: %w", id, &campaign.TransitionError{Index: e.Index, From: campaign.StatePending, To: e.State})
		}
		addCount(&counts, e.State, 1)
	}
	counts.Total = len(sorted)
	rows := slices.Clone(snap.Rows)
	slices.SortStableFunc(rows, func(a, b campaign.SnapshotRow) int { return a.Index - b.Index })

	err := db.update(func(tx *bolt.Tx) error {
		c, err := getCampaign(tx, id)
		if err != nil {
			return err
		}
		key := []byte(id)
		if tx.Bucket(bucketSnapshots).Bucket(key) != nil {
			return ErrStarted
		}
		now := db.now()
		sb, err := tx.Bucket(bucketSnapshots).CreateBucket(key)
		if err != nil {
			return err
		}
		cols, err := json.Marshal(snap.Columns)
		if err != nil {
			return err
		}
		if err := sb.Put(keyColumns, cols); err != nil {
			return err
		}
		rb, err := sb.CreateBucket(keyRows)
		if err != nil {
			return err
		}
		rb.FillPercent = 1 // written once, in key order
		for _, r := range rows {
			if r.Index < 0 {
				return fmt.Errorf("snapshot row index %d is negative", r.Index)
			}
			v, err := json.Marshal(r)
			if err != nil {
				return err
			}
			if err := rb.Put(u64(uint64(r.Index)), v); err != nil {
				return err
			}
		}
		// A journal left by an earlier, deleted snapshot cannot exist
		// (DeleteCampaign removes both), but never mix two.
		if err := tx.Bucket(bucketJournal).DeleteBucket(key); err != nil && err != berrors.ErrBucketNotFound {
			return err
		}
		jb, err := tx.Bucket(bucketJournal).CreateBucket(key)
		if err != nil {
			return err
		}
		jb.FillPercent = 0.9
		for _, e := range sorted {
			e.Attempts, e.Updated = 0, now
			if err := putEntry(jb, &e); err != nil {
				return err
			}
		}
		if err := putCounts(tx, id, counts); err != nil {
			return err
		}
		c.Status, c.Started, c.Updated = campaign.StatusSending, now, now
		c.Finished, c.Reason = time.Time{}, ""
		return putCampaign(tx, c)
	})
	if err != nil {
		return fmt.Errorf("start sending campaign %s: %w", id, err)
	}
	return nil
}

func putEntry(b *bolt.Bucket, e *campaign.Entry) error {
	v, err := json.Marshal(e)
	if err != nil {
		return err
	}
	return b.Put(u64(uint64(e.Index)), v)
}

func decodeEntry(id string, k, v []byte) (campaign.Entry, error) {
	var e campaign.Entry
	if err := json.Unmarshal(v, &e); err != nil || len(k) != 8 || uint64(e.Index) != binary.BigEndian.Uint64(k) {
		return e, fmt.Errorf("journal of campaign %s, key %x: %w", id, k, ErrCorrupt)
	}
	return e, nil
}

// Snapshot returns the recipient rows frozen when sending started, in index
// order, or nil, nil when sending has not started. campaign.ErrNotFound when
// there is no such campaign.
func (db *DB) Snapshot(id string) (*campaign.Snapshot, error) {
	var snap *campaign.Snapshot
	err := db.view(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketCampaigns).Get([]byte(id)) == nil {
			return fmt.Errorf("campaign %q: %w", id, campaign.ErrNotFound)
		}
		s, err := readSnapshot(tx, id)
		snap = s
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("snapshot of campaign %s: %w", id, err)
	}
	return snap, nil
}

func readSnapshot(tx *bolt.Tx, id string) (*campaign.Snapshot, error) {
	sb := tx.Bucket(bucketSnapshots).Bucket([]byte(id))
	if sb == nil {
		return nil, nil
	}
	snap := &campaign.Snapshot{}
	if err := json.Unmarshal(sb.Get(keyColumns), &snap.Columns); err != nil {
		return nil, fmt.Errorf("columns: %w: %w", ErrCorrupt, err)
	}
	rb := sb.Bucket(keyRows)
	if rb == nil {
		return snap, nil
	}
	snap.Rows = make([]campaign.SnapshotRow, 0, rb.Stats().KeyN)
	err := rb.ForEach(func(k, v []byte) error {
		var r campaign.SnapshotRow
		if err := json.Unmarshal(v, &r); err != nil {
			return fmt.Errorf("row key %x: %w: %w", k, ErrCorrupt, err)
		}
		snap.Rows = append(snap.Rows, r)
		return nil
	})
	return snap, err
}

// Journal calls fn for every entry of the campaign in index order until fn
// returns false. It reads the journal in batches and calls fn outside any
// transaction, so fn may call Move; an entry moved during the walk may be
// seen in its old or new state. campaign.ErrNotFound when there is no such
// campaign; a campaign that has not started has an empty journal.
func (db *DB) Journal(id string, fn func(e campaign.Entry) bool) error {
	var after []byte
	for {
		batch := make([]campaign.Entry, 0, journalBatch)
		err := db.view(func(tx *bolt.Tx) error {
			if tx.Bucket(bucketCampaigns).Get([]byte(id)) == nil {
				return fmt.Errorf("campaign %q: %w", id, campaign.ErrNotFound)
			}
			jb := tx.Bucket(bucketJournal).Bucket([]byte(id))
			if jb == nil {
				return nil
			}
			c := jb.Cursor()
			var k, v []byte
			if after == nil {
				k, v = c.First()
			} else if k, v = c.Seek(after); bytes.Equal(k, after) {
				k, v = c.Next()
			}
			for ; k != nil && len(batch) < journalBatch; k, v = c.Next() {
				e, err := decodeEntry(id, k, v)
				if err != nil {
					return err
				}
				batch = append(batch, e)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("journal of campaign %s: %w", id, err)
		}
		for _, e := range batch {
			if !fn(e) {
				return nil
			}
		}
		if len(batch) < journalBatch {
			return nil
		}
		after = u64(uint64(batch[len(batch)-1].Index))
	}
}

// Entry returns one journal entry: campaign.ErrNotFound for an unknown
// campaign, ErrNoEntry for an unknown row.
func (db *DB) Entry(id string, index int) (campaign.Entry, error) {
	var e campaign.Entry
	err := db.view(func(tx *bolt.Tx) error {
		jb, err := journalOf(tx, id)
		if err != nil {
			return err
		}
		e, err = getEntry(jb, id, index)
		return err
	})
	if err != nil {
		return campaign.Entry{}, fmt.Errorf("journal of campaign %s: %w", id, err)
	}
	return e, nil
}

func journalOf(tx *bolt.Tx, id string) (*bolt.Bucket, error) {
	if tx.Bucket(bucketCampaigns).Get([]byte(id)) == nil {
		return nil, fmt.Errorf("campaign %q: %w", id, campaign.ErrNotFound)
	}
	return tx.Bucket(bucketJournal).Bucket([]byte(id)), nil
}

func getEntry(jb *bolt.Bucket, id string, index int) (campaign.Entry, error) {
	if index < 0 || jb == nil {
		return campaign.Entry{}, fmt.Errorf("row %d: %w", index+1, ErrNoEntry)
	}
	k := u64(uint64(index))
	v := jb.Get(k)
	if v == nil {
		return campaign.Entry{}, fmt.Errorf("row %d: %w", index+1, ErrNoEntry)
	}
	return decodeEntry(id, k, v)
}

// Move changes one entry's state in one transaction: the move is checked
// with State.CanMove (a refused move is a *campaign.TransitionError), Why is
// set to why and Reason to its English sentence, Updated to at (now when
// zero), and Attempts is incremented when moving to sending. The
// campaign's counts record changes in the same transaction, and a move to
// sent adds recipients to the sent-recipients log at at (log entries older
// than 48 h are pruned then).
func (db *DB) Move(id string, index int, to campaign.State, why campaign.Reason, recipients int, at time.Time) error {
	if at.IsZero() {
		at = db.now()
	}
	m := campaign.Move{Index: index, To: to, Why: why, Recipients: recipients}
	err := db.update(func(tx *bolt.Tx) error { return db.moveTx(tx, id, m, at) })
	if err != nil {
		return fmt.Errorf("campaign %s row %d to %s: %w", id, index+1, to, err)
	}
	return nil
}

// MoveMany applies several moves in one transaction: all of them or none.
func (db *DB) MoveMany(id string, moves []campaign.Move, at time.Time) error {
	if len(moves) == 0 {
		return nil
	}
	if at.IsZero() {
		at = db.now()
	}
	err := db.update(func(tx *bolt.Tx) error {
		for i := 0; i < len(moves); {
			j := i + 1
			for j < len(moves) && moves[j].Index == moves[i].Index {
				j++
			}
			if err := db.movesTx(tx, id, moves[i:j], at); err != nil {
				m := moves[j-1]
				return fmt.Errorf("row %d to %s: %w", m.Index+1, m.To, err)
			}
			i = j
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("campaign %s: %w", id, err)
	}
	return nil
}

func (db *DB) moveTx(tx *bolt.Tx, id string, m campaign.Move, at time.Time) error {
	return db.movesTx(tx, id, []campaign.Move{m}, at)
}

// movesTx applies moves of one entry (all with the same Index), in order,
// reading and writing the entry and the counts once: a batch's pending →
// sending → sent costs one entry write, not two.
func (db *DB) movesTx(tx *bolt.Tx, id string, ms []campaign.Move, at time.Time) error {
	jb, err := journalOf(tx, id)
	if err != nil {
		return err
	}
	e, err := getEntry(jb, id, ms[0].Index)
	if err != nil {
		return err
	}
	counts, err := getCounts(tx, id)
	if err != nil {
		return err
	}
	sent := 0
	for _, m := range ms {
		if !e.State.CanMove(m.To) {
			return &campaign.TransitionError{Index: m.Index, From: e.State, To: m.To}
		}
		if err := addCount(&counts, e.State, -1); err != nil {
			return err
		}
		if err := addCount(&counts, m.To, 1); err != nil {
			return err
		}
		if m.To == campaign.StateSent && e.State != campaign.StateSent && m.Recipients > 0 {
			sent += m.Recipients
		}
		e.State, e.Why, e.Reason, e.Updated = m.To, m.Why, m.Why.English(time.UTC), at
		if m.To == campaign.StateSending {
			e.Attempts++
		}
	}
	if err := putEntry(jb, &e); err != nil {
		return err
	}
	if err := putCounts(tx, id, counts); err != nil {
		return err
	}
	if sent > 0 {
		return logSent(tx, at, sent, db.now())
	}
	return nil
}

// Retry moves every failed entry back to pending (clearing its reason,
// keeping its attempts) and, when there was any, the campaign to paused so
// it can be resumed; it returns how many rows were re-queued. With none
// failed it changes nothing.
func (db *DB) Retry(id string) (int, error) {
	var n int
	err := db.update(func(tx *bolt.Tx) error {
		n = 0
		c, err := getCampaign(tx, id)
		if err != nil {
			return err
		}
		jb := tx.Bucket(bucketJournal).Bucket([]byte(id))
		if jb == nil || c.Counts.Failed == 0 {
			return nil
		}
		now := db.now()
		var requeue []campaign.Entry
		err = jb.ForEach(func(k, v []byte) error {
			e, err := decodeEntry(id, k, v)
			if err == nil && e.State == campaign.StateFailed {
				requeue = append(requeue, e)
			}
			return err
		})
		if err != nil {
			return err
		}
		for _, e := range requeue {
			e.State, e.Reason, e.Why, e.Updated = campaign.StatePending, "", campaign.Reason{}, now
			if err := putEntry(jb, &e); err != nil {
				return err
			}
		}
		n = len(requeue)
		cnt := c.Counts
		cnt.Failed -= n
		cnt.Pending += n
		if err := putCounts(tx, id, cnt); err != nil {
			return err
		}
		if n > 0 {
			c.Status, c.Reason, c.Why, c.Finished, c.Updated = campaign.StatusPaused, "", campaign.Reason{}, time.Time{}, now
			return putCampaign(tx, c)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("retry campaign %s: %w", id, err)
	}
	return n, nil
}
