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
	p := protected{prefix: "qzsm"}
	for strings.Contains(src, p.prefix) {
		p.prefix += "q"
	}
	var b strings.Builder
	rest := src
	for {
		i := indexConstructStart(rest)
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
		b.WriteString(rest[:i])
		p.writePlaceholder(&b, len(p.constructs))
		p.constructs = append(p.constructs, rest[i:j])
		rest = rest[j:]
	}
	b.WriteString(rest)
	p.text = b.String()
	return p
}

func indexConstructStart(s string) int {
	a, b := strings.Index(s, "{{"), strings.Index(s, "{%")
	switch {
	case a < 0:
		return b
	case b < 0:
		return a
	}
	return min(a, b)
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
