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

// DataDir returns the data folder: chosen when not empty (--data-dir or
// $SECUREMERGE_DATA_DIR, which the caller resolves: this package reads no
// environment), else userConfigDir()/SecureMerge; userConfigDir nil means
// os.UserConfigDir. The path is made absolute; nothing is created (Open
// creates the folder, mode 0700, when it first writes there).
func DataDir(chosen string, userConfigDir func() (string, error)) (string, error) {
	dir := chosen
	if dir == "" {
		if userConfigDir == nil {
			userConfigDir = os.UserConfigDir
		}
		base, err := userConfigDir()
		if err != nil {
			return "", fmt.Errorf("find the data folder: %w (use --data-dir or %s)", err, EnvDataDir)
		}
		dir = filepath.Join(base, "SecureMerge")
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("data folder %q: %w", dir, err)
	}
	return dir, nil
}
