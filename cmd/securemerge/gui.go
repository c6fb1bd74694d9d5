package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"

	"github.com/securemerge/securemerge/assets"
	"github.com/securemerge/securemerge/internal/campaign"
	"github.com/securemerge/securemerge/internal/store"
	"github.com/securemerge/securemerge/ui"
)

// runGUI opens the desktop window and returns when it is closed.
func runGUI(ctx context.Context, m *Main) int {
	if runtime.GOOS == "linux" && m.getenv("DISPLAY") == "" && m.getenv("WAYLAND_DISPLAY") == "" {
		fmt.Fprintln(m.Stderr, "securemerge: no display to open the window on (DISPLAY is not set).\nRun a command instead, e.g. 'securemerge help'.")
		return exitFailure
	}
	dir, err := m.dataDir("")
	b := &backend{dataDir: dir}
	if err == nil {
		b.db, err = store.Open(dir, store.Options{})
	}
	if err == nil {
		b.svc = m.service(b.db, dir, "")
	}
	if err != nil {
		// The window still opens and says what is wrong: a double-clicked
		// app that vanishes silently is worse.
		fmt.Fprintf(m.Stderr, "securemerge: %v\n", err)
		b.err = err
	} else {
		// The jobs stop (their requests in flight journaled) before the
		// database closes: deferred calls run last first.
		defer b.db.Close()
		defer b.svc.Close()
		if err := addSample(b.db, dir); err != nil {
			fmt.Fprintf(m.Stderr, "securemerge: sample campaign: %v\n", err)
		}
	}
	ui.Run(ctx, b)
	return exitOK
}

// backend serves the window from the local database.
type backend struct {
	db      *store.DB
	svc     *campaign.Service
	dataDir string
	err     error // why the database could not be opened
}

func (b *backend) Campaigns() ([]*campaign.Campaign, error) {
	if b.err != nil {
		return nil, b.err
	}
	return b.svc.Campaigns()
}

func (b *backend) NewCampaign(name string) (*campaign.Campaign, error) {
	if b.err != nil {
		return nil, b.err
	}
	return b.svc.Create(campaign.Draft{Name: name, Settings: campaign.Settings{Mode: campaign.ModeOutbox}})
}

const sampleSetting = "sample.created"

// addSample gives a new user something to open: the sample spreadsheet and
// template are copied into the data folder and a draft campaign that writes
// to the app's own outbox is created, once.
func addSample(db *store.DB, dataDir string) error {
	if v, _ := db.Setting(sampleSetting); v != "" {
		return nil
	}
	dir := filepath.Join(dataDir, "sample")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	sample := assets.Sample()
	err := fs.WalkDir(sample, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(sample, p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, p), b, 0o600)
	})
	if err != nil {
		return err
	}
	tpl, err := fs.ReadFile(sample, "invitation.tpl")
	if err != nil {
		return err
	}
	c := &campaign.Campaign{
		Name:     "Sample: appointment reminders",
		Template: string(tpl),
		Data:     campaign.DataSource{Path: filepath.Join(dir, "recipients.csv")},
		Settings: campaign.Settings{Mode: campaign.ModeOutbox, AttachDir: dir},
	}
	if err := db.CreateCampaign(c); err != nil {
		return err
	}
	return db.SetSetting(sampleSetting, c.ID)
}

// WriteOutbox writes campaign id to its outbox folder (the app's own when
// none was chosen) through the application layer the command line uses,
// and returns where the messages are.
func (b *backend) WriteOutbox(ctx context.Context, id string, progress func(campaign.Report)) (string, error) {
	if b.err != nil {
		return "", b.err
	}
	c, err := b.svc.Campaign(id)
	if err != nil {
		return "", err
	}
	job, rep, err := b.svc.Start(ctx, id, campaign.PlanOptions{}, campaign.StartOptions{Progress: progressFunc(progress)})
	if errors.Is(err, campaign.ErrInvalid) && rep != nil {
		return "", fmt.Errorf("%w: %d errors", campaign.ErrInvalid, len(rep.Errors()))
	}
	if err != nil {
		return "", err
	}
	return b.svc.OutboxFolder(c), job.Wait()
}

// progressFunc adapts a function to campaign.Progress.
type progressFunc func(campaign.Report)

func (f progressFunc) Progress(r campaign.Report) {
	if f != nil {
		f(r)
	}
}
