package sheet

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors, for callers to branch on with errors.Is. Their text is
// written for the person who chose the file.
var (
	ErrEncrypted      = errors.New("this workbook is encrypted (password-protected): remove the password in Excel (File > Info > Protect Workbook) and save again")
	ErrLegacyXLS      = errors.New("this is a legacy Excel 97-2003 .xls file: open it in Excel or LibreOffice and save it as .xlsx (File > Save As)")
	ErrNotSpreadsheet = errors.New("this file is not a spreadsheet: use an .xlsx, .xlsm, .ods, .csv, .tsv or .txt file")
	ErrCorrupt        = errors.New("the file is damaged or incomplete: open it in your spreadsheet program and save it again")
	ErrEmpty          = errors.New("there is no data: the file or sheet is empty")
	ErrTooLarge       = errors.New("the file is too large to read")
	ErrNoSuchSheet    = errors.New("there is no such sheet")
	ErrTooManyColumns = errors.New("too many columns")
)

// Error is a located error about the input. Row and Column are 1-based; 0
// means not applicable. Sheet is empty for CSV files.
type Error struct {
	File   string
	Sheet  string
	Row    int
	Column int
	Err    error
}

// Error reads like
// `list.xlsx: sheet "Contacts", row 12, column C: cell larger than 4 MiB`.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	var loc []string
	if e.Sheet != "" {
		loc = append(loc, fmt.Sprintf("sheet %q", e.Sheet))
	}
	if e.Row > 0 {
		loc = append(loc, fmt.Sprintf("row %d", e.Row))
	}
	if e.Column > 0 {
		loc = append(loc, "column "+ColumnName(e.Column))
	}
	if len(loc) > 0 {
		if b.Len() > 0 {
			b.WriteString(": ")
		}
		b.WriteString(strings.Join(loc, ", "))
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	if e.Err != nil {
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the cause, which wraps one of the sentinel errors.
func (e *Error) Unwrap() error { return e.Err }

// detail is an error with its own message that is (errors.Is) a sentinel.
type detail struct {
	sentinel error
	msg      string
}

func (d *detail) Error() string { return d.msg }
func (d *detail) Unwrap() error { return d.sentinel }

// errorf makes an error whose message is the formatted text and which
// matches sentinel with errors.Is.
func errorf(sentinel error, format string, args ...any) error {
	return &detail{sentinel: sentinel, msg: fmt.Sprintf(format, args...)}
}

// corrupt wraps a low-level cause as ErrCorrupt, keeping the cause's text
// for support.
func corrupt(cause error) error {
	if cause == nil {
		return ErrCorrupt
	}
	var d *detail
	if errors.As(cause, &d) {
		return cause
	}
	return &detail{sentinel: ErrCorrupt, msg: ErrCorrupt.Error() + " (" + cause.Error() + ")"}
}

// ColumnName returns the spreadsheet letters of a 1-based column index:
// 1 is "A", 27 is "AA", 16384 is "XFD". It returns "" for n < 1.
func ColumnName(n int) string {
	if n < 1 {
		return ""
	}
	var buf [8]byte
	i := len(buf)
	for n > 0 {
		n--
		i--
		buf[i] = byte('A' + n%26)
		n /= 26
	}
	return string(buf[i:])
}

// Warning is something the reader fixed or dropped that the user should
// know about. Row and Column are 1-based; 0 means not applicable.
type Warning struct {
	Row, Column int
	Message     string // in English, for the command line
	// Code says which warning it is, so that a front end can write it in
	// its own language from Code and Args:
	//
	//	empty-header           Args name (the name given, "Column C")
	//	duplicate-header       Args header (as written), name (given, "Email (2)")
	//	extra-value            a value right of the last column dropped; Args count ("1")
	//	extra-values           the same, several; Args count
	//	encoding-fallback      the whole file read as Windows-1252
	//	encoding-fallback-row  Windows-1252 from Row on
	//	number-format-numerals Args tag ("[DBNum1]"): shown with Western digits
	//	number-format-hijri    Args tag ("B2"): shown as a Gregorian date
	//	more-warnings          Args count: warnings past the cap left out
	Code string
	Args map[string]string // nil when the warning has none
}

// String formats the warning with its location, like
// "row 1, column C: empty header named \"Column C\"".
func (w Warning) String() string {
	var loc []string
	if w.Row > 0 {
		loc = append(loc, fmt.Sprintf("row %d", w.Row))
	}
	if w.Column > 0 {
		loc = append(loc, "column "+ColumnName(w.Column))
	}
	if len(loc) == 0 {
		return w.Message
	}
	return strings.Join(loc, ", ") + ": " + w.Message
}
