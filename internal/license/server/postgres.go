package server

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// pgTimeout bounds every store operation on PostgreSQL: the Store
// interface has no context, and a request must not wait forever.
const pgTimeout = 10 * time.Second

// Advisory lock keys (pg_advisory_*): one for migrations, one for purge.
const (
	lockMigrate = 0x5345_4355_0001 // "SECU" 1
	lockPurge   = 0x5345_4355_0002
)

// migrations are applied in order at Open, each once, under an advisory
// lock so that instances starting together do not race. Never edit one
// that shipped: append.
var migrations = []string{
	`CREATE TABLE tenants (
		id      text PRIMARY KEY,
		seats   integer NOT NULL CHECK (seats >= 0),
		updated timestamptz NOT NULL
	);
	CREATE TABLE admins (
		tenant text NOT NULL,
		email  text NOT NULL,
		added  timestamptz NOT NULL,
		PRIMARY KEY (tenant, email)
	);
	CREATE TABLE licences (
		email       text PRIMARY KEY,
		tenant      text NOT NULL,
		user_id     text NOT NULL DEFAULT '',
		name        text NOT NULL DEFAULT '',
		assigned_by text NOT NULL,
		assigned    timestamptz NOT NULL,
		last_used   timestamptz,
		removed     timestamptz
	);
	CREATE INDEX licences_active ON licences (tenant) WHERE removed IS NULL;
	CREATE INDEX licences_removed ON licences (removed) WHERE removed IS NOT NULL;`,
}

// Postgres is the PostgreSQL store: several licensed instances share one
// database. Seat counts hold across them because a grant locks its
// tenant's row (SELECT … FOR UPDATE) and counts inside that transaction.
// It is safe for concurrent use.
type Postgres struct {
	pool *pgxpool.Pool
}

var _ Store = (*Postgres)(nil)

// OpenPostgres connects to dsn (postgres://…) and applies pending
// migrations. A database migrated by a newer licensed is ErrNewerSchema.
func OpenPostgres(ctx context.Context, dsn string) (*Postgres, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if cfg.MaxConns < 8 {
		cfg.MaxConns = 8
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	p := &Postgres{pool: pool}
	if err := p.migrate(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: migrate: %w", err)
	}
	return p, nil
}

func (p *Postgres) migrate(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	return pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, lockMigrate); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied timestamptz NOT NULL DEFAULT now())`); err != nil {
			return err
		}
		var have int
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&have); err != nil {
			return err
		}
		if have > len(migrations) {
			return ErrNewerSchema
		}
		for v := have + 1; v <= len(migrations); v++ {
			if _, err := tx.Exec(ctx, migrations[v-1]); err != nil {
				return fmt.Errorf("migration %d: %w", v, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version) VALUES ($1)`, v); err != nil {
				return err
			}
		}
		return nil
	})
}

// Close closes the pool.
func (p *Postgres) Close() error {
	p.pool.Close()
	return nil
}

func pgctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), pgTimeout)
}

// SetSeats sets the tenant's seat count (see Store).
func (p *Postgres) SetSeats(tenant string, seats int, now time.Time) (int, error) {
	if err := checkTenant(tenant); err != nil {
		return 0, err
	}
	if seats < 0 || seats > 1_000_000 {
		return 0, fmt.Errorf("%w: seat count %d", ErrInvalidInput, seats)
	}
	ctx, cancel := pgctx()
	defer cancel()
	var used int
	err := pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO tenants (id, seats, updated) VALUES ($1, $2, $3)
			ON CONFLICT (id) DO UPDATE SET seats = excluded.seats, updated = excluded.updated`, tenant, seats, now.UTC()); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT count(*) FROM licences WHERE tenant = $1 AND removed IS NULL`, tenant).Scan(&used)
	})
	return used, err
}

// Tenant returns the tenant's record and its count of active licences.
func (p *Postgres) Tenant(tenant string) (Tenant, int, error) {
	ctx, cancel := pgctx()
	defer cancel()
	var t Tenant
	var used int
	err := p.pool.QueryRow(ctx, `SELECT seats, updated,
		(SELECT count(*) FROM licences WHERE tenant = $1 AND removed IS NULL) FROM tenants WHERE id = $1`, tenant).
		Scan(&t.Seats, &t.Updated, &used)
	if errors.Is(err, pgx.ErrNoRows) {
		return Tenant{}, 0, ErrNoTenant
	}
	t.Updated = t.Updated.UTC()
	return t, used, err
}

