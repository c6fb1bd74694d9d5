package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"github.com/securemerge/securemerge/internal/campaign"
	"github.com/securemerge/securemerge/ui"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/securemerge/securemerge/internal/sheet"
	"github.com/securemerge/securemerge/internal/store"
	"github.com/securemerge/securemerge/internal/telemetry"
)

// EnvSentryDSN names another crash-report endpoint than the build's. cmd
// reads it and passes it down; SENTRY_DSN is never read, so a variable
// meant for another program cannot switch SecureMerge's reports on.
const EnvSentryDSN = "SECUREMERGE_SENTRY_DSN"

// settingCrashPending is set when a command stopped on an internal error
// while crash reports were off: the next interactive run asks, once,
// whether to turn them on. It lives in the store's settings, so `data
// export` and `data erase` cover it; `settings` does not list it.
const settingCrashPending = "crash.pending"

// sampleCell is the cell value the sample crash carries, so the preview
// shows a cell value being replaced.
const sampleCell = "Zoé Martin, 12 rue des Lilas"

const crashUsage = `Usage: securemerge crash-report preview|test [--data-dir DIR]

  preview  print the exact report SecureMerge would send for a crash whose
           message holds your address, a file in your home folder and a
           cell value: see them replaced
  test     send that report, only when crash reports are on
           (securemerge settings crash-reports on), and say where

Crash reports are off until you turn them on. SECUREMERGE_SENTRY_DSN names
another endpoint than the build's.
`

// runCrashReport is `securemerge crash-report preview|test`.
func (m *Main) runCrashReport(ctx context.Context, args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		fmt.Fprint(m.Stdout, crashUsage)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	sub := args[0]
	var summary string
	switch sub {
	case "preview":
		summary = "Print the exact crash report SecureMerge would send, scrubbed."
	case "test":
		summary = "Send the sample crash report, only when crash reports are on."
	default:
		fmt.Fprintf(m.Stderr, "securemerge: unknown crash-report command %q (preview, test)\n", sub)
		return exitUsage
	}
	fs := m.flags("crash-report "+sub, "[--data-dir DIR]", summary)
	dataDir := fs.String("data-dir", "", "folder of the local database")
	if c := parse(fs, args[1:]); c >= 0 {
		return c
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(m.Stderr, "securemerge: crash-report %s takes no arguments (got %q)\n", sub, fs.Args())
		return exitUsage
	}
	db, code := m.openStore(*dataDir)
	if db == nil {
		return code
	}
	defer db.Close()
	dir, _ := m.dataDir(*dataDir)
	on := m.crashReportsOn(db, dir)
	rep, scrub := m.sampleReport(ctx, *dataDir)

	if sub == "preview" {
		b, err := rep.JSON()
		if err != nil {
			return m.fail(err)
		}
		fmt.Fprintf(m.Stdout, "%s\n", b)
		state := "off: nothing is ever sent"
		if on {
			state = "on: a crash sends a report like this one"
		}
		fmt.Fprintf(m.Stderr, "Crash reports are %s.\n", state)
		return exitOK
	}
	if !on {
		fmt.Fprintln(m.Stderr, "securemerge: crash reports are off, so nothing was sent. Turn them on with: securemerge settings crash-reports on")
		return exitFailure
	}
	r, err := m.crashReporter(scrub)
	if err != nil {
		return m.fail(err)
	}
	sctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := r.Send(sctx, rep); err != nil {
		return m.fail(err)
	}
	fmt.Fprintf(m.Stdout, "Sent a test crash report to %s.\n", r.Host())
	return exitOK
}

// sampleReport is the sample crash report of this user (the signed-in
// address, this home folder) and the scrubber that cleaned it: what
// `crash-report preview` prints and the window's Settings shows.
func (m *Main) sampleReport(ctx context.Context, dataDir string) (*telemetry.Report, *telemetry.Scrubber) {
	address := m.signedInAddress(ctx, dataDir)
	if address == "" {
		address = "you@example.com" // nobody signed in: a stand-in shows the rule
	}
	home := m.homeDir()
	scrub := telemetry.NewScrubber(home)
	scrub.Remember(address, sampleCell)
	return sampleCrash(address, home, scrub), scrub
}

// sampleCrash is the report of a real panic whose message holds the
// address, a path under home and a cell value.
func sampleCrash(address, home string, scrub *telemetry.Scrubber) (rep *telemetry.Report) {
	defer func() { rep = telemetry.NewReport(recover(), Version, scrub) }()
	panic(errors.New("sample crash: sending to " + address + " failed: open " +
		filepath.Join(home, "Documents", "clients.xlsx") + ": row 2 holds " + sampleCell))
}

