//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package store

import (
	"errors"
	"io/fs"
	"os"
	"syscall"
	"time"
)

// openNoFollow makes opening the database fail on a symbolic link.
const openNoFollow = syscall.O_NOFOLLOW

// probeLock waits up to timeout for the exclusive lock bbolt uses on path
// (flock) and returns a function releasing it. held reports that another
// process kept it. A missing file is not locked.
func probeLock(path string, timeout time.Duration) (release func(), held bool, err error) {
	// Never follow a link nor wait on a FIFO here: Open refuses both.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return func() {}, false, nil
	} else if err != nil {
		return nil, false, err
	}
	deadline := time.Now().Add(timeout)
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() { f.Close() }, false, nil
		}
		if err != syscall.EWOULDBLOCK {
			f.Close()
			return nil, false, &fs.PathError{Op: "flock", Path: path, Err: err}
		}
		if time.Now().After(deadline) {
			f.Close()
			return nil, true, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
}
