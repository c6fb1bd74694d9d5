package store

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// Files and folders of the data folder that Erase removes besides the
// database: the token cache (named by internal/graph) and the app's own
// outbox.
const (
	TokenCacheName = "tokens.enc"
	OutboxName     = "outbox"
	// OutboxMarker is the file internal/outbox writes into a folder it
	// created itself (outbox.MarkerName: the two must stay equal). Erase
	// empties the data folder's outbox only when it holds this marker, and
	// even then removes only the files SecureMerge names.
	OutboxMarker = ".securemerge-outbox"
)

// ownOutboxFile matches the names internal/outbox gives what it writes:
// messages ("00042-jane@example.com.eml", "00042.eml"), summary.csv, the
// marker, and temporary files left by a killed process.
var ownOutboxFile = regexp.MustCompile(`^(\d{5,}(-[^/\\]*)?\.eml|summary\.csv|\.sm-[^/\\]*\.tmp|` + regexp.QuoteMeta(OutboxMarker) + `)$`)

// Erase removes SecureMerge's data from dir, and only from dir: the
// database, its .bak-* and .corrupt-* copies, the token cache and what the
// app wrote into its own outbox folder, then dir itself if nothing else is
// left in it. The outbox folder counts as the app's only when it holds
// OutboxMarker (the app created it); then its messages, summary and
// temporary files are removed, anything else stays, and so does the folder
// if something is left in it. A folder named outbox without the marker is
// the user's and is not touched. It never follows a symbolic link: a link
// with one of these names is removed, its target is not touched. It refuses, wrapping campaign.ErrAlreadyRunning,
// while another process has the database open. It returns what it removed
// (full paths); a missing dir is not an error.
func Erase(dir string) (removed []string, err error) {
	if dir == "" {
		return nil, fmt.Errorf("erase: no data folder given")
	}
	dir = filepath.Clean(dir)
	fi, err := os.Lstat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("erase %s: %w", dir, err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("erase %s: not a folder (a link to one is not followed)", dir)
	}
	dbPath := filepath.Join(dir, FileName)
	release, held, err := func() {}, false, error(nil)
	if checkRegular(dbPath) == nil { // a FIFO or link in its place is no database to ask: it is just removed
		release, held, err = probeLock(dbPath, time.Second)
	}
	if err != nil {
		return nil, fmt.Errorf("erase %s: %w", dir, err)
	} else if held {
		return nil, fmt.Errorf("erase %s: %w", dir, &runningError{path: dbPath})
	}
	defer release() // unlinking a locked file is fine on Unix, where the probe holds one

	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("erase %s: %w", dir, err)
	}
	var errs []error
	for _, e := range entries {
		name := e.Name()
		if !ours(name) {
			continue
		}
		p := filepath.Join(dir, name)
		if name == OutboxName && e.IsDir() {
			gone, err := eraseOutboxes(p)
			if err != nil {
				errs = append(errs, err)
			}
			if gone {
				removed = append(removed, p)
			}
			continue
		}
		// RemoveAll unlinks a symbolic link itself and never descends
		// through one.
		if err := os.RemoveAll(p); err != nil {
			errs = append(errs, err)
			continue
		}
		removed = append(removed, p)
	}
	if len(errs) > 0 {
		return removed, fmt.Errorf("erase %s: %w", dir, errors.Join(errs...))
	}
	if err := os.Remove(dir); err == nil {
		removed = append(removed, dir)
	}
	return removed, nil
}

// eraseOutboxes erases the app's outbox folder p: each campaign's folder
// inside it (<data>/outbox/<campaign name>, DESIGN.md §9) that the app
// created and marked, then p itself as eraseOutbox does. p goes when it is
// left empty after a marked folder in it was erased: the app made it to
// hold them.
func eraseOutboxes(p string) (bool, error) {
	entries, err := os.ReadDir(p)
	if err != nil {
		return false, err
	}
	var errs []error
	erased := false
	for _, e := range entries {
		if !e.IsDir() || e.Type()&fs.ModeSymlink != 0 {
			continue
		}
		gone, err := eraseOutbox(filepath.Join(p, e.Name()))
		if err != nil {
			errs = append(errs, err)
		}
		erased = erased || gone
	}
	gone, err := eraseOutbox(p)
	if err != nil {
		errs = append(errs, err)
	}
	if !gone && erased {
		if left, err := os.ReadDir(p); err == nil && len(left) == 0 {
			gone = os.Remove(p) == nil
		}
	}
	return gone, errors.Join(errs...)
}

// eraseOutbox removes what SecureMerge wrote into the outbox folder p, if
// the app created it, and p itself when nothing else is left. It reports
// whether p is gone.
func eraseOutbox(p string) (bool, error) {
	if fi, err := os.Lstat(filepath.Join(p, OutboxMarker)); err != nil || !fi.Mode().IsRegular() {
		return false, nil // not ours
	}
	entries, err := os.ReadDir(p)
	if err != nil {
		return false, err
	}
	var errs []error
	for _, e := range entries {
		if e.Name() == OutboxMarker || !ownOutboxFile.MatchString(e.Name()) || !e.Type().IsRegular() {
			continue
		}
		if err := os.Remove(filepath.Join(p, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	if left, err := os.ReadDir(p); err == nil && len(left) == 1 {
		// Only the marker is left: the folder was all ours.
		if err := os.Remove(filepath.Join(p, OutboxMarker)); err != nil {
			errs = append(errs, err)
		} else if err := os.Remove(p); err != nil {
			errs = append(errs, err)
		} else {
			return true, errors.Join(errs...)
		}
	}
	return false, errors.Join(errs...)
}

// ours reports whether a name in the data folder is SecureMerge's data.
func ours(name string) bool {
	return name == FileName || name == TokenCacheName || name == OutboxName ||
		strings.HasPrefix(name, FileName+".bak-") ||
		strings.HasPrefix(name, FileName+".corrupt-")
}
