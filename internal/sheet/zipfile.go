package sheet

import (
	"archive/zip"
	"errors"
	"io"
	"path"
	"strings"
)

// zipBox reads the entries of a zip package through one shared cap on
// decompressed bytes, so that a zip bomb fails fast instead of filling
// memory or disk.
type zipBox struct {
	zr     *zip.Reader
	files  map[string]*zip.File // by lower-cased name
	budget int64                // bytes still allowed
	limit  int64
}

func openZip(ra io.ReaderAt, size, limit int64) (*zipBox, error) {
	zr, err := zip.NewReader(ra, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, corrupt(err)
	}
	return newZipBox(zr, limit), nil
}

func newZipBox(zr *zip.Reader, limit int64) *zipBox {
	z := &zipBox{zr: zr, files: make(map[string]*zip.File, len(zr.File)), budget: limit, limit: limit}
	for _, f := range zr.File {
		z.files[partKey(f.Name)] = f
	}
	return z
}

// partKey is how parts are looked up: case-insensitively, as Excel does,
// and with backslashes read as slashes, since some exporters write
// "xl\workbook.xml" and Excel opens their files.
func partKey(name string) string {
	return strings.ToLower(strings.TrimPrefix(strings.ReplaceAll(name, `\`, "/"), "/"))
}

func (z *zipBox) has(name string) bool {
	_, ok := z.files[partKey(name)]
	return ok
}

// open opens an entry for reading; reads fail with ErrTooLarge once the
// package's decompressed bytes pass the cap, and with ErrCorrupt on
// damaged data.
func (z *zipBox) open(name string) (io.ReadCloser, error) {
	f, ok := z.files[partKey(name)]
	if !ok {
		return nil, corrupt(errors.New("missing part " + name))
	}
	if int64(f.UncompressedSize64) > z.budget || f.UncompressedSize64 > 1<<62 {
		return nil, z.tooLarge()
	}
	rc, err := f.Open()
	if err != nil {
		return nil, corrupt(err)
	}
	return &boundedReader{rc: rc, z: z}, nil
}

func (z *zipBox) tooLarge() error {
	return errorf(ErrTooLarge, "the file expands to more than %s when decompressed (a damaged file or a zip bomb)", byteSize(int(min(z.limit, 1<<40))))
}

// readAll reads a small entry whole (workbook, relationships, styles).
func (z *zipBox) readAll(name string) ([]byte, error) {
	rc, err := z.open(name)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

type boundedReader struct {
	rc io.ReadCloser
	z  *zipBox
}

func (b *boundedReader) Read(p []byte) (int, error) {
	if b.z.budget <= 0 {
		return 0, b.z.tooLarge()
	}
	if int64(len(p)) > b.z.budget+1 {
		p = p[:b.z.budget+1]
	}
	n, err := b.rc.Read(p)
	b.z.budget -= int64(n)
	if b.z.budget < 0 {
		return n, b.z.tooLarge()
	}
	if err != nil && err != io.EOF {
		var d *detail
		if !errors.As(err, &d) {
			err = corrupt(err)
		}
	}
	return n, err
}

func (b *boundedReader) Close() error { return b.rc.Close() }

// resolvePart resolves a relationship target against the folder of the
// part that refers to it.
func resolvePart(base, target string) string {
	if strings.HasPrefix(target, "/") {
		return strings.TrimPrefix(target, "/")
	}
	return path.Clean(path.Join(path.Dir(base), target))
}

// openZipWorkbook tells an OpenDocument spreadsheet from an Office Open
// XML workbook and opens it.
func openZipWorkbook(z *zipBox, file string, opt Options) (*Reader, error) {
	if z.has("mimetype") {
		mt, err := z.readAll("mimetype")
		if err != nil {
			return nil, &Error{File: file, Err: err}
		}
		switch strings.TrimSpace(string(mt)) {
		case "application/vnd.oasis.opendocument.spreadsheet", "application/vnd.oasis.opendocument.spreadsheet-template":
			return openODS(z, file, opt)
		}
		return nil, &Error{File: file, Err: errorf(ErrNotSpreadsheet, "%s (it is an OpenDocument %s file)", ErrNotSpreadsheet.Error(), strings.TrimPrefix(string(mt), "application/vnd.oasis.opendocument."))}
	}
	if z.has("meta-inf/manifest.xml") && (z.has("content.xml") || z.has("encrypted-package")) {
		return openODS(z, file, opt)
	}
	if z.has("[content_types].xml") {
		if z.has("xl/workbook.bin") {
			return nil, &Error{File: file, Err: errorf(ErrNotSpreadsheet, "this is a binary Excel workbook (.xlsb): open it in Excel and save it as .xlsx (File > Save As)")}
		}
		if z.has("word/document.xml") || z.has("ppt/presentation.xml") {
			return nil, &Error{File: file, Err: errorf(ErrNotSpreadsheet, "%s (it is a Word or PowerPoint document)", ErrNotSpreadsheet.Error())}
		}
		return openXLSX(z, file, opt)
	}
	if z.has("xl/workbook.xml") {
		return openXLSX(z, file, opt)
	}
	if len(z.zr.File) == 0 {
		return nil, &Error{File: file, Err: corrupt(errors.New("empty zip archive"))}
	}
	return nil, &Error{File: file, Err: errorf(ErrNotSpreadsheet, "%s (it is a zip archive)", ErrNotSpreadsheet.Error())}
}

// listSheetsOnly lists a workbook's sheets without choosing one.
func listSheetsOnly(p string) ([]string, error) {
	zf, err := zip.OpenReader(p)
	if err != nil {
		return nil, err
	}
	defer zf.Close()
	z := newZipBox(&zf.Reader, 1<<30)
	if z.has("content.xml") {
		return odsSheetNames(z)
	}
	wb, err := loadWorkbook(z)
	if err != nil {
		return nil, err
	}
	return wb.names(), nil
}
