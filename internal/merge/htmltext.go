package merge

import (
	"errors"
	"fmt"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// htmlToText renders HTML as readable plain text: block elements start new
// lines (paragraphs and headings are separated by a blank line), list items
// start with "- " (or "1. " in ordered lists), links read "text (url)",
// images give their alt text, entities are decoded and no tag remains.
// Scripts, styles and the document head are dropped.
func htmlToText(src string) string {
	c := textConverter{}
	ScanHTML(src, htmlTokens{
		text: func(t string) {
			if c.skip == 0 {
				c.text(t)
			}
		},
		start: c.start, end: c.end})
	return c.finish()
}

// htmlTokens adapts functions to HTMLHandler.
type htmlTokens struct {
	text  func(string)
	start func(atom.Atom, map[string]string, bool)
	end   func(atom.Atom)
}

func (h htmlTokens) Text(s string)                                    { h.text(s) }
func (h htmlTokens) Start(a atom.Atom, at map[string]string, sc bool) { h.start(a, at, sc) }
func (h htmlTokens) End(a atom.Atom)                                  { h.end(a) }

// HTMLHandler receives an HTML document's tokens in order: text (entities
// decoded), start tags with their attributes, end tags. Unknown tags come
// as atom 0.
type HTMLHandler interface {
	Text(s string)
	Start(a atom.Atom, attrs map[string]string, selfClosing bool)
	End(a atom.Atom)
}

// ScanHTML tokenizes src as browsers do (golang.org/x/net/html: any input,
// however broken, gives tokens and never an error) and hands each one to
// h: the one HTML reading of the plain-text part and of the window's
// preview.
func ScanHTML(src string, h HTMLHandler) {
	z := html.NewTokenizer(strings.NewReader(src))
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return // io.EOF: a strings.Reader fails in no other way
		case html.TextToken:
			h.Text(string(z.Text()))
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			var attrs map[string]string
			for hasAttr {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				if attrs == nil {
					attrs = map[string]string{}
				}
				attrs[string(k)] = string(v)
			}
			h.Start(atom.Lookup(name), attrs, tt == html.SelfClosingTagToken)
		case html.EndTagToken:
			name, _ := z.TagName()
			h.End(atom.Lookup(name))
		}
	}
}

// maxTextListIndent is the deepest list level the text part indents: past
// it, items stay at the same indentation, so that a body of thousands of
// nested lists cannot make a text part quadratic in its size.
const maxTextListIndent = 16

type textConverter struct {
	b       strings.Builder
	skip    int      // depth inside script/style/head/title
	pre     int      // depth inside <pre>
	lists   []int    // per open list: 0 for <ul>, else the next number of <ol>
	links   []string // hrefs of open <a>, with the text length when they opened
	linkPos []int
	newline int  // newlines wanted before the next text (max of requests)
	space   bool // a space is pending before the next text
	cell    bool // a table cell was written on this line
}

func (c *textConverter) block(n int) {
	if c.b.Len() > 0 {
		c.newline = max(c.newline, n)
	}
	c.space = false
}

func (c *textConverter) start(a atom.Atom, attrs map[string]string, selfClosing bool) {
	switch a {
	case atom.Script, atom.Style, atom.Head, atom.Title:
		if !selfClosing {
			c.skip++
		}
	case atom.P, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Blockquote, atom.Table:
		c.block(2)
	case atom.Pre:
		c.block(2)
		c.pre++
	case atom.Div, atom.Section, atom.Article, atom.Header, atom.Footer, atom.Tr, atom.Dt, atom.Dd:
		c.block(1)
		c.cell = false
	case atom.Ul, atom.Ol:
		if len(c.lists) == 0 {
			c.block(2)
		} else {
			c.block(1)
		}
		n := 0
		if a == atom.Ol {
			n = 1
		}
		c.lists = append(c.lists, n)
	case atom.Li:
		c.block(1)
		c.flushNewlines()
		indent := strings.Repeat("  ", min(maxTextListIndent, max(0, len(c.lists)-1)))
		marker := "- "
		if k := len(c.lists) - 1; k >= 0 && c.lists[k] > 0 {
			marker = itoa(c.lists[k]) + ". "
			c.lists[k]++
		}
		c.b.WriteString(indent + marker)
	case atom.Br:
		c.b.WriteString("\n")
		c.space = false
	case atom.Hr:
		c.block(2)
		c.flushNewlines()
		c.b.WriteString("---")
		c.block(2)
	case atom.Td, atom.Th:
		if c.cell {
			c.b.WriteString(" | ")
			c.space = false
		}
		c.cell = true
	case atom.A:
		c.links = append(c.links, attrs["href"])
		c.linkPos = append(c.linkPos, c.b.Len())
	case atom.Img:
		if alt := strings.TrimSpace(attrs["alt"]); alt != "" {
			c.text(alt)
		}
	}
}

