package merge

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParseSpec(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want Spec
		body int // line of the body
	}{
		{
			name: "minimal",
			src:  "To: {{ Email }}\nSubject: Hi\n\nHello {{ Name }}\n",
			want: Spec{To: "{{ Email }}", Subject: "Hi", Format: FormatMarkdown, Body: "Hello {{ Name }}\n"},
			body: 4,
		},
		{
			name: "every header, case-insensitive names, repeated attachments",
			src: "from: Me <me@example.com>\nTO: {{ Email }}\ncc: a@example.com\nBCC: b@example.com\nreply-to: r@example.com\n" +
				"Subject:   Hello {{ Name }}  \nAttachment: common.pdf\nattachment: {{ File }}\nFormat: HTML\n\n<p>Hi</p>",
			want: Spec{From: "Me <me@example.com>", To: "{{ Email }}", Cc: "a@example.com", Bcc: "b@example.com",
				ReplyTo: "r@example.com", Subject: "Hello {{ Name }}", Attachments: []string{"common.pdf", "{{ File }}"},
				Format: FormatHTML, Body: "<p>Hi</p>"},
			body: 11,
		},
		{
			name: "CRLF, BOM and folded header",
			src:  "\ufeffTo: a@example.com,\r\n  b@example.com\r\nSubject: Hi\r\n\r\nLine 1\r\nLine 2\r\n",
			want: Spec{To: "a@example.com, b@example.com", Subject: "Hi", Format: FormatMarkdown, Body: "Line 1\nLine 2\n"},
			body: 5,
		},
		{
			name: "empty body",
			src:  "To: a@example.com\nSubject: Hi\n",
			want: Spec{To: "a@example.com", Subject: "Hi", Format: FormatMarkdown},
			body: 3,
		},
		{
			name: "text format",
			src:  "To: a@example.com\nSubject:\nFormat: text\n\nplain",
			want: Spec{To: "a@example.com", Format: FormatText, Body: "plain"},
			body: 5,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseSpec(strings.NewReader(tt.src), "invite.tpl")
			if err != nil {
				t.Fatalf("ParseSpec(%q) error: %v", tt.src, err)
			}
			if got.Lines["Body"] != tt.body {
				t.Errorf("ParseSpec(%q) body line = %d; want %d", tt.src, got.Lines["Body"], tt.body)
			}
			got.Name, got.Lines, got.cols = "", nil, nil
			if !reflect.DeepEqual(*got, tt.want) {
				t.Errorf("ParseSpec(%q) =\n%#v; want\n%#v", tt.src, *got, tt.want)
			}
		})
	}
}

func TestParseSpecErrors(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"unknown header with suggestion", "To: a@example.com\nFrom: me@example.com\nSubjet: Hi\n\nbody", `invite.tpl:3: unknown header "Subjet" (did you mean "Subject"?)`},
		{"unknown header without suggestion", "To: a@example.com\nX-Priority: 1\n\nbody", `invite.tpl:2: unknown header "X-Priority"`},
		{"missing To", "Subject: Hi\n\nbody", "invite.tpl: missing To: header (who receives each message)"},
		{"empty To", "To:\nSubject: Hi\n\nbody", "invite.tpl:1: missing To: header (who receives each message)"},
		{"missing Subject", "To: a@example.com\n\nbody", "invite.tpl: missing Subject: header"},
		{"duplicate header", "To: a@example.com\nSubject: a\nSubject: b\n\n", "invite.tpl:3: Subject: appears twice (first on line 2)"},
		{"line without colon", "To: a@example.com\nHello there\n\n", `invite.tpl:2: expected "Header: value" or a blank line before the body, found "Hello there"`},
		{"continuation first", " To: a@example.com\n\n", "invite.tpl:1: continuation line before any header"},
		{"bad format", "To: a@example.com\nSubject: s\nFormat: rtf\n\n", `invite.tpl:3: Format: "rtf" is not markdown, html or text`},
		{"empty attachment", "To: a@example.com\nSubject: s\nAttachment:\n\n", "invite.tpl:3: Attachment: is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseSpec(strings.NewReader(tt.src), "invite.tpl")
			if err == nil || err.Error() != tt.want {
				t.Fatalf("ParseSpec(%q) error = %v; want %q", tt.src, err, tt.want)
			}
			if !errors.Is(err, ErrSpec) {
				t.Errorf("ParseSpec(%q) error %v does not wrap ErrSpec", tt.src, err)
			}
		})
	}
}

func TestSpecStringRoundTrip(t *testing.T) {
	specs := []Spec{
		{To: "{{ Email }}", Subject: "Hi {{ Name }}", Format: FormatMarkdown, Body: "Hello\n\n- a\n"},
		{From: "Me <me@example.com>", To: "a@example.com", Cc: "c@example.com", Bcc: "b@example.com", ReplyTo: "r@example.com",
			Subject: "Café ☕", Attachments: []string{"a.pdf", "{{ File }}"}, Format: FormatHTML, Body: "<p>x</p>\n\nTo: not a header\n"},
		{To: "a@example.com", Subject: "", Format: FormatText, Body: ""},
	}
	for _, s := range specs {
		t.Run(s.Subject, func(t *testing.T) {
			text := s.String()
			got, err := ParseSpec(strings.NewReader(text), "x.tpl")
			if err != nil {
				t.Fatalf("ParseSpec(%q) error: %v", text, err)
			}
			got.Name, got.Lines, got.cols = "", nil, nil
			if !reflect.DeepEqual(*got, s) {
				t.Errorf("ParseSpec(String()) =\n%#v; want\n%#v", *got, s)
			}
		})
	}
}
