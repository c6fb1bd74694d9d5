package sheet

import (
	"errors"
	"io"
	"strconv"
	"strings"
	"time"
)

// odsSheetNames lists the tables of content.xml in order. It streams the
// part once with the fast tokenizer.
func odsSheetNames(z *zipBox) ([]string, error) {
	rc, err := z.open("content.xml")
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	sc := newXMLScanner(rc, 64<<20)
	var names []string
	depth := 0 // nesting of tables: a table inside a cell is not a sheet
	for {
		k, err := sc.next()
		if err == io.EOF {
			return names, nil
		}
		if err != nil {
			return nil, corrupt(err)
		}
		if string(sc.name) != "table" {
			continue
		}
		switch k {
		case xmlStart:
			if depth == 0 {
				v, _ := attr(sc.tag, "name")
				names = append(names, decodeOOXMLStringPlain(v))
			}
			if !sc.self {
				depth++
			}
		case xmlEnd:
			depth--
		}
	}
}

// decodeOOXMLStringPlain makes attribute text valid UTF-8.
func decodeOOXMLStringPlain(b []byte) string {
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

// errODSEncrypted is the advice for a password-protected OpenDocument
// file, which LibreOffice saves with its parts encrypted.
var errODSEncrypted = errorf(ErrEncrypted, "this spreadsheet is encrypted (password-protected): open it in LibreOffice, choose File > Save As, untick \"Save with password\" and save again")

// odsEncrypted reports whether the manifest marks a part encrypted (a
// manifest:encryption-data element, on content.xml or, in ODF 1.4's
// wholesome encryption, on encrypted-package).
func odsEncrypted(z *zipBox) bool {
	if !z.has("meta-inf/manifest.xml") {
		return false
	}
	rc, err := z.open("meta-inf/manifest.xml")
	if err != nil {
		return false
	}
	defer rc.Close()
	sc := newXMLScanner(rc, 1<<20)
	for {
		k, err := sc.next()
		if err != nil {
			return false
		}
		if k == xmlStart && string(sc.name) == "encryption-data" {
			return true
		}
	}
}

func openODS(z *zipBox, file string, opt Options) (*Reader, error) {
	if odsEncrypted(z) {
		return nil, &Error{File: file, Err: errODSEncrypted}
	}
	if !z.has("content.xml") {
		return nil, &Error{File: file, Err: corrupt(errors.New("content.xml is missing"))}
	}
	names, err := odsSheetNames(z)
	if err != nil {
		return nil, &Error{File: file, Err: err}
	}
	if len(names) == 0 {
		return nil, &Error{File: file, Err: ErrEmpty}
	}
	cands, err := pickSheet(file, names, opt.Sheet)
	if err != nil {
		return nil, err
	}
	loc := resolveLocale(opt.Locale)
	return firstWithHeader(file, cands, func(i int) (*Reader, error) {
		rc, err := z.open("content.xml")
		if err != nil {
			return nil, &Error{File: file, Err: err}
		}
		src := &odsSource{sc: newXMLScanner(rc, opt.MaxCellBytes*8+4096), rc: rc, file: file, sheet: names[i], target: i, table: -1, opt: opt, loc: loc}
		return &Reader{src: src, file: file, opt: opt, info: Info{Format: "ods", Sheet: names[i], Sheets: names}}, nil
	})
}

// odsSource streams the rows of one table of an OpenDocument spreadsheet.
// Repeated empty rows and cells are counted, never materialized.
type odsSource struct {
	sc     *xmlScanner
	rc     io.ReadCloser
	file   string
	sheet  string
	target int
	table  int
	depth  int // table nesting inside the target
	opt    Options
	loc    *locale
	row    int
	repeat int // further copies of the last row still to return
	last   int
	cells  []string
	done   bool
	text   []byte
	// rowBytes is the rowSize of the cells placed so far, for MaxRowBytes.
	rowBytes int
}

type odsCell struct {
	repeat                                    int
	typ, value, date, time, boolean, strValue string
	paras                                     int
}

func (s *odsSource) fail(col int, err error) error {
	switch {
	case err == errTokenTooLarge:
		err = errorf(ErrTooLarge, "cell larger than %s", byteSize(s.opt.MaxCellBytes))
	case err == io.ErrUnexpectedEOF:
		err = corrupt(errors.New("the sheet ends in the middle of a row"))
	default:
		var d *detail
		if !errors.As(err, &d) {
			err = corrupt(err)
		}
	}
	return &Error{File: s.file, Sheet: s.sheet, Row: s.row + 1, Column: col, Err: err}
}

func repeatAttr(tag []byte, key string) int {
	v, ok := attr(tag, key)
	if !ok {
		return 1
	}
	n, err := strconv.Atoi(string(v))
	if err != nil || n < 1 {
		return 1
	}
	return min(n, 1<<24)
}

// maxSheetRows is the last row an .ods table may reach: 1,048,576 is
// both Excel's and LibreOffice's last row, so no spreadsheet a person
// made and looked at goes further, while number-rows-repeated may ask
// for 16,777,216 copies of a row in a file under 1 KB.
const maxSheetRows = 1 << 20

func (s *odsSource) pastLastRow(line int) error {
	return &Error{File: s.file, Sheet: s.sheet, Row: line,
		Err: errorf(ErrTooLarge, "the sheet has values past row 1,048,576, the last row of Excel and LibreOffice: a damaged file, or one made to exhaust memory")}
}

func (s *odsSource) next() ([]string, int, error) {
	if s.repeat > 0 {
		if s.last >= maxSheetRows {
			s.repeat, s.done = 0, true
			return nil, 0, s.pastLastRow(s.last + 1)
		}
		s.repeat--
		s.last++
		return s.cells, s.last, nil
	}
	if s.done {
		return nil, 0, io.EOF
	}
	var (
		inRow, inCell bool
		rowRepeat     int
		pendingEmpty  int
		cell          odsCell
		inP, skip     int
	)
	for {
		k, err := s.sc.next()
		if err == io.EOF {
			s.done = true
			if inRow {
				return nil, 0, s.fail(0, io.ErrUnexpectedEOF)
			}
			return nil, 0, io.EOF
		}
		if err != nil {
			return nil, 0, s.fail(len(s.cells)+pendingEmpty+1, err)
		}
		name := string(s.sc.name)
		if name == "table" {
			switch {
			case k == xmlStart && s.table < s.target:
				s.table++
			case k == xmlStart && s.table == s.target && !s.sc.self:
				s.depth++
			case k == xmlEnd && s.table == s.target && s.depth > 0:
				s.depth--
			case k == xmlEnd && s.table == s.target:
				s.done = true
				return nil, 0, io.EOF
			}
			if s.table == s.target && k == xmlStart && s.sc.self && s.depth == 0 {
				s.done = true
				return nil, 0, io.EOF
			}
			continue
		}
		if s.table != s.target || s.depth > 0 {
			continue
		}
		switch k {
		case xmlStart:
			if skip > 0 {
				if !s.sc.self {
					skip++
				}
				continue
			}
			switch name {
			case "table-row":
				rowRepeat = repeatAttr(s.sc.tag, "number-rows-repeated")
				if s.sc.self {
					s.row += rowRepeat
					continue
				}
				inRow, pendingEmpty = true, 0
				s.cells, s.rowBytes = s.cells[:0], 0
			case "table-cell", "covered-table-cell":
				if !inRow {
					continue
				}
				cell = odsCell{repeat: repeatAttr(s.sc.tag, "number-columns-repeated")}
				if v, ok := attr(s.sc.tag, "value-type"); ok {
					cell.typ = string(v)
					cell.value = attrString(s.sc.tag, "value")
					cell.date = attrString(s.sc.tag, "date-value")
					cell.time = attrString(s.sc.tag, "time-value")
					cell.boolean = attrString(s.sc.tag, "boolean-value")
					cell.strValue = attrString(s.sc.tag, "string-value")
				}
				s.text = s.text[:0]
				if s.sc.self {
					if err := s.finishCell(&cell, &pendingEmpty); err != nil {
						return nil, 0, err
					}
					continue
				}
				inCell = true
			case "p", "h":
				if inCell {
					if cell.paras > 0 {
						s.text = append(s.text, '\n')
					}
					cell.paras++
					if !s.sc.self {
						inP++
					}
				}
			case "s":
				if inP > 0 {
					n := repeatAttr(s.sc.tag, "c")
					for i := 0; i < n && len(s.text) <= s.opt.MaxCellBytes; i++ {
						s.text = append(s.text, ' ')
					}
				}
			case "tab":
				if inP > 0 {
					s.text = append(s.text, '\t')
				}
			case "line-break":
				if inP > 0 {
					s.text = append(s.text, '\n')
				}
			case "annotation", "note", "ruby-text":
				if !s.sc.self {
					skip = 1
				}
			}
		case xmlText:
			if inP > 0 && skip == 0 {
				s.text = append(s.text, s.sc.text...)
				if len(s.text) > s.opt.MaxCellBytes {
					return nil, 0, &Error{File: s.file, Sheet: s.sheet, Row: s.row + 1, Column: len(s.cells) + pendingEmpty + 1, Err: errorf(ErrTooLarge, "cell larger than %s", byteSize(s.opt.MaxCellBytes))}
				}
			}
		case xmlEnd:
			if skip > 0 {
				skip--
				continue
			}
			switch name {
			case "p", "h":
				if inP > 0 {
					inP--
				}
			case "table-cell", "covered-table-cell":
				if inCell {
					inCell = false
					if err := s.finishCell(&cell, &pendingEmpty); err != nil {
						return nil, 0, err
					}
				}
			case "table-row":
				if !inRow {
					continue
				}
				inRow = false
				line := s.row + 1
				s.row += rowRepeat
				if blank(s.cells) {
					continue // repeated empty rows are never expanded
				}
				if line > maxSheetRows {
					s.done = true
					return nil, 0, s.pastLastRow(line)
				}
				s.last = line
				s.repeat = rowRepeat - 1
				return s.cells, line, nil
			}
		}
	}
}

func attrString(tag []byte, key string) string {
	v, ok := attr(tag, key)
	if !ok {
		return ""
	}
	return string(v)
}

// finishCell places a cell's value; empty cells are only counted, so that
// a trailing repeat of 16,384 empty cells costs nothing.
func (s *odsSource) finishCell(c *odsCell, pendingEmpty *int) error {
	var v string
	if c.paras > 0 {
		v = strings.ToValidUTF8(string(s.text), "\uFFFD")
	} else {
		v = s.typedValue(c)
	}
	if v == "" {
		*pendingEmpty += c.repeat
		return nil
	}
	col := len(s.cells) + *pendingEmpty + c.repeat
	if col > s.opt.MaxColumns {
		return &Error{File: s.file, Sheet: s.sheet, Row: s.row + 1, Column: min(col, s.opt.MaxColumns+1),
			Err: errorf(ErrTooManyColumns, "a value is past the limit of %d columns", s.opt.MaxColumns)}
	}
	s.rowBytes += *pendingEmpty + c.repeat*(len(v)+1)
	if s.rowBytes > s.opt.MaxRowBytes || c.repeat*(len(v)+1) > s.opt.MaxRowBytes {
		return &Error{File: s.file, Sheet: s.sheet, Row: s.row + 1, Column: len(s.cells) + *pendingEmpty + 1, Err: tooLargeRow(s.opt.MaxRowBytes)}
	}
	for ; *pendingEmpty > 0; *pendingEmpty-- {
		s.cells = append(s.cells, "")
	}
	for i := 0; i < c.repeat; i++ {
		s.cells = append(s.cells, v)
	}
	return nil
}

// typedValue formats a cell that has a value but no display text (files
// written by programs other than LibreOffice).
func (s *odsSource) typedValue(c *odsCell) string {
	switch c.typ {
	case "float", "currency":
		if f, err := strconv.ParseFloat(c.value, 64); err == nil {
			return formatGeneral(f, s.loc)
		}
	case "percentage":
		if f, err := strconv.ParseFloat(c.value, 64); err == nil {
			return formatGeneral(f*100, s.loc) + "%"
		}
	case "boolean":
		switch strings.ToLower(c.boolean) {
		case "true", "1":
			return "TRUE"
		case "false", "0":
			return "FALSE"
		}
	case "date":
		for _, layout := range []string{"2006-01-02T15:04:05.999999999", "2006-01-02"} {
			if t, err := time.Parse(layout, c.date); err == nil {
				code := s.loc.shortDate
				if t.Hour() != 0 || t.Minute() != 0 || t.Second() != 0 {
					code += " hh:mm"
				}
				serial := float64(t.Sub(time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC))) / float64(24*time.Hour)
				return parseNumFormat(code, s.loc).format(serial, false)
			}
		}
		return c.date
	case "time":
		if d, ok := parseISODuration(c.time); ok {
			secs := int64(d.Round(time.Second) / time.Second)
			return strconv.FormatInt(secs/3600, 10) + ":" + twoDigits(secs/60%60) + ":" + twoDigits(secs%60)
		}
		return c.time
	case "string":
		return c.strValue
	}
	return c.value
}

func twoDigits(n int64) string {
	if n < 10 {
		return "0" + strconv.FormatInt(n, 10)
	}
	return strconv.FormatInt(n, 10)
}

// parseISODuration reads the PT12H30M15S durations of office:time-value.
func parseISODuration(s string) (time.Duration, bool) {
	s = strings.TrimPrefix(strings.ToUpper(s), "-")
	if !strings.HasPrefix(s, "PT") {
		return 0, false
	}
	s = s[2:]
	var total time.Duration
	for s != "" {
		i := strings.IndexAny(s, "HMS")
		if i <= 0 {
			return 0, false
		}
		f, err := strconv.ParseFloat(s[:i], 64)
		if err != nil {
			return 0, false
		}
		unit := map[byte]time.Duration{'H': time.Hour, 'M': time.Minute, 'S': time.Second}[s[i]]
		total += time.Duration(f * float64(unit))
		s = s[i+1:]
	}
	return total, true
}

func (s *odsSource) close() error { return s.rc.Close() }
