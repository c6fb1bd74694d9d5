package server

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// Timing of the store.
const (
	// LastUsedStep: a licence's last-used time is written when it is older
	// than this, so a busy address costs one write an hour, not one per check.
	LastUsedStep = time.Hour
	// PurgeAfter: an unassigned licence is deleted this long after.
	PurgeAfter = 30 * 24 * time.Hour
)

// Errors callers branch on.
var (
	ErrInUse        = errors.New("the licence database is in use by another licensed process (stop `licensed serve` first)")
	ErrNoTenant     = errors.New("no seats were ever set for this tenant")
	ErrNoSeatsLeft  = errors.New("no seats left")
	ErrOtherTenant  = errors.New("the address holds a licence of another tenant")
	ErrNotFound     = errors.New("not found")
	ErrInvalidInput = errors.New("invalid input")
	ErrNewerSchema  = errors.New("the licence database was written by a newer licensed")
)

var (
	bucketMeta     = []byte("meta")
	bucketTenants  = []byte("tenants")  // tenant id -> JSON Tenant
	bucketAdmins   = []byte("admins")   // tenant id -> bucket{address -> JSON {"added"}}
	bucketLicences = []byte("licences") // address -> JSON Licence (also removed ones until purged)
	bucketAssigned = []byte("assigned") // tenant id -> bucket{address -> ""}: the active licences, for seat counts
	keySchema      = []byte("schema")
	schemaVersion  = uint64(1)
)

// Tenant is a customer's Microsoft 365 tenant.
type Tenant struct {
	Seats   int       `json:"seats"`
	Updated time.Time `json:"updated"`
}

// Licence is one assigned seat.
type Licence struct {
	Tenant     string    `json:"tenant"`
	ID         string    `json:"id,omitempty"`   // the user's directory object id (admin API)
	Name       string    `json:"name,omitempty"` // the user's display name (admin API)
	Email      string    `json:"email"`
	AssignedBy string    `json:"assigned_by"` // the admin's address, or "operator"
	Assigned   time.Time `json:"assigned"`
	LastUsed   time.Time `json:"last_used,omitzero"`
	Removed    time.Time `json:"removed,omitzero"` // unassigned at; zero while active
}

// DB is the bbolt store of seats, admins and licences. bbolt allows one
// process per file: the operator commands open it while serve is stopped.
// It is safe for concurrent use.
type DB struct {
	bolt *bolt.DB

	// Last-used times wait here and are written together every
	// flushEvery: a check then never waits for a disk write, at the cost
	// of at most that much of them lost in a crash (Close writes them).
	mu      sync.Mutex
	pending map[string]time.Time
	stop    chan struct{}
	flusher sync.WaitGroup
	closed  bool
}

// flushEvery is how often pending last-used times are written.
const flushEvery = time.Second

// Open opens (creating it, 0600) the database file at path. Another process
// holding it gives ErrInUse within a second.
func Open(path string) (*DB, error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("open %s: %w", path, err)
		}
	}
	b, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("open %s: %w", path, ErrInUse)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	db := &DB{bolt: b, pending: map[string]time.Time{}, stop: make(chan struct{})}
	err = b.Update(func(tx *bolt.Tx) error {
		m, err := tx.CreateBucketIfNotExists(bucketMeta)
		if err != nil {
			return err
		}
		if v := m.Get(keySchema); len(v) == 8 && binary.BigEndian.Uint64(v) > schemaVersion {
			return ErrNewerSchema
		}
		for _, name := range [][]byte{bucketTenants, bucketAdmins, bucketLicences, bucketAssigned} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		return m.Put(keySchema, binary.BigEndian.AppendUint64(nil, schemaVersion))
	})
	if err != nil {
		b.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	db.flusher.Add(1)
	go db.flushLoop()
	return db, nil
}

// Close writes the pending last-used times and closes the file.
func (db *DB) Close() error {
	db.mu.Lock()
	if db.closed {
		db.mu.Unlock()
		return nil
	}
	db.closed = true
	db.mu.Unlock()
	close(db.stop)
	db.flusher.Wait()
	err := db.flush()
	if cerr := db.bolt.Close(); err == nil {
		err = cerr
	}
	return err
}

