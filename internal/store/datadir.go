package store

import (
	"fmt"
	"os"
	"path/filepath"
)

// FileName is the database file's name inside the data folder.
const FileName = "securemerge.db"

// EnvDataDir names the environment variable that overrides the data folder.
const EnvDataDir = "SECUREMERGE_DATA_DIR"

// DataDir returns the data folder: flag when not empty (--data-dir), else
// $SECUREMERGE_DATA_DIR, else os.UserConfigDir()/SecureMerge. The folder is
// created with mode 0700 when missing; an existing folder is left as it is
// (the user may have chosen it).
func DataDir(flag string) (string, error) {
	dir := flag
	if dir == "" {
		dir = os.Getenv(EnvDataDir)
	}
	if dir == "" {
		base, err := os.UserConfigDir()
		if err != nil {
			return "", fmt.Errorf("find the data folder: %w (use --data-dir or %s)", err, EnvDataDir)
		}
		dir = filepath.Join(base, "SecureMerge")
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("data folder %q: %w", dir, err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("create the data folder: %w", err)
	}
	return dir, nil
}