func (c *textConverter) end(a atom.Atom) {
	switch a {
	case atom.Script, atom.Style, atom.Head, atom.Title:
		if c.skip > 0 {
			c.skip--
		}
	case atom.P, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Blockquote, atom.Table:
		c.block(2)
	case atom.Pre:
		if c.pre > 0 {
			c.pre--
		}
		c.block(2)
	case atom.Div, atom.Section, atom.Article, atom.Header, atom.Footer, atom.Tr, atom.Li, atom.Dt, atom.Dd:
		c.block(1)
	case atom.Ul, atom.Ol:
		if len(c.lists) > 0 {
			c.lists = c.lists[:len(c.lists)-1]
		}
		if len(c.lists) == 0 {
			c.block(2)
		} else {
			c.block(1)
		}
	case atom.A:
		k := len(c.links) - 1
		if k < 0 {
			return
		}
		href, pos := strings.TrimSpace(c.links[k]), c.linkPos[k]
		c.links, c.linkPos = c.links[:k], c.linkPos[:k]
		label := strings.TrimSpace(c.b.String()[pos:])
		if href == "" || strings.HasPrefix(href, "#") || href == label || strings.TrimPrefix(href, "mailto:") == label {
			return
		}
		c.b.WriteString(" (" + href + ")")
	}
}

func (c *textConverter) flushNewlines() {
	if c.newline > 0 {
		c.b.WriteString(strings.Repeat("\n", c.newline))
		c.newline = 0
	}
}

func (c *textConverter) text(s string) {
	if c.pre > 0 {
		c.flushNewlines()
		c.b.WriteString(s)
		return
	}
	lead := s != "" && isHTMLSpace(s[0])
	trail := s != "" && isHTMLSpace(s[len(s)-1])
	words := strings.Fields(s)
	if len(words) == 0 {
		if s != "" && c.b.Len() > 0 && c.newline == 0 {
			c.space = true
		}
		return
	}
	if c.newline > 0 {
		c.flushNewlines()
		c.space = false
	} else if (c.space || lead) && c.b.Len() > 0 && !endsWithSpace(c.b.String()) {
		c.b.WriteString(" ")
	}
	c.b.WriteString(strings.Join(words, " "))
	c.space = trail
}

func (c *textConverter) finish() string {
	lines := strings.Split(c.b.String(), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t")
	}
	return strings.TrimSpace(strings.Join(lines, "\n")) + "\n"
}

func isHTMLSpace(b byte) bool {
	return b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == '\f'
}

func endsWithSpace(s string) bool {
	return s != "" && (s[len(s)-1] == ' ' || s[len(s)-1] == '\n')
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

// ErrUnsafeLink is what every *UnsafeLinkError unwraps to.
var ErrUnsafeLink = errors.New("link address is not http, https or mailto")

// UnsafeLinkError is a cell that would start the address of a link or an
// image with something other than http:, https: or mailto: (javascript:,
// data:, file:, a relative address…), which a recipient's mail program
// could run or resolve against something of theirs.
type UnsafeLinkError struct {
	Column string // the column as written in the template, "" for a literal
	Value  string
}

func (e *UnsafeLinkError) Error() string {
	return fmt.Sprintf("column %q: %q is not an http, https or mailto link", e.Column, clip(e.Value, 60))
}

// Unwrap returns ErrUnsafeLink.
func (e *UnsafeLinkError) Unwrap() error { return ErrUnsafeLink }

// linkValue checks the value of a link output and returns it trimmed: an
// http, https or mailto URL, a bare e-mail address (Render writes mailto:
// before it) or "".
func (t *Template) linkValue(o *tplOutput, v string) (string, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return v, nil
	}
	scheme, _, hasScheme := strings.Cut(v, ":")
	switch {
	case hasScheme && !strings.ContainsAny(scheme, "/?#@"):
		for _, ok := range [...]string{"http", "https", "mailto"} {
			if strings.EqualFold(scheme, ok) {
				return v, nil
			}
		}
	case !hasScheme && strings.Contains(v, "@") && !strings.ContainsAny(v, "/\\ \t\r\n"):
		return v, nil
	}
	name := ""
	if o.ref >= 0 {
		name = t.refs[o.ref].Name
	}
	return "", &UnsafeLinkError{Column: name, Value: v}
}

// linkAttrs are the HTML attributes whose value is an address a mail
// program follows or loads.
var linkAttrs = map[string]bool{
	"href": true, "src": true, "action": true, "formaction": true, "background": true,
	"poster": true, "cite": true, "longdesc": true, "srcset": true, "xlink:href": true, "data": true,
}