// signedInAddress is the signed-in mailbox's address (the cached account,
// or GET /me with SECUREMERGE_ACCESS_TOKEN), "" when nobody is signed in
// or the mailbox cannot be reached: the preview works offline.
func (m *Main) signedInAddress(ctx context.Context, dataDir string) string {
	_, auth, err := m.tokens(dataDir)
	if err != nil {
		return ""
	}
	if auth != nil {
		if acct, ok := auth.Account(); ok {
			return acct.Username
		}
		return ""
	}
	mb, err := m.connect(ctx, dataDir)
	if err != nil {
		return ""
	}
	return mb.me.Address()
}

// crashReporter is the reporter of this program: the endpoint from
// SECUREMERGE_SENTRY_DSN, else the build's. Call it only when the user
// has opted in.
func (m *Main) crashReporter(scrub *telemetry.Scrubber) (*telemetry.Reporter, error) {
	return telemetry.New(telemetry.Options{
		DSN:     firstNonEmpty(strings.TrimSpace(m.getenv(EnvSentryDSN)), telemetry.DSN),
		Release: Version,
	}, scrub)
}

// crashReportsOn reports whether the user opted in to crash reports.
func (m *Main) crashReportsOn(db *store.DB, dir string) bool {
	svc := m.service(db, dir, "")
	defer svc.Close()
	return svc.Settings().CrashReports
}

// homeDir is the user's home folder from the environment main passes
// down, "" when unknown.
func (m *Main) homeDir() string {
	for _, k := range []string{"HOME", "USERPROFILE"} {
		if v := m.getenv(k); v != "" {
			return v
		}
	}
	return ""
}

// RunCaught is Run with headless commands' panics caught: main calls it.
// A panic in the command's goroutine ends the command with exit 3 and a
// message; its deferred work has run by then (the store closed, a
// "sending" row left as it was, to be reconciled with the mailbox when
// the campaign next runs, exactly as after a kill). With crash reports on
// a scrubbed report goes out; with them off nothing does, and the next
// interactive run asks once whether to turn them on.
func (m *Main) RunCaught(ctx context.Context, args []string) int {
	return m.caught(ctx, args, m.Run)
}

// interactive reports whether the person is at a terminal to answer the
// question after a crash; tests replace it.
var interactive = func(m *Main) bool {
	f, ok := m.Stdin.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0 && isTerminal(m.Stderr)
}

func (m *Main) caught(ctx context.Context, args []string, run func(context.Context, []string) int) (code int) {
	if len(args) > 0 && interactive(m) {
		m.askAfterCrash(flagValue(args, "data-dir"))
	}
	defer func() {
		if v := recover(); v != nil {
			code = m.crashed(ctx, args, v)
		}
	}()
	return run(ctx, args)
}

// crashed handles a recovered panic; it runs inside the deferred function
// that recovered it, so the report's stack is the panic's.
func (m *Main) crashed(ctx context.Context, args []string, v any) int {
	fmt.Fprintf(m.Stderr, "securemerge: internal error: %v\n%s\n", v, debug.Stack())
	fmt.Fprintln(m.Stderr, "securemerge: SecureMerge stopped on an internal error. Your campaigns are safe: a message that was being sent is checked against your mailbox the next time its campaign runs (securemerge campaign resume ID).")
	dataDir := flagValue(args, "data-dir")
	scrub := m.crashScrubber(args, dataDir)
	rep := telemetry.NewReport(v, Version, scrub)

	dir, err := m.dataDir(dataDir)
	if err != nil {
		return exitFailure
	}
	db, err := store.Open(dir, store.Options{})
	if err != nil {
		return exitFailure // busy or damaged: nothing recorded, nothing sent
	}
	defer db.Close()
	m.recordCrash(ctx, db, dir, scrub, rep)
	return exitFailure
}

