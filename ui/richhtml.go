package ui

import (
	"net/url"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
	"golang.org/x/net/html/atom"

	"github.com/securemerge/securemerge/internal/merge"
)

// maxListDepth bounds nested lists: deeper ones are laid out as the
// paragraphs of the deepest list, so that a hostile message cannot make the
// preview recurse without end.
const maxListDepth = 8

// richHTML lays an HTML message body out as RichText segments, as a mail
// program would show it: paragraphs, line breaks, headings, bold and
// italic, links, lists, quotes, rules and preformatted text. Tags it does
// not know show their text, and so does <u> (Fyne's test theme has no font
// for underlined text, and measuring text without a font panics); the
// content of head, style and script is not shown. Any input gives segments (never a panic): the HTML comes from the
// person's own template and spreadsheet, but it is still input.
func richHTML(doc string) []widget.RichTextSegment {
	b := &richBuilder{lastSpace: true}
	b.frames = []*richFrame{{}}
	merge.ScanHTML(doc, b)
	return b.finish()
}

// Text, Start and End take the document's tokens (merge.HTMLHandler).
func (b *richBuilder) Text(t string) {
	if b.skip == 0 && !b.inHead {
		b.text(t)
	}
}

func (b *richBuilder) Start(a atom.Atom, attrs map[string]string, selfClosing bool) {
	b.start(a, attrs, selfClosing)
}

func (b *richBuilder) End(a atom.Atom) { b.end(a) }

// richFrame is where segments go: the document, or one list item.
type richFrame struct {
	segs []widget.RichTextSegment
	list *widget.ListSegment // set for a list's frame (segs unused)
	item *widget.ParagraphSegment
}

// richBuilder turns the tokens into segments. The inline run of the block
// being read is kept in line until the block ends.
type richBuilder struct {
	frames []*richFrame
	line   []widget.RichTextSegment
	// lastSpace drops the whitespace HTML collapses: at the start of a block
	// and after a space.
	lastSpace bool
	// gap asks for an empty line before the next block: paragraphs,
	// headings, lists and quotes stand apart, as a mail program shows them.
	gap bool

	bold, italic, mono int
	quote, pre, skip   int
	inHead             bool // in <head>, whose text is not shown
	heading            int  // 1…6 inside a heading, else 0
	lists              int

	link    *url.URL // the link being read, nil outside one
	inLink  bool
	linkBuf strings.Builder
}

func (b *richBuilder) top() *richFrame { return b.frames[len(b.frames)-1] }

// blockStart puts the empty line asked for before a block of the document.
func (b *richBuilder) blockStart() {
	if !b.gap {
		return
	}
	b.gap = false
	if f := b.top(); f.item == nil && f.list == nil && len(f.segs) > 0 {
		f.segs = append(f.segs, &widget.TextSegment{Style: widget.RichTextStyleParagraph})
	}
}

// apart marks the end (or start) of a block that stands apart.
func (b *richBuilder) apart() { b.gap = true }

// emit adds a segment where segments go now.
func (b *richBuilder) emit(s widget.RichTextSegment) {
	f := b.top()
	switch {
	case f.item != nil:
		f.item.Texts = append(f.item.Texts, s)
	case f.list != nil:
		// Text straight inside <ul>: an item of its own.
		f.list.Items = append(f.list.Items, &widget.ParagraphSegment{Texts: []widget.RichTextSegment{s}})
	default:
		f.segs = append(f.segs, s)
	}
}

func (b *richBuilder) style() widget.RichTextStyle {
	s := widget.RichTextStyleInline
	s.TextStyle = fyne.TextStyle{Bold: b.bold > 0 || b.heading > 0, Italic: b.italic > 0 || b.quote > 0, Monospace: b.mono > 0 || b.pre > 0}
	return s
}

func (b *richBuilder) text(t string) {
	if b.pre == 0 {
		t = collapseSpace(t)
		if b.lastSpace {
			t = strings.TrimPrefix(t, " ")
		}
		if t == "" {
			return
		}
		b.lastSpace = strings.HasSuffix(t, " ")
	} else if t == "" {
		return
	}
	if b.inLink {
		b.linkBuf.WriteString(t)
		return
	}
	st := b.style()
	if n := len(b.line); n > 0 {
		if prev, ok := b.line[n-1].(*widget.TextSegment); ok && prev.Style == st {
			prev.Text += t
			return
		}
	}
	b.line = append(b.line, &widget.TextSegment{Style: st, Text: t})
}

