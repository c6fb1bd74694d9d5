package sheet

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// workbook is what an .xlsx file says about itself outside the sheets.
type workbook struct {
	z             *zipBox
	path          string
	date1904      bool
	sheets        []wbSheet
	sharedStrings string // part name, "" if none
	styles        string
}

type wbSheet struct {
	name, part string
}

func (w *workbook) names() []string {
	out := make([]string, len(w.sheets))
	for i, s := range w.sheets {
		out[i] = s.name
	}
	return out
}

type xmlRels struct {
	Rels []struct {
		ID     string `xml:"Id,attr"`
		Type   string `xml:"Type,attr"`
		Target string `xml:"Target,attr"`
		Mode   string `xml:"TargetMode,attr"`
	} `xml:"Relationship"`
}

type xmlWorkbook struct {
	Pr struct {
		Date1904 string `xml:"date1904,attr"`
	} `xml:"workbookPr"`
	Sheets []struct {
		Name string `xml:"name,attr"`
		ID   string `xml:"id,attr"`
	} `xml:"sheets>sheet"`
}

func decodeXMLPart(z *zipBox, name string, v any) error {
	rc, err := z.open(name)
	if err != nil {
		return err
	}
	defer rc.Close()
	if err := xml.NewDecoder(rc).Decode(v); err != nil {
		var d *detail
		if errors.As(err, &d) {
			return err
		}
		return corrupt(fmt.Errorf("%s: %w", name, err))
	}
	return nil
}

func loadWorkbook(z *zipBox) (*workbook, error) {
	wb := &workbook{z: z, path: "xl/workbook.xml"}
	if z.has("_rels/.rels") {
		var rels xmlRels
		if err := decodeXMLPart(z, "_rels/.rels", &rels); err != nil {
			return nil, err
		}
		for _, r := range rels.Rels {
			if strings.HasSuffix(r.Type, "/officeDocument") {
				wb.path = resolvePart("", r.Target)
			}
		}
	}
	if !z.has(wb.path) {
		return nil, corrupt(errors.New("the workbook part is missing"))
	}
	var w xmlWorkbook
	if err := decodeXMLPart(z, wb.path, &w); err != nil {
		return nil, err
	}
	wb.date1904 = w.Pr.Date1904 == "1" || strings.EqualFold(w.Pr.Date1904, "true")
	targets := map[string]string{}
	relsPath := resolvePart(wb.path, "_rels/"+wb.path[strings.LastIndexByte(wb.path, '/')+1:]+".rels")
	if z.has(relsPath) {
		var rels xmlRels
		if err := decodeXMLPart(z, relsPath, &rels); err != nil {
			return nil, err
		}
		for _, r := range rels.Rels {
			if strings.EqualFold(r.Mode, "External") {
				continue
			}
			part := resolvePart(wb.path, r.Target)
			switch {
			case strings.HasSuffix(r.Type, "/worksheet"):
				targets[r.ID] = part
			case strings.HasSuffix(r.Type, "/sharedStrings"):
				wb.sharedStrings = part
			case strings.HasSuffix(r.Type, "/styles"):
				wb.styles = part
			}
		}
	}
	for i, s := range w.Sheets {
		part, ok := targets[s.ID]
		if !ok {
			if len(targets) > 0 {
				continue // a chart sheet or dialog sheet: no cells
			}
			part = fmt.Sprintf("xl/worksheets/sheet%d.xml", i+1)
		}
		if !z.has(part) {
			continue
		}
		wb.sheets = append(wb.sheets, wbSheet{name: s.Name, part: part})
	}
	if wb.sharedStrings == "" && z.has("xl/sharedStrings.xml") {
		wb.sharedStrings = "xl/sharedStrings.xml"
	}
	if wb.styles == "" && z.has("xl/styles.xml") {
		wb.styles = "xl/styles.xml"
	}
	if len(wb.sheets) == 0 {
		return nil, ErrEmpty
	}
	return wb, nil
}

type xmlStyles struct {
	NumFmts []struct {
		ID   int    `xml:"numFmtId,attr"`
		Code string `xml:"formatCode,attr"`
	} `xml:"numFmts>numFmt"`
	CellXfs []struct {
		NumFmtID int `xml:"numFmtId,attr"`
	} `xml:"cellXfs>xf"`
}

// styleTable maps a cell's style index (its s attribute) to its number
// format, parsed once per distinct format.
type styleTable struct {
	ids     []int
	custom  map[int]string
	loc     *locale
	byStyle []*numFormat
	general *numFormat
}

