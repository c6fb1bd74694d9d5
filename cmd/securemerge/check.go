package main

import (
	"bytes"
	"context"

	"errors"
	"fmt"

	"net/mail"
	"os"
	"path/filepath"
	"strings"

	"github.com/securemerge/securemerge/internal/campaign"
	"github.com/securemerge/securemerge/internal/merge"
	"github.com/securemerge/securemerge/internal/store"
)

// draftFromFlags is the campaign the file commands (check, preview, send
// --test) work on: the template and data given, not stored. id goes into
// the message keys.
func (m *Main) draftFromFlags(d *dataFlags, id string) (*campaign.Campaign, int) {
	if !d.require(m) {
		return nil, exitUsage
	}
	text, err := os.ReadFile(d.template)
	if err != nil {
		return nil, m.fail(fmt.Errorf("template: %w", err))
	}
	return &campaign.Campaign{
		ID: id, Name: id, Template: string(text), TemplateName: filepath.Base(d.template),
		Data:     d.source(),
		Settings: campaign.Settings{From: d.from, AttachDir: d.attachDir()},
	}, exitOK
}

// localService is the application layer for the commands that work
// offline (check, preview): the database, when there is one, only lends
// its suppression list and settings. The caller closes both.
func (m *Main) localService(d *dataFlags, dataDir string) (*campaign.Service, *store.DB) {
	db := m.optionalStore(dataDir)
	dir, _ := m.dataDir(dataDir)
	return m.service(db, dir, d.locale), db
}

// sourceProblem prints why the data or template could not be used.
func (m *Main) sourceProblem(d *dataFlags, err error) int {
	if len(merge.TemplateProblems(err)) > 0 {
		return m.templateProblems(d.template, err)
	}
	return m.fail(err)
}

func (m *Main) templateProblems(path string, err error) int {
	probs := merge.TemplateProblems(err)
	if len(probs) == 0 {
		return m.fail(err)
	}
	rep := &merge.Report{Problems: probs}
	fmt.Fprintf(m.Stderr, "%s:\n", path)
	_ = rep.WriteText(m.Stderr)
	return exitProblems
}

// optionalStore opens the database for the suppression list and settings,
// but lets read-only commands go on without it (with a warning) when another
// SecureMerge has it open.
func (m *Main) optionalStore(dataDir string) *store.DB {
	// A command that only reads creates no database: with none yet there is
	// no suppression list or setting to apply, and a dry run writes nothing.
	if dir, err := m.dataDir(dataDir); err == nil {
		if _, err := os.Stat(filepath.Join(dir, store.FileName)); os.IsNotExist(err) {
			return nil
		}
	}
	var quiet bytes.Buffer
	stderr := m.Stderr
	m.Stderr = &quiet
	db, _ := m.openStore(dataDir)
	m.Stderr = stderr
	if db == nil {
		fmt.Fprintf(m.Stderr, "note: %s(the suppression list was not checked)\n", strings.TrimPrefix(quiet.String(), "securemerge: "))
	}
	return db
}

type reportJSON struct {
	Rows       int             `json:"rows"`
	Messages   int             `json:"messages"`
	Recipients int             `json:"recipients"`
	Addresses  int             `json:"addresses"` // different addresses among the recipients
	Skipped    int             `json:"skipped"`
	Errors     []merge.Problem `json:"errors"`
	Warnings   []merge.Problem `json:"warnings"`
}

func (m *Main) runCheck(ctx context.Context, args []string) int {
	fs := m.flags("check", "--data FILE --template FILE",
		"Validate a campaign before sending: unknown columns, empty values, invalid or duplicate\naddresses, suppressed recipients, attachments, header injection. Exit 1 on errors.")
	var d dataFlags
	d.register(fs, m)
	dataDir := fs.String("data-dir", "", "folder of the local database (default: $SECUREMERGE_DATA_DIR or the user config folder)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	if c := parse(fs, args); c >= 0 {
		return c
	}
	c, code := m.draftFromFlags(&d, "check")
	if c == nil {
		return code
	}
	svc, db := m.localService(&d, *dataDir)
	if db != nil {
		defer db.Close()
	}
	defer svc.Close()
	rep, err := svc.Check(ctx, c)
	if err != nil {
		if ctx.Err() != nil {
			return exitCanceled
		}
		return m.sourceProblem(&d, err)
	}
	if *asJSON {
		out := reportJSON{Rows: rep.Rows, Messages: rep.Messages, Recipients: rep.Recipients, Addresses: rep.Addresses, Skipped: rep.Skipped,
			Errors: orEmpty(rep.Errors()), Warnings: orEmpty(rep.Warnings())}
		if code := m.writeJSON(out); code != exitOK {
			return code
		}
	} else {
		if len(rep.Problems) > 0 {
			_ = rep.WriteText(m.Stdout)
			fmt.Fprintln(m.Stdout)
		}
		fmt.Fprintf(m.Stdout, "%d rows: %d messages to %d recipients, %d skipped; %d errors, %d warnings\n",
			rep.Rows, rep.Messages, rep.Recipients, rep.Skipped, len(rep.Errors()), len(rep.Warnings()))
	}
	if rep.HasErrors() {
		return exitProblems
	}
	return exitOK
}

