package main

import (
	"context"
	"fmt"

	"github.com/securemerge/securemerge/internal/campaign"
)

// runSettings shows or changes the app settings kept in the database.
func (m *Main) runSettings(ctx context.Context, args []string) int {
	fs := m.flags("settings", "[KEY [VALUE]]",
		`Show every setting, one setting, or change one (an empty VALUE resets it):
  from           sender when the template has no From: and no mailbox is signed in
  send-as        shared mailbox to send as by default
  rate           messages per minute (default 30, Microsoft 365's limit)
  daily-limit    recipients per rolling 24 hours (default 10000)
  language       en or fr (default: the system's language)
  crash-reports  on or off (default off)`)
	dataDir := fs.String("data-dir", "", "folder of the local database")
	if c := parse(fs, args); c >= 0 {
		return c
	}
	if fs.NArg() > 2 {
		fs.Usage()
		return exitUsage
	}
	db, code := m.openStore(*dataDir)
	if db == nil {
		return code
	}
	defer db.Close()
	dir, _ := m.dataDir(*dataDir)
	svc := m.service(db, dir, "")
	defer svc.Close()
	switch fs.NArg() {
	case 0:
		for _, k := range campaign.SettingKeys {
			v, _ := svc.Setting(k)
			fmt.Fprintf(m.Stdout, "%-14s %s\n", k, termSafe(v))
		}
		return exitOK
	case 1:
		v, err := svc.Setting(fs.Arg(0))
		if err != nil {
			fmt.Fprintf(m.Stderr, "securemerge: %v\n", err)
			return exitUsage
		}
		fmt.Fprintln(m.Stdout, termSafe(v))
		return exitOK
	}
	if err := svc.SetSetting(fs.Arg(0), fs.Arg(1)); err != nil {
		fmt.Fprintf(m.Stderr, "securemerge: %v\n", err)
		return exitUsage
	}
	return exitOK
}
