package merge

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	gmhtml "github.com/yuin/goldmark/renderer/html"
)

// markdown renders GFM (tables, strikethrough, autolinks) without raw HTML
// passthrough and without typographic rewrites, so what users typed is what
// recipients read. A line break in the template is a line break in the
// message (hard wraps): people write mail line by line, and a signature block
// joined into one line is a surprise nobody wants. Safe for concurrent use.
var markdown = goldmark.New(goldmark.WithExtensions(extension.GFM), goldmark.WithRendererOptions(gmhtml.WithHardWraps()))

// protected is template source whose {{…}} and {%…%} constructs have been
// replaced by ASCII placeholders, so that Markdown rendering and HTML-to-text
// conversion never see (or mangle) template syntax, and merged values are
// substituted only afterwards: a cell holding `*x*` or `<b>` never becomes
// markup.
//
// Placeholders are letters and digits only: they survive emphasis, links,
// autolinking and URL escaping unchanged.
type protected struct {
	text       string
	prefix     string   // unique to this source
	constructs []string // by placeholder number
}

// protectConstructs replaces every template construct in src by a placeholder.
// An unterminated construct is left as is; the template compiler reports it.
func protectConstructs(src string) protected {
	p := protected{prefix: placeholderPrefix(src)}
	var b strings.Builder
	rest := src
	for {
		i := tplNextDelim(rest, 0)
		if i < 0 {
			break
		}
		end := "}}"
		if rest[i+1] == '%' {
			end = "%}"
		}
		j := strings.Index(rest[i+2:], end)
		if j < 0 {
			break
		}
		j += i + 2 + len(end)
		if end == "}}" && i > 0 && rest[i-1] == '<' && j < len(rest) && rest[j] == '>' {
			// An autolink <{{ V }}>, which goldmark would drop: a link
			// whose text and address are the value.
			b.WriteString(rest[:i-1])
			b.WriteString("[")
			p.writePlaceholder(&b, len(p.constructs))
			b.WriteString("](")
			p.writePlaceholder(&b, len(p.constructs))
			b.WriteString(")")
			p.constructs = append(p.constructs, rest[i:j])
			rest = rest[j+1:]
			continue
		}
		b.WriteString(rest[:i])
		p.writePlaceholder(&b, len(p.constructs))
		p.constructs = append(p.constructs, rest[i:j])
		rest = rest[j:]
	}
	b.WriteString(rest)
	p.text = b.String()
	return p
}

// placeholderPrefix returns a prefix for placeholders that src does not
// contain: "qzsm", or "qzsm" and four letters that never follow "qzsm" in src,
// found in one pass whatever src holds. The letters are never q, so a
// placeholder can only start at its own q, whatever text precedes it.
func placeholderPrefix(src string) string {
	const base = "qzsm"
	if !strings.Contains(src, base) {
		return base
	}
	used := map[string]bool{}
	for rest := src; ; {
		i := strings.Index(rest, base)
		if i < 0 {
			break
		}
		rest = rest[i+len(base):]
		used[rest[:min(4, len(rest))]] = true
	}
	// 24⁴ candidates: more than a template of MaxTemplateSize bytes can
	// rule out, one per 4 bytes at most.
	const letters = "abcdefghijklmnoprstuvwyz"
	for n := 0; ; n++ {
		s := []byte{letters[n/(24*24*24)%24], letters[n/(24*24)%24], letters[n/24%24], letters[n%24]}
		if !used[string(s)] || n >= 24*24*24*24-1 {
			return base + string(s)
		}
	}
}

func (p *protected) writePlaceholder(b *strings.Builder, n int) {
	b.WriteString(p.prefix)
	b.WriteString(strconv.Itoa(n))
	b.WriteString("x")
}

// restore puts the constructs back into s, which was derived from p.text.
func (p *protected) restore(s string) string {
	if len(p.constructs) == 0 {
		return s
	}
	re := regexp.MustCompile(regexp.QuoteMeta(p.prefix) + `([0-9]+)x`)
	return re.ReplaceAllStringFunc(s, func(m string) string {
		n, err := strconv.Atoi(m[len(p.prefix) : len(m)-1])
		if err != nil || n >= len(p.constructs) {
			return m
		}
		return p.constructs[n]
	})
}

