package main

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"

	"github.com/securemerge/securemerge/assets"
	"github.com/securemerge/securemerge/internal/campaign"
	"github.com/securemerge/securemerge/internal/graph"
	"github.com/securemerge/securemerge/internal/license"
	"github.com/securemerge/securemerge/internal/store"
	"github.com/securemerge/securemerge/ui"
)

// runGUI opens the desktop window and returns when it is closed.
func runGUI(ctx context.Context, m *Main) (code int) {
	// A display that is set but cannot be opened (an X server gone, no
	// permission) makes the windowing library panic: say what is wrong
	// instead of reporting a crash of SecureMerge.
	defer func() {
		if v := recover(); v != nil {
			if noDisplay(v) {
				fmt.Fprintf(m.Stderr, "securemerge: the window cannot be opened on display %q (is the display running?).\nRun a command instead, e.g. 'securemerge help'.\n", m.getenv("DISPLAY"))
				code = exitFailure
				return
			}
			panic(v)
		}
	}()
	if runtime.GOOS == "linux" && m.getenv("DISPLAY") == "" && m.getenv("WAYLAND_DISPLAY") == "" {
		fmt.Fprintln(m.Stderr, "securemerge: no display to open the window on (DISPLAY is not set).\nRun a command instead, e.g. 'securemerge help'.")
		return exitFailure
	}
	windowMemoryLimit(m.getenv)
	dir, err := m.dataDir("")
	var db *store.DB
	deps := ui.Deps{DataFolder: dir, Admin: guiAdmin{m: m, dataDir: dir}}
	if err == nil {
		db, err = store.Open(dir, store.Options{})
	}
	if err != nil {
		// The window still opens and says what is wrong: a double-clicked
		// app that vanishes silently is worse.
		fmt.Fprintf(m.Stderr, "securemerge: %v\n", err)
		deps.Err = err
	} else {
		svc := m.service(db, dir, "")
		deps.Campaigns = svc
		deps.AfterCrash = guiAfterCrash{db: db, svc: svc}
		deps.Budget = db
		deps.Licence = &guiLicence{m: m, db: db}
		deps.Crash = guiCrash{m: m}
		deps.Account = &guiAccount{m: m}
		deps.Contacts = guiContacts{m: m}
		// The jobs stop (their requests in flight journaled) before the
		// database closes: deferred calls run last first.
		defer db.Close()
		defer svc.Close()
		if err := addSample(db, dir, svc.Settings().Language, m.language()); err != nil {
			fmt.Fprintf(m.Stderr, "securemerge: sample campaign: %v\n", err)
		}
	}
	ui.Run(ctx, deps, ui.Open{Data: m.open.data, Template: m.open.template})
	return exitOK
}

var (
	_ ui.Campaigns = (*campaign.Service)(nil)
	_ ui.Budget    = (*store.DB)(nil)
	_ ui.Licence   = (*guiLicence)(nil)
	_ ui.Crash     = guiCrash{}
	_ ui.Account   = (*guiAccount)(nil)
	_ ui.Contacts  = guiContacts{}
)

// guiContacts is `securemerge login --contacts` for the window: asked when
// the person chooses Outlook contacts, not at the first sign-in.
type guiContacts struct{ m *Main }

func (c guiContacts) Consent(ctx context.Context) error {
	_, auth, err := c.m.tokens("")
	if err != nil || auth == nil {
		return err // nil auth: the token variable bypasses sign-in
	}
	_, err = auth.Consent(ctx, false, graph.ContactsScope, graph.SharedContactsScope)
	return err
}

// guiAccount is `securemerge login`, `logout` and `whoami` for the window.
type guiAccount struct{ m *Main }

func (a *guiAccount) Who(ctx context.Context) string { return a.m.signedInAddress(ctx, "") }

// SignIn signs in as `securemerge login [--device-code]` does, the code
// shown in the window instead of on standard error.
func (a *guiAccount) SignIn(ctx context.Context, deviceCode bool, prompt func(ui.DeviceCode)) (string, error) {
	dir, err := a.m.dataDir("")
	if err != nil {
		return "", err
	}
	if strings.TrimSpace(a.m.getenv(graph.EnvAccessToken)) != "" {
		return a.Who(ctx), nil // the token variable bypasses sign-in
	}
	auth, err := graph.NewAuth(graph.AuthOptions{
		ClientID:         strings.TrimSpace(a.m.getenv(graph.EnvClientID)),
		Authority:        strings.TrimSpace(a.m.getenv(graph.EnvAuthority)),
		CacheDir:         dir,
		DeviceCodePrompt: func(msg string) { prompt(parseDeviceCode(msg)) },
	})
	if err != nil {
		return "", err
	}
	acct, err := auth.Login(ctx, deviceCode)
	if err != nil {
		return "", err
	}
	return firstNonEmpty(acct.Username, acct.Name), nil
}

func (a *guiAccount) SignOut(ctx context.Context) error {
	_, auth, err := a.m.tokens("")
	if err != nil || auth == nil {
		return err
	}
	return auth.Logout(ctx)
}

var (
	deviceURL  = regexp.MustCompile(`https?://[^\s]*[^\s.,;)]`)
	deviceCode = regexp.MustCompile(`\bcode\s+([A-Z0-9][A-Z0-9-]{3,})\b`)
)

