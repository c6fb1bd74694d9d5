package merge

import (
	"strings"
	"unicode/utf8"
)

// tplCursor reads the markup of one {{ }} or {% %}: s[pos:end].
type tplCursor struct {
	p        *tplParser
	s        string
	pos, end int
}

func (c *tplCursor) done() bool { return c.pos >= c.end }

func (c *tplCursor) peek() byte {
	if c.done() {
		return 0
	}
	return c.s[c.pos]
}

func (c *tplCursor) skipSpace() {
	for c.pos < c.end && tplIsSpace(c.s[c.pos]) {
		c.pos++
	}
}

// rest returns the next few characters, up to white space, for messages.
func (c *tplCursor) rest() string {
	r := c.s[c.pos:c.end]
	if i := strings.IndexAny(r, " \t\n\r\v\f"); i > 0 {
		r = r[:i]
	}
	const maxRunes = 20
	if utf8.RuneCountInString(r) > maxRunes {
		n := 0
		for i := range r {
			if n == maxRunes {
				return r[:i] + "…"
			}
			n++
		}
	}
	return r
}

// str reads a quoted string (' or "), with no escapes, as in Liquid.
func (c *tplCursor) str() (string, error) {
	q := c.s[c.pos]
	j := strings.IndexByte(c.s[c.pos+1:c.end], q)
	if j < 0 {
		return "", c.p.errAt(c.pos, "unterminated string: expected a closing %c", q)
	}
	v := c.s[c.pos+1 : c.pos+1+j]
	c.pos += j + 2
	return v, nil
}

// bracketName reads ["Column name"] or ['Column name'] and returns the name
// and the offset of the [.
func (c *tplCursor) bracketName() (string, int, error) {
	at := c.pos
	c.pos++
	c.skipSpace()
	if q := c.peek(); q != '\'' && q != '"' {
		return "", 0, c.p.errAt(c.pos, `expected a quoted column name after [, as in ["First Name"]`)
	}
	name, err := c.str()
	if err != nil {
		return "", 0, err
	}
	c.skipSpace()
	if c.peek() != ']' {
		return "", 0, c.p.errAt(c.pos, "expected ] after the column name %q", name)
	}
	c.pos++
	if strings.TrimSpace(name) == "" {
		return "", 0, c.p.errAt(at, `empty column name in [""]`)
	}
	return name, at, nil
}

// word reads a tag name, keyword or one word of a bare column name: up to
// white space, a comparison operator, or the end. A quote or [ cannot start
// a word (they start a string or a bracketed name) but may appear inside
// one, as in d'adhésion.
func (c *tplCursor) word() string {
	start := c.pos
	if q := c.peek(); q == '\'' || q == '"' || q == '[' {
		return ""
	}
	for c.pos < c.end {
		ch := c.s[c.pos]
		if tplIsSpace(ch) || ch == '=' || ch == '<' || ch == '>' {
			break
		}
		if ch == '!' && c.pos+1 < c.end && c.s[c.pos+1] == '=' {
			break
		}
		c.pos++
	}
	return c.s[start:c.pos]
}

// operator reads a comparison operator (symbols or contains) and returns
// it, or returns "" and leaves the cursor where it was.
func (c *tplCursor) operator() string {
	r := c.s[c.pos:c.end]
	for _, op := range [...]string{"==", "!=", "<>", "<=", ">=", "<", ">", "="} {
		if strings.HasPrefix(r, op) {
			c.pos += len(op)
			return op
		}
	}
	return c.keyword("contains")
}

// keyword reads one of kws when the markup continues with it and then white
// space, a quote, a [ or the end, as Liquid's lexer ends a word there:
// x contains'a' and x and'a' hold operators. It returns "" and leaves the
// cursor where it was otherwise.
func (c *tplCursor) keyword(kws ...string) string {
	r := c.s[c.pos:c.end]
	for _, kw := range kws {
		if !strings.HasPrefix(r, kw) {
			continue
		}
		if len(r) == len(kw) || tplIsSpace(r[len(kw)]) || strings.IndexByte(`'"[`, r[len(kw)]) >= 0 {
			c.pos += len(kw)
			return kw
		}
	}
	return ""
}

// ident reads a filter name: ASCII letters, digits and underscores.
func (c *tplCursor) ident() string {
	start := c.pos
	for c.pos < c.end {
		ch := c.s[c.pos]
		if ch == '_' || ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' {
			c.pos++
			continue
		}
		break
	}
	return c.s[start:c.pos]
}

// tplArg is one filter argument: a quoted string or a number as written.
type tplArg struct {
	text   string
	number bool
	off    int
}

// filter reads `name` or `name: arg, arg` after a |.
func (c *tplCursor) filter() (tplFilter, error) {
	c.skipSpace()
	at := c.pos
	name := c.ident()
	if name == "" {
		if c.done() {
			return tplFilter{}, c.p.errAt(at, "expected a filter name after |: one of %s", tplFilterList)
		}
		return tplFilter{}, c.p.errAt(at, "unexpected %q: expected a filter name after |: one of %s", c.rest(), tplFilterList)
	}
	var args []tplArg
	c.skipSpace()
	if c.peek() == ':' {
		c.pos++
		for {
			c.skipSpace()
			a, err := c.arg(name)
			if err != nil {
				return tplFilter{}, err
			}
			args = append(args, a)
			c.skipSpace()
			if c.peek() != ',' {
				break
			}
			c.pos++
		}
	} else if !c.done() && c.peek() != '|' {
		if _, known := tplFilterKinds[name]; known {
			return tplFilter{}, c.p.errAt(c.pos, "unexpected %q after filter %s: expected : before its arguments, | or }}", c.rest(), name)
		}
	}
	return newTplFilter(c.p, name, at, args)
}

// arg reads one filter argument.
func (c *tplCursor) arg(filter string) (tplArg, error) {
	at := c.pos
	switch ch := c.peek(); {
	case ch == '\'' || ch == '"':
		s, err := c.str()
		return tplArg{text: s, off: at}, err
	case ch == '-' || ch >= '0' && ch <= '9':
		c.pos++
		for c.pos < c.end && (c.s[c.pos] >= '0' && c.s[c.pos] <= '9' || c.s[c.pos] == '.') {
			c.pos++
		}
		return tplArg{text: c.s[at:c.pos], number: true, off: at}, nil
	case c.done():
		return tplArg{}, c.p.errAt(at, "expected a value after %s:, such as a quoted string", filter)
	default:
		return tplArg{}, c.p.errAt(at, "unexpected %q in the arguments of %s: expected a quoted string or a number", c.rest(), filter)
	}
}
