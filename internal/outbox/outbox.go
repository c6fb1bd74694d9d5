package outbox

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"

	"github.com/securemerge/securemerge/internal/merge"
)

// Dir is an outbox folder. The zero Path means the current directory.
// A Dir is a value and safe for concurrent use: concurrent writes of the
// same message produce one file.
type Dir struct {
	Path string
	// Batch skips the fsync of each file where the system can make a whole
	// batch durable at once (Linux: syncfs); the caller then calls Sync
	// before it records the batch as delivered. One filesystem sync per
	// batch instead of one per message is what makes a 5,000-row outbox
	// take a second instead of twenty. Elsewhere Batch changes nothing.
	Batch bool
}

// tempPattern names files being written; they never end in ".eml", so a
// mail client or a re-run never mistakes one for a message.
const tempPattern = ".sm-*.tmp"

// Write writes m to the folder as m.FileName() unless a file of that name is
// already there: written is false then, and the existing file is left alone
// (a re-run adds nothing). The file appears complete or not at all. Path is
// created (mode 0700) when missing; files are 0600.
func (d Dir) Write(m *merge.Message) (path string, written bool, err error) {
	dir := d.dir()
	path = filepath.Join(dir, m.FileName())
	if _, err := os.Lstat(path); err == nil {
		return path, false, nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return path, false, fmt.Errorf("outbox: %w", err)
	}
	tmp, err := os.CreateTemp(dir, tempPattern) // mode 0600
	if err != nil {
		return path, false, fmt.Errorf("outbox: %w", err)
	}
	tmpName := tmp.Name()
	defer os.Remove(tmpName) // after a link, or on failure; harmless after a rename
	bw := bufio.NewWriterSize(tmp, 32<<10)
	err = m.WriteEML(bw)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil && !(d.Batch && canSyncFS) {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return path, false, fmt.Errorf("outbox: write %s: %w", filepath.Base(path), err)
	}
	written, err = publish(tmpName, path)
	if err != nil {
		return path, false, fmt.Errorf("outbox: %w", err)
	}
	// The directory is not fsynced per file: if a crash loses the new
	// entry, a re-run writes the message again, and the data behind any
	// entry that survives was synced before it got its name. Summary.Close
	// syncs the directory once.
	return path, written, nil
}

// Exists reports whether m's file is already in the folder.
func (d Dir) Exists(m *merge.Message) bool {
	_, err := os.Lstat(filepath.Join(d.dir(), m.FileName()))
	return err == nil
}

func (d Dir) dir() string {
	if d.Path == "" {
		return "."
	}
	return d.Path
}

// publish gives the complete temporary file its final name without ever
// replacing an existing file: a hard link fails if the name exists, which
// rename would not. Where hard links are unsupported it falls back to a
// rename after checking, which only a concurrent writer could race.
func publish(tmp, final string) (bool, error) {
	err := os.Link(tmp, final)
	if err == nil {
		return true, nil
	}
	if errors.Is(err, fs.ErrExist) {
		return false, nil
	}
	if _, serr := os.Lstat(final); serr == nil {
		return false, nil
	}
	if err := os.Rename(tmp, final); err != nil {
		return false, err
	}
	return true, nil
}

// syncDir makes the new directory entry durable; failures only weaken
// durability and are ignored (not supported on Windows).
func syncDir(dir string) {
	if runtime.GOOS == "windows" {
		return
	}
	if f, err := os.Open(dir); err == nil {
		f.Sync()
		f.Close()
	}
}

// RemoveTemp deletes the temporary files a killed process left behind (they
// never carry a final .eml name, so no message is lost). Call it before
// writing, while no other writer uses the folder: the database lock of the
// caller guarantees that for SecureMerge. It returns how many were removed.
func (d Dir) RemoveTemp() (int, error) {
	matches, err := filepath.Glob(filepath.Join(d.dir(), tempPattern))
	if err != nil {
		return 0, err
	}
	n := 0
	for _, p := range matches {
		if err := os.Remove(p); err == nil {
			n++
		} else if !os.IsNotExist(err) {
			return n, err
		}
	}
	return n, nil
}
