package main

import (
	"context"
	"fmt"
	"time"

	"github.com/securemerge/securemerge/internal/license"
	"github.com/securemerge/securemerge/internal/store"
)

// The store keeps the licence token and the licence clock.
var _ license.Cache = (*store.DB)(nil)

const licenseUsage = `Usage: securemerge license status|check|seats [--json] [--data-dir DIR]
       securemerge license assign|unassign [--data-dir DIR] EMAIL

  status    the plan (free, or licensed: no footer), the address, when the
            licence expires, when it was last checked, whether offline
  check     ask the licence server now (it learns your e-mail address, nothing else)
  seats     admins: your organization's seats, how many are used, and by whom
  assign    admins: give a seat to a colleague, found in your directory
            (the search goes to Microsoft Graph only; the licence server
            learns the colleague's directory id, name and address)
  unassign  admins: take a colleague's seat back; it is free at once

The licence works offline until it expires; SecureMerge re-checks it when it
is more than a day old. SECUREMERGE_LICENSE_URL points at another licence server.
The admin commands need a Global or User Administrator of the tenant, or a
delegated admin, and a Microsoft ID token: SECUREMERGE_ID_TOKEN (automation).
assign looks the colleague up through Graph (securemerge login --admin, or
SECUREMERGE_ACCESS_TOKEN with SECUREMERGE_GRAPH_URL).
`

// runLicense is `securemerge license status|check`.
func (m *Main) runLicense(ctx context.Context, args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		fmt.Fprint(m.Stdout, licenseUsage)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	sub := args[0]
	var summary string
	switch sub {
	case "status":
		summary = "Show the licence: plan, address, expiry, last check, whether offline."
	case "check":
		summary = "Ask the licence server now; only your e-mail address is sent."
	case "seats", "assign", "unassign":
		return m.runLicenseAdmin(ctx, sub, args[1:])
	default:
		fmt.Fprintf(m.Stderr, "securemerge: unknown license command %q (status, check, seats, assign, unassign)\n", sub)
		return exitUsage
	}
	fs := m.flags("license "+sub, "[--json] [--data-dir DIR]", summary)
	asJSON := fs.Bool("json", false, "print JSON")
	dataDir := fs.String("data-dir", "", "folder of the local database and token cache")
	if c := parse(fs, args[1:]); c >= 0 {
		return c
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(m.Stderr, "securemerge: license %s takes no arguments (got %q)\n", sub, fs.Args())
		return exitUsage
	}
	email, code := m.licenseAddress(ctx, *dataDir)
	if code != exitOK {
		return code
	}
	db, code := m.openStore(*dataDir)
	if db == nil {
		return code
	}
	defer db.Close()
	c := m.licenseClient(db)
	defer c.Wait() // a background re-check finishes before the store closes

	var s license.Status
	var err error
	if sub == "check" {
		s, err = c.Check(ctx, email)
	} else {
		s, err = c.Plan(ctx, email)
	}
	if ctx.Err() != nil {
		return exitCanceled
	}
	if *asJSON {
		if code := m.writeJSON(licenseJSON(s)); code != exitOK {
			return code
		}
	} else {
		m.printLicense(s)
	}
	if sub == "check" && err != nil {
		return exitFailure
	}
	return exitOK
}

// licenseClient is the licence client of this program: the built-in key,
// SECUREMERGE_LICENSE_URL, the store as cache.
func (m *Main) licenseClient(db *store.DB) *license.Client {
	return &license.Client{
		URL:       m.getenv(license.EnvURL),
		Cache:     db,
		UserAgent: "SecureMerge/" + Version,
	}
}

// licenseAddress is the signed-in mailbox's address: the cached account's
// (no network), or GET /me with SECUREMERGE_ACCESS_TOKEN. "" when nobody is
// signed in.
func (m *Main) licenseAddress(ctx context.Context, dataDir string) (string, int) {
	_, auth, err := m.tokens(dataDir)
	if err != nil {
		return "", m.fail(err)
	}
	if auth != nil {
		acct, ok := auth.Account()
		if !ok {
			return "", exitOK
		}
		return acct.Username, exitOK
	}
	mb, err := m.connect(ctx, dataDir)
	if err != nil {
		fmt.Fprintf(m.Stderr, "securemerge: %v\n", err)
		return "", exitFailure
	}
	return mb.me.Address(), exitOK
}

func (m *Main) printLicense(s license.Status) {
	w := m.Stdout
	plan := "free (messages carry the SecureMerge footer)"
	if s.Licensed() {
		plan = "licensed (no footer)"
	}
	fmt.Fprintf(w, "Plan          %s\n", plan)
	addr := s.Email
	if addr == "" {
		addr = "not signed in"
	}
	fmt.Fprintf(w, "Address       %s\n", addr)
	if !s.Expires.IsZero() && s.Licensed() {
		fmt.Fprintf(w, "Expires       %s\n", s.Expires.Local().Format(time.DateTime))
	}
	if !s.Checked.IsZero() {
		fmt.Fprintf(w, "Last checked  %s\n", s.Checked.Local().Format(time.DateTime))
	}
	offline := "no"
	if s.Offline {
		offline = "yes"
	}
	fmt.Fprintf(w, "Offline       %s\n", offline)
	if s.Message != "" {
		fmt.Fprintf(w, "Note          %s\n", s.Message)
	}
	if license.IsDevelopmentBuild() {
		fmt.Fprintln(m.Stderr, "securemerge: this build verifies licences with the development key (set license.PublicKey at build time)")
	}
}

// licenseJSON is the --json shape of a status.
func licenseJSON(s license.Status) any {
	stamp := func(t time.Time) *time.Time {
		if t.IsZero() {
			return nil
		}
		u := t.UTC()
		return &u
	}
	return struct {
		Plan     license.Plan `json:"plan"`
		Licensed bool         `json:"licensed"`
		Email    string       `json:"email"`
		Expires  *time.Time   `json:"expires"`
		Checked  *time.Time   `json:"checked"`
		Offline  bool         `json:"offline"`
		Message  string       `json:"message,omitempty"`
	}{s.Plan, s.Licensed(), s.Email, stamp(s.Expires), stamp(s.Checked), s.Offline, s.Message}
}
