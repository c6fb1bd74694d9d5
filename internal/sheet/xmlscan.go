package sheet

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strconv"
	"unicode/utf8"
)

// xmlScanner is a small pull tokenizer for the worksheet and shared
// strings parts of .xlsx files, several times faster than encoding/xml on
// the millions of tiny elements a large sheet has. It understands what
// those parts use: elements with attributes, character data with entities,
// CDATA, comments and processing instructions; it drops namespace prefixes
// and does not validate.
type xmlScanner struct {
	r    *bufio.Reader
	max  int // longest tag or text run accepted
	lt   bool
	acc  []byte
	text []byte // after xmlText: unescaped character data (valid until next)
	name []byte // after xmlStart/xmlEnd: local name (valid until next)
	tag  []byte // after xmlStart: raw attributes (valid until next)
	self bool   // after xmlStart: <empty/>
}

type xmlKind uint8

const (
	xmlText xmlKind = iota + 1
	xmlStart
	xmlEnd
)

var errTokenTooLarge = errors.New("xml token too large")

func newXMLScanner(r io.Reader, max int) *xmlScanner {
	return &xmlScanner{r: bufio.NewReaderSize(r, 64<<10), max: max}
}

// readUntil returns the bytes up to and including delim (or to EOF).
func (s *xmlScanner) readUntil(delim byte) ([]byte, error) {
	data, err := s.r.ReadSlice(delim)
	if err != bufio.ErrBufferFull {
		return data, err
	}
	s.acc = append(s.acc[:0], data...)
	for err == bufio.ErrBufferFull {
		if len(s.acc) > s.max {
			return nil, errTokenTooLarge
		}
		data, err = s.r.ReadSlice(delim)
		s.acc = append(s.acc, data...)
	}
	return s.acc, err
}

// skipPast discards input up to and including the end marker.
func (s *xmlScanner) skipPast(end []byte) error {
	last := end[len(end)-1]
	var tail []byte
	for {
		data, err := s.r.ReadSlice(last)
		if err != nil && err != bufio.ErrBufferFull {
			return unexpected(err)
		}
		if err == nil {
			tail = append(tail, data...)
			if bytes.HasSuffix(tail, end) {
				return nil
			}
		} else {
			tail = tail[:0]
		}
		if len(tail) > len(end) {
			tail = append(tail[:0], tail[len(tail)-len(end):]...)
		}
	}
}

func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// next reads the next token. It returns io.EOF at a clean end of input.
func (s *xmlScanner) next() (xmlKind, error) {
	if !s.lt {
		data, err := s.readUntil('<')
		if err != nil && err != io.EOF {
			return 0, err
		}
		if err == io.EOF && len(data) == 0 {
			return 0, io.EOF
		}
		s.lt = err == nil
		if s.lt {
			data = data[:len(data)-1]
		}
		if len(data) > 0 {
			s.text = unescapeXML(data, s.text[:0])
			return xmlText, nil
		}
		if !s.lt {
			return 0, io.EOF
		}
	}
	s.lt = false
	c, err := s.r.ReadByte()
	if err != nil {
		return 0, unexpected(err)
	}
	switch c {
	case '/':
		data, err := s.readUntil('>')
		if err != nil {
			return 0, unexpected(err)
		}
		s.name = localName(bytes.TrimSpace(data[:len(data)-1]))
		return xmlEnd, nil
	case '?':
		if err := s.skipPast([]byte("?>")); err != nil {
			return 0, err
		}
		return s.next()
	case '!':
		head, _ := s.r.Peek(7)
		switch {
		case bytes.HasPrefix(head, []byte("--")):
			if err := s.skipPast([]byte("-->")); err != nil {
				return 0, err
			}
			return s.next()
		case bytes.HasPrefix(head, []byte("[CDATA[")):
			s.r.Discard(7)
			s.text = s.text[:0]
			for {
				data, err := s.readUntil('>')
				if err != nil {
					return 0, unexpected(err)
				}
				s.text = append(s.text, data...)
				if bytes.HasSuffix(s.text, []byte("]]>")) {
					s.text = s.text[:len(s.text)-3]
					return xmlText, nil
				}
				if len(s.text) > s.max {
					return 0, errTokenTooLarge
				}
			}
		}
		if err := s.skipPast([]byte(">")); err != nil {
			return 0, err
		}
		return s.next()
	}
	s.r.UnreadByte()
	data, err := s.readTag()
	if err != nil {
		return 0, err
	}
	data = data[:len(data)-1] // drop '>'
	s.self = len(data) > 0 && data[len(data)-1] == '/'
	if s.self {
		data = data[:len(data)-1]
	}
	end := 0
	for end < len(data) && !isSpace(data[end]) {
		end++
	}
	s.name = localName(data[:end])
	s.tag = data[end:]
	return xmlStart, nil
}

