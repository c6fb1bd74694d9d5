package outbox

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

const canSyncFS = true

// Sync makes every file written to the folder so far durable, with one
// syncfs of the filesystem that holds it (and the folder's own entries).
func (d Dir) Sync() error {
	f, err := os.Open(d.dir())
	if err != nil {
		if os.IsNotExist(err) {
			return nil
		}
		return fmt.Errorf("outbox: %w", err)
	}
	defer f.Close()
	if err := unix.Syncfs(int(f.Fd())); err != nil {
		return fmt.Errorf("outbox: sync: %w", err)
	}
	return nil
}
