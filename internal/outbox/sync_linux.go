package outbox

import (
	"os"

	"golang.org/x/sys/unix"
)

const canSyncFS = true

func syncFolder(f *os.File) error { return unix.Syncfs(int(f.Fd())) }
