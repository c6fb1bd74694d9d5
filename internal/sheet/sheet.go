package sheet

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Options configure Open and OpenCSV. The zero value detects everything.
type Options struct {
	// Sheet is a sheet name (matched exactly, then case-insensitively) or a
	// 1-based index as decimal text ("2"). "" means the first non-empty sheet.
	Sheet string
	// Encoding forces the encoding of a CSV file: "utf-8", "utf-16le",
	// "utf-16be" or "windows-1252" (case-insensitive; "utf8", "cp1252" and
	// "latin1" are accepted too). "" detects it.
	Encoding string
	// Delimiter forces the CSV field delimiter. 0 detects it among
	// ',', ';', '\t' and '|'.
	Delimiter rune
	// Locale is a BCP 47 tag ("fr-FR") for Excel's locale-dependent formats
	// (the default short date, decimal and thousands separators). "" means
	// from LC_ALL, LC_TIME or LANG, then "en-US".
	Locale string
	// MaxCellBytes caps one cell's text; a larger cell is an ErrTooLarge
	// located at the cell. 0 means 4 MiB.
	MaxCellBytes int
	// MaxColumns caps the number of columns; a row reaching further is an
	// ErrTooManyColumns. 0 means 16384, Excel's limit.
	MaxColumns int
	// MaxUncompressed caps the total bytes decompressed from a zip format
	// (.xlsx, .ods) as a zip-bomb guard. 0 means 1 GiB.
	MaxUncompressed int64
	// MaxRowBytes caps one row, counted as its text plus one byte per cell
	// (about its size as a line of CSV): in an .xlsx file every cell may
	// point to the same shared text, and in an .ods file a cell may be
	// repeated across 16,384 columns, so a small file can describe rows of
	// gigabytes. A larger row is an ErrTooLarge located at the row and the
	// cell that crossed the cap. 0 means twice MaxCellBytes (8 MiB): room
	// for one very long text besides the ordinary values of a row.
	MaxRowBytes int
	// MaxTotalBytes caps what the Reader yields over the whole sheet,
	// header included, counted like MaxRowBytes, so that no multiplier
	// written in a small file (shared texts, repeated rows) makes the
	// caller store gigabytes. Past it, Next returns an ErrTooLarge located
	// at the row. 0 means 512 MiB, a hundred times a 200,000-row list of
	// ten columns. The shared texts an .xlsx file makes this package hold
	// are capped at half of it.
	MaxTotalBytes int64
}

func (o Options) withDefaults() Options {
	if o.MaxCellBytes <= 0 {
		o.MaxCellBytes = 4 << 20
	}
	if o.MaxColumns <= 0 {
		o.MaxColumns = 16384
	}
	if o.MaxUncompressed <= 0 {
		o.MaxUncompressed = 1 << 30
	}
	if o.MaxRowBytes <= 0 {
		o.MaxRowBytes = 2 * o.MaxCellBytes
	}
	if o.MaxTotalBytes <= 0 {
		o.MaxTotalBytes = 512 << 20
	}
	return o
}

// Info describes the open source.
type Info struct {
	Format    string   // "xlsx", "ods" or "csv"
	Sheet     string   // the chosen sheet; for csv the file's base name
	Sheets    []string // every sheet in workbook order (csv: one entry)
	Encoding  string   // csv: "utf-8", "utf-16le", "utf-16be" or "windows-1252"; "" for zips
	Delimiter string   // csv: "," ";" "\t" or "|"; "" for zips
	Warnings  []Warning
}

// source yields raw rows of one sheet.
type source interface {
	// next returns the cells of the next row (any length; the slice may be
	// reused by the next call) and its 1-based line in the source. It
	// returns io.EOF after the last row.
	next() ([]string, int, error)
	close() error
}

// maxWarnings bounds Info.Warnings so that a huge ragged file cannot grow
// memory; one more warning says how many were left out.
const maxWarnings = 100

// Reader streams one sheet: Columns first, then rows with Next. A Reader is
// not safe for concurrent use.
type Reader struct {
	src     source
	file    string
	opt     Options
	info    Info
	cols    []string
	row     []string
	line    int
	dropped int // warnings left out beyond maxWarnings
	closers []io.Closer
	total   int64 // rowSize of every row read so far, for MaxTotalBytes
}

