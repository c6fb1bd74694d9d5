package merge

import "testing"

func TestHTMLToText(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"paragraphs", "<p>One\n two</p><p>Three</p>", "One two\n\nThree\n"},
		{"link", `<p>See <a href="https://example.com/x">our site</a>.</p>`, "See our site (https://example.com/x).\n"},
		{"link whose text is the url", `<a href="https://example.com">https://example.com</a>`, "https://example.com\n"},
		{"mailto", `<a href="mailto:a@example.com">a@example.com</a>`, "a@example.com\n"},
		{"lists", "<ul><li>a</li><li>b<ol><li>c</li><li>d</li></ol></li></ul><p>after</p>", "- a\n- b\n  1. c\n  2. d\n\nafter\n"},
		{"entities and no tags", "<p>Tom &amp; Jerry &lt;3 &eacute;t&eacute;</p>", "Tom & Jerry <3 été\n"},
		{"head, style and script dropped", "<html><head><title>T</title><style>p{}</style></head><body><script>x()</script><p>Hi</p></body></html>", "Hi\n"},
		{"br and headings", "<h1>Title</h1>line 1<br>line 2", "Title\n\nline 1\nline 2\n"},
		{"table", "<table><tr><th>a</th><th>b</th></tr><tr><td>1</td><td>2</td></tr></table>", "a | b\n1 | 2\n"},
		{"pre keeps spaces", "<pre>a  b\n  c</pre>", "a  b\n  c\n"},
		{"image alt", `<p>Logo: <img src="x.png" alt="ACME"></p>`, "Logo: ACME\n"},
		{"inline spacing", "<p><b>Bold</b> and <i>italic</i></p>", "Bold and italic\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := htmlToText(tt.in); got != tt.want {
				t.Errorf("htmlToText(%q) = %q; want %q", tt.in, got, tt.want)
			}
		})
	}
}
