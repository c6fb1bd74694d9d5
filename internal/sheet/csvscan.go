package sheet

import (
	"bufio"
	"io"
	"unicode/utf8"
)

// csvScanner splits delimited text into records as encoding/csv does with
// LazyQuotes (RFC 4180, plus the bare quotes Excel lets through), but
// enforces the cell and row caps while it reads: encoding/csv buffers a
// whole line, and a whole quoted field, before it returns anything, so a
// 1.5 GB line or a quote never closed would be held in memory first.
//
// As in encoding/csv: a quote opens a quoted field only at the start of a
// field; inside one, "" is a quote, and a quote followed by anything but
// the delimiter or the end of the line is kept as text; a quoted field
// left open at the end of the input ends there; "\r\n" reads as "\n", and
// a "\r" just before the end of the input is dropped; lines with nothing
// on them are skipped.
type csvScanner struct {
	r        *bufio.Reader
	delim    []byte // the delimiter, UTF-8 encoded
	maxCell  int
	maxRow   int
	maxCols  int
	line     int // lines read so far
	buf      []byte
	ends     []int // end of each field in buf
	record   []string
	start    int // line of the record being read
	fieldBeg int // start of the current field in buf
	back     int // a byte given back to be read again, or -1
}

// csvLimit is the cap a record crossed, with where: field is the 0-based
// field, -1 for the row as a whole.
type csvLimit struct {
	line, field int
	cols        bool
}

func (e *csvLimit) Error() string { return "csv limit" }

func newCSVScanner(r *bufio.Reader, delim rune, opt Options) *csvScanner {
	return &csvScanner{r: r, delim: utf8.AppendRune(nil, delim), maxCell: opt.MaxCellBytes, maxRow: opt.MaxRowBytes, maxCols: opt.MaxColumns, back: -1}
}

// readByte reads the byte given back, if any, else the next one.
// (bufio.Reader.UnreadByte cannot follow a Peek.)
func (s *csvScanner) readByte() (byte, error) {
	if s.back >= 0 {
		b := byte(s.back)
		s.back = -1
		return b, nil
	}
	return s.r.ReadByte()
}

// read returns the next record and the line it starts on, io.EOF after
// the last one, a *csvLimit past a cap, or the reader's error. The record
// is reused by the next call.
func (s *csvScanner) read() ([]string, int, error) {
	s.buf, s.ends = s.buf[:0], s.ends[:0]
	s.fieldBeg = 0
	for {
		// Skip the empty lines before a record.
		b, err := s.readByte()
		if err != nil {
			return nil, 0, err
		}
		if b == '\n' {
			s.line++
			continue
		}
		if b == '\r' {
			if next, err := s.r.Peek(1); err == nil && next[0] == '\n' {
				s.r.Discard(1)
				s.line++
				continue
			} else if err == io.EOF {
				return nil, 0, io.EOF
			}
		}
		s.back = int(b)
		break
	}
	s.line++
	s.start = s.line
	for {
		end, err := s.field()
		if err != nil {
			return nil, 0, err
		}
		if err := s.endField(); err != nil {
			return nil, 0, err
		}
		if end {
			break
		}
	}
	str := string(s.buf)
	s.record = s.record[:0]
	from := 0
	for _, to := range s.ends {
		s.record = append(s.record, str[from:to])
		from = to
	}
	return s.record, s.start, nil
}

// endField closes the current field and checks the caps.
func (s *csvScanner) endField() error {
	s.ends = append(s.ends, len(s.buf))
	s.fieldBeg = len(s.buf)
	if len(s.ends) > s.maxCols {
		return &csvLimit{line: s.start, field: len(s.ends) - 1, cols: true}
	}
	if len(s.buf)+len(s.ends) > s.maxRow {
		return &csvLimit{line: s.start, field: -1}
	}
	return nil
}

