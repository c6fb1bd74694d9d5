package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"os"
	"path/filepath"
	"strings"

	"github.com/securemerge/securemerge/internal/merge"
	"github.com/securemerge/securemerge/internal/sheet"
	"github.com/securemerge/securemerge/internal/store"
)

// prepared is a template bound to a data file, ready to validate or render.
type prepared struct {
	spec   *merge.Spec
	rows   *sheet.Reader
	merger *merge.Merger
	db     *store.DB // the database, when the command opened it
}

func (p *prepared) Close() {
	if p.rows != nil {
		p.rows.Close()
	}
	if p.db != nil {
		p.db.Close()
	}
}

// prepareLocal is prepare for the commands that work offline (check,
// preview): the database only lends its suppression list and settings.
func (m *Main) prepareLocal(d *dataFlags, dataDir, campaignID string) (*prepared, int) {
	if !d.require(m) {
		return nil, exitUsage
	}
	db := m.optionalStore(dataDir)
	p, code := m.prepare(d, mergeOptions{campaignID: campaignID, db: db})
	if p == nil {
		if db != nil {
			db.Close()
		}
		return nil, code
	}
	p.db = db
	return p, exitOK
}

// mergeOptions are what a Merger needs from the command line and database.
type mergeOptions struct {
	campaignID string
	from       string // the signed-in mailbox, when there is one
	db         *store.DB
}

// prepare reads the template and the data header and builds the Merger. On a
// template problem it prints the located report and returns exitProblems.
func (m *Main) prepare(d *dataFlags, mo mergeOptions) (*prepared, int) {
	spec, err := loadSpec(d.template)
	if err != nil {
		return nil, m.templateProblems(d.template, err)
	}
	rows, err := d.openRows()
	if err != nil {
		return nil, m.fail(err)
	}
	p := &prepared{spec: spec, rows: rows}
	opt := merge.Options{
		DefaultFrom: firstNonEmpty(d.from, mo.from),
		AttachDir:   d.attachDir(),
		Footer:      freeFooter(),
		CampaignID:  mo.campaignID,
	}
	if mo.db != nil {
		if opt.DefaultFrom == "" {
			opt.DefaultFrom, _ = mo.db.Setting("from")
		}
		opt.Suppressed = mo.db.Suppressed
	}
	p.merger, err = merge.NewMerger(spec, merge.NewHeader(rows.Columns()), opt)
	if err != nil {
		p.Close()
		return nil, m.templateProblems(d.template, err)
	}
	return p, exitOK
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

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
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
	Skipped    int             `json:"skipped"`
	Errors     []merge.Problem `json:"errors"`
	Warnings   []merge.Problem `json:"warnings"`
}

func (m *Main) runCheck(ctx context.Context, args []string) int {
	fs := m.flags("check", "--data FILE --template FILE",
		"Validate a campaign before sending: unknown columns, empty values, invalid or duplicate\naddresses, suppressed recipients, attachments, header injection. Exit 1 on errors.")
	var d dataFlags
	d.register(fs)
	dataDir := fs.String("data-dir", "", "folder of the local database (default: $SECUREMERGE_DATA_DIR or the user config folder)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	if c := parse(fs, args); c >= 0 {
		return c
	}
	p, code := m.prepareLocal(&d, *dataDir, "check")
	if p == nil {
		return code
	}
	defer p.Close()
	rep, err := merge.Validate(ctx, p.merger, p.rows)
	if err != nil {
		if ctx.Err() != nil {
			return exitCanceled
		}
		return m.fail(err)
	}
	for _, w := range p.rows.Info().Warnings {
		rep.Problems = append(rep.Problems, merge.Problem{Severity: merge.Warning, Line: w.Row, Code: "data", Msg: w.Message})
	}
	if *asJSON {
		out := reportJSON{Rows: rep.Rows, Messages: rep.Messages, Recipients: rep.Recipients, Skipped: rep.Skipped,
			Errors: orEmpty(rep.Errors()), Warnings: orEmpty(rep.Warnings())}
		enc := json.NewEncoder(m.Stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(out)
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
	d.register(fs)
	dataDir := fs.String("data-dir", "", "folder of the local database")
	row := fs.Int("row", 0, "the spreadsheet row `N` to preview, as numbered in your spreadsheet (default: the first recipient)")
	emlDir := fs.String("eml", "", "also write the message as an .eml file into `DIR`")
	html := fs.Bool("html", false, "print the HTML part instead of the text part")
	if c := parse(fs, args); c >= 0 {
		return c
	}
	p, code := m.prepareLocal(&d, *dataDir, "preview")
	if p == nil {
		return code
	}
	defer p.Close()
	index := 0
	for {
		if ctx.Err() != nil {
			return exitCanceled
		}
		values, err := p.rows.Next()
		if errors.Is(err, io.EOF) {
			if *row > 0 {
				fmt.Fprintf(m.Stderr, "securemerge: %s has no data row %d\n", d.data, *row)
			} else {
				fmt.Fprintf(m.Stderr, "securemerge: %s has no recipients\n", d.data)
			}
			return exitProblems
		}
		if err != nil {
			return m.fail(err)
		}
		line := p.rows.Line()
		if *row > 0 && line != *row {
			index++
			continue
		}
		msg, err := p.merger.Render(index, line, values)
		if err != nil {
			fmt.Fprintf(m.Stderr, "securemerge: %v\n", err)
			return exitProblems
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
}

// printMessage shows the headers and the decoded body of msg.
func (m *Main) printMessage(msg *merge.Message, html bool) {
	w := m.Stdout
	addrs := func(name string, list []string) {
		if len(list) > 0 {
			fmt.Fprintf(w, "%-9s %s\n", name+":", strings.Join(list, ", "))
		}
	}
	addrs("From", []string{msg.From.String()})
	addrs("To", addrStrings(msg.To))
	addrs("Cc", addrStrings(msg.Cc))
	addrs("Bcc", addrStrings(msg.Bcc))
	addrs("Reply-To", addrStrings(msg.ReplyTo))
	fmt.Fprintf(w, "%-9s %s\n", "Subject:", msg.Subject)
	for _, a := range msg.Attachments {
		fmt.Fprintf(w, "%-9s %s (%s, %s)\n", "Attached:", a.Name, a.ContentType, humanSize(a.Size))
	}
	fmt.Fprintf(w, "(row %d)\n\n", msg.Line)
	if html && msg.HTML != "" {
		fmt.Fprintln(w, msg.HTML)
		return
	}
	fmt.Fprintln(w, strings.TrimRight(msg.Text, "\n"))
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