// Open opens a spreadsheet or delimited text file. The format is chosen by
// content (zip with an OpenDocument mimetype or an Excel workbook, OLE2
// compound file) and then by extension (.csv, .tsv, .txt).
func Open(path string, opt Options) (*Reader, error) {
	opt = opt.withDefaults()
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if st.IsDir() {
		f.Close()
		return nil, &Error{File: path, Err: errorf(ErrNotSpreadsheet, "%s is a folder, not a spreadsheet", path)}
	}
	if st.Size() == 0 {
		f.Close()
		return nil, &Error{File: path, Err: ErrEmpty}
	}
	var magic [8]byte
	n, _ := io.ReadFull(f, magic[:])
	ext := strings.ToLower(filepath.Ext(path))
	switch {
	case n >= 4 && bytes.Equal(magic[:4], []byte("PK\x03\x04")),
		n >= 4 && bytes.Equal(magic[:4], []byte("PK\x05\x06")):
		z, err := openZip(f, st.Size(), opt.MaxUncompressed)
		if err != nil {
			f.Close()
			return nil, &Error{File: path, Err: err}
		}
		r, err := openZipWorkbook(z, path, opt)
		if err != nil {
			f.Close()
			return nil, err
		}
		r.closers = append(r.closers, f)
		return r, nil
	case n == 8 && bytes.Equal(magic[:], oleMagic):
		err := classifyOLE(f)
		f.Close()
		return nil, &Error{File: path, Err: err}
	case n >= 2 && magic[0] == 'P' && magic[1] == 'K':
		f.Close()
		return nil, &Error{File: path, Err: corrupt(errors.New("broken zip header"))}
	}
	switch ext {
	case ".xlsx", ".xlsm", ".ods", ".xls", ".xlsb", ".ots", ".xltx", ".xltm":
		f.Close()
		if ext == ".xls" && looksLikeText(magic[:n]) {
			// Many web applications export HTML or text named .xls.
			return nil, &Error{File: path, Err: errorf(ErrNotSpreadsheet, "this .xls file is not an Excel workbook (it is text, perhaps a web page export): open it in Excel or LibreOffice and save it as .xlsx or .csv")}
		}
		return nil, &Error{File: path, Err: errorf(ErrNotSpreadsheet, "this %s file is not a spreadsheet (its content is not a workbook): open it in your spreadsheet program and save it again", ext)}
	case ".csv", ".tsv", ".txt", ".tab", ".dat", ".prn", "":
		// Delimited text; a file without extension is given a chance too.
	default:
		f.Close()
		return nil, &Error{File: path, Err: ErrNotSpreadsheet}
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return nil, err
	}
	r, err := OpenCSV(f, path, opt)
	if err != nil {
		f.Close()
		return nil, err
	}
	r.closers = append(r.closers, f)
	return r, nil
}

// looksLikeText reports whether the first bytes of a file could be text:
// no NUL byte unless a UTF-16 byte order mark explains it.
func looksLikeText(b []byte) bool {
	if len(b) >= 2 && (b[0] == 0xFF && b[1] == 0xFE || b[0] == 0xFE && b[1] == 0xFF) {
		return true
	}
	return bytes.IndexByte(b, 0) < 0
}

// OpenCSV reads delimited text from r. name is used in messages and as
// the sheet name; Close does not close r.
func OpenCSV(r io.Reader, name string, opt Options) (*Reader, error) {
	opt = opt.withDefaults()
	src, info, err := newCSVSource(bufio.NewReaderSize(r, 64<<10), name, opt)
	if err != nil {
		return nil, err
	}
	rd := &Reader{src: src, file: name, opt: opt, info: info}
	if err := rd.readHeader(); err != nil {
		return nil, err
	}
	return rd, nil
}

// ListSheets returns the sheets of a workbook in order; a CSV file has one
// sheet named after the file.
func ListSheets(path string) ([]string, error) {
	r, err := Open(path, Options{})
	if err != nil {
		var e *Error
		if errors.As(err, &e) && errors.Is(err, ErrEmpty) && e.Sheet != "" {
			// An all-empty workbook still has sheets to list.
			if names, lerr := listSheetsOnly(path); lerr == nil {
				return names, nil
			}
		}
		return nil, err
	}
	defer r.Close()
	return r.Info().Sheets, nil
}

// Columns returns the cleaned header names. The slice must not be modified.
func (r *Reader) Columns() []string { return r.cols }

// Info describes the source; its Warnings grow while rows are read.
func (r *Reader) Info() Info {
	info := r.info
	info.Sheets = append([]string(nil), r.info.Sheets...)
	info.Warnings = append([]Warning(nil), r.info.Warnings...)
	if r.dropped > 0 {
		info.Warnings = append(info.Warnings, Warning{Message: fmt.Sprintf("%d more warnings not shown", r.dropped),
			Code: "more-warnings", Args: map[string]string{"count": strconv.Itoa(r.dropped)}})
	}
	return info
}

// Line returns the 1-based row (spreadsheet) or line (CSV) in the source
// of the row last returned by Next, or of the header before the first call.
func (r *Reader) Line() int { return r.line }

