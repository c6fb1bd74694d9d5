package store

import (
	"errors"
	"fmt"
	"strings"
	"syscall"

	"github.com/securemerge/securemerge/internal/campaign"
	berrors "go.etcd.io/bbolt/errors"
)

// Errors callers branch on. Lookups of unknown campaigns return
// campaign.ErrNotFound; a second process gets campaign.ErrAlreadyRunning.
var (
	// ErrCorrupt: the database file is damaged. Open returns a *CorruptError.
	ErrCorrupt = errors.New("database file is damaged")
	// ErrNewerSchema: the file was written by a newer SecureMerge.
	ErrNewerSchema = errors.New("database was written by a newer version of SecureMerge")
	// ErrDiskFull: a transaction could not be written (no space left, or the
	// file size limit); nothing of it was kept.
	ErrDiskFull = errors.New("disk full: the change could not be saved")
	// ErrStarted: StartSending on a campaign that already has a snapshot;
	// resume it instead.
	ErrStarted = errors.New("campaign has already started sending")
	// ErrNoEntry: no journal entry with this index.
	ErrNoEntry = errors.New("no such journal entry")
	// ErrNotAFile: the database path (or a file SecureMerge would write) is
	// a symbolic link, a named pipe, a folder or a device.
	ErrNotAFile = errors.New("not a regular file")
	// ErrInvalidAddress: a suppression address that is not an e-mail address.
	ErrInvalidAddress = errors.New("not an e-mail address")
)

// CorruptError reports a damaged database file and where it was kept.
type CorruptError struct {
	Path   string // the database file that could not be opened
	KeptAs string // where the damaged file was moved; "" if it could not be moved
	Err    error  // what was wrong
}

func (e *CorruptError) Error() string {
	if e.KeptAs == "" {
		return fmt.Sprintf("the database %s is damaged (%v) and could not be moved aside", e.Path, e.Err)
	}
	return fmt.Sprintf("the database %s was damaged (%v); it was kept as %s and a new, empty database will be started", e.Path, e.Err, e.KeptAs)
}

func (e *CorruptError) Unwrap() []error { return []error{ErrCorrupt, e.Err} }

// DamagedError is a part of an open database that cannot be read: bbolt
// panicked or faulted on one of its pages. The rest of the file may still
// be readable: Export rescues what it can.
type DamagedError struct {
	Cause string // what bbolt reported
}

func (e *DamagedError) Error() string {
	return fmt.Sprintf("%v: a page could not be read (%s); 'securemerge data export FILE' saves what can still be read", ErrCorrupt, e.Cause)
}

// Unwrap returns ErrCorrupt.
func (e *DamagedError) Unwrap() error { return ErrCorrupt }

// runningError is what a second process gets: the message is exactly
// campaign.ErrAlreadyRunning's, and it wraps bbolt's lock timeout too.
type runningError struct{ path string }

func (e *runningError) Error() string { return campaign.ErrAlreadyRunning.Error() }
func (e *runningError) Unwrap() []error {
	return []error{campaign.ErrAlreadyRunning, berrors.ErrTimeout}
}

// diskFull wraps err with ErrDiskFull when the file system refused to grow
// the file, and returns other errors unchanged.
func diskFull(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, ErrDiskFull) {
		return err
	}
	// bbolt flattens a failed file resize to text ("file resize error: %s"),
	// so the errno is recognised by its message too.
	msg := err.Error()
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EFBIG) ||
		strings.Contains(msg, syscall.ENOSPC.Error()) || strings.Contains(msg, syscall.EFBIG.Error()) {
		return fmt.Errorf("%w: %w", ErrDiskFull, err)
	}
	return err
}
