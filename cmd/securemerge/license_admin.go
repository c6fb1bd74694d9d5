package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/securemerge/securemerge/internal/graph"
	"github.com/securemerge/securemerge/internal/license"
)

// errNoIDToken: the admin commands have no Microsoft ID token to show the
// licence server.
var errNoIDToken = errors.New("the admin commands need you signed in as a tenant admin: run 'securemerge login --admin' (or set " + license.EnvIDToken + ")")

// runLicenseAdmin is `securemerge license seats|assign|unassign`.
func (m *Main) runLicenseAdmin(ctx context.Context, sub string, args []string) int {
	summary, positional := map[string]string{
		"seats":    "Show your organization's seats: total, used, and who holds them.",
		"assign":   "Give a seat to a colleague found in your organization's directory.",
		"unassign": "Take a colleague's seat back; it is free at once.",
	}[sub], "EMAIL"
	if sub == "seats" {
		positional = "[--json]"
	}
	fs := m.flags("license "+sub, "[--data-dir DIR] "+positional, summary)
	var asJSON *bool
	if sub == "seats" {
		asJSON = fs.Bool("json", false, "print JSON")
	}
	dataDir := fs.String("data-dir", "", "folder of the local database and token cache")
	if c := parse(fs, args); c >= 0 {
		return c
	}
	want := 1
	if sub == "seats" {
		want = 0
	}
	if fs.NArg() != want {
		fmt.Fprintf(m.Stderr, "securemerge: license %s takes %s (got %q)\n", sub, map[int]string{0: "no arguments", 1: "one address"}[want], fs.Args())
		return exitUsage
	}
	admin, err := m.licenseAdmin(ctx, *dataDir)
	if err != nil {
		return m.fail(err)
	}
	switch sub {
	case "seats":
		s, err := admin.Seats(ctx)
		if err != nil {
			return m.adminFailed(ctx, err)
		}
		if *asJSON {
			return m.writeJSON(s)
		}
		m.printSeats(s)
		return exitOK
	case "assign":
		return m.assignSeat(ctx, admin, *dataDir, fs.Arg(0))
	default:
		return m.unassignSeat(ctx, admin, fs.Arg(0))
	}
}

// licenseAdmin is the admin API client with the admin's Microsoft ID
// token: SECUREMERGE_ID_TOKEN, else the signed-in account's own (after
// `login --admin`).
func (m *Main) licenseAdmin(ctx context.Context, dataDir string) (*license.Admin, error) {
	token := strings.TrimSpace(m.getenv(license.EnvIDToken))
	if token == "" {
		if _, auth, err := m.tokens(dataDir); err == nil && auth != nil {
			if _, ok := auth.Account(); ok {
				token, _ = auth.IDToken(ctx)
			}
		}
	}
	if token == "" {
		return nil, errNoIDToken
	}
	return &license.Admin{URL: m.getenv(license.EnvURL), IDToken: token, UserAgent: "SecureMerge/" + Version}, nil
}

func (m *Main) assignSeat(ctx context.Context, admin *license.Admin, dataDir, address string) int {
	mb, err := m.connect(ctx, dataDir)
	if err != nil {
		return m.fail(err)
	}
	u, err := mb.client.LookupUser(ctx, address)
	if errors.Is(err, graph.ErrUserNotFound) {
		fmt.Fprintf(m.Stderr, "securemerge: %s is not in your organization's directory\n", address)
		return exitFailure
	}
	if err != nil {
		if ctx.Err() != nil {
			return exitCanceled
		}
		return m.fail(fmt.Errorf("directory lookup: %w", err))
	}
	if err := admin.Assign(ctx, license.Seat{ID: u.ID, Name: u.DisplayName, Email: u.Address()}); err != nil {
		return m.adminFailed(ctx, err)
	}
	fmt.Fprintf(m.Stdout, "Assigned a seat to %s <%s>: licensed from their next check\n", u.DisplayName, u.Address())
	return m.seatCount(ctx, admin)
}

func (m *Main) unassignSeat(ctx context.Context, admin *license.Admin, address string) int {
	s, err := admin.Seats(ctx)
	if err != nil {
		return m.adminFailed(ctx, err)
	}
	for _, seat := range s.Assigned {
		if !strings.EqualFold(seat.Email, strings.TrimSpace(address)) {
			continue
		}
		id := seat.ID
		if id == "" { // granted by the operator: named by its address
			id = seat.Email
		}
		if err := admin.Unassign(ctx, id); err != nil {
			return m.adminFailed(ctx, err)
		}
		fmt.Fprintf(m.Stdout, "Unassigned the seat of %s: free from their next check\n", seat.Email)
		return m.seatCount(ctx, admin)
	}
	fmt.Fprintf(m.Stderr, "securemerge: no seat of your organization is assigned to %s\n", address)
	return exitFailure
}

// seatCount prints "N of M seats assigned" after a change.
func (m *Main) seatCount(ctx context.Context, admin *license.Admin) int {
	if s, err := admin.Seats(ctx); err == nil {
		fmt.Fprintf(m.Stdout, "%d of %d seats assigned\n", s.Used, s.Total)
	}
	return exitOK
}

func (m *Main) printSeats(s license.Seats) {
	fmt.Fprintf(m.Stdout, "Seats  %d of %d assigned\n", s.Used, s.Total)
	if len(s.Assigned) == 0 {
		return
	}
	w := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "NAME\tEMAIL\tID")
	for _, a := range s.Assigned {
		fmt.Fprintf(w, "%s\t%s\t%s\n", termSafe(firstNonEmpty(a.Name, "-")), termSafe(a.Email), termSafe(firstNonEmpty(a.ID, "-")))
	}
	w.Flush()
}

// adminFailed says what went wrong in words an admin can act on.
func (m *Main) adminFailed(ctx context.Context, err error) int {
	if ctx.Err() != nil {
		return exitCanceled
	}
	switch {
	case errors.Is(err, license.ErrNoSeatsLeft):
		fmt.Fprintln(m.Stderr, "securemerge: no seats left: every seat your organization bought is assigned; unassign one or buy more")
	case errors.Is(err, license.ErrNotAdmin):
		fmt.Fprintln(m.Stderr, "securemerge: you are not an admin of your organization: a Global or User Administrator, or a delegated admin, manages seats")
	case errors.Is(err, license.ErrSignedOut):
		fmt.Fprintf(m.Stderr, "securemerge: the licence server refused your sign-in: refresh %s\n", license.EnvIDToken)
	case errors.Is(err, license.ErrNoSuchSeat):
		fmt.Fprintln(m.Stderr, "securemerge: that seat is not assigned (any more)")
	default:
		fmt.Fprintf(m.Stderr, "securemerge: %v\n", err)
	}
	return exitFailure
}
