package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/securemerge/securemerge/internal/campaign"
	"github.com/securemerge/securemerge/internal/merge"
)

// Exit codes, documented in `securemerge help`.
const (
	exitOK       = 0 // success
	exitProblems = 1 // the command ran and found problems: validation errors, failed rows
	exitUsage    = 2 // bad command line
	exitFailure  = 3 // could not do the work: unreadable file, database busy, network
	exitCanceled = 4 // interrupted by the user (Ctrl+C) or declined confirmation; safe to re-run
)

// Version is the app version, set at build time with
// -ldflags "-X main.Version=…"; it matches FyneApp.toml.
var Version = "0.1.0"

// Main is the program: Run dispatches to the window or a subcommand. Tests
// run it in-process with their own streams and environment.
type Main struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Getenv         func(string) string // nil means no environment
	// UserConfigDir is where the data folder goes when neither --data-dir
	// nor SECUREMERGE_DATA_DIR names one; nil means os.UserConfigDir.
	// Tests point it at a temporary folder.
	UserConfigDir func() (string, error)

	// GUI opens the window; nil means the real Fyne window (tests replace it).
	GUI func(ctx context.Context, m *Main) int
	// Now is the clock of the application layer (schedules, the daily
	// budget); nil means time.Now. Tests of scheduled sends set it.
	Now func() time.Time

	args []string // the command line Run was given, for a crash report's scrubber
	// open is the spreadsheet and template `securemerge FILE [--template
	// FILE]` opens the window on.
	open struct{ data, template string }
}

// command is one subcommand.
type command struct {
	name    string
	args    string // usage after the name
	summary string
	run     func(m *Main, ctx context.Context, args []string) int
}

func (m *Main) commands() []command {
	return []command{
		{"inspect", "FILE [--sheet NAME] [--json]", "columns and rows as parsed", (*Main).runInspect},
		{"check", "--data FILE --template FILE", "validate; exit 1 with a located report on errors", (*Main).runCheck},
		{"preview", "--data FILE --template FILE [--row N] [--eml DIR]", "one recipient's exact message", (*Main).runPreview},
		{"send", "--data FILE --template FILE [--outbox DIR | --drafts | --test | --live] [--at TIME]", "send a campaign (a dry run without a mode; --at schedules it)", (*Main).runSend},
		{"campaigns", "[--json]", "list campaigns", (*Main).runCampaigns},
		{"campaign", "show|results|resume|retry|cancel|delete|export|bounces ID", "manage one campaign; bounces reads the non-delivery reports", (*Main).runCampaignCmd},
		{"run-scheduled", "[--json]", "send the scheduled campaigns whose time has come (for cron, Task Scheduler)", (*Main).runRunScheduled},
		{"suppress", "list|add|remove|import|export", "addresses never to send to again", (*Main).runSuppress},
		{"login", "[--device-code] [--admin] [--contacts]", "sign in to your Microsoft 365 mailbox", (*Main).runLogin},
		{"logout", "", "sign out and remove saved tokens", (*Main).runLogout},
		{"whoami", "", "the mailbox that sends", (*Main).runWhoami},
		{"license", "status|check|seats|assign|unassign", "the licence: plan, address, expiry; check now; admins: seats, assign, unassign", (*Main).runLicense},
		{"crash-report", "preview|test", "what a crash report holds; send a test one (only when opted in)", (*Main).runCrashReport},
		{"settings", "[KEY [VALUE]]", "show or change a setting: " + strings.Join(campaign.SettingKeys, ", "), (*Main).runSettings},
		{"data", "export FILE | erase", "export or erase everything SecureMerge keeps", (*Main).runData},
		{"version", "", "print the version", (*Main).runVersion},
		{"help", "[COMMAND]", "explain a command", (*Main).runHelp},
	}
}

func (m *Main) getenv(k string) string {
	if m.Getenv == nil {
		return ""
	}
	return m.Getenv(k)
}

// Run runs the program with args (without the program name) and returns the
// exit code.
func (m *Main) Run(ctx context.Context, args []string) int {
	m.args = args
	if len(args) == 0 {
		gui := m.GUI
		if gui == nil {
			gui = runGUI
		}
		return gui(ctx, m)
	}
	name := args[0]
	switch name {
	case "-h", "-help", "--help":
		return m.runHelp(ctx, nil)
	case "-v", "-version", "--version":
		return m.runVersion(ctx, nil)
	}
	for _, c := range m.commands() {
		if c.name == name {
			return c.run(m, ctx, args[1:])
		}
	}
	if looksLikeFile(name) {
		return m.runOpen(ctx, args)
	}
	fmt.Fprintf(m.Stderr, "securemerge: unknown command %q\n", name)
	if s := suggestCommand(name, m.commands()); s != "" {
		fmt.Fprintf(m.Stderr, "Did you mean %q?\n", s)
	}
	fmt.Fprintln(m.Stderr, "Run 'securemerge help' for the list of commands.")
	return exitUsage
}

