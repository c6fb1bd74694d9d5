package merge

import (
	"encoding/json"
	"os"
	"sort"
	"testing"
)

// liquidCase is one of Liquid's own test cases, transcribed in
// testdata/liquid/cases.json (see its "source" and "transcription").
type liquidCase struct {
	From      string            `json:"from"`
	Template  string            `json:"template"`
	Cells     map[string]string `json:"cells"`
	Want      string            `json:"want"`
	Deviation string            `json:"deviation"`
	Ours      string            `json:"ours"`
}

// renderLiquidCase compiles, binds and renders c with its cells as the only
// columns; "error" stands for a compile or bind error.
func renderLiquidCase(c liquidCase) string {
	cols := make([]string, 0, len(c.Cells))
	for k := range c.Cells {
		cols = append(cols, k)
	}
	sort.Strings(cols)
	row := make([]string, len(cols))
	for i, k := range cols {
		row[i] = c.Cells[k]
	}
	t, err := Compile(c.Template)
	if err == nil {
		err = t.Bind(NewHeader(cols))
	}
	if err != nil {
		return "error"
	}
	out, _ := t.Render(nil, row, false)
	return string(out)
}

// TestLiquidOwnCases runs Liquid's own tests for the tags and filters we
// support. A case marked as a deviation must give what the file says we
// give, so that every difference from Liquid is listed there and nowhere
// else.
func TestLiquidOwnCases(t *testing.T) {
	data, err := os.ReadFile("testdata/liquid/cases.json")
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Cases []liquidCase `json:"cases"`
	}
	if err := json.Unmarshal(data, &file); err != nil {
		t.Fatal(err)
	}
	deviations := map[string]int{}
	for _, c := range file.Cases {
		want := c.Want
		if c.Deviation != "" {
			want = c.Ours
			deviations[c.Deviation]++
		}
		if got := renderLiquidCase(c); got != want {
			t.Errorf("%s: Render(%q) = %q; want %q (Liquid gives %q)", c.From, c.Template, got, want, c.Want)
		}
	}
	for d, n := range deviations {
		t.Logf("documented difference (%d cases): %s", n, d)
	}
}

// TestLiquidCompat covers the differences from Liquid that the review
// found, beyond Liquid's own tests.
func TestLiquidCompat(t *testing.T) {
	cols := []string{"x", "Name", "order"}
	tests := []struct {
		name, tpl string
		row       []string
		want      string
	}{
		{"contains then a quote", "{% if x contains'a' %}y{% endif %}", []string{"bar"}, "y"},
		{"and then a quote", "{% if x and'a' %}y{% endif %}", []string{"bar"}, "y"},
		{"or then a quote", `{% if x or"a" %}y{% endif %}`, []string{""}, "y"},
		{"newline before contains", "{% if x\ncontains 'a' %}y{% endif %}", []string{"bar"}, "y"},
		{"newline after contains", "{% if x contains\n'z' %}y{% else %}n{% endif %}", []string{"bar"}, "n"},
		{"a column starting with or", "{% if x == 'a' or order %}y{% else %}n{% endif %}", []string{"b", "", ""}, "n"},
		{"stray {% in raw", "{% raw %}a {% b{% endraw %}", nil, "a {% b"},
		{"raw trims outside only", "x {%- raw -%} a {%- endraw -%} y", nil, "x a y"},
		{"raw inside a comment", "{% comment %}{% raw %}{% endcomment %}{% endraw %}{% endcomment %}ok", nil, "ok"},
		{"upcase ß", "{{ Name | upcase }}", []string{"", "straße"}, "STRASSE"},
		{"upcase ligature", "{{ Name | upcase }}", []string{"", "ﬁnal"}, "FINAL"},
		{"downcase", "{{ Name | downcase }}", []string{"", "ÉCOLE Ünïcode"}, "école ünïcode"},
		{"capitalize titlecases the first", "{{ Name | capitalize }}", []string{"", "ǆEMAL"}, "ǅemal"},
		{"capitalize ß", "{{ Name | capitalize }}", []string{"", "ßa"}, "Ssa"},
		{"capitalize ligature", "{{ Name | capitalize }}", []string{"", "ﬁX"}, "Fix"},
		{"literal trimmed in ==", "{% if x == ' Lyon ' %}y{% endif %}", []string{"Lyon"}, "y"},
		{"literal trimmed in !=", "{% if x != 'Lyon ' %}n{% else %}y{% endif %}", []string{" Lyon"}, "y"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := "error"
			tp, err := Compile(tt.tpl)
			if err == nil {
				err = tp.Bind(NewHeader(cols))
			}
			if err == nil {
				out, _ := tp.Render(nil, tt.row, false)
				got = string(out)
			}
			if got != tt.want {
				t.Errorf("Render(%q) = %q (err %v); want %q", tt.tpl, got, err, tt.want)
			}
		})
	}
}

// The casers come from a pool: concurrent renders must not share one.
func TestCaseFiltersConcurrent(t *testing.T) {
	tp := mustBind(t, "{{ Prénom | upcase }} {{ Prénom | capitalize }} {{ Prénom | downcase }}")
	row := testRow("Prénom", "straße éCOLE")
	done := make(chan string)
	for range 8 {
		go func() {
			var out []byte
			for range 200 {
				out, _ = tp.Render(out[:0], row, false)
			}
			done <- string(out)
		}()
	}
	for range 8 {
		if got, want := <-done, "STRASSE ÉCOLE Straße école straße école"; got != want {
			t.Errorf("Render = %q; want %q", got, want)
		}
	}
}