// readTag reads a start tag up to its '>', which may not be inside a
// quoted attribute value.
func (s *xmlScanner) readTag() ([]byte, error) {
	data, err := s.r.ReadSlice('>')
	if err == nil && balanced(data) {
		return data, nil
	}
	s.acc = append(s.acc[:0], data...)
	for {
		if err != nil && err != bufio.ErrBufferFull {
			return nil, unexpected(err)
		}
		if err == nil && balanced(s.acc) {
			return s.acc, nil
		}
		if len(s.acc) > s.max {
			return nil, errTokenTooLarge
		}
		data, err = s.r.ReadSlice('>')
		s.acc = append(s.acc, data...)
	}
}

func balanced(b []byte) bool {
	var q byte
	for _, c := range b {
		switch {
		case q != 0:
			if c == q {
				q = 0
			}
		case c == '"' || c == '\'':
			q = c
		}
	}
	return q == 0
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func localName(b []byte) []byte {
	if i := bytes.LastIndexByte(b, ':'); i >= 0 {
		return b[i+1:]
	}
	return b
}

// attr returns the unescaped value of the attribute named key (prefix
// ignored) in raw attribute text.
func attr(raw []byte, key string) ([]byte, bool) {
	i := 0
	for i < len(raw) {
		for i < len(raw) && isSpace(raw[i]) {
			i++
		}
		start := i
		for i < len(raw) && raw[i] != '=' && !isSpace(raw[i]) {
			i++
		}
		name := localName(raw[start:i])
		for i < len(raw) && (isSpace(raw[i]) || raw[i] == '=') {
			i++
		}
		if i >= len(raw) {
			return nil, false
		}
		q := raw[i]
		if q != '"' && q != '\'' {
			return nil, false
		}
		j := bytes.IndexByte(raw[i+1:], q)
		if j < 0 {
			return nil, false
		}
		val := raw[i+1 : i+1+j]
		i += j + 2
		if string(name) == key {
			if bytes.IndexByte(val, '&') >= 0 {
				return unescapeXML(val, nil), true
			}
			return val, true
		}
	}
	return nil, false
}

// unescapeXML appends data with XML entities replaced to dst. Unknown
// entities are kept as written.
func unescapeXML(data, dst []byte) []byte {
	amp := bytes.IndexByte(data, '&')
	if amp < 0 {
		return append(dst, data...)
	}
	dst = append(dst, data[:amp]...)
	data = data[amp:]
	for len(data) > 0 {
		if data[0] != '&' {
			k := bytes.IndexByte(data, '&')
			if k < 0 {
				k = len(data)
			}
			dst = append(dst, data[:k]...)
			data = data[k:]
			continue
		}
		semi := bytes.IndexByte(data, ';')
		if semi < 0 || semi > 12 {
			dst = append(dst, '&')
			data = data[1:]
			continue
		}
		ent := data[1:semi]
		switch string(ent) {
		case "lt":
			dst = append(dst, '<')
		case "gt":
			dst = append(dst, '>')
		case "amp":
			dst = append(dst, '&')
		case "quot":
			dst = append(dst, '"')
		case "apos":
			dst = append(dst, '\'')
		default:
			var n uint64
			var err error = errors.New("bad")
			if len(ent) > 1 && ent[0] == '#' {
				if ent[1] == 'x' || ent[1] == 'X' {
					n, err = strconv.ParseUint(string(ent[2:]), 16, 32)
				} else {
					n, err = strconv.ParseUint(string(ent[1:]), 10, 32)
				}
			}
			if err != nil || n > utf8.MaxRune {
				dst = append(dst, data[:semi+1]...)
			} else {
				dst = utf8.AppendRune(dst, rune(n))
			}
		}
		data = data[semi+1:]
	}
	return dst
}

// decodeOOXMLString replaces the _xHHHH_ escapes Office uses for control
// characters (_x000D_ is a carriage return, _x005F_ an underscore) and
// makes the text valid UTF-8.
func decodeOOXMLString(b []byte) string {
	if !bytes.Contains(b, []byte("_x")) {
		if utf8.Valid(b) {
			return string(b)
		}
		return string(bytes.ToValidUTF8(b, []byte("\uFFFD")))
	}
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		if b[i] == '_' && i+6 < len(b) && b[i+1] == 'x' && b[i+6] == '_' {
			if n, err := strconv.ParseUint(string(b[i+2:i+6]), 16, 16); err == nil {
				out = utf8.AppendRune(out, rune(n))
				i += 6
				continue
			}
		}
		out = append(out, b[i])
	}
	return string(bytes.ToValidUTF8(out, []byte("\uFFFD")))
}
