package outbox

import (
	"fmt"
	"os"
)

// Sync makes every file written to the folder so far durable, and the
// folder's entries with them: one filesystem sync where the system has one
// (Linux syncfs), else the folder itself (each file was synced as written).
func (d Dir) Sync() error {
	f, err := os.Open(d.dir())
	if err != nil {
		if os.IsNotExist(err) {
			return nil
		}
		return fmt.Errorf("outbox: %w", err)
	}
	defer f.Close()
	if err := syncFolder(f); err != nil {
		return fmt.Errorf("outbox: sync: %w", err)
	}
	return nil
}
