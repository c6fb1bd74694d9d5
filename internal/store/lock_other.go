//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package store

import "time"

// probeLock is a no-op where flock is not available: bbolt's own lock (taken
// by Open right after) still refuses a second process.
func probeLock(path string, timeout time.Duration) (release func(), held bool, err error) {
	return func() {}, false, nil
}
