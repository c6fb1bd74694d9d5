package outbox

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/textproto"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

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
	// Mark writes MarkerName into the folder when Dir creates it, so that
	// `data erase` knows the folder and the messages in it are the app's.
	// Set it for the app's own outbox (<data folder>/outbox), not for a
	// folder the user chose; false writes no marker.
	Mark bool
}

// tempPattern names files being written; they never end in ".eml", so a
// mail client or a re-run never mistakes one for a message.
const tempPattern = ".sm-*.tmp"

// writers are the 32 KiB buffers files are written through, reused: a
// campaign writes thousands of files, each with a buffer of its own before.
var writers = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, 32<<10) }}

// MarkerName is the file written into a folder the outbox created itself,
// so that `data erase` can tell the app's own outbox from a folder of the
// user's with the same name (store.OutboxMarker: the two must stay equal).
const MarkerName = ".securemerge-outbox"

const markerText = "This folder was created by SecureMerge. 'securemerge data erase' removes the messages SecureMerge wrote here, nothing else.\n"

// maxHeaderRead bounds how much of an existing file is read to find its
// Message-ID.
const maxHeaderRead = 64 << 10

// Write writes m to the folder as m.FileName(). A file already there is
// m itself only when it carries m's Message-ID (this campaign's message for
// this row): written is false then and the file is left alone, so a re-run
// adds nothing. A file of that name that is anything else (another
// campaign's message for the same row and address, a file of the user's,
// something that is not a regular file) is left alone too, and m is
// written beside it as AltName(m); only if that name is taken by something
// else as well does Write fail. The file appears complete or not at all.
// Path is created (mode 0700, with MarkerName if Mark) when missing; files
// are 0600.
func (d Dir) Write(m *merge.Message) (path string, written bool, err error) {
	dir := d.dir()
	path = filepath.Join(dir, m.FileName())
	switch holds(path, m) {
	case fileMine:
		return path, false, nil
	case fileOther:
		path = filepath.Join(dir, AltName(m))
		switch holds(path, m) {
		case fileMine:
			return path, false, nil
		case fileOther:
			return path, false, fmt.Errorf("outbox: %s and %s already hold other messages or files; choose an empty outbox folder", m.FileName(), AltName(m))
		}
	}
	if err := d.ensure(); err != nil {
		return path, false, fmt.Errorf("outbox: %w", err)
	}
	tmp, err := os.CreateTemp(dir, tempPattern) // mode 0600
	if err != nil {
		return path, false, fmt.Errorf("outbox: %w", err)
	}
	tmpName := tmp.Name()
	defer os.Remove(tmpName) // after a link, or on failure; harmless after a rename
	bw := writers.Get().(*bufio.Writer)
	bw.Reset(tmp)
	err = m.WriteEML(bw)
	if err == nil {
		err = bw.Flush()
	}
	bw.Reset(nil)
	writers.Put(bw)
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
	if !written && holds(path, m) != fileMine {
		return path, false, fmt.Errorf("outbox: %s was taken by another file while writing", filepath.Base(path))
	}
	// The directory is not fsynced per file: if a crash loses the new
	// entry, a re-run writes the message again, and the data behind any
	// entry that survives was synced before it got its name. Summary.Close
	// syncs the directory once.
	return path, written, nil
}

// AltName is the name m is written under when its FileName is taken by
// something else: FileName with the first 8 characters of m's Key before
// ".eml" ("00042-jane@example.com-1a2b3c4d.eml"), stable across re-runs.
func AltName(m *merge.Message) string {
	key := m.Key
	if len(key) > 8 {
		key = key[:8]
	}
	return strings.TrimSuffix(m.FileName(), ".eml") + "-" + key + ".eml"
}

// Exists reports whether m's file is already in the folder: a file under
// FileName or AltName that carries m's Message-ID.
func (d Dir) Exists(m *merge.Message) bool {
	return holds(filepath.Join(d.dir(), m.FileName()), m) == fileMine ||
		holds(filepath.Join(d.dir(), AltName(m)), m) == fileMine
}

type fileState uint8

const (
	fileAbsent fileState = iota
	fileMine             // m, as written earlier
	fileOther            // anything else under that name
)

// holds tells what path holds with respect to m. Only a regular file is
// opened (a FIFO planted under the name would block the open), and only its
// header is read.
func holds(path string, m *merge.Message) fileState {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return fileAbsent
	}
	if err != nil || !fi.Mode().IsRegular() {
		return fileOther
	}
	if m.MessageID == "" {
		return fileMine // no identity to compare: the name is all there is
	}
	f, err := os.Open(path)
	if err != nil {
		return fileOther
	}
	defer f.Close()
	h, err := textproto.NewReader(bufio.NewReader(io.LimitReader(f, maxHeaderRead))).ReadMIMEHeader()
	if err != nil && len(h) == 0 {
		return fileOther
	}
	if strings.TrimSpace(h.Get("Message-Id")) == m.MessageID {
		return fileMine
	}
	return fileOther
}

// ensure creates the folder when missing and, with Mark, marks it as the
// app's own when it was the one to create it.
func (d Dir) ensure() error {
	dir := d.dir()
	if fi, err := os.Stat(dir); err == nil {
		if !fi.IsDir() {
			return fmt.Errorf("%s is not a folder", dir)
		}
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o700); err != nil {
		return err
	}
	if err := os.Mkdir(dir, 0o700); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return nil // a concurrent writer created it
		}
		return err
	}
	if !d.Mark {
		return nil
	}
	f, err := os.OpenFile(filepath.Join(dir, MarkerName), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = f.WriteString(markerText)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
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