// unwrapTagParagraphs moves {% … %} tags that open or close a paragraph
// (on lines of their own) outside of it, and removes paragraphs that hold only tags, so that a
// condition on lines of its own leaves no empty <p></p> behind when false:
// "<p>{% if X %}\nText\n{% endif %}</p>" becomes
// "{% if X %}\n<p>Text</p>\n{% endif %}".
func (p *protected) unwrapTagParagraphs(html string) string {
	if len(p.constructs) == 0 {
		return html
	}
	ph := regexp.QuoteMeta(p.prefix) + `[0-9]+x`
	// Only tags on lines of their own move: an inline {% if %}…{% endif %}
	// stays where it is.
	lead := regexp.MustCompile(`<p>((?:` + ph + `[ \t]*\n)+)`)
	trail := regexp.MustCompile(`((?:\n[ \t]*` + ph + `)+)</p>`)
	isTag := func(f string) bool {
		n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(f, p.prefix), "x"))
		return err == nil && n < len(p.constructs) && strings.HasPrefix(p.constructs[n], "{%")
	}
	// A tag on a line of its own is not a line of the message: drop the hard
	// line break the renderer put after it, or before it when it ends the
	// paragraph's last line.
	after := regexp.MustCompile(`(\n|<p>)(` + ph + `)<br\s*/?>\n`)
	html = after.ReplaceAllStringFunc(html, func(m string) string {
		g := after.FindStringSubmatch(m)
		if isTag(g[2]) {
			return g[1] + g[2] + "\n"
		}
		return m
	})
	before := regexp.MustCompile(`<br\s*/?>\n(` + ph + `)(\n|</p>)`)
	html = before.ReplaceAllStringFunc(html, func(m string) string {
		g := before.FindStringSubmatch(m)
		if isTag(g[1]) {
			return "\n" + g[1] + g[2]
		}
		return m
	})
	// tagRun splits a run of placeholders into its leading (or trailing)
	// tags and the rest.
	tagRun := func(run string, fromEnd bool) (tags, rest []string) {
		fs := strings.Fields(run)
		if fromEnd {
			i := len(fs)
			for i > 0 && isTag(fs[i-1]) {
				i--
			}
			return fs[i:], fs[:i]
		}
		i := 0
		for i < len(fs) && isTag(fs[i]) {
			i++
		}
		return fs[:i], fs[i:]
	}
	html = lead.ReplaceAllStringFunc(html, func(m string) string {
		tags, rest := tagRun(strings.TrimPrefix(m, "<p>"), false)
		if len(tags) == 0 {
			return m
		}
		out := strings.Join(tags, "\n") + "\n<p>"
		if len(rest) > 0 {
			out += strings.Join(rest, " ") + " "
		}
		return out
	})
	html = trail.ReplaceAllStringFunc(html, func(m string) string {
		tags, rest := tagRun(strings.TrimSuffix(m, "</p>"), true)
		if len(tags) == 0 {
			return m
		}
		out := ""
		if len(rest) > 0 {
			out = " " + strings.Join(rest, " ")
		}
		return out + "</p>\n" + strings.Join(tags, "\n")
	})
	return strings.ReplaceAll(html, "<p></p>\n", "")
}

// markdownTemplates turns a Markdown body into the sources of two templates:
// HTML (to be rendered with escaping) and plain text.
func markdownTemplates(body string) (htmlSrc, textSrc string, err error) {
	if err := markdownLimits(body); err != nil {
		return "", "", err
	}
	p := protectConstructs(body)
	var buf bytes.Buffer
	if err := markdown.Convert([]byte(p.text), &buf); err != nil {
		return "", "", fmt.Errorf("render markdown: %w", err)
	}
	h := p.unwrapTagParagraphs(buf.String())
	return p.restore(h), p.restore(htmlToText(h)), nil
}

// htmlTextTemplate derives the plain-text template from an HTML body.
func htmlTextTemplate(body string) string {
	p := protectConstructs(body)
	return p.restore(htmlToText(p.text))
}

// maxMarkdownNesting is how deeply blockquotes and lists may nest in a
// Markdown body. Goldmark's time grows with the square of the nesting (100,000
// nested > took 9 s); no letter nests more than a few levels.
const maxMarkdownNesting = 100

// maxMarkdownBracketWork bounds the sum, over the paragraphs of a Markdown
// body, of the paragraph's [ count times its length in bytes: goldmark looks
// for the end of every unfinished link ([x]( or [a]: …) up to the end of its
// paragraph, so that its time is that product. 1<<28 is a few tenths of a
// second; a letter with a link every line uses well under 1/1000 of it.
const maxMarkdownBracketWork = 1 << 28

