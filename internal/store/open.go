package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/securemerge/securemerge/internal/campaign"
	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// Options configure Open. The zero value is ready to use.
type Options struct {
	Now         func() time.Time // clock for Created/Updated/Added stamps; nil means time.Now
	LockTimeout time.Duration    // how long to wait for another process's lock; 0 means 1 s
}

// DB is the SecureMerge database. It is safe for concurrent use.
type DB struct {
	bolt *bolt.DB
	path string
	now  func() time.Time
}

var _ campaign.Store = (*DB)(nil)

// Open opens (creating it and dir, 0700, if needed) dir/securemerge.db with mode 0600,
// tightening an existing file's looser mode, and brings its schema up to
// date.
//
// Errors: one wrapping campaign.ErrAlreadyRunning (message exactly
// "SecureMerge is already running") when another process holds the file; a
// *CorruptError (wrapping ErrCorrupt) when the file is damaged, after it has
// been moved aside (the next Open starts a fresh file); ErrNewerSchema for a
// file from a newer version, left untouched; ErrDiskFull when a migration
// could not be written.
func Open(dir string, opt Options) (*DB, error) {
	path := filepath.Join(dir, FileName)
	timeout := opt.LockTimeout
	if timeout <= 0 {
		timeout = time.Second
	}
	now := opt.Now
	if now == nil {
		now = time.Now
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	if err := checkRegular(path); err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	if fi, err := os.Lstat(path); err == nil && fi.Mode().Perm()&^0o600 != 0 {
		if err := os.Chmod(path, 0o600); err != nil {
			return nil, fmt.Errorf("open database: restrict %s to its owner: %w", path, err)
		}
	}

	bdb, err := openBolt(path, timeout, now)
	if err != nil {
		return nil, err
	}
	db := &DB{bolt: bdb, path: path, now: now}
	if err := db.quickCheck(); err != nil {
		bdb.Close()
		return nil, moveAside(path, err, now())
	}
	if err := db.migrate(); err != nil {
		bdb.Close()
		return nil, err
	}
	if err := db.canonicalSuppressions(); err != nil {
		bdb.Close()
		return nil, fmt.Errorf("open database: canonical suppression list: %w", err)
	}
	return db, nil
}

// openBolt opens the bbolt file, telling a lock held elsewhere, a damaged
// file and an I/O error apart.
func openBolt(path string, timeout time.Duration, now func() time.Time) (bdb *bolt.DB, err error) {
	// Look at the meta pages only while holding the lock, so a file another
	// process is using is never judged, let alone moved.
	release, held, err := probeLock(path, timeout)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	} else if held {
		return nil, &runningError{path: path}
	}
	if err := precheck(path); err != nil {
		release()
		return nil, moveAside(path, err, now())
	}
	release()
	var file *os.File
	opts := &bolt.Options{
		Timeout:      timeout,
		FreelistType: bolt.FreelistMapType,
		// Map ahead of the file, so a growing file (100k-row campaigns)
		// is rarely remapped and read transactions rarely block writers.
		// Not on Windows, where the file itself would grow to this size.
		InitialMmapSize: initialMmapSize(),
		OpenFile: func(name string, flag int, mode os.FileMode) (*os.File, error) {
			f, err := os.OpenFile(name, flag|openNoFollow, mode)
			file = f
			return f, err
		},
	}
	func() {
		// A damaged file can make bbolt read past the end of its mapping
		// (SIGBUS) or panic on a bad page: turn both into an error.
		defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
		defer func() {
			if r := recover(); r != nil {
				if file != nil {
					file.Close() // releases the lock; the mapping of the damaged file is lost
				}
				bdb, err = nil, fmt.Errorf("%w: %v", errPanicked, r)
			}
		}()
		bdb, err = bolt.Open(path, 0o600, opts)
	}()
	switch {
	case err == nil:
		if opts.InitialMmapSize > 0 {
			// With the map ahead of the file bbolt would grow the file
			// by its 16 MiB default step; 1 MiB keeps small files small.
			bdb.AllocSize = 1 << 20
		}
		return bdb, nil
	case errors.Is(err, berrors.ErrTimeout):
		return nil, &runningError{path: path}
	case errors.Is(diskFull(err), ErrDiskFull):
		return nil, fmt.Errorf("open database %s: %w", path, diskFull(err))
	case damaged(err):
		return nil, moveAside(path, err, now())
	}
	return nil, fmt.Errorf("open database %s: %w", path, err)
}

// checkRegular refuses a database path that exists as anything but a
// regular file, without opening or following it: opening a FIFO blocks
// every command (data erase included) until someone writes to it, and a
// symbolic link would have the chmod and every write land on its target.
func checkRegular(path string) error {
	fi, err := os.Lstat(path)
	if err != nil || fi.Mode().IsRegular() {
		return nil // missing: it will be created; other errors surface when opening
	}
	return &fs.PathError{Op: "open", Path: path, Err: fmt.Errorf("%w (%s); SecureMerge neither opens nor follows it: remove it or choose another data folder", ErrNotAFile, fileKind(fi.Mode()))}
}

