package merge

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Header resolves column names the way users type them in templates.
//
// Lookup is exact after NormalizeName (case, surrounding and repeated
// whitespace, Unicode normalization). Suggest is looser: it also ignores
// punctuation, spaces and accents and tolerates a few typos, so that
// `{{ email }}` against a column "E-mail" is an unknown column whose message
// suggests "E-mail" rather than a silent match.
//
// A Header is immutable and safe for concurrent use after NewHeader.
// The zero value has no columns.
type Header struct {
	columns []string
	index   map[string]int // NormalizeName(column) -> first column with that name
	loose   []string       // looseColumnName(column), by column
}

// NewHeader returns a Header for columns, in spreadsheet order. When two
// columns normalize to the same name the first one wins; internal/sheet gives
// duplicates distinct names before they get here.
func NewHeader(columns []string) *Header {
	h := &Header{
		columns: append([]string(nil), columns...),
		index:   make(map[string]int, len(columns)),
		loose:   make([]string, len(columns)),
	}
	for i, c := range h.columns {
		n := NormalizeName(c)
		if _, dup := h.index[n]; !dup {
			h.index[n] = i
		}
		h.loose[i] = looseColumnName(n)
	}
	return h
}

// Columns returns a copy of the column names as given to NewHeader.
func (h *Header) Columns() []string {
	return append([]string(nil), h.columns...)
}

// Lookup returns the index of the column whose normalized name equals the
// normalized name, and whether there is one.
func (h *Header) Lookup(name string) (int, bool) {
	i, ok := h.index[NormalizeName(name)]
	return i, ok
}

// Suggest returns the column closest to name, for "did you mean …?"
// messages, or "" when no column is close enough. Names are compared without
// case, accents, spaces and punctuation ("email" is close to "E-mail",
// "prenom" to "Prénom"), then by edit distance (adjacent transpositions count
// as one edit), allowing about one edit per three characters. Ties go to the
// leftmost column.
func (h *Header) Suggest(name string) string {
	if h == nil || len(h.columns) == 0 {
		return ""
	}
	n := NormalizeName(name)
	if i, ok := h.index[n]; ok {
		return h.columns[i]
	}
	want := looseColumnName(n)
	if want == "" {
		return ""
	}
	best, bestDist := -1, 0
	for i, l := range h.loose {
		if l == "" {
			continue
		}
		d := nameDistance(want, l)
		if d > suggestDistanceBudget(want, l) {
			continue
		}
		if best < 0 || d < bestDist {
			best, bestDist = i, d
		}
	}
	if best < 0 {
		return ""
	}
	return h.columns[best]
}

// suggestDistanceBudget is how many edits two loose names may differ by and still be
// worth suggesting: one per three characters of the shorter, 1 to 3.
func suggestDistanceBudget(a, b string) int {
	n := min(utf8.RuneCountInString(a), utf8.RuneCountInString(b))
	return max(1, min(3, n/3))
}

// NormalizeName returns the form in which column names are compared:
// Unicode NFC, lower case, trimmed, and every run of white space (including
// no-break spaces) collapsed to one ASCII space. "  First\u00a0 NAME " and
// "first name" normalize alike.
func NormalizeName(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) {
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(unicode.ToLower(r))
	}
	if ascii {
		return b.String()
	}
	// Lower-casing can, rarely, leave a string that is not NFC, so
	// normalize last.
	return norm.NFC.String(b.String())
}

// looseColumnName reduces a normalized name to its letters and digits without
// accents: "n° client" -> "nclient", "e-mail" -> "email", "prénom" -> "prenom".
func looseColumnName(normalized string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(normalized) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// nameDistance is the optimal string alignment distance between a and b in
// runes: insertions, deletions, substitutions and adjacent transpositions
// each cost one ("frist" -> "first" is one edit).
func nameDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	// Three rolling rows: two back (for transpositions), previous, current.
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}