func orEmpty(p []merge.Problem) []merge.Problem {
	if p == nil {
		return []merge.Problem{}
	}
	return p
}

func (m *Main) runPreview(ctx context.Context, args []string) int {
	fs := m.flags("preview", "--data FILE --template FILE [--row N] [--eml DIR]",
		"Show one recipient's message exactly as it would be sent.")
	var d dataFlags
	d.register(fs, m)
	dataDir := fs.String("data-dir", "", "folder of the local database")
	row := fs.Int("row", 0, "the spreadsheet row `N` to preview, as numbered in your spreadsheet (default: the first recipient)")
	emlDir := fs.String("eml", "", "also write the message as an .eml file into `DIR`")
	html := fs.Bool("html", false, "print the HTML part instead of the text part")
	if c := parse(fs, args); c >= 0 {
		return c
	}
	c, code := m.draftFromFlags(&d, "preview")
	if c == nil {
		return code
	}
	svc, db := m.localService(&d, *dataDir)
	if db != nil {
		defer db.Close()
	}
	defer svc.Close()
	msg, err := svc.Preview(ctx, c, campaign.RowRef{Line: *row})
	switch {
	case errors.Is(err, campaign.ErrNoRow) && *row > 0:
		fmt.Fprintf(m.Stderr, "securemerge: %s has no data row %d\n", d.data, *row)
		return exitProblems
	case errors.Is(err, campaign.ErrNoRow):
		fmt.Fprintf(m.Stderr, "securemerge: %s has no recipients\n", d.data)
		return exitProblems
	case err != nil && ctx.Err() != nil:
		return exitCanceled
	case len(merge.TemplateProblems(err)) > 0:
		return m.templateProblems(d.template, err)
	case errors.As(err, new(*campaign.RenderError)):
		fmt.Fprintf(m.Stderr, "securemerge: %v\n", err)
		return exitProblems
	case err != nil:
		return m.fail(err)
	}
	m.printMessage(msg, *html)
	if *emlDir != "" {
		path, err := writeEML(*emlDir, msg)
		if err != nil {
			return m.fail(err)
		}
		fmt.Fprintf(m.Stdout, "\nwritten to %s\n", path)
	}
	return exitOK
}

// printMessage shows the headers and the decoded body of msg. Everything
// that came from cells goes through termSafe/termSafeText: a cell's escape
// sequences never reach the terminal.
func (m *Main) printMessage(msg *merge.Message, html bool) {
	w := m.Stdout
	addrs := func(name string, list []string) {
		if len(list) > 0 {
			fmt.Fprintf(w, "%-9s %s\n", name+":", termSafe(strings.Join(list, ", ")))
		}
	}
	addrs("From", []string{msg.From.String()})
	addrs("To", addrStrings(msg.To))
	addrs("Cc", addrStrings(msg.Cc))
	addrs("Bcc", addrStrings(msg.Bcc))
	addrs("Reply-To", addrStrings(msg.ReplyTo))
	fmt.Fprintf(w, "%-9s %s\n", "Subject:", termSafe(msg.Subject))
	for _, a := range msg.Attachments {
		fmt.Fprintf(w, "%-9s %s (%s, %s)\n", "Attached:", termSafe(a.Name), termSafe(a.ContentType), humanSize(a.Size))
	}
	fmt.Fprintf(w, "(row %d)\n\n", msg.Line)
	if html && msg.HTML != "" {
		fmt.Fprintln(w, termSafeText(msg.HTML))
		return
	}
	fmt.Fprintln(w, termSafeText(strings.TrimRight(msg.Text, "\n")))
}

func addrStrings(list []mail.Address) []string {
	s := make([]string, len(list))
	for i, a := range list {
		if a.Name != "" {
			s[i] = fmt.Sprintf("%s <%s>", a.Name, a.Address)
		} else {
			s[i] = a.Address
		}
	}
	return s
}

func humanSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// writeEML writes msg into dir under its outbox name, replacing a previous
// preview of the same row.
func writeEML(dir string, msg *merge.Message) (string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	var b bytes.Buffer
	if err := msg.WriteEML(&b); err != nil {
		return "", err
	}
	path := filepath.Join(dir, msg.FileName())
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b.Bytes(), 0o600); err != nil {
		return "", err
	}
	return path, os.Rename(tmp, path)
}