func (db *DB) flushLoop() {
	defer db.flusher.Done()
	t := time.NewTicker(flushEvery)
	defer t.Stop()
	for {
		select {
		case <-db.stop:
			return
		case <-t.C:
			db.flush() // a failed write keeps nothing; the next check queues again
		}
	}
}

// flush writes the pending last-used times in one transaction.
func (db *DB) flush() error {
	db.mu.Lock()
	batch := db.pending
	db.pending = map[string]time.Time{}
	db.mu.Unlock()
	if len(batch) == 0 {
		return nil
	}
	return db.bolt.Update(func(tx *bolt.Tx) error {
		for addr, at := range batch {
			l, ok := getLicence(tx, addr)
			if !ok || !l.Removed.IsZero() || !at.After(l.LastUsed) {
				continue
			}
			l.LastUsed = at.UTC()
			if err := putLicence(tx, l); err != nil {
				return err
			}
		}
		return nil
	})
}

// SetSeats sets the tenant's seat count (what a purchase does) and returns
// how many licences it has assigned, which may now exceed it: none is
// taken away, but no new one can be assigned until it is below.
func (db *DB) SetSeats(tenant string, seats int, now time.Time) (used int, err error) {
	if err := checkTenant(tenant); err != nil {
		return 0, err
	}
	if seats < 0 || seats > 1_000_000 {
		return 0, fmt.Errorf("%w: seat count %d", ErrInvalidInput, seats)
	}
	err = db.bolt.Update(func(tx *bolt.Tx) error {
		js, _ := json.Marshal(Tenant{Seats: seats, Updated: now.UTC()})
		if err := tx.Bucket(bucketTenants).Put([]byte(tenant), js); err != nil {
			return err
		}
		used = countAssigned(tx, tenant)
		return nil
	})
	return used, err
}

// Tenant returns the tenant's record and the number of licences assigned.
func (db *DB) Tenant(tenant string) (t Tenant, used int, err error) {
	err = db.bolt.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketTenants).Get([]byte(tenant))
		if v == nil {
			return ErrNoTenant
		}
		used = countAssigned(tx, tenant)
		return json.Unmarshal(v, &t)
	})
	return t, used, err
}

// AddAdmin puts address on the tenant's delegated-admin list.
func (db *DB) AddAdmin(tenant, address string, now time.Time) error {
	addr, err := prepare(tenant, address)
	if err != nil {
		return err
	}
	return db.bolt.Update(func(tx *bolt.Tx) error {
		b, err := tx.Bucket(bucketAdmins).CreateBucketIfNotExists([]byte(tenant))
		if err != nil {
			return err
		}
		if b.Get([]byte(addr)) != nil {
			return nil
		}
		js, _ := json.Marshal(struct {
			Added time.Time `json:"added"`
		}{now.UTC()})
		return b.Put([]byte(addr), js)
	})
}

// RemoveAdmin takes address off the list; ErrNotFound when it was not on it.
func (db *DB) RemoveAdmin(tenant, address string) error {
	addr, err := prepare(tenant, address)
	if err != nil {
		return err
	}
	return db.bolt.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketAdmins).Bucket([]byte(tenant))
		if b == nil || b.Get([]byte(addr)) == nil {
			return ErrNotFound
		}
		return b.Delete([]byte(addr))
	})
}

// Admins lists the tenant's delegated admins, sorted.
func (db *DB) Admins(tenant string) ([]string, error) {
	var out []string
	err := db.bolt.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketAdmins).Bucket([]byte(tenant))
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, _ []byte) error {
			out = append(out, string(k))
			return nil
		})
	})
	return out, err
}

