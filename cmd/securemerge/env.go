package main

import (
	"errors"
	"flag"
	"fmt"

	"path/filepath"

	"github.com/securemerge/securemerge/internal/campaign"

	"github.com/securemerge/securemerge/internal/sheet"
	"github.com/securemerge/securemerge/internal/store"
)

// dataFlags are the options every command that reads recipients shares.
type dataFlags struct {
	data, template, sheet, encoding, delimiter, locale string
	attachments, from                                  string
	categories                                         categoryFlag // with --data contacts:…
	envLocale                                          string       // the environment's, when --locale is not given
}

// envLocale is the user's locale for dates and numbers from the
// environment, "" when none (internal/sheet then uses en-US).
func (m *Main) envLocale() string {
	for _, k := range []string{"LC_ALL", "LC_TIME", "LANG"} {
		if v := m.getenv(k); v != "" {
			return v
		}
	}
	return ""
}

// register declares the flags; the locale defaults to the environment's
// (LC_ALL, LC_TIME, LANG), which main passes down.
func (d *dataFlags) register(fs *flag.FlagSet, m *Main) {
	d.envLocale = m.envLocale()
	fs.StringVar(&d.data, "data", "", "the recipients: .xlsx, .xlsm, .ods, .csv, .tsv or .txt `FILE`")
	fs.StringVar(&d.template, "template", "", "the message: a template `FILE` (header block, blank line, body)")
	fs.StringVar(&d.sheet, "sheet", "", "sheet `NAME` or number (default: the first non-empty sheet)")
	fs.StringVar(&d.encoding, "encoding", "", "CSV encoding: utf-8, utf-16le, utf-16be, windows-1252 (default: detected)")
	fs.StringVar(&d.delimiter, "delimiter", "", "CSV delimiter: , ; tab or | (default: detected)")
	fs.StringVar(&d.locale, "locale", "", "locale for dates and numbers, e.g. fr-FR (default: from the environment)")
	fs.StringVar(&d.attachments, "attachments", "", "`DIR` for relative attachment paths (default: the template's folder)")
	fs.StringVar(&d.from, "from", "", "sender `ADDRESS` when the template has no From: line")
	fs.Var(&d.categories, "category", "with --data contacts:…, only the contacts in this Outlook category `NAME` (repeatable)")
}

func (d *dataFlags) require(m *Main) bool {
	if d.data == "" || d.template == "" {
		fmt.Fprintln(m.Stderr, "securemerge: --data FILE and --template FILE are both needed")
		return false
	}
	if len(d.categories) > 0 && !(campaign.DataSource{Path: d.data}).IsContacts() {
		fmt.Fprintln(m.Stderr, "securemerge: --category picks Outlook contacts: use it with --data contacts: (or contacts:FOLDER, contacts:shared@contoso.com)")
		return false
	}
	return true
}

// source is the data source the flags name.
func (d *dataFlags) source() campaign.DataSource {
	path := d.data
	if (campaign.DataSource{Path: path}).IsContacts() {
		path = contactsPath(path, d.categories)
	} else if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	return campaign.DataSource{Path: path, Sheet: d.sheet, Encoding: d.encoding, Delimiter: d.delimiter}
}

// openRows opens the data file as the flags describe it; the caller
// closes the reader.
func (d *dataFlags) openRows() (*sheet.Reader, error) {
	delim, err := sheet.ParseDelimiter(d.delimiter)
	if err != nil {
		return nil, fmt.Errorf("--%w", err)
	}
	return sheet.Open(d.data, sheet.Options{Sheet: d.sheet, Encoding: d.encoding, Delimiter: delim, Locale: firstNonEmpty(d.locale, d.envLocale)})
}

// attachDir is where relative attachment paths resolve: --attachments, else
// the template's folder.
func (d *dataFlags) attachDir() string {
	if d.attachments != "" {
		return d.attachments
	}
	if abs, err := filepath.Abs(d.template); err == nil {
		return filepath.Dir(abs)
	}
	return filepath.Dir(d.template)
}

// dataDir resolves the data folder: --data-dir, SECUREMERGE_DATA_DIR, then
// the user config folder.
func (m *Main) dataDir(flagValue string) (string, error) {
	if flagValue == "" {
		flagValue = m.getenv(store.EnvDataDir)
	}
	return store.DataDir(flagValue, m.UserConfigDir)
}

// openStore opens the local database, explaining the usual problems.
func (m *Main) openStore(dataDirFlag string) (*store.DB, int) {
	dir, err := m.dataDir(dataDirFlag)
	if err != nil {
		fmt.Fprintf(m.Stderr, "securemerge: data folder: %v\n", err)
		return nil, exitFailure
	}
	db, err := store.Open(dir, store.Options{})
	var ce *store.CorruptError
	switch {
	case err == nil:
		return db, exitOK
	case errors.Is(err, campaign.ErrAlreadyRunning):
		fmt.Fprintln(m.Stderr, "securemerge: SecureMerge is already running (another window or command has the database open). Close it and try again.")
	case errors.As(err, &ce):
		fmt.Fprintf(m.Stderr, "securemerge: the database was damaged; it was kept aside as %s and a new one will be started next time.\n", ce.KeptAs)
	default:
		fmt.Fprintf(m.Stderr, "securemerge: cannot open the database: %v\n", err)
	}
	return nil, exitFailure
}

// fail prints err as it is and returns the exit code of work that could
// not be done.
func (m *Main) fail(err error) int {
	fmt.Fprintf(m.Stderr, "securemerge: %v\n", err)
	return exitFailure
}
