package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/securemerge/securemerge/internal/license"
	"github.com/securemerge/securemerge/internal/license/server"
)

func (m *Main) runKeygen(args []string) int {
	fs := m.flags("keygen", "")
	out := fs.String("out", m.envOr(envKey, ""), "where to write the private signing `FILE` (env LICENSED_KEY); never overwritten")
	if c := parse(m, fs, args, 0); c >= 0 {
		return c
	}
	if *out == "" {
		fmt.Fprintln(m.Stderr, "licensed keygen: --out FILE is required")
		return exitUsage
	}
	pub, err := server.GenerateKeyFile(*out)
	if err != nil {
		fmt.Fprintf(m.Stderr, "licensed keygen: %v\n", err)
		return exitFailure
	}
	fmt.Fprintln(m.Stdout, license.EncodePublicKey(pub))
	fmt.Fprintf(m.Stderr, "Wrote the private key to %s (keep it secret and backed up).\nBuild the app with:\n  -ldflags \"-X github.com/securemerge/securemerge/internal/license.PublicKey=%s\"\n", *out, license.EncodePublicKey(pub))
	return exitOK
}

func (m *Main) runSeatsSet(ctx context.Context, args []string) int {
	fs := m.flags("seats set", "TENANT_ID COUNT")
	dbSpec := m.dbFlag(fs)
	if c := parse(m, fs, args, 2); c >= 0 {
		return c
	}
	n, err := strconv.Atoi(fs.Arg(1))
	if err != nil || n < 0 {
		fmt.Fprintf(m.Stderr, "licensed seats set: COUNT %q: want a whole number of seats, 0 or more\n", fs.Arg(1))
		return exitUsage
	}
	db, code := m.openDB(ctx, *dbSpec)
	if db == nil {
		return code
	}
	defer db.Close()
	used, err := db.SetSeats(fs.Arg(0), n, m.now())
	if err != nil {
		return m.operatorError("seats set", err)
	}
	fmt.Fprintf(m.Stdout, "Tenant %s: %d seats, %d assigned\n", fs.Arg(0), n, used)
	if used > n {
		fmt.Fprintf(m.Stderr, "licensed seats set: %d licences are assigned, more than %d seats: none is taken away, but no new one can be granted\n", used, n)
	}
	return exitOK
}

func (m *Main) runAdmins(ctx context.Context, verb string, args []string) int {
	fs := m.flags("admins "+verb, "TENANT_ID EMAIL")
	dbSpec := m.dbFlag(fs)
	if c := parse(m, fs, args, 2); c >= 0 {
		return c
	}
	db, code := m.openDB(ctx, *dbSpec)
	if db == nil {
		return code
	}
	defer db.Close()
	var err error
	if verb == "add" {
		err = db.AddAdmin(fs.Arg(0), fs.Arg(1), m.now())
	} else {
		err = db.RemoveAdmin(fs.Arg(0), fs.Arg(1))
	}
	if err != nil {
		return m.operatorError("admins "+verb, err)
	}
	admins, _ := db.Admins(fs.Arg(0))
	fmt.Fprintf(m.Stdout, "Tenant %s: %d delegated admin(s)\n", fs.Arg(0), len(admins))
	return exitOK
}

func (m *Main) runLicences(ctx context.Context, verb string, args []string) int {
	positional, what := 2, "TENANT_ID EMAIL"
	if verb == "list" {
		positional, what = 1, "TENANT_ID"
	}
	fs := m.flags("licenses "+verb, what)
	dbSpec := m.dbFlag(fs)
	if c := parse(m, fs, args, positional); c >= 0 {
		return c
	}
	db, code := m.openDB(ctx, *dbSpec)
	if db == nil {
		return code
	}
	defer db.Close()
	tenant := fs.Arg(0)
	var err error
	switch verb {
	case "grant":
		err = db.Grant(tenant, server.Licence{Email: fs.Arg(1)}, m.now())
	case "revoke":
		err = db.Revoke(tenant, fs.Arg(1), m.now())
	case "list":
		return m.listLicences(db, tenant)
	}
	if err != nil {
		return m.operatorError("licenses "+verb, err)
	}
	t, used, _ := db.Tenant(tenant)
	fmt.Fprintf(m.Stdout, "Tenant %s: %d of %d seats assigned\n", tenant, used, t.Seats)
	return exitOK
}

func (m *Main) listLicences(db server.Store, tenant string) int {
	t, used, err := db.Tenant(tenant)
	if err != nil {
		return m.operatorError("licenses list", err)
	}
	ls, err := db.Licences(tenant)
	if err != nil {
		return m.operatorError("licenses list", err)
	}
	fmt.Fprintf(m.Stdout, "Tenant %s: %d of %d seats assigned\n", tenant, used, t.Seats)
	w := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "EMAIL\tASSIGNED\tBY\tLAST USED\tREMOVED")
	stamp := func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.UTC().Format(time.RFC3339)
	}
	for _, l := range ls {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", l.Email, stamp(l.Assigned), l.AssignedBy, stamp(l.LastUsed), stamp(l.Removed))
	}
	w.Flush()
	return exitOK
}

func (m *Main) runPurge(ctx context.Context, args []string) int {
	fs := m.flags("purge", "")
	dbSpec := m.dbFlag(fs)
	if c := parse(m, fs, args, 0); c >= 0 {
		return c
	}
	db, code := m.openDB(ctx, *dbSpec)
	if db == nil {
		return code
	}
	defer db.Close()
	n, err := db.Purge(m.now())
	if errors.Is(err, server.ErrPurgeBusy) {
		fmt.Fprintln(m.Stdout, "Another licensed instance is purging now; nothing done")
		return exitOK
	}
	if err != nil {
		return m.operatorError("purge", err)
	}
	fmt.Fprintf(m.Stdout, "Purged %d licence record(s) unassigned more than 30 days ago\n", n)
	return exitOK
}

func (m *Main) operatorError(cmd string, err error) int {
	fmt.Fprintf(m.Stderr, "licensed %s: %v\n", cmd, err)
	if errors.Is(err, server.ErrInvalidInput) {
		return exitUsage
	}
	return exitFailure
}
