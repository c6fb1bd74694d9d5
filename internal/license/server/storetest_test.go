package server

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/securemerge/securemerge/internal/license/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// opener opens a fresh, empty store for one test.
type opener func(t testing.TB) Store

// stores are the implementations the conformance suite runs against.
var stores = []struct {
	name string
	open opener
}{
	{"bbolt", func(t testing.TB) Store { return openDB(t) }},
	{"postgres", openPostgres},
}

func openPostgres(t testing.TB) Store {
	t.Helper()
	p, err := OpenPostgres(context.Background(), pgtest.DSN(t))
	if err != nil {
		t.Fatalf("OpenPostgres: %v", err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// TestStoreConformance runs one suite against every Store, as restic runs
// one against every backend.
func TestStoreConformance(t *testing.T) {
	for _, s := range stores {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			for _, c := range conformance {
				t.Run(c.name, func(t *testing.T) { c.run(t, s.open(t)) })
			}
		})
	}
}

var conformance = []struct {
	name string
	run  func(t *testing.T, st Store)
}{
	{"SeatsExactUnderConcurrentGrants", func(t *testing.T, st Store) {
		st.SetSeats(tenant, 7, t0)
		var wg sync.WaitGroup
		errs := make([]error, 60)
		for i := range errs {
			wg.Go(func() { errs[i] = st.Grant(tenant, Licence{Email: fmt.Sprintf("user%d@contoso.com", i)}, t0) })
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
		if _, used, _ := st.Tenant(tenant); granted != 7 || used != 7 {
			t.Errorf("%d grants succeeded, %d seats used; want 7 of 7", granted, used)
		}
	}},
	{"GrantIsIdempotentAndPerTenant", func(t *testing.T, st Store) {
		if err := st.Grant(tenant, Licence{Email: "ada@contoso.com"}, t0); !errors.Is(err, ErrNoTenant) {
			t.Errorf("Grant before seats were set: %v; want ErrNoTenant", err)
		}
		st.SetSeats(tenant, 1, t0)
		l := Licence{ID: "oid-ada", Name: "Ada Lovelace", Email: "Ada@Contoso.com", AssignedBy: "admin@contoso.com"}
		if err := st.Grant(tenant, l, t0); err != nil {
			t.Fatal(err)
		}
		if err := st.Grant(tenant, l, t0.Add(time.Minute)); err != nil {
			t.Errorf("granting the same address twice: %v; want no change", err)
		}
		st.SetSeats("other-tenant", 3, t0)
		if err := st.Grant("other-tenant", Licence{Email: "ada@contoso.com"}, t0); !errors.Is(err, ErrOtherTenant) {
			t.Errorf("Grant of another tenant's licensee: %v; want ErrOtherTenant", err)
		}
		if err := st.Grant(tenant, Licence{Email: "bob@contoso.com"}, t0); !errors.Is(err, ErrNoSeatsLeft) {
			t.Errorf("Grant of the seat after the last: %v; want ErrNoSeatsLeft", err)
		}
		ls, err := st.Licences(tenant)
		want := Licence{Tenant: tenant, ID: "oid-ada", Name: "Ada Lovelace", Email: "ada@contoso.com", AssignedBy: "admin@contoso.com", Assigned: t0}
		if err != nil || len(ls) != 1 || ls[0] != want {
			t.Errorf("Licences = %+v, %v; want [%+v]", ls, err, want)
		}
		if tn, used, err := st.Tenant(tenant); err != nil || tn.Seats != 1 || used != 1 || !tn.Updated.Equal(t0) {
			t.Errorf("Tenant = %+v, %d, %v; want 1 seat, 1 used", tn, used, err)
		}
	}},
	{"RevokeFreesTheSeatAtOnce", func(t *testing.T, st Store) {
		st.SetSeats(tenant, 1, t0)
		st.Grant(tenant, Licence{ID: "oid-ada", Email: "ada@contoso.com"}, t0)
		if ok, err := st.Use("ada@contoso.com", t0); !ok || err != nil {
			t.Fatalf("Use(licensed) = %v, %v; want true", ok, err)
		}
		if err := st.RevokeID(tenant, "oid-ada", t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if ok, _ := st.Use("ada@contoso.com", t0.Add(time.Hour)); ok {
			t.Error("Use after RevokeID = true; want false at once")
		}
		if err := st.RevokeID(tenant, "oid-ada", t0); !errors.Is(err, ErrNotFound) {
			t.Errorf("RevokeID twice: %v; want ErrNotFound", err)
		}
		if err := st.Grant(tenant, Licence{Email: "bob@contoso.com"}, t0.Add(time.Hour)); err != nil {
			t.Errorf("Grant into the freed seat: %v", err)
		}
		if err := st.Revoke(tenant, "Bob@contoso.com", t0.Add(2*time.Hour)); err != nil {
			t.Errorf("Revoke by address: %v", err)
		}
		if err := st.Revoke("other-tenant", "ada@contoso.com", t0); !errors.Is(err, ErrNotFound) {
			t.Errorf("Revoke by another tenant: %v; want ErrNotFound", err)
		}
		if err := st.Grant(tenant, Licence{Email: "ada@contoso.com"}, t0.Add(3*time.Hour)); err != nil {
			t.Errorf("re-Grant of a revoked address: %v", err)
		}
		if ok, _ := st.Use("ada@contoso.com", t0.Add(3*time.Hour)); !ok {
			t.Error("Use after re-Grant = false")
		}
	}},
	{"LastUsedOncePerStep", func(t *testing.T, st Store) {
		st.SetSeats(tenant, 1, t0)
		st.Grant(tenant, Licence{Email: "ada@contoso.com"}, t0)
		st.Use("ada@contoso.com", t0.Add(time.Minute))
		st.Use("ada@contoso.com", t0.Add(30*time.Minute))
		if ls, _ := st.Licences(tenant); !ls[0].LastUsed.Equal(t0.Add(time.Minute)) {
			t.Errorf("last used = %v; want +1 min (one write per LastUsedStep)", ls[0].LastUsed)
		}
		st.Use("ada@contoso.com", t0.Add(2*time.Hour))
		if ls, _ := st.Licences(tenant); !ls[0].LastUsed.Equal(t0.Add(2 * time.Hour)) {
			t.Errorf("last used = %v; want +2 h", ls[0].LastUsed)
		}
	}},
	{"DelegatedAdmins", func(t *testing.T, st Store) {
		if err := st.AddAdmin(tenant, "Eve@Contoso.com", t0); err != nil {
			t.Fatal(err)
		}
		st.AddAdmin(tenant, "eve@contoso.com", t0)
		st.AddAdmin(tenant, "bob@contoso.com", t0)
		if as, err := st.Admins(tenant); err != nil || fmt.Sprint(as) != "[bob@contoso.com eve@contoso.com]" {
			t.Errorf("Admins = %v, %v", as, err)
		}
		if ok, _ := st.IsAdmin(tenant, "EVE@contoso.com"); !ok {
			t.Error("IsAdmin(listed) = false")
		}
		if ok, _ := st.IsAdmin("other-tenant", "eve@contoso.com"); ok {
			t.Error("IsAdmin in another tenant = true")
		}
		if err := st.RemoveAdmin(tenant, "eve@contoso.com"); err != nil {
			t.Error(err)
		}
		if err := st.RemoveAdmin(tenant, "eve@contoso.com"); !errors.Is(err, ErrNotFound) {
			t.Errorf("RemoveAdmin twice: %v; want ErrNotFound", err)
		}
		if err := st.AddAdmin("not a tenant!", "eve@contoso.com", t0); !errors.Is(err, ErrInvalidInput) {
			t.Errorf("AddAdmin(bad tenant): %v; want ErrInvalidInput", err)
		}
	}},
	{"DeleteAccountErasesAtOnce", func(t *testing.T, st Store) {
		st.SetSeats(tenant, 5, t0)
		st.AddAdmin(tenant, "eve@contoso.com", t0)
		st.Grant(tenant, Licence{ID: "oid-eve", Email: "eve@contoso.com", AssignedBy: "operator"}, t0)
		st.Grant(tenant, Licence{ID: "oid-ada", Email: "ada@contoso.com", AssignedBy: "eve@contoso.com"}, t0)
		if _, err := st.DeleteAccount(tenant, "oid-eve", "eve@contoso.com"); err != nil {
			t.Fatal(err)
		}
		ls, _ := st.Licences(tenant)
		if len(ls) != 1 || ls[0].Email != "ada@contoso.com" || ls[0].AssignedBy != DeletedAccount {
			t.Errorf("Licences after DeleteAccount = %+v; want only ada's, assigned by %q", ls, DeletedAccount)
		}
		if ok, _ := st.IsAdmin(tenant, "eve@contoso.com"); ok {
			t.Error("the deleted account is still a delegated admin")
		}
		if ok, _ := st.Use("eve@contoso.com", t0); ok {
			t.Error("the deleted account still holds a licence")
		}
		if _, used, _ := st.Tenant(tenant); used != 1 {
			t.Errorf("used = %d; want 1", used)
		}
		if _, err := st.DeleteAccount(tenant, "oid-ada", ""); err != nil {
			t.Errorf("DeleteAccount by id only: %v", err)
		}
		if ls, _ := st.Licences(tenant); len(ls) != 0 {
			t.Errorf("Licences after DeleteAccount by id = %+v; want none", ls)
		}
	}},
	{"PurgeAfter30Days", func(t *testing.T, st Store) {
		st.SetSeats(tenant, 2, t0)
		st.Grant(tenant, Licence{Email: "ada@contoso.com"}, t0)
		st.Grant(tenant, Licence{Email: "bob@contoso.com"}, t0)
		st.Revoke(tenant, "ada@contoso.com", t0)
		if n, err := st.Purge(t0.Add(PurgeAfter)); err != nil || n != 0 {
			t.Errorf("Purge at 30 days = %d, %v; want 0", n, err)
		}
		if n, err := st.Purge(t0.Add(PurgeAfter + time.Second)); err != nil || n != 1 {
			t.Errorf("Purge after 30 days = %d, %v; want 1", n, err)
		}
		if ls, _ := st.Licences(tenant); len(ls) != 1 || ls[0].Email != "bob@contoso.com" {
			t.Errorf("Licences after purge = %+v; want bob's only", ls)
		}
	}},
}

func TestPostgresMigratesOnceAcrossInstances(t *testing.T) {
	dsn := pgtest.DSN(t)
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range errs {
		wg.Go(func() {
			p, err := OpenPostgres(context.Background(), dsn)
			if err == nil {
				p.Close()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Errorf("OpenPostgres at the same time: %v", err)
		}
	}
	p, err := OpenPostgres(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	var n int
	p.pool.QueryRow(context.Background(), `SELECT count(*) FROM schema_migrations`).Scan(&n)
	if n != len(migrations) {
		t.Errorf("schema_migrations has %d rows; want %d", n, len(migrations))
	}
	p.pool.Exec(context.Background(), `INSERT INTO schema_migrations (version) VALUES (999)`)
	if _, err := OpenPostgres(context.Background(), dsn); !errors.Is(err, ErrNewerSchema) {
		t.Errorf("OpenPostgres on a newer schema: %v; want ErrNewerSchema", err)
	}
}

func TestPostgresPurgeRunsOnOneInstanceAtATime(t *testing.T) {
	dsn := pgtest.DSN(t)
	a, err := OpenPostgres(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	a.SetSeats(tenant, 1, t0)
	a.Grant(tenant, Licence{Email: "ada@contoso.com"}, t0)
	a.Revoke(tenant, "ada@contoso.com", t0)
	ctx := context.Background()
	conn, err := a.pool.Acquire(ctx) // another instance, mid-purge
	if err != nil {
		t.Fatal(err)
	}
	tx, _ := conn.Begin(ctx)
	tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, lockPurge)
	later := t0.Add(PurgeAfter + time.Hour)
	if n, err := a.Purge(later); !errors.Is(err, ErrPurgeBusy) || n != 0 {
		t.Errorf("Purge while another instance purges = %d, %v; want 0, ErrPurgeBusy", n, err)
	}
	tx.Rollback(ctx)
	conn.Release()
	if n, err := a.Purge(later); err != nil || n != 1 {
		t.Errorf("Purge after the lock is free = %d, %v; want 1", n, err)
	}
}

func openPostgresDSN(t testing.TB) string { t.Helper(); return pgtest.DSN(t) }
