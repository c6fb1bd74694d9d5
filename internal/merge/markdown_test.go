package merge

import (
	"strings"
	"testing"
	"time"
)

// renderBody renders a one-row message with the given body and format.
func renderBody(t *testing.T, format Format, body string, cols []string, row []string) *Message {
	t.Helper()
	spec := &Spec{From: "me@example.com", To: "a@example.com", Subject: "s", Format: format, Body: body}
	m, err := NewMerger(spec, NewHeader(cols), Options{Now: fixedNow})
	if err != nil {
		t.Fatalf("NewMerger(body %q) error: %v", body, err)
	}
	msg, err := m.Render(0, 2, row)
	if err != nil {
		t.Fatalf("Render(body %q) error: %v", body, err)
	}
	return msg
}

func fixedNow() time.Time { return time.Date(2025, 3, 14, 9, 26, 53, 0, time.FixedZone("CET", 3600)) }

func TestMarkdownBody(t *testing.T) {
	tests := []struct {
		name     string
		body     string
		row      []string
		wantHTML []string // substrings of the HTML part
		notHTML  []string
		wantText string
	}{
		{
			name:     "data never becomes markup",
			body:     "Hello **{{ Name }}**",
			row:      []string{"*x* <b>bold</b> & [l](http://e.vil)"},
			wantHTML: []string{"<strong>*x* &lt;b&gt;bold&lt;/b&gt; &amp; [l](http://e.vil)</strong>"},
			notHTML:  []string{"<b>", "<em>x</em>", `href="http://e.vil"`},
			wantText: "Hello *x* <b>bold</b> & [l](http://e.vil)\n",
		},
		{
			name:     "links and lists read well as text",
			body:     "See [the agenda](https://example.com/{{ Name }}).\n\n- one\n- two\n",
			row:      []string{"a&b"},
			wantHTML: []string{`<a href="https://example.com/a&amp;b">the agenda</a>`, "<li>one</li>"},
			wantText: "See the agenda (https://example.com/a&b).\n\n- one\n- two\n",
		},
		{
			name:     "condition on its own lines leaves no empty paragraph",
			body:     "Hi\n\n{% if Name %}\nDear {{ Name }}\n{% endif %}\n\nBye",
			row:      []string{""},
			wantHTML: []string{"<p>Hi</p>\n\n<p>Bye</p>"},
			notHTML:  []string{"<p></p>"},
			wantText: "Hi\n\nBye\n",
		},
		{
			name:     "line breaks stay line breaks",
			body:     "Best regards,\nThe {{ Name }} team",
			row:      []string{"Lyon"},
			wantHTML: []string{"Best regards,<br>\nThe Lyon team"},
			wantText: "Best regards,\nThe Lyon team\n",
		},
		{
			name:     "a condition inside a line keeps the line break before it",
			body:     "Hello\n{% if Name %}dear {{ Name }}{% endif %}",
			row:      []string{"Ann"},
			wantHTML: []string{"Hello<br>\ndear Ann"},
			wantText: "Hello\ndear Ann\n",
		},
		{
			name:     "filter with a pipe inside a table",
			body:     "| a | b |\n|---|---|\n| {{ Name | default: 'x' }} | 2 |\n",
			row:      []string{""},
			wantHTML: []string{"<td>x</td>", "<table>"},
			wantText: "a | b\nx | 2\n",
		},
		{
			name:     "raw HTML in the template is not passed through",
			body:     "<script>alert(1)</script>\n\nok",
			row:      []string{""},
			notHTML:  []string{"<script>"},
			wantText: "ok\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := renderBody(t, FormatMarkdown, tt.body, []string{"Name"}, tt.row)
			for _, w := range append(tt.wantHTML, `<meta charset="utf-8">`) {
				if !strings.Contains(msg.HTML, w) {
					t.Errorf("Render(%q).HTML = %q; want it to contain %q", tt.body, msg.HTML, w)
				}
			}
			for _, w := range tt.notHTML {
				if strings.Contains(msg.HTML, w) {
					t.Errorf("Render(%q).HTML = %q; must not contain %q", tt.body, msg.HTML, w)
				}
			}
			if msg.Text != tt.wantText {
				t.Errorf("Render(%q).Text = %q; want %q", tt.body, msg.Text, tt.wantText)
			}
		})
	}
}

func TestHTMLAndTextBodies(t *testing.T) {
	msg := renderBody(t, FormatHTML, `<p>Hi {{ Name }}, see <a href="https://example.com">us</a></p>`, []string{"Name"}, []string{"<Tom & Jerry>"})
	if want := "<p>Hi &lt;Tom &amp; Jerry&gt;, see"; !strings.Contains(msg.HTML, want) {
		t.Errorf("HTML = %q; want it to contain %q", msg.HTML, want)
	}
	if want := "Hi <Tom & Jerry>, see us (https://example.com)\n"; msg.Text != want {
		t.Errorf("Text = %q; want %q", msg.Text, want)
	}
	full := renderBody(t, FormatHTML, "<html><body><p>x</p></body></html>", []string{"Name"}, []string{""})
	if strings.Count(full.HTML, "<html") != 1 {
		t.Errorf("HTML document wrapped twice: %q", full.HTML)
	}
	txt := renderBody(t, FormatText, "Hi {{ Name }} *not markdown* <b>", []string{"Name"}, []string{"<Z>"})
	if txt.HTML != "" || txt.Text != "Hi <Z> *not markdown* <b>" {
		t.Errorf("text format = HTML %q, Text %q; want no HTML and the text as is", txt.HTML, txt.Text)
	}
}

func TestFooter(t *testing.T) {
	spec := &Spec{From: "me@example.com", To: "a@example.com", Subject: "s", Body: "Hello {{ Name }}"}
	foot := &Footer{Text: "Sent with SecureMerge", HTML: `<p>Sent with <a href="https://securemerge.app">SecureMerge</a></p>`}
	m, err := NewMerger(spec, NewHeader([]string{"Name"}), Options{Footer: foot, Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	msg, err := m.Render(0, 2, []string{"{{ x }}"})
	if err != nil {
		t.Fatal(err)
	}
	if want := "Hello {{ x }}\n\n-- \nSent with SecureMerge\n"; msg.Text != want {
		t.Errorf("Text with footer = %q; want %q", msg.Text, want)
	}
	if !strings.Contains(msg.HTML, foot.HTML+"\n</body>") {
		t.Errorf("HTML with footer = %q; want the footer before </body>", msg.HTML)
	}
	licensed, _ := NewMerger(spec, NewHeader([]string{"Name"}), Options{Now: fixedNow})
	msg, _ = licensed.Render(0, 2, []string{"x"})
	if strings.Contains(msg.Text, "SecureMerge") || strings.Contains(msg.HTML, "SecureMerge") {
		t.Errorf("licensed message has a footer: %q / %q", msg.Text, msg.HTML)
	}
}