// AddAdmin puts address on the tenant's delegated-admin list.
func (p *Postgres) AddAdmin(tenant, address string, now time.Time) error {
	addr, err := prepare(tenant, address)
	if err != nil {
		return err
	}
	ctx, cancel := pgctx()
	defer cancel()
	_, err = p.pool.Exec(ctx, `INSERT INTO admins (tenant, email, added) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, tenant, addr, now.UTC())
	return err
}

// RemoveAdmin takes address off the list; ErrNotFound when it was not on it.
func (p *Postgres) RemoveAdmin(tenant, address string) error {
	addr, err := prepare(tenant, address)
	if err != nil {
		return err
	}
	ctx, cancel := pgctx()
	defer cancel()
	tag, err := p.pool.Exec(ctx, `DELETE FROM admins WHERE tenant = $1 AND email = $2`, tenant, addr)
	if err == nil && tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return err
}

// Admins lists the tenant's delegated admins, sorted.
func (p *Postgres) Admins(tenant string) ([]string, error) {
	ctx, cancel := pgctx()
	defer cancel()
	rows, err := p.pool.Query(ctx, `SELECT email FROM admins WHERE tenant = $1 ORDER BY email`, tenant)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// IsAdmin reports whether address is on the tenant's delegated-admin list.
func (p *Postgres) IsAdmin(tenant, address string) (bool, error) {
	addr, err := prepare(tenant, address)
	if err != nil {
		return false, err
	}
	ctx, cancel := pgctx()
	defer cancel()
	var ok bool
	err = p.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM admins WHERE tenant = $1 AND email = $2)`, tenant, addr).Scan(&ok)
	return ok, err
}

