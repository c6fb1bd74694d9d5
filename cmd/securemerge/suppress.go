package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/securemerge/securemerge/internal/merge"
	"github.com/securemerge/securemerge/internal/store"
)

// runSuppress manages the suppression list: addresses that must never be
// sent to again (unsubscribed, bounced, asked not to be contacted).
func (m *Main) runSuppress(ctx context.Context, args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		fmt.Fprint(m.Stdout, `Usage: securemerge suppress list|add|remove|import|export

  list [--json]                     every suppressed address with its reason
  add ADDRESS... [--reason TEXT]    never send to these addresses again
  remove ADDRESS...                 allow these addresses again
  import FILE [--reason TEXT]       add the addresses of a CSV file (an "email" column, or the first;
                                    an optional "reason" column)
  export FILE                       write the list as CSV (- for standard output)

Suppressed recipients are skipped by 'check' and 'send', with the reason shown.
`)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	fs := m.flags("suppress "+args[0], "…", "Manage the suppression list (see 'securemerge suppress --help').")
	dataDir := fs.String("data-dir", "", "folder of the local database")
	reason := fs.String("reason", "", "why these addresses are suppressed (shown when a row is skipped)")
	asJSON := fs.Bool("json", false, "print JSON (list)")
	if c := parse(fs, args[1:]); c >= 0 {
		return c
	}
	db, code := m.openStore(*dataDir)
	if db == nil {
		return code
	}
	defer db.Close()
	switch args[0] {
	case "list":
		list, err := db.Suppressions()
		if err != nil {
			return m.fail(err)
		}
		if *asJSON {
			if list == nil {
				list = []store.Suppression{}
			}
			return m.writeJSON(list)
		}
		if len(list) == 0 {
			fmt.Fprintln(m.Stdout, "The suppression list is empty.")
			return exitOK
		}
		rows := make([][]string, len(list))
		lines := make([]int, len(list))
		for i, s := range list {
			lines[i] = i + 1
			rows[i] = []string{s.Address, s.Reason, s.Added.Local().Format(time.DateOnly)}
		}
		writeTable(m.Stdout, []string{"address", "reason", "added"}, lines, rows)
	case "add":
		if fs.NArg() == 0 {
			fs.Usage()
			return exitUsage
		}
		for _, a := range fs.Args() {
			if _, err := merge.ParseAddress(a); err != nil {
				fmt.Fprintf(m.Stderr, "securemerge: %q is not a valid address: %v\n", a, err)
				return exitProblems
			}
		}
		r := *reason
		if r == "" {
			r = "added by hand"
		}
		if err := db.Suppress(r, fs.Args()...); err != nil {
			return m.fail(err)
		}
		fmt.Fprintf(m.Stdout, "%d addresses suppressed.\n", fs.NArg())
	case "remove":
		if fs.NArg() == 0 {
			fs.Usage()
			return exitUsage
		}
		if err := db.Unsuppress(fs.Args()...); err != nil {
			return m.fail(err)
		}
		fmt.Fprintf(m.Stdout, "%d addresses allowed again.\n", fs.NArg())
	case "import":
		if fs.NArg() != 1 {
			fs.Usage()
			return exitUsage
		}
		f, err := os.Open(fs.Arg(0))
		if err != nil {
			return m.fail(err)
		}
		defer f.Close()
		r := *reason
		if r == "" {
			r = "imported from " + fs.Arg(0)
		}
		n, err := db.ImportSuppressions(f, r)
		var ie *store.ImportError
		if errors.As(err, &ie) {
			for _, le := range ie.Lines {
				fmt.Fprintf(m.Stderr, "%s:%d: skipped %q: %v\n", fs.Arg(0), le.Line, le.Text, le.Err)
			}
			fmt.Fprintf(m.Stdout, "%d addresses suppressed, %d lines skipped.\n", n, len(ie.Lines))
			return exitProblems
		}
		if err != nil {
			return m.fail(fmt.Errorf("%s: %w", fs.Arg(0), err))
		}
		fmt.Fprintf(m.Stdout, "%d addresses suppressed.\n", n)
	case "export":
		if fs.NArg() != 1 {
			fs.Usage()
			return exitUsage
		}
		if err := m.writeOut(fs.Arg(0), db.ExportSuppressions); err != nil {
			return m.fail(err)
		}
	default:
		fmt.Fprintf(m.Stderr, "securemerge: unknown suppress command %q (list, add, remove, import, export)\n", args[0])
		return exitUsage
	}
	return exitOK
}
