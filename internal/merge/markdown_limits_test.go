package merge

import (
	"strings"
	"testing"
)

// nestedList is a list nested depth levels by indentation, one item a line.
func nestedList(depth int) string {
	var b strings.Builder
	for i := range depth {
		b.WriteString(strings.Repeat("  ", i))
		b.WriteString("- item\n")
	}
	return b.String()
}

// hostileSpec is a template file whose body is body.
func hostileSpec(t testing.TB, format, body string) *Spec {
	t.Helper()
	src := "From: me@example.com\nTo: {{ Email }}\nSubject: s\nFormat: " + format + "\n\n" + body
	s, err := ParseSpec(strings.NewReader(src), "hostile.tpl")
	if err != nil {
		t.Fatalf("ParseSpec: %v", err)
	}
	return s
}

// TestHostileMarkdownRefused feeds bodies whose Markdown rendering grows
// faster than their size (100,000 nested > took 9 s) and expects a located
// refusal instead of the wait.
func TestHostileMarkdownRefused(t *testing.T) {
	tests := []struct {
		name, body, want string
	}{
		{"100k nested quotes", strings.Repeat(">", 100_000) + " x\n", "hostile.tpl:6:1: Body: blockquotes nested deeper than 100 levels"},
		{"only quote markers", strings.Repeat(">", 100_000), "hostile.tpl:6:1: Body: blockquotes nested deeper than 100 levels"},
		{"quotes with spaces after a paragraph", "Hello\n\n" + strings.Repeat("> ", 50_000) + "x\n", "hostile.tpl:8:1: Body: blockquotes nested deeper than 100 levels"},
		{"indented lists", "Hi\n" + nestedList(300), "hostile.tpl:107:1: Body: lists nested deeper than 100 levels"},
		{"bullets on one line", strings.Repeat("- ", 100_000) + "x\n", "lists nested deeper than 100 levels"},
		{"ordered on one line", strings.Repeat("1. ", 100_000) + "x\n", "lists nested deeper than 100 levels"},
		{"quotes and lists", strings.Repeat("> - ", 50_000) + "x\n", "nested deeper than 100 levels"},
		{"lists in a quote", func() string {
			var b strings.Builder
			for i := range 300 {
				b.WriteString("> " + strings.Repeat("  ", i) + "* x\n")
			}
			return b.String()
		}(), "nested deeper than 100 levels"},
		{"unfinished links", strings.Repeat("[x](", 250_000), "hostile.tpl:6:1: Body: too many [ brackets in this paragraph"},
		{"link definitions", strings.Repeat("[a]: b\n", 140_000), "hostile.tpl:6:1: Body: too many [ brackets"},
		{"larger than 1 MiB", strings.Repeat("word ", 210_000), "Body: the template is larger than 1024 KiB"},
	}
	h := NewHeader([]string{"Email"})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewMerger(hostileSpec(t, "markdown", tt.body), h, Options{})
			if err == nil {
				t.Fatalf("NewMerger accepted a %d-byte hostile body; want an error containing %q", len(tt.body), tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("NewMerger error = %q; want it to contain %q", err, tt.want)
			}
		})
	}
}

// TestHostileTemplatesRendered are large templates that are legitimate in
// form and must render, in time that grows with their size (each of them
// took minutes or hours before).
func TestHostileTemplatesRendered(t *testing.T) {
	tests := []struct {
		name, format, body string
		wantText           string // a substring of the text part
	}{
		{"placeholder lookalike", "markdown", "qzsm" + strings.Repeat("q", 500_000) + " {{ Email }}", "q a@example.com"},
		{"many outputs in a paragraph", "markdown", strings.Repeat("{{ Email }}", 40_000), "a@example.coma@example.com"},
		{"many tags in a paragraph", "markdown", strings.Repeat("{% if Email %}y{% endif %}", 30_000), "yyy"},
		{"long and chain", "text", "{% if " + strings.Repeat("Email and ", 100_000) + "Email %}yes{% endif %}", "yes"},
		{"deep but allowed nesting", "markdown", strings.Repeat("> ", 90) + "deep\n\n" + nestedList(40), "deep"},
		{"nested HTML lists", "html", strings.Repeat("<ul><li>x", 20_000), "x"},
	}
	h := NewHeader([]string{"Email"})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := NewMerger(hostileSpec(t, tt.format, tt.body), h, Options{})
			if err != nil {
				t.Fatalf("NewMerger: %v", err)
			}
			msg, err := m.Render(0, 2, []string{"a@example.com"})
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			if !strings.Contains(msg.Text, tt.wantText) {
				t.Errorf("text part (%d bytes) does not contain %q", len(msg.Text), tt.wantText)
			}
			if len(msg.Text) > 40*len(tt.body) {
				t.Errorf("text part is %d bytes for a %d-byte body", len(msg.Text), len(tt.body))
			}
		})
	}
}

// BenchmarkHostileMarkdown measures the worst bodies the limits let
// through, each about 1 MiB, and one refused before goldmark.
func BenchmarkHostileMarkdown(b *testing.B) {
	fill := func(unit string) string { return strings.Repeat(unit, (MaxTemplateSize-1024)/len(unit)) }
	for _, bc := range []struct{ name, body string }{
		{"quotes depth 100 every line", fill(strings.Repeat("> ", 99) + "x\n")},
		{"list depth 100", func() string {
			s := nestedList(99)
			return s + strings.Repeat(strings.Repeat("  ", 99)+"- x\n", (MaxTemplateSize-len(s)-1024)/202)
		}()},
		{"links at the bracket budget", strings.Repeat("[x](", 8_000) + "\n\n" + fill("word ")[:MaxTemplateSize/2]},
		{"link definitions at the budget", strings.Repeat("[a]: b\n", 6_000)},
		{"letter", fill("Dear {{ Email }}, see [our site](https://example.com) and **bold** text.\n\n")},
		{"refused: 100k nested quotes", strings.Repeat(">", 100_000)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(bc.body)))
			for b.Loop() {
				markdownTemplates(bc.body)
			}
		})
	}
}