// collapseSpace turns every run of HTML whitespace into one space.
func collapseSpace(t string) string {
	var sb strings.Builder
	space := false
	for _, r := range t {
		if r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f' {
			space = true
			continue
		}
		if space {
			sb.WriteByte(' ')
			space = false
		}
		sb.WriteRune(r)
	}
	if space {
		sb.WriteByte(' ')
	}
	return sb.String()
}

// flush ends the block being read: its inline run becomes a line of its
// own. Headings and quotes become one segment, as RichText styles (and
// indents) only a whole segment.
func (b *richBuilder) flush() {
	b.endLink()
	if len(b.line) == 0 {
		b.lastSpace = true
		return
	}
	if last, ok := b.line[len(b.line)-1].(*widget.TextSegment); ok {
		last.Text = strings.TrimRight(last.Text, " ")
	}
	b.blockStart()
	switch {
	case b.heading > 0 || b.quote > 0:
		var sb strings.Builder
		for _, s := range b.line {
			sb.WriteString(s.Textual())
		}
		st := widget.RichTextStyleBlockquote
		switch {
		case b.heading == 1:
			st = widget.RichTextStyleHeading
		case b.heading == 2:
			st = widget.RichTextStyleSubHeading
		case b.heading > 2:
			st = widget.RichTextStyleParagraph
			st.TextStyle.Bold = true
		}
		if text := strings.TrimSpace(sb.String()); text != "" {
			b.emit(&widget.TextSegment{Style: st, Text: text})
		}
	case b.top().list != nil:
		// Text straight inside <ul>: an item of its own.
		l := b.top().list
		l.Items = append(l.Items, &widget.ParagraphSegment{Texts: b.line})
	default:
		for _, s := range b.line {
			b.emit(s)
		}
		if b.top().item == nil {
			b.emit(&widget.TextSegment{Style: widget.RichTextStyleParagraph})
		}
	}
	b.line = nil
	b.lastSpace = true
}

// lineBreak is <br>: the line so far ends, the block goes on.
func (b *richBuilder) lineBreak() {
	if b.heading > 0 || b.quote > 0 || b.inLink {
		b.text("\u00a0") // keeps the break visible as a space in one-segment blocks
		return
	}
	// The empty line before this block goes before its first line, not
	// after it.
	b.blockStart()
	b.line = append(b.line, &widget.TextSegment{Style: widget.RichTextStyleParagraph})
	for _, s := range b.line {
		b.emit(s)
	}
	b.line = nil
	b.lastSpace = true
}

func (b *richBuilder) endLink() {
	if !b.inLink {
		return
	}
	b.inLink = false
	text := b.linkBuf.String()
	b.linkBuf.Reset()
	if text == "" {
		return
	}
	b.line = append(b.line, &widget.HyperlinkSegment{Alignment: fyne.TextAlignLeading, Text: text, URL: b.link})
	b.link = nil
}

func (b *richBuilder) start(a atom.Atom, attrs map[string]string, selfClosing bool) {
	switch a {
	case atom.Head:
		b.inHead = !selfClosing
		return
	case atom.Body:
		b.inHead = false // HTML lets </head> be left out
		return
	case atom.Style, atom.Script, atom.Title, atom.Template, atom.Noscript:
		if !selfClosing {
			b.skip++
		}
		return
	}
	if b.skip > 0 || b.inHead {
		return
	}
	switch a {
	case atom.B, atom.Strong:
		b.bold++
	case atom.I, atom.Em, atom.Cite:
		b.italic++
	case atom.Code, atom.Tt, atom.Kbd, atom.Samp:
		b.mono++
	case atom.A:
		b.endLink()
		if u := safeLink(attrs["href"]); u != nil {
			b.link, b.inLink = u, true
		}
	case atom.Br:
		b.lineBreak()
	case atom.Hr:
		b.flush()
		b.blockStart()
		b.emit(&widget.SeparatorSegment{})
	case atom.Img:
		if alt := strings.TrimSpace(attrs["alt"]); alt != "" {
			b.italic++
			b.text("[" + alt + "]")
			b.italic--
		}
	case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
		b.flush()
		b.apart()
		b.heading = headingLevel(a)
	case atom.Blockquote:
		b.flush()
		b.apart()
		b.quote++
	case atom.Pre:
		b.flush()
		b.apart()
		b.pre++
	case atom.Ul, atom.Ol:
		b.flush()
		if b.lists >= maxListDepth {
			return
		}
		b.apart()
		b.blockStart()
		b.lists++
		l := &widget.ListSegment{Ordered: a == atom.Ol}
		b.emit(l)
		b.frames = append(b.frames, &richFrame{list: l})
	case atom.Li:
		b.flush()
		if b.top().item != nil {
			b.popFrame()
		}
		f := b.top()
		if f.list == nil {
			// An item outside any list (or past the depth limit).
			b.text("• ")
			return
		}
		item := &widget.ParagraphSegment{}
		f.list.Items = append(f.list.Items, item)
		b.frames = append(b.frames, &richFrame{item: item})
	case atom.P, atom.Table, atom.Dl:
		b.flush()
		b.apart()
	case atom.Div, atom.Tr, atom.Section, atom.Article, atom.Header, atom.Footer,
		atom.Dt, atom.Dd, atom.Center, atom.Address, atom.Figure, atom.Figcaption, atom.Main, atom.Nav, atom.Aside:
		b.flush()
	case atom.Td, atom.Th:
		if len(b.line) > 0 {
			b.text(" ")
			b.lastSpace = true
		}
	}
}