// markdownLimits refuses, before goldmark sees it, a Markdown body whose
// rendering time would grow faster than its size: blockquotes and lists
// nested deeper than maxMarkdownNesting, or paragraphs with too many
// brackets for their length. The error is a *SyntaxError located in the
// body. Nesting is estimated from each line's > and list markers and from
// the list items its indentation keeps it in, which may overcount indented
// lists by up to a half but never misses a level goldmark would open.
func markdownLimits(body string) error {
	if len(body) > MaxTemplateSize {
		return &SyntaxError{Line: 1, Col: 1, Msg: fmt.Sprintf("the template is larger than %d KiB", MaxTemplateSize>>10)}
	}
	var items []int // content columns of the open list items, after the line's leading > markers
	work := 0
	paraLine, paraBytes, paraBrackets := 0, 0, 0
	endParagraph := func() error {
		work += paraBrackets * paraBytes
		if work > maxMarkdownBracketWork {
			return &SyntaxError{Line: paraLine, Col: 1, Msg: "too many [ brackets in this paragraph for its length: separate its lines with blank lines"}
		}
		paraBytes, paraBrackets = 0, 0
		return nil
	}
	lineNo := 0
	for rest := body; rest != ""; {
		var l string
		l, rest, _ = strings.Cut(rest, "\n")
		lineNo++
		i, quotes := 0, 0
		for {
			j := i
			for j < len(l) && (l[j] == ' ' || l[j] == '\t') {
				j++
			}
			if j < len(l) && l[j] == '>' {
				quotes++
				i = j + 1
				continue
			}
			break
		}
		if quotes > maxMarkdownNesting {
			return &SyntaxError{Line: lineNo, Col: 1, Msg: fmt.Sprintf("blockquotes nested deeper than %d levels", maxMarkdownNesting)}
		}
		col, pos := 0, i
		for pos < len(l) && (l[pos] == ' ' || l[pos] == '\t') {
			col = markdownAdvance(col, l[pos])
			pos++
		}
		if pos == len(l) { // blank, or only > markers: a paragraph ends
			if err := endParagraph(); err != nil {
				return err
			}
			continue
		}
		if paraBytes == 0 {
			paraLine = lineNo
		}
		paraBytes += len(l) + 1
		paraBrackets += strings.Count(l, "[")
		for len(items) > 0 && items[len(items)-1] > col {
			items = items[:len(items)-1]
		}
		depth, lists := quotes+len(items), len(items)
		for pos < len(l) && depth <= maxMarkdownNesting {
			n := markdownMarker(l[pos:])
			if n == 0 {
				break
			}
			depth++
			if l[pos] != '>' {
				lists++
				items = append(items, col+n+1)
			}
			for k := 0; k < n; k++ {
				col = markdownAdvance(col, l[pos])
				pos++
			}
			for pos < len(l) && (l[pos] == ' ' || l[pos] == '\t') {
				col = markdownAdvance(col, l[pos])
				pos++
			}
		}
		if depth > maxMarkdownNesting {
			what := "blockquotes"
			if lists > depth-lists {
				what = "lists"
			}
			return &SyntaxError{Line: lineNo, Col: 1, Msg: fmt.Sprintf("%s nested deeper than %d levels", what, maxMarkdownNesting)}
		}
	}
	return endParagraph()
}

// markdownAdvance returns the column after c at col, tabs stopping every 4.
func markdownAdvance(col int, c byte) int {
	if c == '\t' {
		return col + 4 - col%4
	}
	return col + 1
}

// markdownMarker returns the length of the blockquote (>) or list marker
// (-, +, *, 1. or 1)) that s starts with, or 0. A list marker must be
// followed by white space or the end of the line.
func markdownMarker(s string) int {
	if s[0] == '>' {
		return 1
	}
	n := 0
	switch {
	case s[0] == '-' || s[0] == '+' || s[0] == '*':
		n = 1
	case s[0] >= '0' && s[0] <= '9':
		for n < len(s) && n < 9 && s[n] >= '0' && s[n] <= '9' {
			n++
		}
		if n == len(s) || s[n] != '.' && s[n] != ')' {
			return 0
		}
		n++
	default:
		return 0
	}
	if n < len(s) && s[n] != ' ' && s[n] != '\t' {
		return 0
	}
	return n
}
