//go:build unix

package merge

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// A FIFO must be refused without being opened: opening one for reading
// blocks until a writer comes, so a regression hangs this test.
func TestAttachmentNotARegularFile(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(dir, "pipe.pdf"), 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	os.Mkdir(filepath.Join(dir, "folder.pdf"), 0o700)
	cols := []string{"Email", "File"}
	for _, tt := range []struct{ cell, kind string }{{"pipe.pdf", "named pipe"}, {"folder.pdf", "folder"}} {
		_, err := renderOne(t, Spec{To: "{{ Email }}", Attachments: []string{"{{ File }}"}}, cols, []string{"a@x.org", tt.cell}, Options{AttachDir: dir})
		if !errors.Is(err, ErrAttachmentMissing) || !strings.Contains(err.Error(), tt.kind) {
			t.Errorf("Render with attachment %q = %v; want ErrAttachmentMissing saying %q", tt.cell, err, tt.kind)
		}
	}
	for _, static := range []string{filepath.Join(dir, "pipe.pdf"), "/dev/null"} {
		_, err := NewMerger(&Spec{From: "me@x.org", To: "a@x.org", Subject: "s", Body: "x", Attachments: []string{static}}, NewHeader(cols), Options{AttachDir: dir})
		if !errors.Is(err, ErrAttachmentMissing) || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("NewMerger with static attachment %s = %v; want ErrAttachmentMissing (not a regular file)", static, err)
		}
	}
}
