package main

import (
	"fmt"
	"io"
	"os"
)

// writeOut writes a command's output file: "-" is standard output; any
// other path is created (0600) and written by write, then synced and
// closed, and an error from any of the three is returned, so a full disk
// or a failed network share never leaves a truncated file reported as
// written.
func (m *Main) writeOut(path string, write func(io.Writer) error) error {
	if path == "-" {
		return write(m.Stdout)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
