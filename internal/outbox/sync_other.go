//go:build !linux

package outbox

import (
	"os"
	"runtime"
)

// canSyncFS is false where there is no syncfs: each file is then fsynced
// as it is written, whatever Dir.Batch says.
const canSyncFS = false

func syncFolder(f *os.File) error {
	if runtime.GOOS == "windows" {
		return nil // a directory handle cannot be fsynced; entries are durable with their file
	}
	return f.Sync()
}
