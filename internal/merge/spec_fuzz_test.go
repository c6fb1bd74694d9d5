package merge

import (
	"reflect"
	"strings"
	"testing"
)

func FuzzParseSpec(f *testing.F) {
	f.Add("To: {{ Email }}\nSubject: Hi\n\nHello {{ Name }}\n")
	f.Add("\ufefffrom: a@b.c\r\nTO: x\r\n  y\r\nSubject:\r\nAttachment: a\r\nFormat: html\r\n\r\n<p>x</p>")
	f.Add("Subjet: x\n")
	f.Fuzz(func(t *testing.T, src string) {
		s, err := ParseSpec(strings.NewReader(src), "f.tpl")
		if err != nil {
			return
		}
		again, err := ParseSpec(strings.NewReader(s.String()), "f.tpl")
		if err != nil {
			t.Fatalf("ParseSpec(String()) of %q: %v", src, err)
		}
		s.Lines, s.cols, again.Lines, again.cols = nil, nil, nil, nil
		if !reflect.DeepEqual(s, again) {
			t.Fatalf("round trip of %q:\n%#v\n%#v", src, s, again)
		}
	})
}

func FuzzParseAddressList(f *testing.F) {
	f.Add(`"Doe, Jane" <jane@example.com>; bob@exämple.fr`)
	f.Add("a@b")
	f.Fuzz(func(t *testing.T, s string) {
		list, err := ParseAddressList(s)
		if err != nil {
			return
		}
		for _, a := range list {
			if strings.ContainsAny(a.Address, "\r\n") {
				t.Fatalf("ParseAddressList(%q) accepted %q", s, a.Address)
			}
		}
	})
}

func FuzzHTMLToText(f *testing.F) {
	f.Add(`<p>Hi <a href="x">y</a></p><ul><li>a<ol><li>b</li></ol></li></ul>`)
	f.Add("</a></ol><pre>")
	f.Fuzz(func(t *testing.T, s string) {
		out := htmlToText(s)
		if strings.Contains(out, "\n\n\n") {
			t.Fatalf("htmlToText(%q) = %q has runs of blank lines", s, out)
		}
	})
}
