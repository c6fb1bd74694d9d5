package merge

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
)

// testColumns is a French customer sheet as SecureMailMerge users have them.
var testColumns = []string{"First Name", "Company", "City", "Date RDV", "E-mail", "N° client", "Prénom", "Notes", "Nickname"}

func testRow(kv ...string) []string {
	row := make([]string, len(testColumns))
	h := NewHeader(testColumns)
	for i := 0; i+1 < len(kv); i += 2 {
		col, ok := h.Lookup(kv[i])
		if !ok {
			panic("testRow: no column " + kv[i])
		}
		row[col] = kv[i+1]
	}
	return row
}

// mustBind compiles and binds src against testColumns.
func mustBind(t testing.TB, src string) *Template {
	t.Helper()
	tpl, err := Compile(src)
	if err != nil {
		t.Fatalf("Compile(%q): %v", src, err)
	}
	if err := tpl.Bind(NewHeader(testColumns)); err != nil {
		t.Fatalf("Bind(%q): %v", src, err)
	}
	return tpl
}

func render(t testing.TB, src string, row []string, html bool) string {
	t.Helper()
	out, err := mustBind(t, src).Render(nil, row, html)
	if err != nil {
		t.Fatalf("Render(%q): %v", src, err)
	}
	return string(out)
}