// Grant assigns a seat (see Store). The tenant's row lock serializes
// grants of one tenant across every instance; an address taken by another
// tenant at the same moment is caught by the primary key.
func (p *Postgres) Grant(tenant string, l Licence, now time.Time) error {
	addr, err := prepare(tenant, l.Email)
	if err != nil {
		return err
	}
	if l.AssignedBy == "" {
		l.AssignedBy = "operator"
	}
	ctx, cancel := pgctx()
	defer cancel()
	return pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
		var seats int
		err := tx.QueryRow(ctx, `SELECT seats FROM tenants WHERE id = $1 FOR UPDATE`, tenant).Scan(&seats)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNoTenant
		}
		if err != nil {
			return err
		}
		var holder string
		err = tx.QueryRow(ctx, `SELECT tenant FROM licences WHERE email = $1 AND removed IS NULL`, addr).Scan(&holder)
		switch {
		case err == nil && holder == tenant:
			return nil
		case err == nil:
			return ErrOtherTenant
		case !errors.Is(err, pgx.ErrNoRows):
			return err
		}
		var used int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM licences WHERE tenant = $1 AND removed IS NULL`, tenant).Scan(&used); err != nil {
			return err
		}
		if used >= seats {
			return fmt.Errorf("%w: %d of %d assigned", ErrNoSeatsLeft, used, seats)
		}
		tag, err := tx.Exec(ctx, `INSERT INTO licences (email, tenant, user_id, name, assigned_by, assigned)
			VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (email) DO UPDATE SET tenant = excluded.tenant, user_id = excluded.user_id, name = excluded.name,
				assigned_by = excluded.assigned_by, assigned = excluded.assigned, last_used = NULL, removed = NULL
			WHERE licences.removed IS NOT NULL`, addr, tenant, l.ID, l.Name, l.AssignedBy, now.UTC())
		if err != nil {
			var pe *pgconn.PgError
			if errors.As(err, &pe) && pe.Code == "23505" {
				return ErrOtherTenant
			}
			return err
		}
		if tag.RowsAffected() == 0 { // another tenant granted it meanwhile
			return ErrOtherTenant
		}
		return nil
	})
}

// Revoke unassigns the tenant's licence of address.
func (p *Postgres) Revoke(tenant, address string, now time.Time) error {
	addr, err := prepare(tenant, address)
	if err != nil {
		return err
	}
	return p.revoke(`email = $2`, tenant, addr, now)
}

// RevokeID unassigns the tenant's licence whose directory id is id.
func (p *Postgres) RevokeID(tenant, id string, now time.Time) error {
	if err := checkTenant(tenant); err != nil {
		return err
	}
	if id == "" {
		return ErrNotFound
	}
	return p.revoke(`user_id = $2`, tenant, id, now)
}

func (p *Postgres) revoke(match, tenant, key string, now time.Time) error {
	ctx, cancel := pgctx()
	defer cancel()
	tag, err := p.pool.Exec(ctx, `UPDATE licences SET removed = $3 WHERE tenant = $1 AND `+match+` AND removed IS NULL`, tenant, key, now.UTC())
	if err == nil && tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return err
}

// Licences lists the tenant's licences, active and not yet purged.
func (p *Postgres) Licences(tenant string) ([]Licence, error) {
	ctx, cancel := pgctx()
	defer cancel()
	rows, err := p.pool.Query(ctx, `SELECT tenant, user_id, name, email, assigned_by, assigned, last_used, removed
		FROM licences WHERE tenant = $1 ORDER BY email`, tenant)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Licence, error) {
		var l Licence
		var used, removed *time.Time
		err := r.Scan(&l.Tenant, &l.ID, &l.Name, &l.Email, &l.AssignedBy, &l.Assigned, &used, &removed)
		l.Assigned = l.Assigned.UTC()
		if used != nil {
			l.LastUsed = used.UTC()
		}
		if removed != nil {
			l.Removed = removed.UTC()
		}
		return l, err
	})
}

// Use reports whether address holds an active licence, recording its use
// at most once per LastUsedStep.
func (p *Postgres) Use(address string, now time.Time) (bool, error) {
	ctx, cancel := pgctx()
	defer cancel()
	var last *time.Time
	err := p.pool.QueryRow(ctx, `SELECT last_used FROM licences WHERE email = $1 AND removed IS NULL`, address).Scan(&last)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if last == nil || now.Sub(*last) >= LastUsedStep {
		_, err = p.pool.Exec(ctx, `UPDATE licences SET last_used = $2 WHERE email = $1 AND removed IS NULL
			AND (last_used IS NULL OR last_used < $2)`, address, now.UTC())
	}
	return true, err
}

// DeleteAccount erases one person's records at once (see Store).
func (p *Postgres) DeleteAccount(tenant, id, address string) (int, error) {
	addr, err := "", checkTenant(tenant)
	if err == nil && address != "" { // "" for an account known by its id only
		addr, err = NormalizeAddress(address)
	}
	if err != nil {
		return 0, err
	}
	ctx, cancel := pgctx()
	defer cancel()
	n := 0
	err = pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
		n = 0
		for _, q := range []struct {
			sql  string
			args []any
		}{
			{`DELETE FROM licences WHERE email = $1 OR ($2 <> '' AND tenant = $3 AND user_id = $2)`, []any{addr, id, tenant}},
			{`UPDATE licences SET assigned_by = $2 WHERE assigned_by = $1`, []any{addr, DeletedAccount}},
			{`DELETE FROM admins WHERE tenant = $1 AND email = $2`, []any{tenant, addr}},
		} {
			tag, err := tx.Exec(ctx, q.sql, q.args...)
			if err != nil {
				return err
			}
			n += int(tag.RowsAffected())
		}
		return nil
	})
	return n, err
}

// Purge deletes licences unassigned more than PurgeAfter before now, on
// one instance at a time: ErrPurgeBusy when another holds the lock.
func (p *Postgres) Purge(now time.Time) (int, error) {
	ctx, cancel := pgctx()
	defer cancel()
	n := 0
	err := pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
		var got bool
		if err := tx.QueryRow(ctx, `SELECT pg_try_advisory_xact_lock($1)`, lockPurge).Scan(&got); err != nil {
			return err
		}
		if !got {
			return ErrPurgeBusy
		}
		tag, err := tx.Exec(ctx, `DELETE FROM licences WHERE removed IS NOT NULL AND removed < $1`, now.Add(-PurgeAfter).UTC())
		n = int(tag.RowsAffected())
		return err
	})
	return n, err
}
