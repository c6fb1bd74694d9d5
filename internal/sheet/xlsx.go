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

// maxSharedStrings caps how far into the shared strings table a cell may
// point: 16 distinct texts for each of the 1,048,576 rows Excel can have,
// far more than any list a person reads, and the offsets of that many
// texts still fit in 64 MB. A file with 200 million empty shared texts
// would otherwise cost gigabytes for one cell.
const maxSharedStrings = 1 << 24

// sstChunkLen is how many shared texts are decoded at a time.
const sstChunkLen = 1024

// sharedStrings reads the shared strings table lazily, only as far as the
// cells read so far point: writers store the texts in the order the cells
// first use them, so the first rows of a sheet need only the start of the
// table, even when it is 42 MB (LibreOffice shares every text). A table in
// another order is simply read further. The texts are kept in chunks of
// sstChunkLen, each one string with offsets, so that a cell's value is a
// substring: no allocation per cell and little overhead per text.
type sharedStrings struct {
	chunks   []sstChunk
	rc       io.ReadCloser // nil once the table is read to its end
	sc       *xmlScanner
	err      error // the first error reading the table, returned from then on
	maxCell  int
	maxHeld  int64 // cap on the decoded text held
	held     int64
	data     bytes.Buffer // the chunk being decoded
	offs     []uint32
	cur      []byte
	inSI     bool
	inT      bool
	preserve bool
	tStart   int
	inRPh    bool
}

type sstChunk struct {
	data string
	offs []uint32 // len(offs) = texts in the chunk + 1
}

func openSharedStrings(wb *workbook, opt Options) (*sharedStrings, error) {
	sst := &sharedStrings{maxCell: opt.MaxCellBytes, maxHeld: max(opt.MaxTotalBytes/2, 1<<20)}
	if wb.sharedStrings == "" || !wb.z.has(wb.sharedStrings) {
		return sst, nil
	}
	rc, err := wb.z.open(wb.sharedStrings)
	if err != nil {
		return nil, err
	}
	sst.rc, sst.sc = rc, newXMLScanner(rc, opt.MaxCellBytes*8+4096)
	sst.offs = []uint32{0}
	return sst, nil
}

// get returns shared text i, decoding the table up to it if needed.
func (s *sharedStrings) get(i int) (string, error) {
	if i < 0 {
		return "", corrupt(fmt.Errorf("shared string %d does not exist", i))
	}
	if i >= maxSharedStrings {
		return "", errorf(ErrTooLarge, "the cell points to shared text number %d, and a workbook may hold no more than 16,777,216 shared texts: a damaged file, or one made to exhaust memory", i+1)
	}
	for i/sstChunkLen >= len(s.chunks) {
		if s.err != nil {
			return "", s.err
		}
		if s.rc == nil {
			return "", corrupt(fmt.Errorf("shared string %d does not exist", i))
		}
		if s.err = s.decodeChunk(); s.err != nil {
			s.Close()
		}
	}
	c := &s.chunks[i/sstChunkLen]
	k := i % sstChunkLen
	if k+1 >= len(c.offs) {
		return "", corrupt(fmt.Errorf("shared string %d does not exist", i))
	}
	return c.data[c.offs[k]:c.offs[k+1]], nil
}

// decodeChunk decodes the next sstChunkLen texts (fewer at the end of the
// table) into a new chunk.
func (s *sharedStrings) decodeChunk() error {
	tooLarge := func() error {
		return errorf(ErrTooLarge, "a shared text is larger than %s", byteSize(s.maxCell))
	}
	for len(s.offs) <= sstChunkLen {
		k, err := s.sc.next()
		if err == io.EOF {
			s.finishChunk()
			s.Close()
			return nil
		}
		if err != nil {
			if err == errTokenTooLarge {
				return tooLarge()
			}
			var d *detail
			if errors.As(err, &d) {
				return err
			}
			return corrupt(err)
		}
		sc := s.sc
		switch k {
		case xmlStart:
			switch string(sc.name) {
			case "si":
				s.inSI, s.cur = true, s.cur[:0]
				if sc.self {
					s.inSI = false
					s.offs = append(s.offs, uint32(s.data.Len()))
				}
			case "t":
				s.inT = !sc.self
				s.preserve = spacePreserved(sc.tag)
				s.tStart = len(s.cur)
			case "rPh":
				s.inRPh = !sc.self
			}
		case xmlText:
			if s.inSI && s.inT && !s.inRPh {
				s.cur = append(s.cur, sc.text...)
				if len(s.cur) > s.maxCell*2 {
					return tooLarge()
				}
			}
		case xmlEnd:
			switch string(sc.name) {
			case "si":
				if s.inSI {
					s.data.WriteString(decodeOOXMLString(s.cur))
					if s.held+int64(s.data.Len()) > s.maxHeld {
						return errorf(ErrTooLarge, "the shared texts are larger than %s: a damaged file, or one made to exhaust memory", byteSize64(s.maxHeld))
					}
					s.offs = append(s.offs, uint32(s.data.Len()))
				}
				s.inSI = false
			case "t":
				if s.inT && s.inSI && !s.inRPh && !s.preserve {
					s.cur = trimRun(s.cur, s.tStart)
				}
				s.inT = false
			case "rPh":
				s.inRPh = false
			}
		}
	}
	s.finishChunk()
	return nil
}

