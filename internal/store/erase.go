package store

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Files and folders of the data folder that Erase removes besides the
// database: the token cache (named by internal/graph) and the app's own
// outbox.
const (
	TokenCacheName = "tokens.enc"
	OutboxName     = "outbox"
)

// Erase removes SecureMerge's data from dir, and only from dir: the
// database, its .bak-* and .corrupt-* copies, the token cache and the app's
// own outbox folder, then dir itself if nothing else is left in it. It never
// follows a symbolic link: a link with one of these names is removed, its
// target is not touched. It refuses, wrapping campaign.ErrAlreadyRunning,
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
	release, held, err := probeLock(dbPath, time.Second)
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
		// RemoveAll unlinks a symbolic link itself and never descends
		// through one, inside the outbox too.
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

// ours reports whether a name in the data folder is SecureMerge's data.
func ours(name string) bool {
	return name == FileName || name == TokenCacheName || name == OutboxName ||
		strings.HasPrefix(name, FileName+".bak-") ||
		strings.HasPrefix(name, FileName+".corrupt-")
}
