package server

import (
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

const tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"

var t0 = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

func openDB(t testing.TB) *DB {
	t.Helper()
	db, err := Open(filepath.Join(t.TempDir(), "licensed.db"))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestSeatsAreEnforcedUnderConcurrentGrants(t *testing.T) {
	db := openDB(t)
	if _, err := db.SetSeats(tenant, 5, t0); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 40)
	for i := range errs {
		wg.Go(func() { errs[i] = db.Grant(tenant, Licence{Email: fmt.Sprintf("user%d@contoso.com", i)}, t0) })
	}
	wg.Wait()
	granted := 0
	for _, err := range errs {
		switch {
		case err == nil:
			granted++
		case !errors.Is(err, ErrNoSeatsLeft):
			t.Errorf("Grant: %v; want nil or ErrNoSeatsLeft", err)
		}
	}
	if _, used, _ := db.Tenant(tenant); granted != 5 || used != 5 {
		t.Errorf("%d grants succeeded, %d seats used; want 5 of 5", granted, used)
	}
}

func TestGrantRevokePurge(t *testing.T) {
	db := openDB(t)
	if err := db.Grant(tenant, Licence{Email: "ada@contoso.com"}, t0); !errors.Is(err, ErrNoTenant) {
		t.Errorf("Grant before seats were set: %v; want ErrNoTenant", err)
	}
	db.SetSeats(tenant, 1, t0)
	if err := db.Grant(tenant, Licence{Email: "Ada@Contoso.com"}, t0); err != nil {
		t.Fatal(err)
	}
	if err := db.Grant(tenant, Licence{Email: "ada@contoso.com"}, t0); err != nil {
		t.Errorf("granting the same address twice: %v; want no change", err)
	}
	db.SetSeats("other-tenant", 3, t0)
	if err := db.Grant("other-tenant", Licence{Email: "ada@contoso.com"}, t0); !errors.Is(err, ErrOtherTenant) {
		t.Errorf("Grant of another tenant's licensee: %v; want ErrOtherTenant", err)
	}
	if ok, err := db.Use("ada@contoso.com", t0.Add(time.Minute)); !ok || err != nil {
		t.Errorf("Use(licensed) = %v, %v; want true", ok, err)
	}
	ls, _ := db.Licences(tenant)
	if len(ls) != 1 || !ls[0].LastUsed.Equal(t0.Add(time.Minute)) || ls[0].AssignedBy != "operator" {
		t.Fatalf("Licences = %+v; want one, last used at +1 min, assigned by the operator", ls)
	}
	db.Use("ada@contoso.com", t0.Add(30*time.Minute))
	if ls, _ := db.Licences(tenant); !ls[0].LastUsed.Equal(t0.Add(time.Minute)) {
		t.Errorf("last used = %v after a use 29 min later; want unchanged (one write per LastUsedStep)", ls[0].LastUsed)
	}
	db.Use("ada@contoso.com", t0.Add(2*time.Hour))
	if ls, _ := db.Licences(tenant); !ls[0].LastUsed.Equal(t0.Add(2 * time.Hour)) {
		t.Errorf("last used = %v; want +2 h", ls[0].LastUsed)
	}
	if err := db.Grant(tenant, Licence{Email: "bob@contoso.com"}, t0); !errors.Is(err, ErrNoSeatsLeft) {
		t.Errorf("Grant past the seat count: %v; want ErrNoSeatsLeft", err)
	}
	if err := db.Revoke(tenant, "ada@contoso.com", t0.Add(3*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if ok, _ := db.Use("ada@contoso.com", t0.Add(4*time.Hour)); ok {
		t.Error("Use after Revoke = true; want false")
	}
	if err := db.Grant(tenant, Licence{Email: "bob@contoso.com"}, t0.Add(4*time.Hour)); err != nil {
		t.Errorf("Grant after a revoke freed the seat: %v", err)
	}
	if n, _ := db.Purge(t0.Add(3*time.Hour + PurgeAfter - time.Minute)); n != 0 {
		t.Errorf("Purge before 30 days deleted %d", n)
	}
	if n, _ := db.Purge(t0.Add(3*time.Hour + PurgeAfter + time.Minute)); n != 1 {
		t.Errorf("Purge after 30 days deleted %d; want 1", n)
	}
	if ls, _ := db.Licences(tenant); len(ls) != 1 || ls[0].Email != "bob@contoso.com" {
		t.Errorf("Licences after purge = %+v; want only bob's", ls)
	}
	if err := db.Revoke(tenant, "nobody@contoso.com", t0); !errors.Is(err, ErrNotFound) {
		t.Errorf("Revoke(unlicensed) = %v; want ErrNotFound", err)
	}
}

func TestAdmins(t *testing.T) {
	db := openDB(t)
	db.AddAdmin(tenant, "It@Contoso.com", t0)
	db.AddAdmin(tenant, "boss@contoso.com", t0)
	if got, _ := db.Admins(tenant); fmt.Sprint(got) != "[boss@contoso.com it@contoso.com]" {
		t.Errorf("Admins = %v", got)
	}
	if err := db.RemoveAdmin(tenant, "it@contoso.com"); err != nil {
		t.Fatal(err)
	}
	if err := db.RemoveAdmin(tenant, "it@contoso.com"); !errors.Is(err, ErrNotFound) {
		t.Errorf("second RemoveAdmin = %v; want ErrNotFound", err)
	}
	for _, bad := range []string{"", "not an address", "Ada <ada@contoso.com>", "ada@localhost"} {
		if err := db.AddAdmin(tenant, bad, t0); !errors.Is(err, ErrInvalidInput) {
			t.Errorf("AddAdmin(%q) = %v; want ErrInvalidInput", bad, err)
		}
	}
	if err := db.AddAdmin("no spaces allowed", "a@b.com", t0); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("AddAdmin(bad tenant) = %v; want ErrInvalidInput", err)
	}
}

func TestSecondOpenFailsFast(t *testing.T) {
	path := filepath.Join(t.TempDir(), "licensed.db")
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := Open(path); !errors.Is(err, ErrInUse) {
		t.Errorf("second Open = %v; want ErrInUse", err)
	}
}

func TestLastUsedIsWrittenByClose(t *testing.T) {
	path := filepath.Join(t.TempDir(), "licensed.db")
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	db.SetSeats(tenant, 2, t0)
	db.Grant(tenant, Licence{Email: "ada@contoso.com"}, t0)
	db.Grant(tenant, Licence{Email: "bob@contoso.com"}, t0)
	db.Use("ada@contoso.com", t0.Add(2*time.Hour))
	db.Use("bob@contoso.com", t0.Add(2*time.Hour))
	db.Revoke(tenant, "bob@contoso.com", t0.Add(3*time.Hour))
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ls, _ := db.Licences(tenant)
	if len(ls) != 2 || !ls[0].LastUsed.Equal(t0.Add(2*time.Hour)) {
		t.Fatalf("after reopening: %+v; want ada's last use at +2 h kept", ls)
	}
	if !ls[1].Removed.Equal(t0.Add(3 * time.Hour)) {
		t.Errorf("bob's licence = %+v; want it still revoked (a queued use does not bring it back)", ls[1])
	}
}
