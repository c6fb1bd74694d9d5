package sheet

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// sniffSize is how much of the start of a CSV file decides its encoding
// and delimiter.
const sniffSize = 64 << 10

// csvSource reads delimited text with a csvScanner over a decoding reader.
type csvSource struct {
	cr       *csvScanner
	file     string
	offset   int // lines removed before the csv reader (the sep= line)
	opt      Options
	pending  []Warning
	fallback *utf8Fallback
}

func newCSVSource(br *bufio.Reader, name string, opt Options) (*csvSource, Info, error) {
	info := Info{Format: "csv", Sheet: filepath.Base(name)}
	info.Sheets = []string{info.Sheet}
	head, _ := br.Peek(sniffSize)
	if len(head) == 0 {
		return nil, info, &Error{File: name, Err: ErrEmpty}
	}
	enc, bom := detectEncoding(head, len(head) < sniffSize)
	if opt.Encoding != "" {
		forced, err := normalizeEncoding(opt.Encoding)
		if err != nil {
			return nil, info, err
		}
		if forced != enc {
			bom = 0
			if forced == "utf-16le" && len(head) >= 2 && head[0] == 0xFF && head[1] == 0xFE ||
				forced == "utf-16be" && len(head) >= 2 && head[0] == 0xFE && head[1] == 0xFF {
				bom = 2
			}
		}
		enc = forced
	}
	info.Encoding = enc
	if _, err := br.Discard(bom); err != nil {
		return nil, info, err
	}
	s := &csvSource{file: name, opt: opt}
	var text io.Reader
	switch enc {
	case "utf-8":
		s.fallback = &utf8Fallback{}
		text = transform.NewReader(br, s.fallback)
	case "utf-16le":
		text = transform.NewReader(br, unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM).NewDecoder())
	case "utf-16be":
		text = transform.NewReader(br, unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM).NewDecoder())
	default:
		text = transform.NewReader(br, charmap.Windows1252.NewDecoder())
		if opt.Encoding == "" {
			s.pending = append(s.pending, Warning{Code: "encoding-fallback",
				Message: "the file is not valid UTF-8: it was read as Windows-1252 (use the encoding option if the accents look wrong)"})
		}
	}
	dr := bufio.NewReaderSize(text, sniffSize)
	dhead, _ := dr.Peek(sniffSize)
	if len(dhead) == 0 {
		return nil, info, &Error{File: name, Err: ErrEmpty}
	}
	delim := opt.Delimiter
	if sep, n, ok := sepLine(dhead); ok {
		if _, err := dr.Discard(n); err != nil {
			return nil, info, err
		}
		s.offset = 1
		if delim == 0 {
			delim = sep
		}
		dhead = dhead[n:]
	}
	if delim == 0 {
		def := ','
		if strings.EqualFold(filepath.Ext(name), ".tsv") || strings.EqualFold(filepath.Ext(name), ".tab") {
			def = '\t'
		}
		delim = sniffDelimiter(dhead, len(dhead) < sniffSize, def)
	}
	if delim == '"' || delim == '\r' || delim == '\n' || delim == utf8.RuneError || !utf8.ValidRune(delim) {
		return nil, info, fmt.Errorf("%s: %q cannot be a delimiter", name, delim)
	}
	info.Delimiter = string(delim)
	s.cr = newCSVScanner(dr, delim, opt)
	return s, info, nil
}

func (s *csvSource) next() ([]string, int, error) {
	rec, line, err := s.cr.read()
	if s.fallback != nil && s.fallback.firstBad > 0 && !s.fallback.reported {
		s.fallback.reported = true
		s.pending = append(s.pending, Warning{Row: s.fallback.firstBad + s.offset, Code: "encoding-fallback-row",
			Message: "bytes that are not valid UTF-8 were read as Windows-1252 from this line on"})
	}
	if err == io.EOF {
		return nil, 0, io.EOF
	}
	lim, _ := err.(*csvLimit)
	switch {
	case lim != nil && lim.cols:
		return nil, 0, &Error{File: s.file, Row: lim.line + s.offset, Err: errorf(ErrTooManyColumns, "more than %d columns: the limit is %d", s.opt.MaxColumns, s.opt.MaxColumns)}
	case lim != nil && lim.field < 0:
		return nil, 0, &Error{File: s.file, Row: lim.line + s.offset, Err: tooLargeRow(s.opt.MaxRowBytes)}
	case lim != nil:
		return nil, 0, &Error{File: s.file, Row: lim.line + s.offset, Column: lim.field + 1, Err: errorf(ErrTooLarge, "cell larger than %s", byteSize(s.opt.MaxCellBytes))}
	case err != nil:
		var d *detail
		if errors.As(err, &d) {
			return nil, 0, &Error{File: s.file, Row: s.cr.start + s.offset, Err: err}
		}
		return nil, 0, &Error{File: s.file, Row: s.cr.start + s.offset, Err: corrupt(err)}
	}
	return rec, line + s.offset, nil
}