func TestRender(t *testing.T) {
	jean := testRow("First Name", "jean", "Company", "ACME", "City", "Lyon", "Date RDV", "2024-03-05",
		"E-mail", "jean@example.com", "N° client", "C-042", "Prénom", "Jean", "Notes", "  ")
	empty := testRow()
	tests := []struct {
		name string
		src  string
		row  []string
		want string
	}{
		{"literal only", "Bonjour à tous", jean, "Bonjour à tous"},
		{"empty template", "", jean, ""},
		{"lone braces are text", "a { b } c }} d {", jean, "a { b } c }} d {"},
		{"simple", "Bonjour {{Prénom}},", jean, "Bonjour Jean,"},
		{"spaces in name", "{{ First Name }}", jean, "jean"},
		{"case and repeated spaces", "{{ first   NAME }}", jean, "jean"},
		{"newline inside name", "{{ first\n name }}", jean, "jean"},
		{"punctuation in bare name", "{{ E-mail }}", jean, "jean@example.com"},
		{"accented bare name", "{{ N° client }}", jean, "C-042"},
		{"decomposed accents match", "{{ Pre\u0301nom }}", jean, "Jean"},
		{"bracket double quotes", `{{ ["Date RDV"] }}`, jean, "2024-03-05"},
		{"bracket single quotes", `{{ [ 'date rdv' ] }}`, jean, "2024-03-05"},
		{"string literal", `{{ '{{' }} x {{ "}" }}`, jean, "{{ x }"},
		{"empty cell", "[{{ Company }}]", empty, "[]"},
		{"short row", "[{{ Nickname }}]", []string{"jean"}, "[]"},
		{"nil row", "[{{ First Name }}]", nil, "[]"},
		{"value is not trimmed", "[{{ Notes }}]", jean, "[  ]"},

		{"default on empty", "Bonjour {{ Nickname | default: 'there' }}", empty, "Bonjour there"},
		{"default on whitespace", "{{ Notes | default: \"rien\" }}", jean, "rien"},
		{"default keeps value", "{{ Prénom | default: 'there' }}", jean, "Jean"},
		{"default number", "{{ Notes | default: 0 }}", jean, "0"},
		{"upcase", "{{ Prénom | upcase }}", jean, "JEAN"},
		{"upcase accents", "{{ City | upcase }}", testRow("City", "Orléans"), "ORLÉANS"},
		{"downcase", "{{ Company | downcase }}", jean, "acme"},
		{"capitalize", "{{ First Name | capitalize }}", testRow("First Name", "jEAN-pierre"), "Jean-pierre"},
		{"capitalize accent", "{{ First Name | capitalize }}", testRow("First Name", "éLODIE"), "Élodie"},
		{"capitalize empty", "[{{ Company | capitalize }}]", empty, "[]"},
		{"strip", "[{{ First Name | strip }}]", testRow("First Name", " \t jean \n"), "[jean]"},
		{"truncate counts ellipsis", "{{ Notes | truncate: 8 }}", testRow("Notes", "Bonjour tout le monde"), "Bonjo..."},
		{"truncate short value", "{{ Notes | truncate: 8 }}", testRow("Notes", "Bonjour"), "Bonjour"},
		{"truncate exact length", "{{ Notes | truncate: 7 }}", testRow("Notes", "Bonjour"), "Bonjour"},
		{"truncate custom ellipsis", "{{ Notes | truncate: 5, '…' }}", testRow("Notes", "Déjà vu là"), "Déjà…"},
		{"truncate shorter than ellipsis", "{{ Notes | truncate: 2 }}", testRow("Notes", "Bonjour"), "..."},
		{"truncate default 50", "{{ Notes | truncate }}", testRow("Notes", strings.Repeat("a", 60)), strings.Repeat("a", 47) + "..."},
		{"replace", "{{ City | replace: 'o', '0' }}", jean, "Ly0n"},
		{"replace to nothing", "{{ N° client | replace: '-' }}", jean, "C042"},
		{"replace empty pattern", "{{ City | replace: '', 'x' }}", jean, "Lyon"},
		{"chain", "{{ Nickname | default: '  marie ' | strip | capitalize }}", empty, "Marie"},
		{"chain order matters", "{{ Nickname | upcase | default: 'there' }}", empty, "there"},
		{"filters without spaces", "{{Company|downcase|replace:'a','4'}}", jean, "4cme"},
		{"date ISO", `{{ ["Date RDV"] | date: '%d/%m/%Y' }}`, jean, "05/03/2024"},
		{"date french cell", `{{ ["Date RDV"] | date: '%Y-%m-%d' }}`, testRow("Date RDV", "02/01/2020"), "2020-01-02"},
		{"date unparseable stays", `{{ ["Date RDV"] | date: '%d/%m/%Y' }}`, testRow("Date RDV", "bientôt"), "bientôt"},
		{"date empty stays empty", `[{{ ["Date RDV"] | date: '%d/%m/%Y' }}]`, empty, "[]"},
		{"date then default", `{{ ["Date RDV"] | date: '%d/%m/%Y' | default: 'à définir' }}`, empty, "à définir"},

		{"if true", "{% if Company %}chez {{ Company }}{% endif %}", jean, "chez ACME"},
		{"if empty is false", "{% if Company %}chez {{ Company }}{% endif %}", empty, ""},
		{"if whitespace is false", "{% if Notes %}notes{% else %}none{% endif %}", jean, "none"},
		{"elsif", "{% if Company %}A{% elsif City == 'Lyon' %}B{% else %}C{% endif %}", testRow("City", "Lyon"), "B"},
		{"else", "{% if Company %}A{% elsif City == 'Lyon' %}B{% else %}C{% endif %}", testRow("City", "Paris"), "C"},
		{"first true branch wins", "{% if City %}A{% elsif City == 'Lyon' %}B{% endif %}", jean, "A"},
		{"several elsif", "{% if City == 'a' %}1{% elsif City == 'b' %}2{% elsif City == 'c' %}3{% endif %}", testRow("City", "c"), "3"},
		{"eq trims cell", "{% if City == 'Lyon' %}yes{% endif %}", testRow("City", "  Lyon "), "yes"},
		{"eq is case-sensitive", "{% if City == 'lyon' %}yes{% else %}no{% endif %}", jean, "no"},
		{"ne", "{% if City != 'Paris' %}pas Paris{% endif %}", jean, "pas Paris"},
		{"ne alias", "{% if City <> 'Paris' %}pas Paris{% endif %}", jean, "pas Paris"},
		{"eq without spaces", "{% if City=='Lyon' %}yes{% endif %}", jean, "yes"},
		{"eq double quotes", `{% if City == "Lyon" %}yes{% endif %}`, jean, "yes"},
		{"eq number", "{% if Notes == 42 %}yes{% endif %}", testRow("Notes", "42"), "yes"},
		{"eq empty keyword", "{% if Company == empty %}none{% endif %}", testRow("Company", " "), "none"},
		{"ne blank keyword", "{% if Company != blank %}{{ Company }}{% endif %}", jean, "ACME"},
		{"eq two columns", "{% if City == Company %}same{% else %}diff{% endif %}", testRow("City", "X", "Company", "X"), "same"},
		{"literal on the left", "{% if 'Lyon' == City %}yes{% endif %}", jean, "yes"},
		{"contains literal", "{% if E-mail contains '@example.com' %}interne{% endif %}", jean, "interne"},
		{"contains is case-sensitive", "{% if E-mail contains 'EXAMPLE' %}interne{% else %}externe{% endif %}", jean, "externe"},
		{"contains column", "{% if Notes contains City %}mentionne la ville{% endif %}", testRow("Notes", "vit à Lyon", "City", "Lyon"), "mentionne la ville"},
		{"multi-word column in condition", "{% if First Name and N° client %}ok{% endif %}", jean, "ok"},
		{"bracket in condition", `{% if ["Date RDV"] %}rdv{% endif %}`, jean, "rdv"},
		{"and", "{% if Company and City %}both{% else %}not both{% endif %}", testRow("Company", "A"), "not both"},
		{"or", "{% if Company or City %}one{% endif %}", testRow("City", "Lyon"), "one"},
		// Liquid groups from the right: a or b and c = a or (b and c).
		{"or and: right to left (true)", "{% if Company or City and Notes %}yes{% else %}no{% endif %}", testRow("Company", "A"), "yes"},
		// a and b or c = a and (b or c): with a false it is false even though c is true.
		{"and or: right to left (false)", "{% if Company and City or Notes %}yes{% else %}no{% endif %}", testRow("Notes", "n"), "no"},
		{"and or: right to left (true)", "{% if Company and City or Notes %}yes{% else %}no{% endif %}", testRow("Company", "A", "Notes", "n"), "yes"},
		{"unless", "{% unless Company %}particulier{% endunless %}", empty, "particulier"},
		{"unless false", "{% unless Company %}particulier{% endunless %}", jean, ""},
		{"unless else", "{% unless Company %}particulier{% else %}pro{% endunless %}", jean, "pro"},
		{"if nested in unless", "{% unless Company %}{% if City %}à {{ City }}{% else %}nulle part{% endif %}{% endunless %}!", testRow("City", "Lyon"), "à Lyon!"},
		{"if nested in unless, inner else", "{% unless Company %}{% if City %}à {{ City }}{% else %}nulle part{% endif %}{% endunless %}!", empty, "nulle part!"},
		{"if nested in unless, outer false", "{% unless Company %}{% if City %}à {{ City }}{% endif %}{% endunless %}!", jean, "!"},
		{"nested ifs", "{% if Company %}{% if City == 'Lyon' %}LY{% elsif City %}AUTRE{% endif %}-{% endif %}.", jean, "LY-."},

		{"raw", "{% raw %}{{ Prénom }} {% if %}{% endraw %}", jean, "{{ Prénom }} {% if %}"},
		{"comment", "a{% comment %} {{ nope }} {% if %} {% endcomment %}b", jean, "ab"},
		{"nested comment", "a{% comment %}x{% comment %}y{% endcomment %}z{% endcomment %}b", jean, "ab"},
		{"inline comment", "a{% # relancer en mars %}b", jean, "ab"},

		{"trim left output", "Bonjour   \n {{- Prénom }}", jean, "BonjourJean"},
		{"trim right output", "{{ Prénom -}} \n\t !", jean, "Jean!"},
		{"trim both tags", "<ul>\n  {%- if Company -%}\n  <li>{{ Company }}</li>\n  {%- endif -%}\n</ul>", jean, "<ul><li>ACME</li></ul>"},
		{"no trim without dash", "<ul>\n  {% if Company %}\n  <li>{{ Company }}</li>\n  {% endif %}\n</ul>", jean, "<ul>\n  \n  <li>ACME</li>\n  \n</ul>"},
		{"trim skipped branch", "a \n{%- if Company -%} x {%- endif -%}\n b", empty, "ab"},
		{"trim raw outside only, as Liquid", "a {%- raw -%} {{x}} {%- endraw -%} b", jean, "a {{x}} b"},
		{"trim comment", "a {%- comment -%} x {%- endcomment -%} b", jean, "ab"},
		{"dash only", "a {{- Company -}} b", empty, "ab"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := render(t, tc.src, tc.row, false); got != tc.want {
				t.Errorf("Render(%q) = %q; want %q", tc.src, got, tc.want)
			}
		})
	}
}