// Next returns the next data row, with exactly len(Columns()) values, or
// io.EOF after the last one. Rows whose cells are all blank are skipped.
// The returned slice is reused by the next call: callers that keep a row
// must copy it.
func (r *Reader) Next() ([]string, error) {
	if r.src == nil {
		return nil, io.EOF
	}
	for {
		cells, line, err := r.src.next()
		r.drainWarnings()
		if err == nil {
			err = r.count(cells, line)
		}
		if err != nil {
			return nil, err
		}
		if blank(cells) {
			continue
		}
		r.line = line
		n := copy(r.row, cells)
		for i := n; i < len(r.row); i++ {
			r.row[i] = ""
		}
		if len(cells) > len(r.row) {
			extra := 0
			for _, c := range cells[len(r.row):] {
				if strings.TrimSpace(c) != "" {
					extra++
				}
			}
			if extra > 0 {
				msg, code := fmt.Sprintf("%d values to the right of the last column were ignored (they have no header)", extra), "extra-values"
				if extra == 1 {
					msg, code = "a value to the right of the last column was ignored (it has no header)", "extra-value"
				}
				r.warn(Warning{Row: line, Column: len(r.row) + 1, Message: msg,
					Code: code, Args: map[string]string{"count": strconv.Itoa(extra)}})
			}
		}
		return r.row, nil
	}
}

// Close releases the file. It is safe to call more than once.
func (r *Reader) Close() error {
	var first error
	if r.src != nil {
		first = r.src.close()
		r.src = nil
	}
	for _, c := range r.closers {
		if err := c.Close(); err != nil && first == nil {
			first = err
		}
	}
	r.closers = nil
	return first
}

// drainWarnings moves the warnings a source collected into Info.
func (r *Reader) drainWarnings() {
	if d, ok := r.src.(interface{ drain() []Warning }); ok {
		for _, w := range d.drain() {
			r.warn(w)
		}
	}
}

func (r *Reader) warn(w Warning) {
	if len(r.info.Warnings) >= maxWarnings {
		r.dropped++
		return
	}
	r.info.Warnings = append(r.info.Warnings, w)
}

// readHeader reads up to the first non-blank row and makes the columns. It
// returns an ErrEmpty *Error when the source has no such row.
func (r *Reader) readHeader() error {
	for {
		cells, line, err := r.src.next()
		r.drainWarnings()
		if err == io.EOF {
			return &Error{File: r.file, Sheet: r.sheetForErrors(), Err: ErrEmpty}
		}
		if err == nil {
			err = r.count(cells, line)
		}
		if err != nil {
			return err
		}
		if blank(cells) {
			continue
		}
		r.line = line
		var ws []Warning
		r.cols, ws = cleanHeader(cells, line)
		for _, w := range ws {
			r.warn(w)
		}
		r.row = make([]string, len(r.cols))
		return nil
	}
}

// count adds a row to the total that MaxTotalBytes caps.
func (r *Reader) count(cells []string, line int) error {
	r.total += rowSize(cells)
	if r.total > r.opt.MaxTotalBytes {
		return &Error{File: r.file, Sheet: r.sheetForErrors(), Row: line,
			Err: errorf(ErrTooLarge, "the sheet holds more than %s of text up to this row: a damaged file, or one made to exhaust memory", byteSize64(r.opt.MaxTotalBytes))}
	}
	return nil
}

// rowSize is what MaxRowBytes and MaxTotalBytes count: the text of the
// cells plus one byte per cell, about the row's size as a line of CSV.
func rowSize(cells []string) int64 {
	n := int64(len(cells))
	for _, c := range cells {
		n += int64(len(c))
	}
	return n
}

func (r *Reader) sheetForErrors() string {
	if r.info.Format == "csv" {
		return ""
	}
	return r.info.Sheet
}

func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// pickSheet resolves Options.Sheet against the workbook's sheet names and
// returns the candidate indexes to try in order: the one asked for, or
// every sheet when none was asked for.
func pickSheet(file string, names []string, want string) ([]int, error) {
	if want == "" {
		idx := make([]int, len(names))
		for i := range names {
			idx[i] = i
		}
		return idx, nil
	}
	for i, n := range names {
		if n == want {
			return []int{i}, nil
		}
	}
	for i, n := range names {
		if strings.EqualFold(n, want) {
			return []int{i}, nil
		}
	}
	if k, err := strconv.Atoi(strings.TrimSpace(want)); err == nil && k >= 1 && k <= len(names) {
		return []int{k - 1}, nil
	}
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = strconv.Quote(n)
	}
	return nil, &Error{File: file, Err: errorf(ErrNoSuchSheet, "there is no sheet %q: the sheets are %s", want, strings.Join(quoted, ", "))}
}

// firstWithHeader opens the candidate sheets in order and returns the first
// whose header can be read: with no sheet asked for, empty sheets are
// passed over; any other error, or an empty sheet that was asked for, stops.
func firstWithHeader(file string, cands []int, open func(i int) (*Reader, error)) (*Reader, error) {
	for _, i := range cands {
		r, err := open(i)
		if err != nil {
			return nil, err
		}
		err = r.readHeader()
		if err == nil {
			return r, nil
		}
		r.Close()
		if !errors.Is(err, ErrEmpty) || len(cands) == 1 {
			return nil, err
		}
	}
	return nil, &Error{File: file, Err: errorf(ErrEmpty, "there is no data: every sheet is empty")}
}
