package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/securemerge/securemerge/internal/license/server"
)

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

// Environment equivalents of the flags (DESIGN.md §7).
const (
	envAddr      = "LICENSED_ADDR"
	envDB        = "LICENSED_DB"
	envKey       = "LICENSED_KEY"
	envAudience  = "LICENSED_AUDIENCE"
	envAuthority = "LICENSED_AUTHORITY"
)

// Defaults of the flags.
const (
	defaultAddr      = "127.0.0.1:8787"
	defaultDB        = "bbolt:licensed.db"
	defaultAuthority = "https://login.microsoftonline.com"
)

// Main is the program; tests run it in-process with their own streams.
type Main struct {
	Stdout, Stderr io.Writer
	Getenv         func(string) string // nil means no environment
	Now            func() time.Time    // nil means time.Now
}

func (m *Main) getenv(k string) string {
	if m.Getenv == nil {
		return ""
	}
	return m.Getenv(k)
}

func (m *Main) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

const usage = `licensed: the SecureMerge licence server.

Usage:
  licensed serve [--addr 127.0.0.1:8787] [--db bbolt:FILE | --db postgres://…] --key FILE --audience CLIENT_ID [--authority URL]
  licensed keygen --out FILE
  licensed seats set [--db …] TENANT_ID COUNT
  licensed admins add|remove [--db …] TENANT_ID EMAIL
  licensed licenses grant|revoke [--db …] TENANT_ID EMAIL
  licensed licenses list [--db …] TENANT_ID
  licensed purge [--db …]

Flags go before positional arguments. Environment equivalents:
  LICENSED_ADDR, LICENSED_DB, LICENSED_KEY (--key, keygen's --out),
  LICENSED_AUDIENCE, LICENSED_AUTHORITY.
With bbolt the operator commands open the file themselves: stop serve first.
With PostgreSQL they run at any time, and running instances see the change at once.

Exit codes: 0 success, 1 failure, 2 bad command line.
`

// Run runs the program with args (without the program name) and returns the
// exit code.
func (m *Main) Run(ctx context.Context, args []string) int {
	if len(args) == 0 {
		fmt.Fprint(m.Stderr, usage)
		return exitUsage
	}
	sub := func(verbs ...string) (string, []string, bool) {
		if len(args) < 2 {
			return "", nil, false
		}
		for _, v := range verbs {
			if args[1] == v {
				return v, args[2:], true
			}
		}
		return "", nil, false
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(m.Stdout, usage)
		return exitOK
	case "serve":
		return m.runServe(ctx, args[1:])
	case "keygen":
		return m.runKeygen(args[1:])
	case "purge":
		return m.runPurge(ctx, args[1:])
	case "seats":
		if _, rest, ok := sub("set"); ok {
			return m.runSeatsSet(ctx, rest)
		}
		return m.usageError("seats set TENANT_ID COUNT")
	case "admins":
		if verb, rest, ok := sub("add", "remove"); ok {
			return m.runAdmins(ctx, verb, rest)
		}
		return m.usageError("admins add|remove TENANT_ID EMAIL")
	case "licenses":
		if verb, rest, ok := sub("grant", "revoke", "list"); ok {
			return m.runLicences(ctx, verb, rest)
		}
		return m.usageError("licenses grant|revoke TENANT_ID EMAIL, or licenses list TENANT_ID")
	}
	fmt.Fprintf(m.Stderr, "licensed: unknown command %q\n\n%s", args[0], usage)
	return exitUsage
}

func (m *Main) usageError(want string) int {
	fmt.Fprintf(m.Stderr, "licensed: usage: licensed %s\n", want)
	return exitUsage
}

// flags returns a FlagSet whose usage names the command.
func (m *Main) flags(name, positional string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(m.Stderr, "Usage: licensed %s [flags] %s\n\nFlags (before the arguments):\n", name, positional)
		fs.PrintDefaults()
	}
	return fs
}

// envOr is the flag default: the environment equivalent, else def.
func (m *Main) envOr(key, def string) string {
	if v := m.getenv(key); v != "" {
		return v
	}
	return def
}

// parse parses flags and checks the count of positional arguments; it
// returns the exit code to stop with, or -1 to go on.
func parse(m *Main, fs *flag.FlagSet, args []string, positional int) int {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	for _, a := range fs.Args() {
		if strings.HasPrefix(a, "-") && len(a) > 1 {
			fmt.Fprintf(m.Stderr, "licensed %s: flag %s after the arguments: flags go before positional arguments\n", fs.Name(), a)
			return exitUsage
		}
	}
	if fs.NArg() != positional {
		fmt.Fprintf(m.Stderr, "licensed %s: want %d argument(s), got %d\n", fs.Name(), positional, fs.NArg())
		fs.Usage()
		return exitUsage
	}
	return -1
}

// dbSpec is a parsed --db: a bbolt file or a PostgreSQL URL.
type dbSpec struct{ bolt, postgres string }

// parseDB parses --db: bbolt:FILE or postgres://… (postgresql://…).
func parseDB(spec string) (dbSpec, error) {
	switch {
	case strings.HasPrefix(spec, "bbolt:") && len(spec) > len("bbolt:"):
		return dbSpec{bolt: strings.TrimPrefix(spec, "bbolt:")}, nil
	case strings.HasPrefix(spec, "postgres://"), strings.HasPrefix(spec, "postgresql://"):
		return dbSpec{postgres: spec}, nil
	}
	return dbSpec{}, fmt.Errorf("--db %q: want bbolt:FILE or postgres://…", spec)
}

// openDB opens the store named by --db, saying what to do when serve holds
// a bbolt file. PostgreSQL migrations run here.
func (m *Main) openDB(ctx context.Context, spec string) (server.Store, int) {
	d, err := parseDB(spec)
	if err != nil {
		fmt.Fprintf(m.Stderr, "licensed: %v\n", err)
		return nil, exitUsage
	}
	var st server.Store
	if d.postgres != "" {
		st, err = server.OpenPostgres(ctx, d.postgres)
	} else {
		st, err = server.Open(d.bolt)
	}
	if err != nil {
		fmt.Fprintf(m.Stderr, "licensed: %v\n", redactDSN(err.Error(), d.postgres))
		return nil, exitFailure
	}
	return st, exitOK
}

// redactDSN keeps a password in the URL out of messages.
func redactDSN(msg, dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.User != nil {
		if p, ok := u.User.Password(); ok && p != "" {
			msg = strings.ReplaceAll(msg, p, "xxxxx")
		}
	}
	return msg
}

func (m *Main) dbFlag(fs *flag.FlagSet) *string {
	return fs.String("db", m.envOr(envDB, defaultDB), "the store: bbolt:`FILE` or postgres://… (env LICENSED_DB)")
}

// checkAuthority accepts https, or http for a loopback host (tests).
func checkAuthority(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.RawQuery != "" || u.User != nil {
		return fmt.Errorf("--authority %q: want an https URL such as %s", raw, defaultAuthority)
	}
	if u.Scheme == "https" {
		return nil
	}
	if u.Scheme == "http" {
		h := u.Hostname()
		if ip := net.ParseIP(h); h == "localhost" || (ip != nil && ip.IsLoopback()) {
			return nil
		}
		return fmt.Errorf("--authority %q: plain http is allowed only for a loopback host", raw)
	}
	return fmt.Errorf("--authority %q: want an https URL such as %s", raw, defaultAuthority)
}
