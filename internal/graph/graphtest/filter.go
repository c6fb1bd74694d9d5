package graphtest

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// messageFilter is a parsed $filter of one of the three supported forms.
type messageFilter struct {
	// internetMessageId eq '...'
	messageID string
	// singleValueExtendedProperties/Any(ep: ep/id eq '...' [and ep/value eq '...'])
	propID   string // normalized
	value    string
	hasValue bool
	// receivedDateTime ge|gt <DateTimeOffset>
	received      time.Time
	receivedAfter bool // gt rather than ge
}

func (f *messageFilter) match(m *message) bool {
	if !f.received.IsZero() {
		if f.receivedAfter {
			return m.created.After(f.received)
		}
		return !m.created.Before(f.received)
	}
	if f.propID == "" {
		return m.internetMessageID == f.messageID
	}
	for _, p := range m.props {
		if p.norm == f.propID && (!f.hasValue || p.Value == f.value) {
			return true
		}
	}
	return false
}

var errFilterSyntax = errors.New("unsupported $filter")

type filterToken struct {
	kind byte // 'w' word, 's' string, or the punctuation itself: ( ) : /
	text string
	pos  int
}

func lexFilter(s string) ([]filterToken, error) {
	var toks []filterToken
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			i++
		case c == '(' || c == ')' || c == ':' || c == '/':
			toks = append(toks, filterToken{kind: c, pos: i})
			i++
		case c == '\'':
			var b strings.Builder
			start := i
			i++
			for {
				if i >= len(s) {
					return nil, fmt.Errorf("%w: unterminated string at %d", errFilterSyntax, start)
				}
				if s[i] == '\'' {
					if i+1 < len(s) && s[i+1] == '\'' {
						b.WriteByte('\'')
						i += 2
						continue
					}
					i++
					break
				}
				b.WriteByte(s[i])
				i++
			}
			toks = append(toks, filterToken{kind: 's', text: b.String(), pos: start})
		case c == '_' || c == '.' || c == '$' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			start := i
			for i < len(s) {
				c := s[i]
				if c == '_' || c == '.' || c == '$' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
					i++
					continue
				}
				break
			}
			toks = append(toks, filterToken{kind: 'w', text: s[start:i], pos: start})
		default:
			return nil, fmt.Errorf("%w: unexpected %q at %d", errFilterSyntax, c, i)
		}
	}
	return toks, nil
}

type filterParser struct {
	toks []filterToken
	i    int
}

func (p *filterParser) next() (filterToken, bool) {
	if p.i >= len(p.toks) {
		return filterToken{}, false
	}
	t := p.toks[p.i]
	p.i++
	return t, true
}

func (p *filterParser) expect(kind byte, word string) (filterToken, error) {
	t, ok := p.next()
	if !ok {
		return t, fmt.Errorf("%w: expected %s at end", errFilterSyntax, describe(kind, word))
	}
	if t.kind != kind || word != "" && !strings.EqualFold(t.text, word) {
		return t, fmt.Errorf("%w: expected %s at %d", errFilterSyntax, describe(kind, word), t.pos)
	}
	return t, nil
}

func describe(kind byte, word string) string {
	switch {
	case word != "":
		return "'" + word + "'"
	case kind == 's':
		return "a quoted string"
	case kind == 'w':
		return "a name"
	}
	return "'" + string(kind) + "'"
}

// receivedFilter is the third form: an unquoted DateTimeOffset literal, as
// OData writes it.
var receivedFilter = regexp.MustCompile(`^(?i)\s*receivedDateTime\s+(ge|gt)\s+(\S+)\s*$`)

// parseMessageFilter parses the $filter forms the emulator supports.
func parseMessageFilter(s string) (*messageFilter, error) {
	if m := receivedFilter.FindStringSubmatch(s); m != nil {
		t, err := time.Parse(time.RFC3339Nano, m[2])
		if err != nil {
			return nil, fmt.Errorf("%w: %q is not a DateTimeOffset", errFilterSyntax, m[2])
		}
		return &messageFilter{received: t, receivedAfter: strings.EqualFold(m[1], "gt")}, nil
	}
	toks, err := lexFilter(s)
	if err != nil {
		return nil, err
	}
	p := &filterParser{toks: toks}
	first, err := p.expect('w', "")
	if err != nil {
		return nil, err
	}
	f := &messageFilter{}
	switch {
	case strings.EqualFold(first.text, "internetMessageId"):
		if _, err := p.expect('w', "eq"); err != nil {
			return nil, err
		}
		v, err := p.expect('s', "")
		if err != nil {
			return nil, err
		}
		f.messageID = v.text
	case strings.EqualFold(first.text, "singleValueExtendedProperties"):
		if _, err := p.expect('/', ""); err != nil {
			return nil, err
		}
		if _, err := p.expect('w', "any"); err != nil {
			return nil, err
		}
		if _, err := p.expect('(', ""); err != nil {
			return nil, err
		}
		v, err := p.expect('w', "")
		if err != nil {
			return nil, err
		}
		if _, err := p.expect(':', ""); err != nil {
			return nil, err
		}
		var gotID bool
		for n := 0; ; n++ {
			if n > 0 {
				t, ok := p.next()
				if ok && t.kind == ')' {
					break
				}
				if !ok || t.kind != 'w' || !strings.EqualFold(t.text, "and") {
					return nil, fmt.Errorf("%w: expected 'and' or ')'", errFilterSyntax)
				}
			}
			if _, err := p.expect('w', v.text); err != nil {
				return nil, err
			}
			if _, err := p.expect('/', ""); err != nil {
				return nil, err
			}
			prop, err := p.expect('w', "")
			if err != nil {
				return nil, err
			}
			if _, err := p.expect('w', "eq"); err != nil {
				return nil, err
			}
			lit, err := p.expect('s', "")
			if err != nil {
				return nil, err
			}
			switch {
			case strings.EqualFold(prop.text, "id") && !gotID:
				gotID = true
				f.propID = normalizePropID(lit.text)
				if f.propID == "" {
					return nil, fmt.Errorf("%w: %q is not an extended property id", errFilterSyntax, lit.text)
				}
			case strings.EqualFold(prop.text, "value") && !f.hasValue:
				f.hasValue, f.value = true, lit.text
			default:
				return nil, fmt.Errorf("%w: unexpected %s/%s at %d", errFilterSyntax, v.text, prop.text, prop.pos)
			}
		}
		if !gotID {
			return nil, fmt.Errorf("%w: the lambda must compare %s/id", errFilterSyntax, v.text)
		}
	default:
		return nil, fmt.Errorf("%w: %q at %d", errFilterSyntax, first.text, first.pos)
	}
	if t, ok := p.next(); ok {
		return nil, fmt.Errorf("%w: unexpected trailing input at %d", errFilterSyntax, t.pos)
	}
	return f, nil
}