// flags returns a FlagSet for a subcommand whose -h prints its usage.
func (m *Main) flags(name, args, summary string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: securemerge %s %s\n\n%s\n", name, args, summary)
		var has bool
		fs.VisitAll(func(*flag.Flag) { has = true })
		if has {
			fmt.Fprintln(fs.Output(), "\nOptions:")
			fs.PrintDefaults()
		}
	}
	return fs
}

// parse parses args and returns the exit code to stop with, or -1 to go on.
func parse(fs *flag.FlagSet, args []string) int {
	fs.SetOutput(fs.Output())
	if err := fs.Parse(interspersed(fs, args)); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	return -1
}

// interspersed moves flags after positional arguments to the front, so
// `securemerge inspect list.xlsx --json` works as users expect.
func interspersed(fs *flag.FlagSet, args []string) []string {
	var flags, pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			pos = append(pos, args[i+1:]...)
			break
		}
		if len(a) > 1 && a[0] == '-' {
			flags = append(flags, a)
			name := strings.TrimLeft(a, "-")
			if strings.Contains(name, "=") {
				continue
			}
			f := fs.Lookup(name)
			if f == nil {
				continue
			}
			if bf, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && bf.IsBoolFlag() {
				continue
			}
			if i+1 < len(args) {
				flags = append(flags, args[i+1])
				i++
			}
			continue
		}
		pos = append(pos, a)
	}
	return append(flags, pos...)
}

func (m *Main) runVersion(ctx context.Context, args []string) int {
	fs := m.flags("version", "", "Print the version of SecureMerge.")
	if c := parse(fs, args); c >= 0 {
		return c
	}
	rev := ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				rev = " (" + s.Value[:12] + ")"
			}
		}
	}
	fmt.Fprintf(m.Stdout, "SecureMerge %s%s %s/%s %s\n", Version, rev, runtime.GOOS, runtime.GOARCH, runtime.Version())
	return exitOK
}

func (m *Main) runHelp(ctx context.Context, args []string) int {
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help") {
		fmt.Fprintln(m.Stdout, "Usage: securemerge help [COMMAND]\n\nList the commands, or explain one.")
		return exitOK
	}
	if len(args) > 0 {
		for _, c := range m.commands() {
			if c.name == args[0] {
				return c.run(m, ctx, []string{"-h"})
			}
		}
		fmt.Fprintf(m.Stderr, "securemerge: no help for unknown command %q\n", args[0])
		return exitUsage
	}
	w := m.Stdout
	fmt.Fprint(w, `SecureMerge: private mail merge from your own Microsoft 365 mailbox.

Usage:
  securemerge                 open the desktop window
  securemerge FILE [--template FILE]
                              open the window on a new campaign with this spreadsheet
  securemerge COMMAND [ARGS]  run headless (scripts, scheduled jobs)

Commands:
`)
	for _, c := range m.commands() {
		fmt.Fprintf(w, "  %-44s %s\n", strings.TrimSpace(c.name+" "+c.args), c.summary)
	}
	fmt.Fprint(w, `
Run 'securemerge COMMAND --help' for a command's options.

Environment:
  SECUREMERGE_DATA_DIR      folder of the local database (default: the user config folder)
  SECUREMERGE_GRAPH_URL     Microsoft Graph base URL including /v1.0 (http:// only for loopback)
  SECUREMERGE_ACCESS_TOKEN  bearer token used as is (skips sign-in)
  SECUREMERGE_LICENSE_URL   licence server
  SECUREMERGE_ID_TOKEN      a Microsoft ID token used as is by the licence admin commands
  SECUREMERGE_SENTRY_DSN    crash-report endpoint (used only once crash reports are on; SENTRY_DSN is ignored)
  SECUREMERGE_CLIENT_ID, SECUREMERGE_AUTHORITY  the Azure app registration used to sign in

Exit codes:
  0  success
  1  the command found problems (validation errors, rows that failed)
  2  bad command line
  3  could not do the work (unreadable file, database in use, network)
  4  interrupted or not confirmed; safe to run again
`)
	return exitOK
}

// suggestCommand finds the command a typo meant, with the same forgiving
// match the template language uses for column names.
func suggestCommand(name string, cmds []command) string {
	names := make([]string, len(cmds))
	for i, c := range cmds {
		names[i] = c.name
	}
	return merge.NewHeader(names).Suggest(name)
}