func loadStyles(wb *workbook, loc *locale) (*styleTable, error) {
	st := &styleTable{custom: map[int]string{}, loc: loc, general: parseNumFormat("General", loc)}
	if wb.styles == "" {
		return st, nil
	}
	var x xmlStyles
	if err := decodeXMLPart(wb.z, wb.styles, &x); err != nil {
		return nil, err
	}
	for _, f := range x.NumFmts {
		st.custom[f.ID] = f.Code
	}
	st.ids = make([]int, len(x.CellXfs))
	for i, xf := range x.CellXfs {
		st.ids[i] = xf.NumFmtID
	}
	st.byStyle = make([]*numFormat, len(st.ids))
	return st, nil
}

func (st *styleTable) format(style int) *numFormat {
	if style < 0 || style >= len(st.ids) {
		return st.general
	}
	if f := st.byStyle[style]; f != nil {
		return f
	}
	code := formatFor(st.ids[style], st.custom, st.loc)
	f := st.general
	if code != "General" {
		// Reuse the parse of an identical code used by another style.
		for i, g := range st.byStyle {
			if g != nil && formatFor(st.ids[i], st.custom, st.loc) == code {
				f = g
				break
			}
		}
		if f == st.general {
			f = parseNumFormat(code, st.loc)
		}
	}
	st.byStyle[style] = f
	return f
}

// sharedStrings holds the shared strings table as one string and offsets,
// so that a cell's value is a substring: no allocation per cell and
// little overhead per string.
type sharedStrings struct {
	data string
	offs []uint32
}

func (s *sharedStrings) get(i int) (string, bool) {
	if i < 0 || i+1 >= len(s.offs) {
		return "", false
	}
	return s.data[s.offs[i]:s.offs[i+1]], true
}

func loadSharedStrings(wb *workbook, maxCell int) (*sharedStrings, error) {
	sst := &sharedStrings{offs: []uint32{0}}
	if wb.sharedStrings == "" || !wb.z.has(wb.sharedStrings) {
		return sst, nil
	}
	rc, err := wb.z.open(wb.sharedStrings)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	sc := newXMLScanner(rc, maxCell*8+4096)
	var data bytes.Buffer
	var cur []byte
	inSI, inT, inRPh := false, false, false
	for {
		k, err := sc.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			if err == errTokenTooLarge {
				return nil, errorf(ErrTooLarge, "a shared text is larger than %s", byteSize(maxCell))
			}
			return nil, corrupt(err)
		}
		switch k {
		case xmlStart:
			switch string(sc.name) {
			case "si":
				inSI, cur = true, cur[:0]
				if sc.self {
					inSI = false
					sst.offs = append(sst.offs, uint32(data.Len()))
				}
			case "t":
				inT = !sc.self
			case "rPh":
				inRPh = !sc.self
			case "sst":
				if n, ok := attr(sc.tag, "uniqueCount"); ok {
					if c, err := strconv.Atoi(string(n)); err == nil && c > 0 && c < 1<<24 {
						sst.offs = make([]uint32, 1, c+1)
					}
				}
			}
		case xmlText:
			if inSI && inT && !inRPh {
				cur = append(cur, sc.text...)
				if len(cur) > maxCell*2 {
					return nil, errorf(ErrTooLarge, "a shared text is larger than %s", byteSize(maxCell))
				}
			}
		case xmlEnd:
			switch string(sc.name) {
			case "si":
				if inSI {
					data.WriteString(decodeOOXMLString(cur))
					if data.Len() > 1<<32-1 {
						return nil, errorf(ErrTooLarge, "the shared texts are larger than 4 GiB")
					}
					sst.offs = append(sst.offs, uint32(data.Len()))
				}
				inSI = false
			case "t":
				inT = false
			case "rPh":
				inRPh = false
			}
		}
	}
	sst.data = data.String()
	return sst, nil
}

// openXLSX opens the sheet Options.Sheet asks for, or the first sheet
// with a non-blank row.
func openXLSX(z *zipBox, file string, opt Options) (*Reader, error) {
	wb, err := loadWorkbook(z)
	if err != nil {
		return nil, &Error{File: file, Err: err}
	}
	names := wb.names()
	cands, err := pickSheet(file, names, opt.Sheet)
	if err != nil {
		return nil, err
	}
	loc := resolveLocale(opt.Locale)
	styles, err := loadStyles(wb, loc)
	if err != nil {
		return nil, &Error{File: file, Err: err}
	}
	var sst *sharedStrings
	return firstWithHeader(file, cands, func(i int) (*Reader, error) {
		sh := wb.sheets[i]
		if sst == nil {
			if sst, err = loadSharedStrings(wb, opt.MaxCellBytes); err != nil {
				return nil, &Error{File: file, Err: err}
			}
		}
		rc, err := z.open(sh.part)
		if err != nil {
			return nil, &Error{File: file, Sheet: sh.name, Err: err}
		}
		src := &xlsxSource{
			sc: newXMLScanner(rc, opt.MaxCellBytes*8+4096), rc: rc, file: file, sheet: sh.name,
			opt: opt, sst: sst, styles: styles, date1904: wb.date1904, loc: loc,
		}
		return &Reader{src: src, file: file, opt: opt, info: Info{Format: "xlsx", Sheet: sh.name, Sheets: names}}, nil
	})
}