// Grant assigns a licence of the tenant to l.Email (l.Tenant is set from
// tenant). It checks the seat count in the same transaction, so concurrent
// grants cannot exceed it: ErrNoSeatsLeft. Granting an address that
// already holds this tenant's licence changes nothing; one of another
// tenant's is ErrOtherTenant.
func (db *DB) Grant(tenant string, l Licence, now time.Time) error {
	addr, err := prepare(tenant, l.Email)
	if err != nil {
		return err
	}
	l.Tenant, l.Email, l.Assigned, l.LastUsed, l.Removed = tenant, addr, now.UTC(), time.Time{}, time.Time{}
	if l.AssignedBy == "" {
		l.AssignedBy = "operator"
	}
	return db.bolt.Update(func(tx *bolt.Tx) error {
		tv := tx.Bucket(bucketTenants).Get([]byte(tenant))
		if tv == nil {
			return ErrNoTenant
		}
		var t Tenant
		if err := json.Unmarshal(tv, &t); err != nil {
			return fmt.Errorf("tenant record: %w", err)
		}
		if old, ok := getLicence(tx, addr); ok && old.Removed.IsZero() {
			if old.Tenant == tenant {
				return nil
			}
			return ErrOtherTenant
		}
		if countAssigned(tx, tenant) >= t.Seats {
			return fmt.Errorf("%w: %d of %d assigned", ErrNoSeatsLeft, t.Seats, t.Seats)
		}
		idx, err := tx.Bucket(bucketAssigned).CreateBucketIfNotExists([]byte(tenant))
		if err != nil {
			return err
		}
		if err := idx.Put([]byte(addr), []byte{}); err != nil {
			return err
		}
		return putLicence(tx, l)
	})
}

// Revoke unassigns the tenant's licence of address: it stops at once, and
// its record is deleted by Purge PurgeAfter later. ErrNotFound when the
// address holds no licence of this tenant.
func (db *DB) Revoke(tenant, address string, now time.Time) error {
	addr, err := prepare(tenant, address)
	if err != nil {
		return err
	}
	return db.bolt.Update(func(tx *bolt.Tx) error {
		l, ok := getLicence(tx, addr)
		if !ok || !l.Removed.IsZero() || l.Tenant != tenant {
			return ErrNotFound
		}
		l.Removed = now.UTC()
		if idx := tx.Bucket(bucketAssigned).Bucket([]byte(tenant)); idx != nil {
			if err := idx.Delete([]byte(addr)); err != nil {
				return err
			}
		}
		return putLicence(tx, l)
	})
}

// IsAdmin reports whether address is on the tenant's delegated-admin list.
func (db *DB) IsAdmin(tenant, address string) (bool, error) {
	addr, err := prepare(tenant, address)
	if err != nil {
		return false, err
	}
	ok := false
	err = db.bolt.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketAdmins).Bucket([]byte(tenant))
		ok = b != nil && b.Get([]byte(addr)) != nil
		return nil
	})
	return ok, err
}

// RevokeID is Revoke of the tenant's active licence whose directory id is id.
func (db *DB) RevokeID(tenant, id string, now time.Time) error {
	if err := checkTenant(tenant); err != nil {
		return err
	}
	if id == "" {
		return ErrNotFound
	}
	return db.bolt.Update(func(tx *bolt.Tx) error {
		idx := tx.Bucket(bucketAssigned).Bucket([]byte(tenant))
		if idx == nil {
			return ErrNotFound
		}
		var found *Licence
		err := idx.ForEach(func(k, _ []byte) error {
			if l, ok := getLicence(tx, string(k)); ok && l.ID == id && found == nil {
				found = &l
			}
			return nil
		})
		if err != nil {
			return err
		}
		if found == nil {
			return ErrNotFound
		}
		found.Removed = now.UTC()
		if err := idx.Delete([]byte(found.Email)); err != nil {
			return err
		}
		return putLicence(tx, *found)
	})
}