func TestRenderHTMLEscapesValuesNotLiterals(t *testing.T) {
	tests := []struct {
		name string
		src  string
		row  []string
		html bool
		want string
	}{
		{"script in cell", "<p>{{ Notes }}</p>", testRow("Notes", "<script>alert(1)</script>"), true, "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"},
		{"ampersand", "<b>{{ Company }}</b>", testRow("Company", "Dupont & Fils"), true, "<b>Dupont &amp; Fils</b>"},
		{"quotes in attribute", `<a title="{{ Notes }}">`, testRow("Notes", `dit "oui" & l'a`), true, `<a title="dit &#34;oui&#34; &amp; l&#39;a">`},
		{"default value escaped", "{{ Company | default: '<none>' }}", testRow(), true, "&lt;none&gt;"},
		{"filtered value escaped", "{{ Company | upcase }}", testRow("Company", "a&b"), true, "A&amp;B"},
		{"literal text not escaped", "<p class='x'>&nbsp;{{ Prénom }}</p>", testRow("Prénom", "Zoé"), true, "<p class='x'>&nbsp;Zoé</p>"},
		{"raw not escaped", "{% raw %}<b>&</b>{% endraw %}", testRow(), true, "<b>&</b>"},
		{"text mode leaves values alone", "{{ Notes }}", testRow("Notes", "<b>&'\"</b>"), false, "<b>&'\"</b>"},
		{"condition sees raw value", "{% if Notes == 'a&b' %}{{ Notes }}{% endif %}", testRow("Notes", "a&b"), true, "a&amp;b"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := render(t, tc.src, tc.row, tc.html); got != tc.want {
				t.Errorf("Render(%q, html=%v) = %q; want %q", tc.src, tc.html, got, tc.want)
			}
		})
	}
}

