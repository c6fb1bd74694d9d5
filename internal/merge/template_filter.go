package merge

import (
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
	"unsafe"

	"golang.org/x/text/cases"
	"golang.org/x/text/language"
)

type tplFilterKind uint8

const (
	tplFilterDefault tplFilterKind = iota + 1
	tplFilterUpcase
	tplFilterDowncase
	tplFilterCapitalize
	tplFilterStrip
	tplFilterTruncate
	tplFilterReplace
	tplFilterDate
)

var tplFilterKinds = map[string]tplFilterKind{
	"default":    tplFilterDefault,
	"upcase":     tplFilterUpcase,
	"downcase":   tplFilterDowncase,
	"capitalize": tplFilterCapitalize,
	"strip":      tplFilterStrip,
	"truncate":   tplFilterTruncate,
	"replace":    tplFilterReplace,
	"date":       tplFilterDate,
}

// tplFilterList is the known filters, for messages.
var tplFilterList = func() string {
	names := make([]string, 0, len(tplFilterKinds))
	for n := range tplFilterKinds {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}()

// tplFilter is a filter with its arguments checked and decoded at compile
// time, so that apply never fails.
type tplFilter struct {
	kind   tplFilterKind
	s1, s2 string     // default: s1 fallback; truncate: s1 ellipsis; replace: s1 → s2; date: s1 format
	n      int        // truncate: length including the ellipsis
	names  *dateNames // date: day and month names; nil means English
}

// newTplFilter checks the arguments of filter name at offset off.
func newTplFilter(p *tplParser, name string, off int, args []tplArg) (tplFilter, error) {
	kind, ok := tplFilterKinds[name]
	if !ok {
		msg := "unknown filter %q: expected one of %s"
		if s := tplSuggestFilter(name); s != "" {
			return tplFilter{}, p.errAt(off, "unknown filter %q (did you mean %s?): expected one of %s", name, s, tplFilterList)
		}
		return tplFilter{}, p.errAt(off, msg, name, tplFilterList)
	}
	f := tplFilter{kind: kind}
	switch kind {
	case tplFilterUpcase, tplFilterDowncase, tplFilterCapitalize, tplFilterStrip:
		if len(args) > 0 {
			return f, p.errAt(args[0].off, "filter %s takes no arguments", name)
		}
	case tplFilterDefault:
		if len(args) != 1 {
			return f, p.errAt(off, "filter default expects one value, as in default: 'there'")
		}
		f.s1 = args[0].text
	case tplFilterTruncate:
		f.n, f.s1 = 50, "..."
		if len(args) > 2 {
			return f, p.errAt(args[2].off, "filter truncate expects a length and an optional ellipsis, as in truncate: 20, '…'")
		}
		if len(args) >= 1 {
			n, err := strconv.Atoi(args[0].text)
			if !args[0].number || err != nil || n < 0 {
				return f, p.errAt(args[0].off, "filter truncate expects a whole number of characters, as in truncate: 20")
			}
			f.n = n
		}
		if len(args) == 2 {
			f.s1 = args[1].text
		}
	case tplFilterReplace:
		if len(args) < 1 || len(args) > 2 {
			return f, p.errAt(off, "filter replace expects what to replace and its replacement, as in replace: 'a', 'b'")
		}
		f.s1 = args[0].text
		if len(args) == 2 {
			f.s2 = args[1].text
		}
	case tplFilterDate:
		if len(args) != 1 || args[0].number {
			return f, p.errAt(off, "filter date expects a quoted format, as in date: '%%d/%%m/%%Y'")
		}
		f.s1 = args[0].text
	}
	return f, nil
}

// tplSuggestFilter returns the known filter closest to name, or "".
func tplSuggestFilter(name string) string {
	best, bestDist := "", 0
	low := strings.ToLower(name)
	for n := range tplFilterKinds {
		d := nameDistance(low, n)
		if d <= 2 && (best == "" || d < bestDist || d == bestDist && n < best) {
			best, bestDist = n, d
		}
	}
	if best == "" {
		switch low {
		case "upper", "uppercase", "toupper":
			return "upcase"
		case "lower", "lowercase", "tolower":
			return "downcase"
		case "trim":
			return "strip"
		}
	}
	return best
}

// apply runs the filter on v. It never fails.
func (f *tplFilter) apply(v string) string {
	switch f.kind {
	case tplFilterDefault:
		if strings.TrimSpace(v) == "" {
			return f.s1
		}
		return v
	case tplFilterUpcase:
		return tplUpcase(v)
	case tplFilterDowncase:
		return tplDowncase(v)
	case tplFilterCapitalize:
		return tplCapitalize(v)
	case tplFilterStrip:
		return strings.TrimSpace(v)
	case tplFilterTruncate:
		return tplTruncate(v, f.n, f.s1)
	case tplFilterReplace:
		if f.s1 == "" {
			return v // Liquid inserts the replacement between every character; nobody wants that
		}
		return strings.ReplaceAll(v, f.s1, f.s2)
	case tplFilterDate:
		return tplFormatDate(v, f.s1, f.names)
	}
	return v
}

// Casers map case with Unicode's full rules (ß → SS, ﬁ → FI, as Ruby
// does for Liquid) where strings.ToUpper maps one character to one. A
// cases.Caser keeps state, so each render takes its own from a pool.
var (
	tplUpper = sync.Pool{New: func() any { c := cases.Upper(language.Und); return &c }}
	tplLower = sync.Pool{New: func() any { c := cases.Lower(language.Und); return &c }}
	tplTitle = sync.Pool{New: func() any { c := cases.Title(language.Und, cases.NoLower); return &c }}
)

// tplCase maps v with a Caser from pool; ASCII takes the strings fast path,
// whose result is the same and which allocates nothing when v is unchanged.
func tplCase(pool *sync.Pool, v string, ascii func(string) string) string {
	if tplIsASCII(v) {
		return ascii(v)
	}
	c := pool.Get().(*cases.Caser)
	defer pool.Put(c)
	// Span reads v in place: an unchanged value costs no allocation, where
	// String always allocates its buffers.
	c.Reset()
	if n, err := c.Span(unsafe.Slice(unsafe.StringData(v), len(v)), true); n == len(v) && err == nil {
		return v
	}
	return c.String(v)
}

func tplIsASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func tplUpcase(v string) string   { return tplCase(&tplUpper, v, strings.ToUpper) }
func tplDowncase(v string) string { return tplCase(&tplLower, v, strings.ToLower) }

// tplCapitalize title-cases the first character and lower-cases the rest,
// as Liquid (Ruby's String#capitalize) does: "jEAN-pierre" -> "Jean-pierre",
// "ßa" -> "Ssa", "ﬁx" -> "Fix".
func tplCapitalize(v string) string {
	_, size := utf8.DecodeRuneInString(v)
	if size == 0 {
		return v
	}
	rest := tplDowncase(v[size:])
	if c := v[0]; c < utf8.RuneSelf {
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		} else if rest == v[size:] {
			return v
		}
		return string(rune(c)) + rest
	}
	first := tplCase(&tplTitle, v[:size], nil)
	if first == v[:size] && rest == v[size:] {
		return v
	}
	return first + rest
}

// tplTruncate shortens v to n characters counting the ellipsis, as Liquid
// does: truncate: 8 on "Bonjour tout le monde" gives "Bonjo...".
func tplTruncate(v string, n int, ellipsis string) string {
	if utf8.RuneCountInString(v) <= n {
		return v
	}
	keep := max(0, n-utf8.RuneCountInString(ellipsis))
	i := 0
	for k := 0; k < keep && i < len(v); k++ {
		_, size := utf8.DecodeRuneInString(v[i:])
		i += size
	}
	return v[:i] + ellipsis
}
