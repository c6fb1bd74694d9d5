package merge

import (
	"strings"
	"testing"
)

// benchTemplate is a ~1 KB letter with 5 tokens and one conditional, the
// size of a typical mail-merge body.
var benchTemplate = func() string {
	var b strings.Builder
	b.WriteString("<p>Bonjour {{ Prénom | default: 'à vous' }},</p>\n")
	b.WriteString("{% if Company %}<p>Nous remercions {{ Company }} pour sa confiance.</p>{% endif %}\n")
	para := "<p>Votre rendez-vous est confirmé. Merci de vous présenter dix minutes avant l'heure prévue, muni de votre pièce d'identité et de votre convocation.</p>\n"
	for b.Len() < 900 {
		b.WriteString(para)
	}
	b.WriteString("<p>Rendez-vous à {{ City }}, client n° {{ N° client }}.</p>\n<p>Contact : {{ E-mail }}</p>\n")
	return b.String()
}()

func BenchmarkRender(b *testing.B) {
	tpl := mustBind(b, benchTemplate)
	row := testRow("Prénom", "Zoé", "Company", "Dupont & Fils", "City", "Lyon", "N° client", "C-042", "E-mail", "zoe@example.fr")
	for _, html := range []bool{false, true} {
		name := "text"
		if html {
			name = "html"
		}
		b.Run(name, func(b *testing.B) {
			buf := make([]byte, 0, 4096)
			b.SetBytes(int64(len(benchTemplate)))
			b.ReportAllocs()
			for b.Loop() {
				buf, _ = tpl.Render(buf[:0], row, html)
			}
		})
	}
}

func BenchmarkRenderFilters(b *testing.B) {
	tpl := mustBind(b, `{{ Prénom | capitalize }} {{ Company | upcase }} {{ ["Date RDV"] | date: '%d/%m/%Y' }} {{ Notes | truncate: 20 }}`)
	row := testRow("Prénom", "zoé", "Company", "Dupont", "Date RDV", "2024-03-05", "Notes", "une note assez longue pour être coupée")
	buf := make([]byte, 0, 4096)
	b.ReportAllocs()
	for b.Loop() {
		buf, _ = tpl.Render(buf[:0], row, true)
	}
}

func BenchmarkCompile(b *testing.B) {
	b.SetBytes(int64(len(benchTemplate)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compile(benchTemplate); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBind(b *testing.B) {
	tpl, err := Compile(benchTemplate)
	if err != nil {
		b.Fatal(err)
	}
	h := NewHeader(testColumns)
	b.ReportAllocs()
	for b.Loop() {
		if err := tpl.Bind(h); err != nil {
			b.Fatal(err)
		}
	}
}