// add appends a byte of the current field, within the caps.
func (s *csvScanner) add(b byte) error {
	s.buf = append(s.buf, b)
	if len(s.buf)-s.fieldBeg > s.maxCell {
		return &csvLimit{line: s.start, field: len(s.ends)}
	}
	if len(s.buf)+len(s.ends)+1 > s.maxRow {
		return &csvLimit{line: s.start, field: -1}
	}
	return nil
}

// bulk appends to the field the bytes already buffered up to the first of
// the stop bytes, as far as the caps allow (the byte that crosses a cap is
// left for add to report): most bytes of a file are ordinary text, and
// reading them one call at a time would make the scanner slow.
func (s *csvScanner) bulk(stop1, stop2, stop3 byte) {
	if s.back >= 0 {
		return
	}
	buf, _ := s.r.Peek(s.r.Buffered())
	room := min(s.maxCell-(len(s.buf)-s.fieldBeg), s.maxRow-(len(s.buf)+len(s.ends)+1))
	if len(buf) > room {
		buf = buf[:max(room, 0)]
	}
	n := 0
	for n < len(buf) {
		if c := buf[n]; c == stop1 || c == stop2 || c == stop3 {
			break
		}
		n++
	}
	if n > 0 {
		s.buf = append(s.buf, buf[:n]...)
		s.r.Discard(n)
	}
}

// isDelim reports whether b starts the delimiter, and consumes the rest
// of it if so.
func (s *csvScanner) isDelim(b byte) bool {
	if b != s.delim[0] {
		return false
	}
	if len(s.delim) == 1 {
		return true
	}
	rest, err := s.r.Peek(len(s.delim) - 1)
	if err != nil || string(rest) != string(s.delim[1:]) {
		return false
	}
	s.r.Discard(len(rest))
	return true
}

// lineEnd reports whether b (just read) ends the line: "\n", "\r\n", or a
// "\r" at the end of the input. It consumes the "\n" of "\r\n".
func (s *csvScanner) lineEnd(b byte) bool {
	switch b {
	case '\n':
		return true
	case '\r':
		next, err := s.r.Peek(1)
		if err == io.EOF {
			return true
		}
		if err == nil && next[0] == '\n' {
			s.r.Discard(1)
			return true
		}
	}
	return false
}

// field reads one field into buf; end reports that it ended its record.
func (s *csvScanner) field() (end bool, err error) {
	b, err := s.readByte()
	if err == io.EOF {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	if b != '"' {
		for {
			if s.isDelim(b) {
				return false, nil
			}
			if s.lineEnd(b) {
				return true, nil
			}
			if err := s.add(b); err != nil {
				return false, err
			}
			s.bulk(s.delim[0], '\n', '\r')
			if b, err = s.readByte(); err == io.EOF {
				return true, nil
			} else if err != nil {
				return false, err
			}
		}
	}
	for {
		s.bulk('"', '\n', '\r')
		b, err := s.readByte()
		if err == io.EOF {
			return true, nil // a quote left open ends with the input
		}
		if err != nil {
			return false, err
		}
		if b != '"' {
			if b == '\r' {
				if next, err := s.r.Peek(1); err == nil && next[0] == '\n' {
					continue // "\r\n" reads as "\n"
				} else if err == io.EOF {
					return true, nil
				}
			}
			if b == '\n' {
				s.line++
			}
			if err := s.add(b); err != nil {
				return false, err
			}
			continue
		}
		// A quote inside a quoted field.
		next, err := s.readByte()
		switch {
		case err == io.EOF:
			return true, nil
		case err != nil:
			return false, err
		case next == '"':
			if err := s.add('"'); err != nil {
				return false, err
			}
		case s.isDelim(next):
			return false, nil
		case s.lineEnd(next):
			return true, nil
		default:
			// A bare quote: kept as text, and the field goes on.
			s.back = int(next)
			if err := s.add('"'); err != nil {
				return false, err
			}
		}
	}
}
