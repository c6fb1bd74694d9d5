package merge

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

// checkTemplatePos fails when line:col is not a position inside src (the
// column may be one past the end of its line).
func checkTemplatePos(t *testing.T, src, what string, line, col int) {
	t.Helper()
	lines := strings.Split(src, "\n")
	if line < 1 || line > len(lines) {
		t.Fatalf("%s: line %d outside 1..%d for %q", what, line, len(lines), src)
	}
	if n := utf8.RuneCountInString(lines[line-1]); col < 1 || col > n+1 {
		t.Fatalf("%s: column %d outside 1..%d of line %d for %q", what, col, n+1, line, src)
	}
}

func FuzzCompileTemplate(f *testing.F) {
	for _, s := range []string{
		"Bonjour {{ Prénom | default: 'vous' | capitalize }},",
		`{{ ["Date RDV"] | date: '%d/%m/%Y' }} {{ ['x'] | truncate: 3, '…' }}`,
		"{% if Company %}A{% elsif City == 'Lyon' and E-mail contains '@' or x %}B{% else %}C{% endif %}",
		"{% unless a %}{% if b != blank %}{{ b | replace: 'a', 'b' }}{% endif %}{% endunless %}",
		"{%- raw -%} {{ x }} {%- endraw -%}{% comment %}{% comment %}{% endcomment %}{% endcomment %}",
		"{{- x -}} {% # note %} {{ 'lit' | upcase }}",
		"{{ x", "{% if", "{% endif %}", "{{ a | nope }}", "{% if a %}", "{{ [\"\" }}",
		"line\n\n  {% if x == %}", "é{{\xff}}", "{{ '{{' }}", "{% if 'a' == 1 %}{% endif %}",
		"{% raw %} a {% b {{ c {% endraw %}", "{% comment %}{% raw %}{% endcomment %}{% endraw %}{% endcomment %}",
		"{% if x contains'a' and'b' or\"c\" %}{{ x | upcase | capitalize }}{% endif %}",
	} {
		f.Add(s)
	}
	header := NewHeader([]string{"Prénom", "Company", "City", "E-mail", "Date RDV", "x", "a", "b"})
	rows := [][]string{
		nil,
		{"zoé", "ACME & <co>", "Lyon", "z@x.fr"},
		{" ", "", "Lyon ", "", "2024-03-05", "31/12/1999", "a", "b"},
	}
	f.Fuzz(func(t *testing.T, src string) {
		tpl, err := Compile(src)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) || !errors.Is(err, ErrSyntax) {
				t.Fatalf("Compile(%q) error %T %v is not a *SyntaxError", src, err, err)
			}
			checkTemplatePos(t, src, se.Error(), se.Line, se.Col)
			return
		}
		if tpl.Source() != src {
			t.Fatalf("Source() = %q; want %q", tpl.Source(), src)
		}
		err = tpl.Bind(header)
		for _, e := range unjoinTemplateErrors(err) {
			var uc *UnknownColumnError
			if !errors.As(e, &uc) {
				t.Fatalf("Bind(%q) error %T %v is not an *UnknownColumnError", src, e, e)
			}
			checkTemplatePos(t, src, uc.Error(), uc.Line, uc.Col)
		}
		for _, r := range tpl.Refs() {
			checkTemplatePos(t, src, "ref "+r.Name, r.Line, r.Col)
		}
		for _, row := range rows {
			for _, html := range []bool{false, true} {
				out, err := tpl.Render(nil, row, html)
				if err != nil {
					t.Fatalf("Render(%q) error %v", src, err)
				}
				if tpl.IsStatic() && string(out) != src {
					t.Fatalf("static Render(%q) = %q", src, out)
				}
			}
		}
	})
}

func unjoinTemplateErrors(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

func FuzzTemplateDate(f *testing.F) {
	for _, s := range []string{"2024-03-05", "02/01/2020 09:30", "1er mars 2024", "January 2, 2006", "01/13/2020", "31.12.99"} {
		f.Add(s, "%d/%m/%Y %-H %j %p %B")
	}
	f.Fuzz(func(t *testing.T, value, format string) {
		tplFormatDate(value, format, nil)
	})
}
