package store

import (
	"encoding/binary"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// keySeen holds the latest time the licence client has seen, so that a
// clock set back cannot bring an expired licence token back (DESIGN.md §7).
var keySeen = []byte("seen")

// LicenseSeen returns the latest time the licence client has recorded;
// the zero time when none (or when the record is unreadable: the client
// then relies on the clock and the token's own issue time).
func (db *DB) LicenseSeen() (time.Time, error) {
	var seen time.Time
	err := db.view(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bucketLicense).Get(keySeen); len(v) == 8 {
			seen = time.Unix(0, int64(binary.BigEndian.Uint64(v)))
		}
		return nil
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("read licence clock: %w", err)
	}
	return seen, nil
}

// SetLicenseSeen records t as the latest time seen, as is: the licence
// client decides when it may move back (after a successful check, to the
// server's time). The zero time removes the record.
func (db *DB) SetLicenseSeen(t time.Time) error {
	err := db.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketLicense)
		if t.IsZero() || t.UnixNano() <= 0 {
			return b.Delete(keySeen)
		}
		return b.Put(keySeen, u64(uint64(t.UnixNano())))
	})
	if err != nil {
		return fmt.Errorf("record licence clock: %w", err)
	}
	return nil
}
