package main

import (
	"context"
	"fmt"
	"runtime"

	"github.com/securemerge/securemerge/internal/campaign"
	"github.com/securemerge/securemerge/ui"
)

// runGUI opens the desktop window and returns when it is closed.
func runGUI(ctx context.Context, m *Main) int {
	if runtime.GOOS == "linux" && m.getenv("DISPLAY") == "" && m.getenv("WAYLAND_DISPLAY") == "" {
		fmt.Fprintln(m.Stderr, "securemerge: no display to open the window on (DISPLAY is not set).\nRun a command instead, e.g. 'securemerge help'.")
		return exitFailure
	}
	ui.Run(&backend{})
	return exitOK
}

// backend serves the window from the local database.
type backend struct{}

func (b *backend) Campaigns() ([]*campaign.Campaign, error) { return nil, nil }

func (b *backend) NewCampaign(name string) (*campaign.Campaign, error) {
	return &campaign.Campaign{Name: name}, nil
}