// recordCrash sends rep when the user opted in, and otherwise only notes
// that a crash happened (for the one question). The campaign runner's
// panic hook calls it with the store the program already holds.
func (m *Main) recordCrash(ctx context.Context, db *store.DB, dir string, scrub *telemetry.Scrubber, rep *telemetry.Report) {
	if !m.crashReportsOn(db, dir) {
		_ = db.SetSetting(settingCrashPending, "1")
		return
	}
	r, err := m.crashReporter(scrub)
	if err != nil {
		fmt.Fprintf(m.Stderr, "securemerge: crash report not sent: %v\n", err)
		return
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := r.Send(sctx, rep); err != nil {
		fmt.Fprintf(m.Stderr, "securemerge: crash report not sent: %v\n", err)
		return
	}
	fmt.Fprintf(m.Stderr, "securemerge: a crash report went to %s (securemerge crash-report preview shows what they hold).\n", r.Host())
}

// maxRememberedCells bounds how much of a spreadsheet a crash reads to
// learn the strings it must not send.
const maxRememberedCells = 200_000

// crashScrubber is told the user's strings the crashed command had: the
// cached account's address, the cells of --data and the lines of
// --template. It reads no network.
func (m *Main) crashScrubber(args []string, dataDir string) *telemetry.Scrubber {
	s := telemetry.NewScrubber(m.homeDir())
	if _, auth, err := m.tokens(dataDir); err == nil && auth != nil {
		if acct, ok := auth.Account(); ok {
			s.Remember(acct.Username)
		}
	}
	// The files' own paths name the user's work (a file outside home
	// still says whose list it is).
	for _, name := range []string{"data", "template", "outbox", "eml", "attachments"} {
		if p := flagValue(args, name); p != "" {
			abs, _ := filepath.Abs(p)
			s.Remember(abs, p)
		}
	}
	if tpl := flagValue(args, "template"); tpl != "" {
		if b, err := os.ReadFile(tpl); err == nil {
			s.Remember(string(b))
		}
	}
	if data := flagValue(args, "data"); data != "" {
		if r, err := sheet.Open(data, sheet.Options{}); err == nil {
			s.Remember(r.Columns()...)
			for n := 0; n < maxRememberedCells; {
				row, err := r.Next()
				if err != nil {
					break
				}
				s.Remember(row...)
				n += len(row)
			}
			r.Close()
		}
	}
	return s
}

// askAfterCrash asks, once and only after a crash, whether to turn crash
// reports on.
func (m *Main) askAfterCrash(dataDir string) {
	dir, err := m.dataDir(dataDir)
	if err != nil {
		return
	}
	if _, err := os.Stat(filepath.Join(dir, store.FileName)); err != nil {
		return // no database yet: nothing crashed
	}
	db, err := store.Open(dir, store.Options{})
	if err != nil {
		return
	}
	defer db.Close()
	if _, pending := db.Setting(settingCrashPending); !pending {
		return
	}
	svc := m.service(db, dir, "")
	defer svc.Close()
	if !svc.Settings().CrashReports {
		fmt.Fprint(m.Stderr, "SecureMerge stopped on an internal error last time. Send crash reports from now on?\n"+
			"They hold the error and where in SecureMerge's code it happened, never your addresses, files or data\n"+
			"(securemerge crash-report preview shows one). You can change this with securemerge settings crash-reports on|off. [y/N] ")
		line, _ := bufio.NewReader(m.Stdin).ReadString('\n')
		switch strings.ToLower(strings.TrimSpace(line)) {
		case "y", "yes", "o", "oui":
			_ = svc.SetSetting("crash-reports", "on")
			fmt.Fprintln(m.Stderr, "Crash reports are on.")
		default:
			fmt.Fprintln(m.Stderr, "Crash reports stay off.")
		}
	}
	_ = db.SetSetting(settingCrashPending, "")
}

// flagValue is the value of --name (or -name, --name=v) in args, "" when
// absent: enough to find the files a crashed command had.
func flagValue(args []string, name string) string {
	for i, a := range args {
		if !strings.HasPrefix(a, "-") {
			continue
		}
		a = strings.TrimLeft(a, "-")
		if v, ok := strings.CutPrefix(a, name+"="); ok {
			return v
		}
		if a == name && i+1 < len(args) {
			return args[i+1]
		}
	}
	return ""
}

// guiAfterCrash is the window's one-time question after a crash, over the
// same setting the command line's question uses.
type guiAfterCrash struct {
	db  *store.DB
	svc *campaign.Service
}

var _ ui.AfterCrash = guiAfterCrash{}

func (g guiAfterCrash) Pending() bool {
	_, pending := g.db.Setting(settingCrashPending)
	return pending && !g.svc.Settings().CrashReports
}

func (g guiAfterCrash) Answer(on bool) error {
	if on {
		if err := g.svc.SetSetting("crash-reports", "on"); err != nil {
			return err
		}
	}
	return g.db.SetSetting(settingCrashPending, "")
}
