//go:build unix

package outbox

import (
	"path/filepath"
	"syscall"
	"testing"
)

// A FIFO planted under a row's file name must not be opened (that blocks):
// the message goes beside it.
func TestWriteBesideAFIFO(t *testing.T) {
	d := Dir{Path: t.TempDir()}
	m := messages(t, 1)[0]
	if err := syscall.Mkfifo(filepath.Join(d.Path, m.FileName()), 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	path, written, err := d.Write(m)
	if err != nil || !written || filepath.Base(path) != AltName(m) {
		t.Errorf("Write beside a FIFO = %s, %v, %v; want %s written", path, written, err, AltName(m))
	}
}