// finishChunk stores the texts decoded so far as a chunk.
func (s *sharedStrings) finishChunk() {
	if len(s.offs) <= 1 {
		return
	}
	s.held += int64(s.data.Len())
	s.chunks = append(s.chunks, sstChunk{data: s.data.String(), offs: s.offs})
	s.data.Reset()
	s.offs = make([]uint32, 1, sstChunkLen+1)
}

// Close releases the table's part; texts already decoded stay readable.
func (s *sharedStrings) Close() error {
	if s.rc == nil {
		return nil
	}
	err := s.rc.Close()
	s.rc, s.sc = nil, nil
	return err
}

// spacePreserved reports whether a <t> tag has xml:space="preserve".
func spacePreserved(tag []byte) bool {
	v, ok := attr(tag, "space")
	return ok && string(v) == "preserve"
}

// trimRun drops the edge white space of the text run b[start:] (one <t>
// element without xml:space="preserve"), as Excel shows it: "  a b "
// reads "a b". A run of nothing but white space is kept, as Excel keeps
// the " " between two formatted words "hello" and "world". White space is
// XML's: space, tab, line feed and carriage return, written as such or as
// character references (the _x0009_ escapes are decoded later and kept).
// What Excel does is taken from writers' reports that compared LEN() in
// Excel: dhatim/fastexcel#624 (spaces, &#x9; and &#xa; dropped without
// preserve), stephenliberty/excel-builder.js#65, and python-excel/xlrd#225
// (a " " run between formatted runs shown by Excel).
func trimRun(b []byte, start int) []byte {
	run := b[start:]
	t := bytes.Trim(run, " \t\n\r")
	if len(t) == 0 || len(t) == len(run) {
		return b
	}
	n := copy(b[start:], t)
	return b[:start+n]
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
	sst, err := openSharedStrings(wb, opt)
	if err != nil {
		return nil, &Error{File: file, Err: err}
	}
	r, err := firstWithHeader(file, cands, func(i int) (*Reader, error) {
		sh := wb.sheets[i]
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
	if err != nil {
		sst.Close()
		return nil, err
	}
	r.closers = append(r.closers, sst)
	return r, nil
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
	rowBytes int // rowSize of the cells placed so far, for MaxRowBytes
	pending  []Warning
	warned   map[*numFormat]bool // formats whose fallback was reported
}

func (s *xlsxSource) drain() []Warning {
	w := s.pending
	s.pending = nil
	return w
}

// warnFallback reports, once per format, a number format shown otherwise
// than Excel shows it.
func (s *xlsxSource) warnFallback(typ string, style, col int) {
	if typ != "" && typ != "n" && typ != "d" || len(s.val) == 0 {
		return
	}
	f := s.styles.format(style)
	if f.fallback == "" || s.warned[f] {
		return
	}
	if s.warned == nil {
		s.warned = map[*numFormat]bool{}
	}
	s.warned[f] = true
	s.pending = append(s.pending, Warning{Row: s.row, Column: col, Message: "the number format uses " + f.fallback,
		Code: f.fallbackCode, Args: map[string]string{"tag": f.fallbackTag}})
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
		inRow, inCell, inV, inIS, inT, inRPh, preserve bool
		col, nextCol, style, tStart                    int
		typ                                            string
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
				s.cells, s.rowBytes = s.cells[:0], 0
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
				preserve, tStart = spacePreserved(s.sc.tag), len(s.inline)
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
				if inT && !inRPh && !preserve {
					s.inline = trimRun(s.inline, tStart)
				}
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
				s.warnFallback(typ, style, col)
				if len(v) > s.opt.MaxCellBytes {
					return nil, 0, &Error{File: s.file, Sheet: s.sheet, Row: s.row, Column: col, Err: errorf(ErrTooLarge, "cell larger than %s", byteSize(s.opt.MaxCellBytes))}
				}
				s.rowBytes += len(v) + 1 + max(col-1-len(s.cells), 0)
				if s.rowBytes > s.opt.MaxRowBytes {
					return nil, 0, &Error{File: s.file, Sheet: s.sheet, Row: s.row, Column: col, Err: tooLargeRow(s.opt.MaxRowBytes)}
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
		return s.sst.get(i)
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