// DeleteAccount erases one person's records at once (see Store).
func (db *DB) DeleteAccount(tenant, id, address string) (int, error) {
	addr, err := "", checkTenant(tenant)
	if err == nil && address != "" { // "" for an account known by its id only
		addr, err = NormalizeAddress(address)
	}
	if err != nil {
		return 0, err
	}
	n := 0
	err = db.bolt.Update(func(tx *bolt.Tx) error {
		n = 0
		b := tx.Bucket(bucketLicences)
		var doomed []Licence
		var rewrite []Licence
		err := b.ForEach(func(k, v []byte) error {
			var l Licence
			if err := json.Unmarshal(v, &l); err != nil {
				return fmt.Errorf("licence record: %w", err)
			}
			switch {
			case l.Email == addr || (id != "" && l.Tenant == tenant && l.ID == id):
				doomed = append(doomed, l)
			case l.AssignedBy == addr:
				l.AssignedBy = DeletedAccount
				rewrite = append(rewrite, l)
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, l := range doomed {
			if err := b.Delete([]byte(l.Email)); err != nil {
				return err
			}
			if idx := tx.Bucket(bucketAssigned).Bucket([]byte(l.Tenant)); idx != nil {
				if err := idx.Delete([]byte(l.Email)); err != nil {
					return err
				}
			}
			n++
		}
		for _, l := range rewrite {
			if err := putLicence(tx, l); err != nil {
				return err
			}
			n++
		}
		if a := tx.Bucket(bucketAdmins).Bucket([]byte(tenant)); a != nil && a.Get([]byte(addr)) != nil {
			if err := a.Delete([]byte(addr)); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err == nil {
		db.mu.Lock()
		delete(db.pending, addr)
		db.mu.Unlock()
	}
	return n, err
}

// Licences lists the tenant's licences, active and not yet purged, by
// address.
func (db *DB) Licences(tenant string) ([]Licence, error) {
	var out []Licence
	err := db.bolt.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketLicences).ForEach(func(k, v []byte) error {
			var l Licence
			if err := json.Unmarshal(v, &l); err != nil {
				return fmt.Errorf("licence record: %w", err)
			}
			if l.Tenant == tenant {
				out = append(out, l)
			}
			return nil
		})
	})
	db.mu.Lock()
	for i, l := range out {
		if at, ok := db.pending[l.Email]; ok && l.Removed.IsZero() && at.After(l.LastUsed) {
			out[i].LastUsed = at.UTC()
		}
	}
	db.mu.Unlock()
	slices.SortFunc(out, func(a, b Licence) int { return strings.Compare(a.Email, b.Email) })
	return out, err
}

// Use reports whether address holds an active licence, recording now as
// its last use when the recorded one is more than LastUsedStep older. The
// address must already be normalized (NormalizeAddress).
func (db *DB) Use(address string, now time.Time) (bool, error) {
	var l Licence
	var ok bool
	if err := db.bolt.View(func(tx *bolt.Tx) error {
		l, ok = getLicence(tx, address)
		return nil
	}); err != nil {
		return false, err
	}
	if !ok || !l.Removed.IsZero() {
		return false, nil
	}
	db.mu.Lock()
	defer db.mu.Unlock()
	last := l.LastUsed
	if q, ok := db.pending[address]; ok && q.After(last) {
		last = q
	}
	if now.Sub(last) >= LastUsedStep {
		db.pending[address] = now
	}
	return true, nil
}

// Purge deletes licences unassigned more than PurgeAfter before now and
// returns how many.
func (db *DB) Purge(now time.Time) (int, error) {
	n := 0
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		n = 0
		b := tx.Bucket(bucketLicences)
		var doomed [][]byte
		err := b.ForEach(func(k, v []byte) error {
			var l Licence
			if err := json.Unmarshal(v, &l); err != nil {
				return fmt.Errorf("licence record: %w", err)
			}
			if !l.Removed.IsZero() && now.Sub(l.Removed) > PurgeAfter {
				doomed = append(doomed, slices.Clone(k))
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, k := range doomed {
			if err := b.Delete(k); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

func getLicence(tx *bolt.Tx, addr string) (Licence, bool) {
	v := tx.Bucket(bucketLicences).Get([]byte(addr))
	if v == nil {
		return Licence{}, false
	}
	var l Licence
	if json.Unmarshal(v, &l) != nil {
		return Licence{}, false
	}
	return l, true
}

func putLicence(tx *bolt.Tx, l Licence) error {
	js, err := json.Marshal(l)
	if err != nil {
		return err
	}
	return tx.Bucket(bucketLicences).Put([]byte(l.Email), js)
}

func countAssigned(tx *bolt.Tx, tenant string) int {
	b := tx.Bucket(bucketAssigned).Bucket([]byte(tenant))
	if b == nil {
		return 0
	}
	return b.Stats().KeyN
}

func prepare(tenant, address string) (string, error) {
	if err := checkTenant(tenant); err != nil {
		return "", err
	}
	return NormalizeAddress(address)
}

// checkTenant accepts a Microsoft tenant id: a GUID, or any 1–64 letters,
// digits and dashes (test tenants).
func checkTenant(t string) error {
	if t == "" || len(t) > 64 || strings.Trim(t, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") != "" {
		return fmt.Errorf("%w: tenant id %q: want a GUID", ErrInvalidInput, t)
	}
	return nil
}