func TestRenderAppends(t *testing.T) {
	tpl := mustBind(t, "{{ Prénom }}!")
	dst := []byte("Re: ")
	got, err := tpl.Render(dst, testRow("Prénom", "Zoé"), false)
	if err != nil || string(got) != "Re: Zoé!" {
		t.Errorf("Render(%q) = %q, %v; want %q", "Re: ", got, err, "Re: Zoé!")
	}
}

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want string
	}{
		{"unclosed output", "Bonjour {{ Prénom", `line 1, column 9: unclosed {{: expected }}`},
		{"unclosed output before next", "Bonjour {{ Prénom,\n{{ City }}", `line 1, column 9: unclosed {{: expected }} before the next {{`},
		{"unclosed tag", "x\n{% if Company", `line 2, column 1: unclosed {%: expected %}`},
		{"empty output", "a {{ }}", `line 1, column 3: empty {{ }}: expected a column name, as in {{ FirstName }}`},
		{"empty output with dashes", "{{- -}}", `line 1, column 1: empty {{ }}: expected a column name, as in {{ FirstName }}`},
		{"filter without name", "{{ Company | }}", `line 1, column 14: expected a filter name after |: one of capitalize, date, default, downcase, replace, strip, truncate, upcase`},
		{"name missing before filter", "{{ | upcase }}", `line 1, column 4: expected a column name before |`},
		{"unknown filter", "Bonjour {{ Prénom | upper }}", `line 1, column 21: unknown filter "upper" (did you mean upcase?): expected one of capitalize, date, default, downcase, replace, strip, truncate, upcase`},
		{"unknown filter far", "{{ Prénom | frobnicate }}", `line 1, column 13: unknown filter "frobnicate": expected one of capitalize, date, default, downcase, replace, strip, truncate, upcase`},
		{"filter case", "{{ Prénom | Upcase }}", `line 1, column 13: unknown filter "Upcase" (did you mean upcase?): expected one of capitalize, date, default, downcase, replace, strip, truncate, upcase`},
		{"default without colon", "{{ Prénom | default 'x' }}", `line 1, column 21: unexpected "'x'" after filter default: expected : before its arguments, | or }}`},
		{"default without value", "{{ Prénom | default: }}", `line 1, column 22: expected a value after default:, such as a quoted string`},
		{"default two values", "{{ Prénom | default: 'a', 'b' }}", `line 1, column 13: filter default expects one value, as in default: 'there'`},
		{"default unquoted", "{{ Prénom | default: there }}", `line 1, column 22: unexpected "there" in the arguments of default: expected a quoted string or a number`},
		{"unterminated string", "{{ Prénom | default: 'there }}", `line 1, column 22: unterminated string: expected a closing '`},
		{"upcase with argument", "{{ Prénom | upcase: 2 }}", `line 1, column 21: filter upcase takes no arguments`},
		{"truncate text", "{{ Notes | truncate: 'x' }}", `line 1, column 22: filter truncate expects a whole number of characters, as in truncate: 20`},
		{"truncate negative", "{{ Notes | truncate: -3 }}", `line 1, column 22: filter truncate expects a whole number of characters, as in truncate: 20`},
		{"truncate three args", "{{ Notes | truncate: 3, 'a', 'b' }}", `line 1, column 30: filter truncate expects a length and an optional ellipsis, as in truncate: 20, '…'`},
		{"replace no args", "{{ Notes | replace }}", `line 1, column 12: filter replace expects what to replace and its replacement, as in replace: 'a', 'b'`},
		{"date no format", "{{ Notes | date }}", `line 1, column 12: filter date expects a quoted format, as in date: '%d/%m/%Y'`},
		{"junk after filter", "{{ Notes | strip strip }}", `line 1, column 18: unexpected "strip" after filter strip: expected : before its arguments, | or }}`},
		{"junk after bracket", `{{ ["Notes"] x }}`, `line 1, column 14: unexpected "x": expected | and a filter, or }}`},
		{"bracket without quotes", `{{ [Notes] }}`, `line 1, column 5: expected a quoted column name after [, as in ["First Name"]`},
		{"bracket unclosed", `{{ ["Notes" }}`, `line 1, column 13: expected ] after the column name "Notes"`},
		{"bracket empty", `{{ [""] }}`, `line 1, column 4: empty column name in [""]`},
		{"empty tag", "{% %}", `line 1, column 1: empty tag {% %}: expected a tag name such as if`},
		{"unknown tag", "a\n  {% iff Company %}", `line 2, column 3: unknown tag {% iff %}: expected if, elsif, else, endif, unless, endunless, raw, endraw, comment or endcomment`},
		{"unsupported tag", "{% for x in rows %}", `line 1, column 1: {% for %} is not supported: expected if, elsif, else, endif, unless, endunless, raw, endraw, comment or endcomment`},
		{"unclosed if", "Bonjour,\n\nMerci de {% if Company %}venir", `line 3, column 10: unclosed {% if %}: expected {% endif %}`},
		{"unclosed inner if", "{% if a %}{% unless b %}{% endif %}", `line 1, column 25: {% endif %} closes the {% unless %} of line 1, column 11: expected {% endunless %}`},
		{"unclosed unless", "{% unless Company %}x", `line 1, column 1: unclosed {% unless %}: expected {% endunless %}`},
		{"if without condition", "{% if %}x{% endif %}", `line 1, column 1: {% if %} needs a condition, as in {% if Company %}`},
		{"elsif without condition", "{% if a %}{% elsif %}{% endif %}", `line 1, column 11: {% elsif %} needs a condition, as in {% elsif Company %}`},
		{"else without if", "a {% else %} b", `line 1, column 3: {% else %} without {% if %}`},
		{"elsif without if", "{% elsif City %}", `line 1, column 1: {% elsif %} without {% if %}`},
		{"stray endif", "a\nb {% endif %}", `line 2, column 3: {% endif %} without {% if %}`},
		{"stray endunless", "{% endunless %}", `line 1, column 1: {% endunless %} without {% unless %}`},
		{"stray endraw", "{% endraw %}", `line 1, column 1: {% endraw %} without {% raw %}`},
		{"stray endcomment", "{% endcomment %}", `line 1, column 1: {% endcomment %} without {% comment %}`},
		{"else after else", "{% if a %}{% else %}{% else %}{% endif %}", `line 1, column 21: second {% else %} in {% if %}: expected {% endif %}`},
		{"elsif after else", "{% if a %}{% else %}{% elsif b %}{% endif %}", `line 1, column 21: {% elsif %} after {% else %}: expected {% endif %}`},
		{"else with argument", "{% if a %}{% else b %}{% endif %}", `line 1, column 19: unexpected "b" after {% else: expected %}`},
		{"endif with argument", "{% if a %}{% endif a %}", `line 1, column 20: unexpected "a" after {% endif: expected %}`},
		{"unclosed raw", "{% raw %}{{ x }}", `line 1, column 1: unclosed {% raw %}: expected {% endraw %}`},
		{"unclosed comment", "x {% comment %}{% comment %}{% endcomment %}", `line 1, column 3: unclosed {% comment %}: expected {% endcomment %}`},
		{"raw with argument", "{% raw x %}{% endraw %}", `line 1, column 8: unexpected "x" after {% raw: expected %}`},
		{"unsupported operator", "{% if Notes > 3 %}{% endif %}", `line 1, column 13: operator ">" is not supported: expected ==, !=, contains, and, or`},
		{"single equals", "{% if City = 'Lyon' %}{% endif %}", `line 1, column 12: operator "=" is not supported: expected ==, !=, contains, and, or`},
		{"missing right operand", "{% if City == %}{% endif %}", `line 1, column 12: expected a value after ==`},
		{"missing operand after and", "{% if City and %}{% endif %}", `line 1, column 12: expected a condition after and`},
		{"leading and", "{% if and City %}{% endif %}", `line 1, column 7: unexpected "and": expected a column name or a quoted value`},
		{"value without operator", "{% if City 'Lyon' %}{% endif %}", `line 1, column 12: unexpected "'Lyon'": expected ==, !=, contains, and, or, or %}`},
		{"two values after operator", "{% if City == 'Lyon' 'Paris' %}{% endif %}", `line 1, column 22: unexpected "'Paris'": expected and, or, or %}`},
		{"unterminated string in condition", "{% if City == 'Lyon %}{% endif %}", `line 1, column 15: unterminated string: expected a closing '`},
		{"column counts characters", "Hélène, {{ x", `line 1, column 9: unclosed {{: expected }}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Compile(tc.src)
			if err == nil {
				t.Fatalf("Compile(%q) succeeded; want error %q", tc.src, tc.want)
			}
			if err.Error() != tc.want {
				t.Errorf("Compile(%q) error = %q; want %q", tc.src, err, tc.want)
			}
			var se *SyntaxError
			if !errors.As(err, &se) || !errors.Is(err, ErrSyntax) {
				t.Errorf("Compile(%q) error %T is not a *SyntaxError wrapping ErrSyntax", tc.src, err)
			}
		})
	}
}

func TestBindUnknownColumns(t *testing.T) {
	src := "Bonjour {{ Frist Name }},\n{% if Compagny %}{{ Company }}{% endif %} {{ email }} {{ Zzzz }}"
	tpl, err := Compile(src)
	if err != nil {
		t.Fatal(err)
	}
	err = tpl.Bind(NewHeader(testColumns))
	if !errors.Is(err, ErrUnknownColumn) {
		t.Fatalf("Bind(%q) = %v; want ErrUnknownColumn", src, err)
	}
	want := []string{
		`line 1, column 12: unknown column "Frist Name" (did you mean "First Name"?)`,
		`line 2, column 7: unknown column "Compagny" (did you mean "Company"?)`,
		`line 2, column 46: unknown column "email" (did you mean "E-mail"?)`,
		`line 2, column 58: unknown column "Zzzz"`,
	}
	if got := err.Error(); got != strings.Join(want, "\n") {
		t.Errorf("Bind(%q) error =\n%s\nwant\n%s", src, got, strings.Join(want, "\n"))
	}
	joined, ok := err.(interface{ Unwrap() []error })
	if !ok {
		t.Fatalf("Bind error %T is not an errors.Join", err)
	}
	for i, e := range joined.Unwrap() {
		var uc *UnknownColumnError
		if !errors.As(e, &uc) {
			t.Errorf("error %d = %T; want *UnknownColumnError", i, e)
		}
	}
	// Unknown columns render empty; known ones still work.
	out, _ := tpl.Render(nil, testRow("Company", "ACME"), false)
	if got, want := string(out), "Bonjour ,\n  "; got != want {
		t.Errorf("Render after failed Bind = %q; want %q", got, want)
	}
	// Rebinding to a header that has the columns fixes it.
	if err := tpl.Bind(NewHeader([]string{"frist name", "compagny", "company", "EMAIL", "zzzz"})); err != nil {
		t.Errorf("Bind with all columns = %v; want nil", err)
	}
	out, _ = tpl.Render(nil, []string{"Jo", "x", "ACME", "jo@x", "z"}, false)
	if got, want := string(out), "Bonjour Jo,\nACME jo@x z"; got != want {
		t.Errorf("Render after rebind = %q; want %q", got, want)
	}
}

func TestRenderBeforeBindIsEmpty(t *testing.T) {
	tpl, err := Compile("[{{ Company }}]{% if Company %}x{% endif %}")
	if err != nil {
		t.Fatal(err)
	}
	out, _ := tpl.Render(nil, []string{"ACME"}, false)
	if string(out) != "[]" {
		t.Errorf("Render before Bind = %q; want %q", out, "[]")
	}
	for _, r := range tpl.Refs() {
		if r.Column != -1 {
			t.Errorf("Refs before Bind: %q has Column %d; want -1", r.Name, r.Column)
		}
	}
}

func TestRefs(t *testing.T) {
	src := "{{ Prénom | default: 'vous' }}\n" +
		"{% if Company %}chez {{ Company }}, {{ City }}{% endif %}\n" +
		"{% unless Notes == blank %}{{ Notes }}{% endunless %}\n" +
		"{% if City == 'Lyon' or Company %}{{ City }}{% else %}{{ Company }}{% endif %}\n" +
		"{% if [\"Date RDV\"] and E-mail %}{{ ['date rdv'] }}{% endif %}"
	tpl := mustBind(t, src)
	want := []Ref{
		{Name: "Prénom", Column: 6, Line: 1, Col: 4, Output: true, HasDefault: true},
		{Name: "Company", Column: 1, Line: 2, Col: 7},
		{Name: "Company", Column: 1, Line: 2, Col: 25, Output: true, Guarded: true},
		{Name: "City", Column: 2, Line: 2, Col: 40, Output: true},
		{Name: "Notes", Column: 7, Line: 3, Col: 11},
		{Name: "Notes", Column: 7, Line: 3, Col: 31, Output: true, Guarded: true},
		{Name: "City", Column: 2, Line: 4, Col: 7},
		{Name: "Company", Column: 1, Line: 4, Col: 25},
		{Name: "City", Column: 2, Line: 4, Col: 38, Output: true},    // City == 'Lyon' or Company: City may be empty
		{Name: "Company", Column: 1, Line: 4, Col: 58, Output: true}, // else branch: Company is empty there
		{Name: "Date RDV", Column: 3, Line: 5, Col: 7},
		{Name: "E-mail", Column: 4, Line: 5, Col: 24},
		{Name: "date rdv", Column: 3, Line: 5, Col: 36, Output: true, Guarded: true},
	}
	got := tpl.Refs()
	if len(got) != len(want) {
		t.Fatalf("Refs(%q) has %d refs; want %d:\n%+v", src, len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("Refs()[%d] = %+v; want %+v", i, got[i], want[i])
		}
	}
	got[0].Name = "changed"
	if tpl.Refs()[0].Name != "Prénom" {
		t.Errorf("Refs() returned the template's own slice; want a copy")
	}
}

func TestRefsGuarded(t *testing.T) {
	tests := []struct {
		src  string
		want bool // Guarded of the last ref
	}{
		{"{% if City %}{{ City }}{% endif %}", true},
		{"{% if city %}{{ CITY }}{% endif %}", true},
		{"{% if City %}{% endif %}{{ City }}", false},
		{"{% if City %}{% else %}{{ City }}{% endif %}", false},
		{"{% unless City %}{{ City }}{% endunless %}", false},
		{"{% unless City %}{% else %}{{ City }}{% endunless %}", true},
		{"{% if City == '' %}{% else %}{{ City }}{% endif %}", true},
		{"{% if City != empty %}{{ City }}{% endif %}", true},
		{"{% if City != 'Lyon' %}{{ City }}{% endif %}", false},
		{"{% if City == 'Lyon' %}{{ City }}{% endif %}", true},
		{"{% if 'Lyon' == City %}{{ City }}{% endif %}", true},
		{"{% if City contains 'y' %}{{ City }}{% endif %}", true},
		{"{% if City contains Notes %}{{ City }}{% endif %}", false},
		{"{% if City == Notes %}{{ City }}{% endif %}", false},
		{"{% if Company and City %}{{ City }}{% endif %}", true},
		{"{% if Company or City %}{{ City }}{% endif %}", false},
		{"{% if City or Company and City %}{{ City }}{% endif %}", true},
		{"{% if Company %}{% elsif City %}{{ City }}{% endif %}", true},
		{"{% if Company %}{% elsif Notes %}{{ Company }}{% endif %}", false},
		{"{% if City == blank %}{% elsif Notes %}{{ City }}{% endif %}", true},
		{"{% if City %}{% if Notes %}{{ City }}{% endif %}{% endif %}", true},
		{"{% if City %}{% if Notes %}{% endif %}{% endif %}{{ City }}", false},
	}
	for _, tc := range tests {
		t.Run(tc.src, func(t *testing.T) {
			refs := mustBind(t, tc.src).Refs()
			last := refs[len(refs)-1]
			if !last.Output {
				t.Fatalf("last ref of %q is not an output", tc.src)
			}
			if last.Guarded != tc.want {
				t.Errorf("Refs(%q): Guarded = %v; want %v", tc.src, last.Guarded, tc.want)
			}
		})
	}
}

func TestIsStaticAndSource(t *testing.T) {
	tests := []struct {
		src  string
		want bool
	}{
		{"", true},
		{"Bonjour { à } tous }}", true},
		{"{{ x }}", false},
		{"{% comment %}x{% endcomment %}", false},
		{"{% raw %}x{% endraw %}", false},
	}
	for _, tc := range tests {
		tpl, err := Compile(tc.src)
		if err != nil {
			t.Fatalf("Compile(%q): %v", tc.src, err)
		}
		if got := tpl.IsStatic(); got != tc.want {
			t.Errorf("Compile(%q).IsStatic() = %v; want %v", tc.src, got, tc.want)
		}
		if got := tpl.Source(); got != tc.src {
			t.Errorf("Compile(%q).Source() = %q", tc.src, got)
		}
	}
}

func TestRenderConcurrent(t *testing.T) {
	tpl := mustBind(t, "{% if Company %}{{ Company | upcase }}{% else %}{{ Prénom | default: 'x' }}{% endif %}")
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			buf := make([]byte, 0, 64)
			for i := range 200 {
				company := fmt.Sprintf("c%d-%d", g, i)
				out, _ := tpl.Render(buf[:0], testRow("Company", company), true)
				if want := strings.ToUpper(company); string(out) != want {
					t.Errorf("Render = %q; want %q", out, want)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestRenderDoesNotAllocate(t *testing.T) {
	tpl := mustBind(t, "Bonjour {{ Prénom | default: 'vous' | strip }},\n{% if Company and City != 'Paris' %}{{ Company }} à {{ City }}{% else %}{{ Notes | truncate: 100 }}{% endif %}")
	row := testRow("Prénom", " Zoé ", "Company", "A&B", "City", "Lyon")
	buf := make([]byte, 0, 1024)
	allocs := testing.AllocsPerRun(100, func() {
		buf, _ = tpl.Render(buf[:0], row, true)
	})
	if allocs != 0 {
		t.Errorf("Render with room in dst made %v allocations; want 0", allocs)
	}
}

func TestCompileDeepNestingAndLongLines(t *testing.T) {
	const depth = 20000
	src := strings.Repeat("{% if Company %}x", depth) + "{{ Company }}" + strings.Repeat("{% endif %}", depth)
	tpl := mustBind(t, src)
	refs := tpl.Refs()
	if last := refs[len(refs)-1]; !last.Guarded || last.Col != 17*depth+4 {
		t.Errorf("innermost ref = %+v; want Guarded at column %d", last, 17*depth+4)
	}
	out, _ := tpl.Render(nil, testRow("Company", "A"), false)
	if want := strings.Repeat("x", depth) + "A"; string(out) != want {
		t.Errorf("Render(deep) has %d bytes; want %d", len(out), len(want))
	}
	_, err := Compile(strings.Repeat("{% unless Company %}", depth))
	var se *SyntaxError
	if !errors.As(err, &se) || se.Col != 20*(depth-1)+1 {
		t.Errorf("Compile(%d unclosed unless) = %v; want the innermost at column %d", depth, err, 20*(depth-1)+1)
	}
}