// xlsxSource streams the rows of one worksheet part.
type xlsxSource struct {
	sc       *xmlScanner
	rc       io.ReadCloser
	file     string
	sheet    string
	opt      Options
	sst      *sharedStrings
	styles   *styleTable
	date1904 bool
	loc      *locale
	cells    []string
	row      int
	done     bool
	val      []byte
	inline   []byte
}

func (s *xlsxSource) fail(row, col int, err error) error {
	if err == errTokenTooLarge {
		err = errorf(ErrTooLarge, "cell larger than %s", byteSize(s.opt.MaxCellBytes))
	} else if err == io.ErrUnexpectedEOF {
		err = corrupt(errors.New("the sheet ends in the middle of a row"))
	} else {
		var d *detail
		if !errors.As(err, &d) {
			err = corrupt(err)
		}
	}
	return &Error{File: s.file, Sheet: s.sheet, Row: row, Column: col, Err: err}
}

func (s *xlsxSource) next() ([]string, int, error) {
	if s.done {
		return nil, 0, io.EOF
	}
	var (
		inRow, inCell, inV, inIS, inT, inRPh bool
		col, nextCol, style                  int
		typ                                  string
	)
	s.cells = s.cells[:0]
	for {
		k, err := s.sc.next()
		if err == io.EOF {
			s.done = true
			if inRow {
				return nil, 0, s.fail(s.row, 0, io.ErrUnexpectedEOF)
			}
			return nil, 0, io.EOF
		}
		if err != nil {
			return nil, 0, s.fail(s.row, col, err)
		}
		switch k {
		case xmlStart:
			switch string(s.sc.name) {
			case "row":
				r := s.row + 1
				if v, ok := attr(s.sc.tag, "r"); ok {
					if n, err := strconv.Atoi(string(v)); err == nil && n > 0 {
						r = n
					}
				}
				s.row = r
				if s.sc.self {
					continue // an empty row
				}
				inRow, nextCol = true, 1
				s.cells = s.cells[:0]
			case "c":
				if !inRow {
					continue
				}
				col = nextCol
				if v, ok := attr(s.sc.tag, "r"); ok {
					if c := refColumn(v); c > 0 {
						col = c
					}
				}
				if col > s.opt.MaxColumns {
					return nil, 0, &Error{File: s.file, Sheet: s.sheet, Row: s.row, Column: col,
						Err: errorf(ErrTooManyColumns, "a value in column %s is past the limit of %d columns", ColumnName(col), s.opt.MaxColumns)}
				}
				nextCol = col + 1
				style, typ = 0, ""
				if v, ok := attr(s.sc.tag, "s"); ok {
					style, _ = strconv.Atoi(string(v))
				}
				if v, ok := attr(s.sc.tag, "t"); ok {
					typ = string(v)
				}
				if s.sc.self {
					continue
				}
				inCell = true
				s.val, s.inline = s.val[:0], s.inline[:0]
			case "v":
				inV = inCell && !s.sc.self
			case "is":
				inIS = inCell && !s.sc.self
			case "t":
				inT = inIS && !s.sc.self
			case "rPh":
				inRPh = !s.sc.self
			}
		case xmlText:
			switch {
			case inV:
				s.val = append(s.val, s.sc.text...)
			case inT && !inRPh:
				s.inline = append(s.inline, s.sc.text...)
			default:
				continue
			}
			if len(s.val) > s.opt.MaxCellBytes || len(s.inline) > s.opt.MaxCellBytes {
				return nil, 0, &Error{File: s.file, Sheet: s.sheet, Row: s.row, Column: col, Err: errorf(ErrTooLarge, "cell larger than %s", byteSize(s.opt.MaxCellBytes))}
			}
		case xmlEnd:
			switch string(s.sc.name) {
			case "v":
				inV = false
			case "t":
				inT = false
			case "rPh":
				inRPh = false
			case "is":
				inIS = false
			case "c":
				if !inCell {
					continue
				}
				inCell = false
				v, err := s.value(typ, style)
				if err != nil {
					return nil, 0, &Error{File: s.file, Sheet: s.sheet, Row: s.row, Column: col, Err: err}
				}
				if len(v) > s.opt.MaxCellBytes {
					return nil, 0, &Error{File: s.file, Sheet: s.sheet, Row: s.row, Column: col, Err: errorf(ErrTooLarge, "cell larger than %s", byteSize(s.opt.MaxCellBytes))}
				}
				for len(s.cells) < col-1 {
					s.cells = append(s.cells, "")
				}
				if len(s.cells) >= col {
					s.cells[col-1] = v // a repeated reference: the last one wins
				} else {
					s.cells = append(s.cells, v)
				}
			case "row":
				if inRow {
					return s.cells, s.row, nil
				}
			case "sheetData":
				s.done = true
				return nil, 0, io.EOF
			}
		}
	}
}

