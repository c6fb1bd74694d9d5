package merge

import (
	"errors"
	"strings"
	"testing"
)

// renderLink renders one row of a body whose Site cell is value.
func renderLink(t *testing.T, format Format, body, value string) (*Message, error) {
	t.Helper()
	spec := &Spec{From: "me@example.com", To: "a@example.com", Subject: "s", Format: format, Body: body}
	m, err := NewMerger(spec, NewHeader([]string{"Site"}), Options{Now: fixedNow})
	if err != nil {
		t.Fatalf("NewMerger(body %q): %v", body, err)
	}
	return m.Render(0, 7, []string{value})
}

// TestLinksFromCellsRefused: a cell that starts a link or image address
// may only make it http, https or mailto; anything else fails that row,
// naming the row and the column.
func TestLinksFromCellsRefused(t *testing.T) {
	bodies := []struct {
		format Format
		body   string
	}{
		{FormatMarkdown, "[our site]({{ Site }})"},
		{FormatMarkdown, "![logo]({{ Site }})"},
		{FormatHTML, `<p><a href="{{ Site }}">our site</a></p>`},
		{FormatHTML, `<p><img src='{{ Site }}' alt="logo"></p>`},
		{FormatHTML, `<p><a href={{ Site }}>our site</a></p>`},
		{FormatHTML, `<p><a title="x" HREF = " {{ Site }}">our site</a></p>`},
	}
	for _, value := range []string{"javascript:alert(1)", " JaVaScRiPt:alert(1)", "data:text/html;base64,PHNjcmlwdD4=", "file:///etc/passwd", "//evil.example/x", "vbscript:x"} {
		for _, b := range bodies {
			_, err := renderLink(t, b.format, b.body, value)
			want := `row 7, Body: column "Site": "` + strings.TrimSpace(value) + `" is not an http, https or mailto link`
			if err == nil || !errors.Is(err, ErrUnsafeLink) || err.Error() != want {
				t.Errorf("Render(%s %q, Site=%q) error = %v; want %q", b.format, b.body, value, err, want)
			}
		}
	}
}

func TestLinksFromCellsRendered(t *testing.T) {
	tests := []struct {
		name        string
		format      Format
		body, value string
		wantHTML    string
		wantText    string
	}{
		{"https", FormatMarkdown, "[our site]({{ Site }})", "https://example.com/a?b=1&c=2", `<a href="https://example.com/a?b=1&amp;c=2">our site</a>`, "our site (https://example.com/a?b=1&c=2)"},
		{"mailto", FormatMarkdown, "[write]({{ Site }})", "mailto:zoe@example.com", `<a href="mailto:zoe@example.com">write</a>`, ""},
		{"bare address gets mailto", FormatHTML, `<a href="{{ Site }}">write</a>`, "zoe@example.com", `<a href="mailto:zoe@example.com">write</a>`, ""},
		{"fixed scheme in the template", FormatHTML, `<a href="https://example.com/{{ Site }}">x</a>`, "javascript:alert(1)", `<a href="https://example.com/javascript:alert(1)">x</a>`, ""},
		{"unquoted attribute is quoted", FormatHTML, `<a href={{ Site }}>x</a>`, "https://x.example onmouseover=alert(1)", `<a href="https://x.example onmouseover=alert(1)">x</a>`, ""},
		{"unquoted non-link attribute is quoted", FormatHTML, `<p title={{ Site }}>x</p>`, "a b>c", `<p title="a b&gt;c">x</p>`, ""},
		{"autolink keeps its value", FormatMarkdown, "Visit <{{ Site }}> today", "https://example.com", `<a href="https://example.com">https://example.com</a>`, "Visit https://example.com today"},
		{"autolink of an address", FormatMarkdown, "Write to <{{ Site }}>", "zoe@example.com", `<a href="mailto:zoe@example.com">zoe@example.com</a>`, "Write to zoe@example.com"},
		{"empty cell", FormatMarkdown, "[x]({{ Site }})", "", `<a href="">x</a>`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg, err := renderLink(t, tt.format, tt.body, tt.value)
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			if !strings.Contains(msg.HTML, tt.wantHTML) {
				t.Errorf("HTML = %q; want it to contain %q", msg.HTML, tt.wantHTML)
			}
			if tt.wantText != "" && !strings.Contains(msg.Text, tt.wantText) {
				t.Errorf("Text = %q; want it to contain %q", msg.Text, tt.wantText)
			}
		})
	}
}

// TestValidateWarnsLinkFromCell: check tells the template author when a
// cell decides where a link goes, and refuses the rows that misuse it.
func TestValidateWarnsLinkFromCell(t *testing.T) {
	m := newMerger(t, Spec{From: "me@example.com", To: "{{ Email }}", Subject: "s", Body: "See [it]({{ Site }}) and [us](https://example.com/{{ Email }})"},
		[]string{"Email", "Site"}, Options{})
	rep := validate(t, m, []string{"a@example.com", "https://example.com"}, []string{"b@example.com", "javascript:alert(1)"})
	w := problem(t, rep, 0, CodeLinkFromCell)
	if w.Severity != Warning || !strings.Contains(w.Msg, `column "Site" sets the address of a link`) {
		t.Errorf("warning = %+v; want a warning naming column Site", w)
	}
	if e := problem(t, rep, 3, CodeUnsafeLink); e.Severity != Error || e.Field != "Body" || !strings.Contains(e.Msg, `column "Site"`) {
		t.Errorf("row 3 problem = %+v; want an error naming column Site", e)
	}
	if rep.Messages != 1 {
		t.Errorf("Messages = %d; want 1", rep.Messages)
	}
}
