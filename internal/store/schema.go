package store

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"runtime/debug"

	"github.com/securemerge/securemerge/internal/campaign"
	bolt "go.etcd.io/bbolt"
)

// Bucket names (see the package doc for their contents).
var (
	bucketMeta        = []byte("meta")
	bucketCampaigns   = []byte("campaigns")
	bucketCounts      = []byte("counts")
	bucketSnapshots   = []byte("snapshots")
	bucketJournal     = []byte("journal")
	bucketSentLog     = []byte("sentlog")
	bucketSuppression = []byte("suppression")
	bucketSettings    = []byte("settings")
	bucketLicense     = []byte("license")

	keySchema  = []byte("schema")
	keyColumns = []byte("columns")
	keyRows    = []byte("rows")
	keyToken   = []byte("token")
)

// topBuckets are the buckets of the current schema.
var topBuckets = [][]byte{
	bucketMeta, bucketCampaigns, bucketCounts, bucketSnapshots, bucketJournal,
	bucketSentLog, bucketSuppression, bucketSettings, bucketLicense,
}

// migrations[i] upgrades a file from schema version i to i+1; the current
// version is len(migrations). Version 0 is a new, empty file. Append only:
// never change an entry once released.
var migrations = []func(tx *bolt.Tx) error{
	// 0 -> 1: the first schema.
	func(tx *bolt.Tx) error {
		for _, name := range topBuckets {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return fmt.Errorf("create bucket %s: %w", name, err)
			}
		}
		return nil
	},
}

// SchemaVersion returns the schema version this build writes.
func SchemaVersion() int { return len(migrations) }

// schemaOf reads the file's schema version; 0 for a file without meta.
func schemaOf(tx *bolt.Tx) (int, error) {
	m := tx.Bucket(bucketMeta)
	if m == nil {
		return 0, nil
	}
	v := m.Get(keySchema)
	if len(v) != 8 {
		return 0, fmt.Errorf("schema version is missing or malformed")
	}
	n := binary.BigEndian.Uint64(v)
	if n == 0 || n > 1<<20 {
		return 0, fmt.Errorf("schema version %d is not valid", n)
	}
	return int(n), nil
}

func putSchema(tx *bolt.Tx, v int) error {
	m, err := tx.CreateBucketIfNotExists(bucketMeta)
	if err != nil {
		return err
	}
	return m.Put(keySchema, u64(uint64(v)))
}

// migrate brings the file to SchemaVersion, copying it to
// FileName.bak-v<old> first when it already held data.
func (db *DB) migrate() error {
	var old int
	if err := db.view(func(tx *bolt.Tx) (err error) {
		old, err = schemaOf(tx)
		return err
	}); err != nil {
		return err
	}
	cur := len(migrations)
	if old > cur {
		return fmt.Errorf("%w: %s has schema %d, this version reads up to %d; install the newer SecureMerge or choose another data folder", ErrNewerSchema, db.path, old, cur)
	}
	if old == cur {
		return nil
	}
	if old > 0 {
		bak, err := freeName(fmt.Sprintf("%s.bak-v%d", db.path, old))
		if err != nil {
			return fmt.Errorf("back up before upgrading: %w", err)
		}
		if err := db.copyFile(bak); err != nil {
			return fmt.Errorf("back up before upgrading to %s: %w", bak, err)
		}
	}
	for v := old; v < cur; v++ {
		err := db.update(func(tx *bolt.Tx) error {
			if err := migrations[v](tx); err != nil {
				return err
			}
			return putSchema(tx, v+1)
		})
		if err != nil {
			return fmt.Errorf("upgrade database from schema %d to %d: %w", v, v+1, err)
		}
	}
	return nil
}

// quickCheck looks for what would make every later read fail: a file from
// another program, our buckets missing or not buckets, undecodable campaign
// records. It reads only the small buckets, so it stays fast on a large file.
func (db *DB) quickCheck() (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("reading the file failed: %v", r)
		}
	}()
	return db.view(func(tx *bolt.Tx) error {
		v, err := schemaOf(tx)
		if err != nil {
			return err
		}
		if v == 0 {
			// A new file has no buckets; anything else is not ours.
			return tx.ForEach(func(name []byte, _ *bolt.Bucket) error {
				return fmt.Errorf("unexpected bucket %q in a file without a schema", name)
			})
		}
		if v != len(migrations) {
			return nil // older: the migrations know its shape; newer: migrate refuses it untouched
		}
		for _, name := range topBuckets {
			if tx.Bucket(name) == nil {
				return fmt.Errorf("bucket %s is missing", name)
			}
		}
		return tx.Bucket(bucketCampaigns).ForEach(func(k, v []byte) error {
			var c campaign.Campaign
			if v == nil {
				return fmt.Errorf("campaign %q is not a record", k)
			}
			if err := json.Unmarshal(v, &c); err != nil {
				return fmt.Errorf("campaign %q: %w", k, err)
			}
			if c.ID != string(k) {
				return fmt.Errorf("campaign %q has id %q", k, c.ID)
			}
			return nil
		})
	})
}

func u64(n uint64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], n)
	return b[:]
}
