//go:build !linux

package outbox

import (
	"fmt"
	"os"
	"runtime"
)

// canSyncFS is false where there is no syncfs: each file is then fsynced
// as it is written, whatever Dir.Batch says.
const canSyncFS = false

// Sync makes the folder's entries durable (each file was synced when written).
func (d Dir) Sync() error {
	f, err := os.Open(d.dir())
	if err != nil {
		if os.IsNotExist(err) {
			return nil
		}
		return fmt.Errorf("outbox: %w", err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil && !isUnsupported(err) {
		return fmt.Errorf("outbox: sync: %w", err)
	}
	return nil
}

// isUnsupported: Windows cannot fsync a directory handle; its entries are
// durable once the file is.
func isUnsupported(err error) bool { return runtime.GOOS == "windows" }