// parseDeviceCode finds the page and the code in the sign-in service's
// sentence ("To sign in, use a web browser to open the page
// https://microsoft.com/devicelogin and enter the code F7KQ29XD to
// authenticate."); a sentence it cannot read is shown whole.
func parseDeviceCode(msg string) ui.DeviceCode {
	u, c := deviceURL.FindString(msg), deviceCode.FindStringSubmatch(msg)
	if u == "" || c == nil {
		return ui.DeviceCode{Code: msg}
	}
	return ui.DeviceCode{Code: c[1], URL: u}
}

// guiLicence is the licence as `securemerge license status` tells it: the
// signed-in address, the built-in key, the store as cache.
// One client for the window's life, so that a failed check is not
// repeated each time Settings opens (the client waits a minute).
type guiLicence struct {
	m      *Main
	db     *store.DB
	once   sync.Once
	client *license.Client
}

func (l *guiLicence) Status(ctx context.Context) ui.LicenceStatus {
	l.once.Do(func() { l.client = l.m.licenseClient(l.db) })
	email, _ := l.m.licenseAddress(ctx, "")
	s, _ := l.client.Plan(ctx, email)
	l.client.Wait() // a background re-check finishes while the store is open
	return ui.LicenceStatus{Licensed: s.Licensed(), Email: s.Email, Expires: s.Expires, Checked: s.Checked, Offline: s.Offline}
}

// guiCrash is the crash-report preview `securemerge crash-report preview`
// prints, for the window's Settings.
type guiCrash struct{ m *Main }

func (c guiCrash) Preview(ctx context.Context) ([]byte, error) {
	rep, _ := c.m.sampleReport(ctx, "")
	return rep.JSON()
}

const sampleSetting = "sample.created"

// addSample gives a new user something to open: the sample spreadsheet and
// template are copied into the data folder and a draft campaign that writes
// to the app's own outbox is created, once.
// Its name and texts are in the window's language: the language setting,
// else the system's.
func addSample(db *store.DB, dataDir, setting, system string) error {
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
	name, file := "Sample: appointment reminders", "invitation.tpl"
	if firstNonEmpty(setting, system) == "fr" {
		name, file = "Exemple : rappels de rendez-vous", "invitation.fr.tpl"
	}
	tpl, err := fs.ReadFile(sample, file)
	if err != nil {
		return err
	}
	c := &campaign.Campaign{
		Name:         name,
		TemplateName: file,
		Template:     string(tpl),
		Data:         campaign.DataSource{Path: filepath.Join(dir, "recipients.csv")},
		Settings:     campaign.Settings{Mode: campaign.ModeOutbox, AttachDir: dir},
	}
	if err := db.CreateCampaign(c); err != nil {
		return err
	}
	return db.SetSetting(sampleSetting, c.ID)
}

// looksLikeFile says a first argument that is no command names a file to
// open: what the system passes for "Open with" or a file dropped on the
// app's icon (a path, or a name with a spreadsheet's extension).
func looksLikeFile(arg string) bool {
	if strings.HasPrefix(arg, "-") {
		return false
	}
	if strings.ContainsAny(arg, `/\`) || filepath.Ext(arg) != "" {
		return true
	}
	_, err := os.Stat(arg)
	return err == nil
}

// runOpen is `securemerge FILE [--template FILE]`: the window, opened on a
// new draft campaign with that spreadsheet at its Data step.
func (m *Main) runOpen(ctx context.Context, args []string) int {
	fs := m.flags("FILE", "[--template FILE]", "Open the window on a new campaign with the spreadsheet FILE (and its message from --template).")
	tpl := fs.String("template", "", "template `FILE` with the message (DESIGN §8 format)")
	// The file comes first ("Open with" passes only it); flags may follow.
	if code := parse(fs, args[1:]); code >= 0 {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(m.Stderr, "securemerge: one spreadsheet at a time (got %q too)\n", fs.Arg(0))
		return exitUsage
	}
	for _, f := range []string{args[0], *tpl} {
		if f == "" {
			continue
		}
		if fi, err := os.Stat(f); err != nil || fi.IsDir() {
			fmt.Fprintf(m.Stderr, "securemerge: %s: no such file\n", f)
			return exitUsage
		}
	}
	m.open.data, m.open.template = args[0], *tpl
	gui := m.GUI
	if gui == nil {
		gui = runGUI
	}
	return gui(ctx, m)
}

// guiMemoryLimit is the window's soft limit on Go's heap. A 100,000-row
// workbook keeps about 60 MB of rows live; with Go's default pacing the
// heap then grows to twice that between collections while the rows are
// validated in the background. The limit makes the collector work harder
// only near it (it is soft: the heap may pass it, and the runtime caps
// the collector's share of the CPU), which keeps the window's private
// memory near 110 MB instead of 160 MB (scripts/guibench.sh).
const guiMemoryLimit = 80 << 20

// windowMemoryLimit sets guiMemoryLimit unless GOMEMLIMIT says otherwise.
func windowMemoryLimit(getenv func(string) string) {
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(guiMemoryLimit)
	}
}

// noDisplay reports a panic of the windowing library (GLFW) that means it
// could not start: its errors read "NotInitialized: …" or
// "PlatformError: …".
func noDisplay(v any) bool {
	err, ok := v.(error)
	if !ok {
		return false
	}
	msg := err.Error()
	return strings.HasPrefix(msg, "NotInitialized:") || strings.HasPrefix(msg, "PlatformError:") || strings.HasPrefix(msg, "APIUnavailable:")
}