func (b *richBuilder) end(a atom.Atom) {
	switch a {
	case atom.Head:
		b.inHead = false
		return
	case atom.Style, atom.Script, atom.Title, atom.Template, atom.Noscript:
		if b.skip > 0 {
			b.skip--
		}
		return
	}
	if b.skip > 0 || b.inHead {
		return
	}
	dec := func(n *int) {
		if *n > 0 {
			*n--
		}
	}
	switch a {
	case atom.B, atom.Strong:
		dec(&b.bold)
	case atom.I, atom.Em, atom.Cite:
		dec(&b.italic)
	case atom.Code, atom.Tt, atom.Kbd, atom.Samp:
		dec(&b.mono)
	case atom.A:
		b.endLink()
	case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
		b.flush()
		b.heading = 0
		b.apart()
	case atom.Blockquote:
		b.flush()
		dec(&b.quote)
		b.apart()
	case atom.Pre:
		b.flush()
		dec(&b.pre)
		b.apart()
	case atom.Li:
		b.flush()
		if b.top().item != nil {
			b.popFrame()
		}
	case atom.Ul, atom.Ol:
		b.flush()
		for i := len(b.frames) - 1; i > 0; i-- {
			if b.frames[i].list != nil {
				b.frames = b.frames[:i]
				b.lists--
				b.apart()
				break
			}
		}
	case atom.P, atom.Table, atom.Dl:
		b.flush()
		b.apart()
	case atom.Div, atom.Tr, atom.Section, atom.Article, atom.Header, atom.Footer,
		atom.Dt, atom.Dd, atom.Center, atom.Address, atom.Figure, atom.Figcaption, atom.Main, atom.Nav, atom.Aside:
		b.flush()
	}
}

func (b *richBuilder) popFrame() {
	if len(b.frames) > 1 {
		b.frames = b.frames[:len(b.frames)-1]
	}
}

// finish closes what the document left open.
func (b *richBuilder) finish() []widget.RichTextSegment {
	b.flush()
	b.frames = b.frames[:1]
	segs := b.frames[0].segs
	// No empty line at the very end.
	for len(segs) > 0 {
		t, ok := segs[len(segs)-1].(*widget.TextSegment)
		if !ok || t.Text != "" {
			break
		}
		segs = segs[:len(segs)-1]
	}
	return segs
}

func headingLevel(a atom.Atom) int {
	switch a {
	case atom.H1:
		return 1
	case atom.H2:
		return 2
	case atom.H3:
		return 3
	case atom.H4:
		return 4
	case atom.H5:
		return 5
	}
	return 6
}

// safeLink is a link the preview may open: http, https or mailto. Any
// other address shows as text.
func safeLink(href string) *url.URL {
	u, err := url.Parse(strings.TrimSpace(href))
	if err != nil {
		return nil
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https", "mailto":
		return u
	}
	return nil
}

// plainSegments shows a text part as it is sent: its lines as they are.
func plainSegments(text string) []widget.RichTextSegment {
	text = strings.TrimRight(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	var segs []widget.RichTextSegment
	for _, line := range strings.Split(text, "\n") {
		segs = append(segs, &widget.TextSegment{Style: widget.RichTextStyleParagraph, Text: line})
	}
	return segs
}
