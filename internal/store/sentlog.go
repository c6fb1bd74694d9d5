package store

import (
	"encoding/binary"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// sentLogKeep is how long sent-log entries are kept: twice the rolling
// 24-hour window, so a clock step back does not lose a send.
const sentLogKeep = 48 * time.Hour

// logSent records n recipients sent at at, and prunes entries older than
// sentLogKeep before now, in the caller's transaction.
func logSent(tx *bolt.Tx, at time.Time, n int, now time.Time) error {
	b := tx.Bucket(bucketSentLog)
	seq, err := b.NextSequence()
	if err != nil {
		return err
	}
	var k [16]byte
	binary.BigEndian.PutUint64(k[:8], unixNano(at))
	binary.BigEndian.PutUint64(k[8:], seq)
	if err := b.Put(k[:], u64(uint64(n))); err != nil {
		return err
	}
	cutoff := unixNano(now.Add(-sentLogKeep))
	c := b.Cursor()
	for k, _ := c.First(); len(k) == 16 && binary.BigEndian.Uint64(k[:8]) < cutoff; k, _ = c.First() {
		if err := c.Delete(); err != nil {
			return err
		}
	}
	return nil
}

// unixNano maps t to an ordered key; times before 1970 map to 0.
func unixNano(t time.Time) uint64 {
	n := t.UnixNano()
	if n < 0 {
		return 0
	}
	return uint64(n)
}

// SentSince returns how many recipients were sent at or after t, across
// every campaign (the rolling 24-hour budget), and when the oldest of those
// sends happened (zero when n is 0), so a caller can tell when the window
// frees up.
func (db *DB) SentSince(t time.Time) (n int, oldest time.Time, err error) {
	err = db.view(func(tx *bolt.Tx) error {
		return forSent(tx, t, func(at time.Time, count int) {
			if n == 0 {
				oldest = at
			}
			n += count
		})
	})
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("sent-recipients log: %w", err)
	}
	return n, oldest, nil
}

func forSent(tx *bolt.Tx, since time.Time, fn func(at time.Time, count int)) error {
	c := tx.Bucket(bucketSentLog).Cursor()
	var from [8]byte
	binary.BigEndian.PutUint64(from[:], unixNano(since))
	for k, v := c.Seek(from[:]); k != nil; k, v = c.Next() {
		if len(k) != 16 || len(v) != 8 {
			return fmt.Errorf("entry %x: %w", k, ErrCorrupt)
		}
		at := time.Unix(0, int64(binary.BigEndian.Uint64(k[:8])))
		fn(at, int(binary.BigEndian.Uint64(v)))
	}
	return nil
}