// linkScan walks the tags of an HTML template, skipping template
// constructs as units. For every attribute value it calls attr with the
// attribute name, where the value starts and ends, and whether it was
// quoted.
func linkScan(src string, attr func(name string, start, end int, quoted bool)) {
	skipConstruct := func(i int) int { // i at {{ or {%: the offset after it
		closer := "}}"
		if src[i+1] == '%' {
			closer = "%}"
		}
		if j := strings.Index(src[i+2:], closer); j >= 0 {
			return i + 2 + j + 2
		}
		return len(src)
	}
	isDelim := func(i int) bool { return i+1 < len(src) && src[i] == '{' && (src[i+1] == '{' || src[i+1] == '%') }
	isSpace := func(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' }
	for i := 0; i < len(src); {
		switch {
		case strings.HasPrefix(src[i:], "<!--"):
			if j := strings.Index(src[i+4:], "-->"); j >= 0 {
				i += 4 + j + 3
			} else {
				return
			}
			continue
		case isDelim(i):
			i = skipConstruct(i)
			continue
		case src[i] != '<' || i+1 >= len(src) || !(src[i+1] >= 'a' && src[i+1] <= 'z' || src[i+1] >= 'A' && src[i+1] <= 'Z'):
			i++
			continue
		}
		// A tag: its name, then attributes up to >.
		i++
		for i < len(src) && !isSpace(src[i]) && src[i] != '>' && src[i] != '/' {
			i++
		}
		for i < len(src) && src[i] != '>' {
			if isSpace(src[i]) || src[i] == '/' {
				i++
				continue
			}
			if isDelim(i) {
				i = skipConstruct(i)
				continue
			}
			nameStart := i
			for i < len(src) && !isSpace(src[i]) && src[i] != '>' && src[i] != '=' && src[i] != '/' && !isDelim(i) {
				i++
			}
			name := strings.ToLower(src[nameStart:i])
			j := i
			for j < len(src) && isSpace(src[j]) {
				j++
			}
			if j >= len(src) || src[j] != '=' {
				continue
			}
			j++
			for j < len(src) && isSpace(src[j]) {
				j++
			}
			if j < len(src) && (src[j] == '"' || src[j] == '\'') {
				k := strings.IndexByte(src[j+1:], src[j])
				if k < 0 {
					return
				}
				attr(name, j+1, j+1+k, true)
				i = j + 1 + k + 1
				continue
			}
			k := j
			for k < len(src) && !isSpace(src[k]) && src[k] != '>' {
				if isDelim(k) {
					k = skipConstruct(k)
					continue
				}
				k++
			}
			attr(name, j, k, false)
			i = k
		}
		i++
	}
}

// quoteCellAttributes puts quotes around every unquoted attribute value that
// holds a template output, so that a cell with a space or a > cannot add
// attributes or end the tag: <a href={{ V }}> becomes <a href="{{ V }}">.
func quoteCellAttributes(src string) string {
	var b strings.Builder
	last := 0
	linkScan(src, func(_ string, start, end int, quoted bool) {
		if quoted || !strings.Contains(src[start:end], "{{") {
			return
		}
		b.WriteString(src[last:start])
		b.WriteByte('"')
		b.WriteString(src[start:end])
		b.WriteByte('"')
		last = end
	})
	if last == 0 {
		return src
	}
	b.WriteString(src[last:])
	return b.String()
}

// markLinks flags the outputs of an HTML template that start the value of
// a link attribute (href="{{ V }}…", src=…): their cells decide what the
// link does, so Render checks them (linkValue). An output after fixed text
// (href="https://example.com/{{ V }}") is not flagged: the template chose
// the scheme. It returns the flagged outputs' column references.
func (t *Template) markLinks() []Ref {
	starts := map[int]bool{}
	linkScan(t.src, func(name string, start, end int, _ bool) {
		if !linkAttrs[name] {
			return
		}
		v := strings.TrimLeft(t.src[start:end], " \t\r\n\f")
		if strings.HasPrefix(v, "{{") {
			starts[end-len(v)] = true
		}
	})
	var refs []Ref
	for i := range t.outs {
		o := &t.outs[i]
		if starts[o.off] {
			o.link = true
			if o.ref >= 0 {
				refs = append(refs, t.refs[o.ref])
			}
		}
	}
	return refs
}

// safeLinks quotes the unquoted attribute values of the HTML template t
// that hold outputs, and flags its link outputs (markLinks). It returns the
// template to render and the column references that start a link address.
func (m *Merger) safeLinks(t *Template, errs *[]error) (*Template, []Ref) {
	if q := quoteCellAttributes(t.Source()); q != t.Source() {
		if t = m.derived("Body", q, errs); t == nil {
			return nil, nil
		}
	}
	return t, t.markLinks()
}
