package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/securemerge/securemerge/internal/campaign"
	"github.com/securemerge/securemerge/internal/store"
)

// runData dispatches `data export FILE` and `data erase`.
func (m *Main) runData(ctx context.Context, args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		fmt.Fprint(m.Stdout, `Usage: securemerge data export FILE | data erase [--yes]

  export FILE   write everything SecureMerge keeps (campaigns, recipients, journals,
                suppression list, settings) as one JSON document (docs/DATA-EXPORT.md)
  erase         remove the database, the saved sign-in and the app's own outbox from
                the data folder; folders you chose elsewhere are never touched
`)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	switch args[0] {
	case "export":
		return m.dataExport(ctx, args[1:])
	case "erase":
		return m.dataErase(ctx, args[1:])
	}
	fmt.Fprintf(m.Stderr, "securemerge: unknown data command %q (export, erase)\n", args[0])
	return exitUsage
}

func (m *Main) dataExport(ctx context.Context, args []string) int {
	fs := m.flags("data export", "FILE", "Write everything SecureMerge keeps as one JSON document (- for standard output).")
	dataDir := fs.String("data-dir", "", "folder of the local database")
	if c := parse(fs, args); c >= 0 {
		return c
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return exitUsage
	}
	db, code := m.openStore(*dataDir)
	if db == nil {
		return code
	}
	defer db.Close()
	if fs.Arg(0) == "-" {
		if err := db.Export(m.Stdout); err != nil {
			return m.fail(err)
		}
		return exitOK
	}
	// The temporary file is created exclusively, under a random name, in
	// the target's folder (so the rename stays on one file system): a file
	// or link planted under a predictable name in a shared folder never
	// receives the export.
	target := fs.Arg(0)
	f, err := os.CreateTemp(filepath.Dir(target), "."+filepath.Base(target)+".*.tmp") // O_EXCL, mode 0600
	if err != nil {
		return m.fail(err)
	}
	tmp := f.Name()
	exportErr := db.Export(f)
	var partial *store.PartialExportError
	if exportErr != nil && !errors.As(exportErr, &partial) {
		f.Close()
		os.Remove(tmp)
		return m.fail(exportErr)
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return m.fail(err)
	}
	if err := os.Rename(tmp, target); err != nil {
		os.Remove(tmp)
		return m.fail(err)
	}
	if partial != nil {
		fmt.Fprintf(m.Stderr, "securemerge: the database is damaged; %s holds everything that could be read. Not exported:\n", target)
		for _, u := range partial.Unreadable {
			fmt.Fprintf(m.Stderr, "  %s\n", termSafe(u))
		}
		return exitFailure
	}
	fmt.Fprintf(m.Stdout, "Exported to %s\n", fs.Arg(0))
	return exitOK
}

func (m *Main) dataErase(ctx context.Context, args []string) int {
	fs := m.flags("data erase", "[--yes]",
		"Remove the database, the saved sign-in and the app's own outbox from the data folder.\nFolders you chose elsewhere (an --outbox DIR) are never touched.")
	dataDir := fs.String("data-dir", "", "folder of the local database")
	yes := fs.Bool("yes", false, "do not ask for confirmation")
	if c := parse(fs, args); c >= 0 {
		return c
	}
	dir, err := m.dataDir(*dataDir)
	if err != nil {
		return m.fail(err)
	}
	if !*yes && !m.confirm(fmt.Sprintf("Erase all SecureMerge data in %s? This cannot be undone.", dir)) {
		fmt.Fprintln(m.Stderr, "Nothing was erased. Run with --yes to skip this question.")
		return exitCanceled
	}
	// Sign out first: it removes the token cache's key from the OS keyring,
	// which lives outside the data folder.
	if m.getenv("SECUREMERGE_ACCESS_TOKEN") == "" {
		if _, auth, err := m.tokens(*dataDir); err == nil && auth != nil {
			_ = auth.Logout(ctx)
		}
	}
	removed, err := store.Erase(dir)
	if errors.Is(err, campaign.ErrAlreadyRunning) {
		fmt.Fprintln(m.Stderr, "securemerge: SecureMerge is already running: close it, then erase.")
		return exitFailure
	}
	if err != nil {
		return m.fail(err)
	}
	for _, p := range removed {
		fmt.Fprintf(m.Stdout, "removed %s\n", p)
	}
	fmt.Fprintln(m.Stdout, "All SecureMerge data on this computer was erased.")
	return exitOK
}
