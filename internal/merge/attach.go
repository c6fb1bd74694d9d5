package merge

import (
	"errors"
	"fmt"
	"io/fs"
	"mime"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// attachDir is the folder attachment paths from data must stay inside.
type attachDir struct {
	abs  string // absolute, cleaned
	real string // abs with symlinks resolved ("" if it does not exist)
}

func newAttachDir(dir string) (attachDir, error) {
	if dir == "" {
		dir = "."
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return attachDir{}, fmt.Errorf("attachment folder %q: %w", dir, err)
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		real = ""
	}
	return attachDir{abs: abs, real: real}, nil
}

// resolveStatic resolves a path written in the template itself: the author
// chose it, so it may be absolute or point anywhere; relative paths are
// relative to the attachment folder.
func (d attachDir) resolveStatic(p string) (Attachment, error) {
	p = strings.TrimSpace(p)
	if !filepath.IsAbs(p) {
		p = filepath.Join(d.abs, filepath.FromSlash(p))
	}
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		return Attachment{}, fmt.Errorf("%w: %s", ErrAttachmentMissing, missingReason(p, err))
	}
	return openAttachment(filepath.Base(p), real)
}

// resolveData resolves a path rendered from spreadsheet data: it must name a
// file inside the attachment folder, with no ".." component, and still be
// inside once symbolic links are resolved.
func (d attachDir) resolveData(p string) (Attachment, error) {
	p = strings.TrimSpace(p)
	if runtime.GOOS != "windows" {
		// Spreadsheets made on Windows hold backslash paths.
		p = strings.ReplaceAll(p, `\`, "/")
	}
	if strings.ContainsRune(p, 0) {
		return Attachment{}, fmt.Errorf("%w: %q", ErrAttachmentMissing, p)
	}
	for _, part := range strings.Split(filepath.ToSlash(p), "/") {
		if part == ".." {
			return Attachment{}, fmt.Errorf("%w: %q contains \"..\"", ErrAttachmentEscapes, p)
		}
	}
	full := filepath.Clean(p)
	if !filepath.IsAbs(full) {
		if filepath.VolumeName(full) != "" || strings.HasPrefix(full, `\`) {
			return Attachment{}, fmt.Errorf("%w: %q", ErrAttachmentEscapes, p)
		}
		full = filepath.Join(d.abs, full)
	}
	if !within(d.abs, full) {
		return Attachment{}, fmt.Errorf("%w: %q is outside %s", ErrAttachmentEscapes, p, d.abs)
	}
	real, err := filepath.EvalSymlinks(full)
	if err != nil {
		return Attachment{}, fmt.Errorf("%w: %s", ErrAttachmentMissing, missingReason(p, err))
	}
	base := d.real
	if base == "" {
		base = d.abs
	}
	if !within(base, real) {
		return Attachment{}, fmt.Errorf("%w: %q links to %s, outside %s", ErrAttachmentEscapes, p, real, d.abs)
	}
	return openAttachment(filepath.Base(full), real)
}

// openAttachment checks that path is a readable regular file.
func openAttachment(name, path string) (Attachment, error) {
	f, st, err := openRegular(path)
	if err != nil {
		if errors.Is(err, errNotRegular) {
			return Attachment{}, fmt.Errorf("%w: %q is %v", ErrAttachmentMissing, name, err)
		}
		return Attachment{}, fmt.Errorf("%w: %s", ErrAttachmentMissing, missingReason(name, err))
	}
	f.Close()
	ct := mime.TypeByExtension(strings.ToLower(filepath.Ext(name)))
	if ct == "" {
		ct = "application/octet-stream"
	}
	return Attachment{Name: name, Path: path, ContentType: ct, Size: st.Size()}, nil
}

// errNotRegular is a path that names something other than a file.
var errNotRegular = errors.New("not a regular file")

// openRegular opens path for reading only if it is a regular file. The
// mode is checked before opening: opening a FIFO blocks until someone
// writes to it (a cell naming one would hang check, preview and send), and
// opening a device can have effects of its own. The file opened must be
// the one checked, so a swap in between is refused too.
func openRegular(path string) (*os.File, fs.FileInfo, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, nil, fmt.Errorf("%w (%s)", errNotRegular, kindOf(st.Mode()))
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	now, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	if !os.SameFile(st, now) || !now.Mode().IsRegular() {
		f.Close()
		return nil, nil, fmt.Errorf("%w (it changed while being opened)", errNotRegular)
	}
	return f, now, nil
}

// kindOf names a file mode for people.
func kindOf(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a folder"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "not a file"
}

func missingReason(p string, err error) string {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Sprintf("%q does not exist", p)
	case errors.Is(err, fs.ErrPermission):
		return fmt.Sprintf("%q cannot be read (permission denied)", p)
	}
	return fmt.Sprintf("%q: %v", p, err)
}

// within reports whether path is dir or inside it; both must be clean and
// absolute.
func within(dir, path string) bool {
	rel, err := filepath.Rel(dir, path)
	if err != nil {
		return false
	}
	return rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}
