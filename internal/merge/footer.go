package merge

import "strings"

// Footer is the promotional footer the free plan appends to every message
// (assets/footer.txt and assets/footer.html). It is the single switch between
// plans: Options.Footer nil means licensed, no footer. The footer is appended
// as is, after rendering: it is never parsed as a template.
type Footer struct{ Text, HTML string }

// appendText adds the footer after a signature separator ("-- "), which mail
// clients recognise and dim.
func (f *Footer) appendText(body string) string {
	if f == nil || strings.TrimSpace(f.Text) == "" {
		return body
	}
	return strings.TrimRight(body, "\n") + "\n\n-- \n" + strings.TrimSpace(f.Text) + "\n"
}

// appendHTML inserts the footer before </body>, or at the end.
func (f *Footer) appendHTML(doc string) string {
	if f == nil || strings.TrimSpace(f.HTML) == "" {
		return doc
	}
	foot := "\n" + strings.TrimSpace(f.HTML) + "\n"
	if i := lastIndexFold(doc, "</body>"); i >= 0 {
		return doc[:i] + foot + doc[i:]
	}
	return doc + foot
}

// lastIndexFold is strings.LastIndex ignoring ASCII case.
func lastIndexFold(s, sub string) int {
	for i := len(s) - len(sub); i >= 0; i-- {
		if strings.EqualFold(s[i:i+len(sub)], sub) {
			return i
		}
	}
	return -1
}