// value formats the current cell as Excel displays it.
func (s *xlsxSource) value(typ string, style int) (string, error) {
	switch typ {
	case "s":
		i, err := strconv.Atoi(string(bytes.TrimSpace(s.val)))
		if err != nil {
			if len(s.val) == 0 {
				return "", nil
			}
			return "", corrupt(fmt.Errorf("bad shared string index %q", s.val))
		}
		v, ok := s.sst.get(i)
		if !ok {
			return "", corrupt(fmt.Errorf("shared string %d does not exist", i))
		}
		return v, nil
	case "inlineStr":
		if len(s.inline) == 0 && len(s.val) > 0 {
			return decodeOOXMLString(s.val), nil
		}
		return decodeOOXMLString(s.inline), nil
	case "str":
		return decodeOOXMLString(s.val), nil
	case "b":
		switch strings.TrimSpace(string(s.val)) {
		case "1", "true":
			return "TRUE", nil
		case "0", "false":
			return "FALSE", nil
		}
		return decodeOOXMLString(s.val), nil
	case "e":
		return decodeOOXMLString(s.val), nil
	case "d":
		raw := strings.TrimSpace(string(s.val))
		if raw == "" {
			return "", nil
		}
		serial, ok := isoToSerial(raw, s.date1904)
		if !ok {
			return decodeOOXMLString(s.val), nil
		}
		f := s.styles.format(style)
		if !f.isDate() {
			f = parseNumFormat(s.loc.shortDate, s.loc)
		}
		return f.format(serial, s.date1904), nil
	}
	if len(s.val) == 0 {
		return "", nil
	}
	f := s.styles.format(style)
	if f == s.styles.general && plainInteger(s.val) {
		return string(s.val), nil
	}
	v, err := strconv.ParseFloat(string(bytes.TrimSpace(s.val)), 64)
	if err != nil {
		// Not a number after all: show what is stored.
		return decodeOOXMLString(s.val), nil
	}
	return f.format(v, s.date1904), nil
}

// plainInteger reports whether b is an integer General shows unchanged.
func plainInteger(b []byte) bool {
	if len(b) == 0 || len(b) > 15 {
		return false
	}
	i := 0
	if b[0] == '-' {
		i = 1
		if len(b) == 1 {
			return false
		}
	}
	if b[i] == '0' && len(b) > i+1 {
		return false
	}
	for ; i < len(b); i++ {
		if b[i] < '0' || b[i] > '9' {
			return false
		}
	}
	return true
}

// refColumn returns the 1-based column of a cell reference like "AB12",
// or 0 if it has no letters. It stops growing past Excel's limit so that a
// hostile reference cannot overflow.
func refColumn(ref []byte) int {
	col := 0
	for _, c := range ref {
		switch {
		case c >= 'A' && c <= 'Z':
			col = col*26 + int(c-'A'+1)
		case c >= 'a' && c <= 'z':
			col = col*26 + int(c-'a'+1)
		case c == '$':
			continue
		default:
			return col
		}
		if col > 1<<24 {
			return 1 << 24
		}
	}
	return col
}

// isoToSerial converts an ISO 8601 date-time (a t="d" cell) to an Excel
// serial number.
func isoToSerial(s string, date1904 bool) (float64, bool) {
	if t, err := time.Parse("15:04:05.999999999", s); err == nil {
		d := time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute + time.Duration(t.Second())*time.Second + time.Duration(t.Nanosecond())
		return d.Hours() / 24, true
	}
	var t time.Time
	var err error
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02"} {
		if t, err = time.Parse(layout, s); err == nil {
			break
		}
	}
	if err != nil {
		return 0, false
	}
	epoch := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	if date1904 {
		epoch = time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	serial := float64(t.Sub(epoch)) / float64(24*time.Hour)
	if !date1904 && serial < 61 && serial >= 1 {
		serial-- // before Excel's fictitious 29 February 1900
	}
	return serial, true
}

func (s *xlsxSource) close() error { return s.rc.Close() }
