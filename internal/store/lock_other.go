//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package store

import "time"

// probeLock is a no-op where flock is not available: bbolt's own lock (taken
// by Open right after) still refuses a second process.
func probeLock(path string, timeout time.Duration) (release func(), held bool, err error) {
	return func() {}, false, nil
}

// openNoFollow is 0 where O_NOFOLLOW does not exist; Open still refuses a
// link it sees with Lstat.
const openNoFollow = 0