func (s *csvSource) close() error { return nil }

func (s *csvSource) drain() []Warning {
	w := s.pending
	s.pending = nil
	return w
}

// byteSize formats a limit for messages: 4 MiB, 512 KiB, 100 bytes.
func byteSize(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// byteSize64 is byteSize for the 64-bit limits.
func byteSize64(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// tooLargeRow is the cause of a row past MaxRowBytes.
func tooLargeRow(limit int) error {
	return errorf(ErrTooLarge, "the row is larger than %s (all its cells together): a damaged file, or one made to exhaust memory", byteSize(limit))
}

// normalizeEncoding maps the names users type to the four supported
// encodings.
func normalizeEncoding(name string) (string, error) {
	key := strings.NewReplacer("-", "", "_", "", " ", "").Replace(strings.ToLower(strings.TrimSpace(name)))
	switch key {
	case "utf8":
		return "utf-8", nil
	case "utf16le", "utf16", "unicode":
		return "utf-16le", nil
	case "utf16be":
		return "utf-16be", nil
	case "windows1252", "cp1252", "latin1", "iso88591", "ansi":
		return "windows-1252", nil
	}
	return "", fmt.Errorf("unknown encoding %q: use utf-8, utf-16le, utf-16be or windows-1252", name)
}

// detectEncoding guesses the encoding of a file from its first bytes and
// returns the length of its byte order mark. complete says head is the
// whole file (so a sequence cut at its end is invalid, not truncated).
func detectEncoding(head []byte, complete bool) (enc string, bom int) {
	switch {
	case len(head) >= 3 && head[0] == 0xEF && head[1] == 0xBB && head[2] == 0xBF:
		return "utf-8", 3
	case len(head) >= 2 && head[0] == 0xFF && head[1] == 0xFE:
		return "utf-16le", 2
	case len(head) >= 2 && head[0] == 0xFE && head[1] == 0xFF:
		return "utf-16be", 2
	}
	// UTF-16 without a byte order mark: text in Latin scripts has a zero
	// byte in every other position.
	sample := head
	if len(sample) > 4096 {
		sample = sample[:4096]
	}
	if len(sample) >= 4 {
		var even, odd int
		for i, b := range sample {
			if b == 0 {
				if i%2 == 0 {
					even++
				} else {
					odd++
				}
			}
		}
		half := len(sample) / 2
		switch {
		case odd > half*3/10 && even <= half/20:
			return "utf-16le", 0
		case even > half*3/10 && odd <= half/20:
			return "utf-16be", 0
		}
	}
	valid := head
	if !complete {
		// Do not hold a rune cut by the end of the sample against the file.
		for k := 1; k <= utf8.UTFMax && k <= len(valid); k++ {
			if utf8.RuneStart(valid[len(valid)-k]) {
				if !utf8.FullRune(valid[len(valid)-k:]) {
					valid = valid[:len(valid)-k]
				}
				break
			}
		}
	}
	if utf8.Valid(valid) {
		return "utf-8", 0
	}
	return "windows-1252", 0
}

// sepLine recognizes Excel's "sep=;" first line and returns the delimiter
// and the length of the line with its line break.
func sepLine(head []byte) (rune, int, bool) {
	end := bytes.IndexByte(head, '\n')
	if end < 0 {
		end = len(head)
	}
	if end > 32 {
		return 0, 0, false
	}
	line := strings.TrimRight(string(head[:end]), "\r")
	line = strings.Trim(line, `"`)
	if len(line) < 5 || !strings.EqualFold(line[:4], "sep=") {
		return 0, 0, false
	}
	r, size := utf8.DecodeRuneInString(line[4:])
	if size == 0 || 4+size != len(line) || r == '"' || r == utf8.RuneError {
		return 0, 0, false
	}
	n := end
	if n < len(head) {
		n++
	}
	return r, n, true
}

// sniffDelimiter picks the delimiter among , ; tab | that splits the first
// records of text into the most consistent number of fields, quotes aware.
// complete says text is the whole input; otherwise its last, possibly cut
// record is ignored. def is returned when no candidate appears.
func sniffDelimiter(text []byte, complete bool, def rune) rune {
	cands := []rune{',', ';', '\t', '|'}
	const maxRecords = 50
	counts := make([][]int, len(cands))
	cur := make([]int, len(cands))
	inQuote, nonEmpty := false, false
	records := 0
	flush := func() {
		if nonEmpty {
			for i := range cands {
				counts[i] = append(counts[i], cur[i])
			}
			records++
		}
		for i := range cur {
			cur[i] = 0
		}
		nonEmpty = false
	}
	for _, r := range string(text) {
		if records >= maxRecords {
			break
		}
		switch {
		case r == '"':
			inQuote = !inQuote
			nonEmpty = true
		case inQuote:
		case r == '\n':
			flush()
		case r == '\r':
		default:
			nonEmpty = true
			for i, c := range cands {
				if r == c {
					cur[i]++
				}
			}
		}
	}
	if complete && records < maxRecords && !inQuote {
		flush()
	}
	best, bestFrac, bestMode := def, 0.0, 0
	for i, c := range cands {
		mode, freq := modeOf(counts[i])
		if mode == 0 || len(counts[i]) == 0 {
			continue
		}
		frac := float64(freq) / float64(len(counts[i]))
		if frac > bestFrac+1e-9 || frac > bestFrac-1e-9 && mode > bestMode {
			best, bestFrac, bestMode = c, frac, mode
		}
	}
	return best
}

// modeOf returns the most frequent value of xs (the larger on ties) and how
// often it occurs.
func modeOf(xs []int) (mode, freq int) {
	seen := map[int]int{}
	for _, x := range xs {
		seen[x]++
	}
	for x, n := range seen {
		if n > freq || n == freq && x > mode {
			mode, freq = x, n
		}
	}
	return mode, freq
}

// utf8Fallback passes valid UTF-8 through and decodes each byte of an
// invalid sequence as Windows-1252, so that a file mixing both still reads
// as the user wrote it. firstBad is the 1-based line of the first invalid
// byte (0 if none).
type utf8Fallback struct {
	line     int
	firstBad int
	reported bool
}

func (u *utf8Fallback) Reset() { *u = utf8Fallback{} }

func (u *utf8Fallback) Transform(dst, src []byte, atEOF bool) (nDst, nSrc int, err error) {
	for nSrc < len(src) {
		b := src[nSrc]
		if b < utf8.RuneSelf {
			if nDst >= len(dst) {
				return nDst, nSrc, transform.ErrShortDst
			}
			if b == '\n' {
				u.line++
			}
			dst[nDst] = b
			nDst++
			nSrc++
			continue
		}
		r, size := utf8.DecodeRune(src[nSrc:])
		if r == utf8.RuneError && size <= 1 {
			if !atEOF && !utf8.FullRune(src[nSrc:]) {
				return nDst, nSrc, transform.ErrShortSrc
			}
			if u.firstBad == 0 {
				u.firstBad = u.line + 1
			}
			r = charmap.Windows1252.DecodeByte(b)
			if nDst+utf8.RuneLen(r) > len(dst) {
				return nDst, nSrc, transform.ErrShortDst
			}
			nDst += utf8.EncodeRune(dst[nDst:], r)
			nSrc++
			continue
		}
		if nDst+size > len(dst) {
			return nDst, nSrc, transform.ErrShortDst
		}
		copy(dst[nDst:], src[nSrc:nSrc+size])
		nDst += size
		nSrc += size
	}
	return nDst, nSrc, nil
}
