package server

import (
	"errors"
	"time"
)

// Store is what the server and the operator commands need of a licence
// database. *DB (bbolt, one process) and *Postgres (several instances on
// one database) implement it and pass the same conformance suite
// (storetest_test.go). Implementations are safe for concurrent use.
//
// Addresses are normalized by the store (NormalizeAddress) except in Use,
// whose caller has done it. Tenant ids are checked (a GUID, or letters,
// digits and dashes).
type Store interface {
	Licences

	// SetSeats sets the tenant's seat count and returns how many licences
	// it has assigned, which may now exceed it (none is taken away).
	SetSeats(tenant string, seats int, now time.Time) (used int, err error)
	// Tenant is the tenant's record and its count of active licences;
	// ErrNoTenant when seats were never set.
	Tenant(tenant string) (Tenant, int, error)

	// AddAdmin puts an address on the tenant's delegated-admin list
	// (idempotent); RemoveAdmin takes it off (ErrNotFound when absent).
	AddAdmin(tenant, address string, now time.Time) error
	RemoveAdmin(tenant, address string) error
	// Admins lists the delegated admins, sorted; IsAdmin asks about one.
	Admins(tenant string) ([]string, error)
	IsAdmin(tenant, address string) (bool, error)

	// Grant assigns one of the tenant's seats to l.Email, checking the
	// count in the same transaction so that concurrent grants, from any
	// number of server instances, never exceed it (ErrNoSeatsLeft).
	// Granting an address that holds this tenant's licence changes
	// nothing; one of another tenant's is ErrOtherTenant.
	Grant(tenant string, l Licence, now time.Time) error
	// Revoke unassigns the tenant's licence of an address, RevokeID the
	// one with a directory id: it stops at once and is purged PurgeAfter
	// later. ErrNotFound when there is no such active licence.
	Revoke(tenant, address string, now time.Time) error
	RevokeID(tenant, id string, now time.Time) error
	// Licences lists the tenant's licences, active and not yet purged,
	// by address.
	Licences(tenant string) ([]Licence, error)

	// DeleteAccount erases what is kept about one person at once (DELETE
	// /v1/account): the licence held by address, or by id within the
	// tenant, active or not; the address on the tenant's delegated-admin
	// list; and the address as the assigner of others' licences, which
	// becomes DeletedAccount. address "" (a token with no address) erases
	// by id only. It returns how many records changed.
	DeleteAccount(tenant, id, address string) (int, error)
	// Purge deletes licences unassigned more than PurgeAfter before now.
	// On PostgreSQL it runs on one instance at a time: ErrPurgeBusy when
	// another is purging.
	Purge(now time.Time) (int, error)

	Close() error
}

// DeletedAccount replaces an erased admin's address in the audit of who
// assigned a licence.
const DeletedAccount = "deleted account"

// ErrPurgeBusy: another instance holds the purge lock; it will purge.
var ErrPurgeBusy = errors.New("another licensed instance is purging")

var _ Store = (*DB)(nil)
