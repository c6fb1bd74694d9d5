package merge

import (
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
	z := html.NewTokenizer(strings.NewReader(src))
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return c.finish()
		case html.TextToken:
			if c.skip == 0 {
				c.text(string(z.Text()))
			}
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
			c.start(atom.Lookup(name), attrs, tt == html.SelfClosingTagToken)
		case html.EndTagToken:
			name, _ := z.TagName()
			c.end(atom.Lookup(name))
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