// fileKind names a file mode for people.
func fileKind(m fs.FileMode) string {
	switch {
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	case m.IsDir():
		return "a folder"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "not a file"
}

func initialMmapSize() int {
	if runtime.GOOS == "windows" || strconv.IntSize < 64 {
		return 0
	}
	return 256 << 20
}

// damaged reports whether bbolt refused the file for its contents (as
// opposed to an I/O or permission error, which must never move a good file
// aside).
func damaged(err error) bool {
	if isIOError(err) {
		return false
	}
	return errors.Is(err, berrors.ErrInvalid) || errors.Is(err, berrors.ErrVersionMismatch) ||
		errors.Is(err, berrors.ErrChecksum) || errors.Is(err, berrors.ErrInvalidMapping) ||
		errors.Is(err, errPanicked) || strings.HasPrefix(err.Error(), "file size too small")
}

// errPanicked marks a fault or panic inside bbolt while reading the file.
var errPanicked = errors.New("reading the file failed")

// isIOError reports an error of the operating system (permission, I/O, no
// such folder) rather than of the file's contents.
func isIOError(err error) bool {
	var pe *fs.PathError
	var errno syscall.Errno
	return errors.As(err, &pe) || errors.As(err, &errno)
}

// precheck reads the two bbolt meta pages and refuses a file shorter than
// the pages they say it has (a truncated file would make bbolt fault). It
// leaves any other judgement to bbolt.
func precheck(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	} else if err != nil {
		return nil // bbolt will report it with its own error
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || fi.Size() == 0 {
		return nil
	}
	var best *meta
	for i := range 2 {
		off := int64(0)
		if i == 1 {
			if best == nil {
				off = 4096
			} else {
				off = int64(best.pageSize)
			}
		}
		m, ok := readMeta(f, off)
		if ok && (best == nil || m.txid > best.txid) {
			best = &m
		}
	}
	if best == nil {
		return nil
	}
	if need := best.pgid * uint64(best.pageSize); need > uint64(fi.Size()) {
		return fmt.Errorf("file is truncated: %d bytes, %d expected", fi.Size(), need)
	}
	return nil
}

type meta struct {
	pageSize uint32
	pgid     uint64
	txid     uint64
}

// readMeta decodes a bbolt meta page (page header 16 bytes, then magic,
// version, page size, flags, root bucket, freelist, pgid, txid, checksum in
// the machine's byte order, which bbolt uses) and checks its checksum.
func readMeta(f *os.File, off int64) (meta, bool) {
	var b [16 + 64]byte
	if _, err := f.ReadAt(b[:], off); err != nil {
		return meta{}, false
	}
	m := b[16:]
	le := binary.NativeEndian
	if le.Uint32(m[0:]) != 0xED0CDAED || le.Uint32(m[4:]) != 2 {
		return meta{}, false
	}
	h := fnv.New64a()
	h.Write(m[:56])
	if h.Sum64() != le.Uint64(m[56:]) {
		return meta{}, false
	}
	ps := le.Uint32(m[8:])
	if ps < 512 || ps > 1<<20 {
		return meta{}, false
	}
	return meta{pageSize: ps, pgid: le.Uint64(m[40:]), txid: le.Uint64(m[48:])}, true
}

// moveAside renames a damaged file to FileName.corrupt-<UTC time> (with a
// -2, -3… suffix rather than replacing an earlier one) and returns the
// *CorruptError to show.
func moveAside(path string, cause error, now time.Time) error {
	kept, err := freeName(path + ".corrupt-" + now.UTC().Format("20060102T1504Z"))
	if err == nil {
		err = os.Rename(path, kept)
	}
	if err != nil {
		return &CorruptError{Path: path, Err: fmt.Errorf("%v; moving it aside failed: %w", cause, err)}
	}
	return &CorruptError{Path: path, KeptAs: kept, Err: cause}
}

// freeName returns name, or name-2, name-3… whichever does not exist yet.
func freeName(name string) (string, error) {
	for i := 1; i < 1000; i++ {
		n := name
		if i > 1 {
			n = fmt.Sprintf("%s-%d", name, i)
		}
		if _, err := os.Lstat(n); errors.Is(err, fs.ErrNotExist) {
			return n, nil
		} else if err != nil {
			return "", err
		}
	}
	return "", fmt.Errorf("no free name for %s", name)
}

// Path returns the database file's path.
func (db *DB) Path() string { return db.path }

// Close closes the database and releases its lock.
func (db *DB) Close() error { return db.bolt.Close() }

// update runs fn in one read-write transaction, classifying a failed write.
// A damaged page is an error wrapping ErrCorrupt (see view).
func (db *DB) update(fn func(tx *bolt.Tx) error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer recoverDamage(&err)
	return diskFull(db.bolt.Update(fn))
}

// view runs fn in one read-only transaction. bbolt trusts its pages: a
// damaged one (a failing disk, a half-written sector) makes it panic or
// fault on the mapping, far from any error return. Every read goes
// through here, so every command gets an error wrapping ErrCorrupt instead
// of a crash; bbolt rolls the transaction back as the panic unwinds.
func (db *DB) view(fn func(tx *bolt.Tx) error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer recoverDamage(&err)
	return db.bolt.View(fn)
}

// recoverDamage turns a panic inside a transaction into a damaged-file
// error in *err.
func recoverDamage(err *error) {
	if r := recover(); r != nil {
		*err = &DamagedError{Cause: fmt.Sprint(r)}
	}
}

// copyFile writes a consistent copy of the database to path (mode 0600).
func (db *DB) copyFile(path string) error {
	return db.view(func(tx *bolt.Tx) error {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return err
		}
		if _, err := tx.WriteTo(f); err != nil {
			f.Close()
			os.Remove(path)
			return diskFull(err)
		}
		if err := f.Sync(); err != nil {
			f.Close()
			return diskFull(err)
		}
		return f.Close()
	})
}
