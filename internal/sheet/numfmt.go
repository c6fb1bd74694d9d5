package sheet

import (
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// builtinFormats are the format codes of Excel's built-in number formats
// that a workbook does not spell out. 14 and 22 depend on the locale and
// are handled by formatFor.
var builtinFormats = map[int]string{
	0: "General", 1: "0", 2: "0.00", 3: "#,##0", 4: "#,##0.00",
	5: `"$"#,##0_);("$"#,##0)`, 6: `"$"#,##0_);[Red]("$"#,##0)`,
	7: `"$"#,##0.00_);("$"#,##0.00)`, 8: `"$"#,##0.00_);[Red]("$"#,##0.00)`,
	9: "0%", 10: "0.00%", 11: "0.00E+00", 12: "# ?/?", 13: "# ??/??",
	15: "d-mmm-yy", 16: "d-mmm", 17: "mmm-yy", 18: "h:mm AM/PM", 19: "h:mm:ss AM/PM",
	20: "h:mm", 21: "h:mm:ss",
	37: "#,##0 ;(#,##0)", 38: "#,##0 ;[Red](#,##0)", 39: "#,##0.00;(#,##0.00)", 40: "#,##0.00;[Red](#,##0.00)",
	41: `_(* #,##0_);_(* \(#,##0\);_(* "-"_);_(@_)`, 42: `_("$"* #,##0_);_("$"* \(#,##0\);_("$"* "-"_);_(@_)`,
	43: `_(* #,##0.00_);_(* \(#,##0.00\);_(* "-"??_);_(@_)`, 44: `_("$"* #,##0.00_);_("$"* \(#,##0.00\);_("$"* "-"??_);_(@_)`,
	45: "mm:ss", 46: "[h]:mm:ss", 47: "mm:ss.0", 48: "##0.0E+0", 49: "@",
}

// formatFor returns the format code of a number format id: the workbook's
// own code, else the built-in one. Built-in 14 (and the East Asian date
// ids) is the locale's short date, 22 the short date with the time.
func formatFor(id int, custom map[int]string, loc *locale) string {
	switch {
	case id == 14 || id >= 27 && id <= 36 || id >= 50 && id <= 58:
		return loc.shortDate
	case id == 22:
		return loc.shortDate + " h:mm"
	}
	if code, ok := custom[id]; ok {
		return code
	}
	if code, ok := builtinFormats[id]; ok {
		return code
	}
	return "General"
}

type ftKind uint8

const (
	ftLit ftKind = iota
	ftGeneral
	ftText // @
	ftInt  // integer digit placeholder 0 # ?
	ftPoint
	ftFrac // fraction digit placeholder
	ftExp  // E+ / E-, n = exponent digits, sign in lit
	ftYear
	ftMonth
	ftDay
	ftHour
	ftMinute
	ftSecond
	ftSubsec
	ftAMPM
	ftElapsedH
	ftElapsedM
	ftElapsedS
	ftEra      // g gg ggg: the Japanese era's initial, character or name
	ftEraYear  // e ee: the year of the Japanese era
	ftBuddhist // bb bbbb: the Buddhist era year (Gregorian + 543)
)

type ftok struct {
	kind ftKind
	lit  string
	ph   byte // placeholder character for ftInt, ftFrac
	n    int
}

// fsection is one ;-separated section of a number format.
type fsection struct {
	toks      []ftok
	date      bool
	ampm      bool
	subsec    int
	percent   int
	scale     int // trailing commas: divide by 1000 each
	grouping  bool
	nInt      int
	nFrac     int
	exp       bool
	general   bool
	fraction  bool // "# ?/?" is shown as a decimal
	hasCond   bool
	condOp    string
	condVal   float64
	hasDigits bool
	gannen    bool   // [$-ja-JP-x-gannen]: the first year of an era is 元
	fallback  string // what the section asks for and is not shown, for a warning
	// fallbackCode and fallbackTag say the same for a translated warning
	// (Warning.Code "number-format-numerals" or "number-format-hijri").
	fallbackCode, fallbackTag string
}

// numFormat is a parsed Excel number format. It is immutable once parsed
// and so safe to share.
type numFormat struct {
	sections []fsection
	loc      *locale
	// fallback names what the format asks for that is shown otherwise
	// (another numeral system, the Hijri calendar), for the reader to warn
	// about; "" when the format is shown as Excel shows it.
	fallback string
	// fallbackCode and fallbackTag are the warning's Code and the format
	// tag involved ("[DBNum1]", "B2"); "" with fallback.
	fallbackCode, fallbackTag string
}

// isDate reports whether the format shows a date or time for positive
// numbers.
func (f *numFormat) isDate() bool { return len(f.sections) > 0 && f.sections[0].date }

func parseNumFormat(code string, loc *locale) *numFormat {
	f := &numFormat{loc: loc}
	for _, s := range splitSections(code) {
		sec := parseSection(s, loc)
		if f.fallback == "" {
			f.fallback, f.fallbackCode, f.fallbackTag = sec.fallback, sec.fallbackCode, sec.fallbackTag
		}
		f.sections = append(f.sections, sec)
		if len(f.sections) == 4 {
			break
		}
	}
	if len(f.sections) == 0 {
		f.sections = []fsection{{general: true, toks: []ftok{{kind: ftGeneral}}}}
	}
	return f
}

func splitSections(code string) []string {
	var out []string
	start, inQ, inB := 0, false, false
	for i := 0; i < len(code); i++ {
		c := code[i]
		switch {
		case c == '\\' && !inQ:
			i++
		case c == '"':
			inQ = !inQ
		case inQ:
		case c == '[':
			inB = true
		case c == ']':
			inB = false
		case c == ';' && !inB:
			out = append(out, code[start:i])
			start = i + 1
		}
	}
	return append(out, code[start:])
}

// isDateSection reports whether a section has date or time parts outside
// quotes, escapes and brackets (elapsed [h] [m] [s] count).
func isDateSection(s string) bool {
	lower := strings.ToLower(s)
	for i := 0; i < len(lower); i++ {
		c := lower[i]
		switch c {
		case '\\', '_', '*':
			i++
		case '"':
			j := strings.IndexByte(lower[i+1:], '"')
			if j < 0 {
				return false
			}
			i += j + 1
		case '[':
			j := strings.IndexByte(lower[i:], ']')
			if j < 0 {
				return false
			}
			inner := lower[i+1 : i+j]
			if inner != "" && strings.Trim(inner, "hms") == "" {
				return true
			}
			i += j
		case 'y', 'd', 'h', 's', 'm':
			return true
		case 'g':
			if !strings.HasPrefix(lower[i:], "general") {
				return true // a Japanese era
			}
			i += len("general") - 1
		case 'a':
			if strings.HasPrefix(lower[i:], "am/pm") || strings.HasPrefix(lower[i:], "a/p") {
				return true
			}
		}
	}
	return false
}

func parseSection(s string, loc *locale) fsection {
	sec := fsection{date: isDateSection(s)}
	lit := func(t string) {
		if n := len(sec.toks); n > 0 && sec.toks[n-1].kind == ftLit {
			sec.toks[n-1].lit += t
			return
		}
		sec.toks = append(sec.toks, ftok{kind: ftLit, lit: t})
	}
	afterPoint := false
	lower := strings.ToLower(s)
	for i := 0; i < len(s); {
		c := s[i]
		lc := lower[i]
		switch {
		case c == '"':
			j := strings.IndexByte(s[i+1:], '"')
			if j < 0 {
				lit(s[i+1:])
				i = len(s)
				continue
			}
			lit(s[i+1 : i+1+j])
			i += j + 2
		case c == '\\':
			if i+1 < len(s) {
				_, size := utf8.DecodeRuneInString(s[i+1:])
				lit(s[i+1 : i+1+size])
				i += 1 + size
			} else {
				i++
			}
		case c == '_':
			lit(" ")
			if i+1 < len(s) {
				_, size := utf8.DecodeRuneInString(s[i+1:])
				i += 1 + size
			} else {
				i++
			}
		case c == '*':
			if i+1 < len(s) {
				_, size := utf8.DecodeRuneInString(s[i+1:])
				i += 1 + size
			} else {
				i++
			}
		case c == '[':
			j := strings.IndexByte(s[i:], ']')
			if j < 0 {
				i = len(s)
				continue
			}
			inner := s[i+1 : i+j]
			li := strings.ToLower(inner)
			switch {
			case li != "" && strings.Trim(li, "h") == "":
				sec.toks = append(sec.toks, ftok{kind: ftElapsedH, n: len(li)})
			case li != "" && strings.Trim(li, "m") == "":
				sec.toks = append(sec.toks, ftok{kind: ftElapsedM, n: len(li)})
			case li != "" && strings.Trim(li, "s") == "":
				sec.toks = append(sec.toks, ftok{kind: ftElapsedS, n: len(li)})
			case strings.HasPrefix(li, "$-f800") || strings.HasPrefix(li, "$-x-sysdate"):
				long := parseSection(loc.longDate, loc)
				return long
			case strings.HasPrefix(li, "$-f400") || strings.HasPrefix(li, "$-x-systime"):
				return parseSection("h:mm:ss", loc)
			case strings.HasPrefix(li, "dbnum") || strings.HasPrefix(li, "natnum"):
				if sec.fallback == "" {
					sec.fallback = "Chinese or Japanese numerals ([" + inner + "]), which SecureMerge shows with Western digits"
					sec.fallbackCode, sec.fallbackTag = "number-format-numerals", "["+inner+"]"
				}
			case strings.HasPrefix(inner, "$"):
				if strings.Contains(li, "gannen") {
					sec.gannen = true
				}
				sym := inner[1:]
				if k := strings.IndexByte(sym, '-'); k >= 0 {
					sym = sym[:k]
				}
				lit(sym)
			case len(inner) > 0 && strings.ContainsRune("<>=", rune(inner[0])):
				op := strings.TrimRight(inner[:len(inner)-len(strings.TrimLeft(inner, "<>="))], " ")
				v, err := strconv.ParseFloat(strings.TrimSpace(inner[len(op):]), 64)
				if err == nil {
					sec.hasCond, sec.condOp, sec.condVal = true, op, v
				}
			}
			i += j + 1
		case strings.HasPrefix(lower[i:], "general"):
			sec.general = true
			sec.toks = append(sec.toks, ftok{kind: ftGeneral})
			i += len("general")
		case c == '@':
			sec.toks = append(sec.toks, ftok{kind: ftText})
			i++
		case sec.date:
			i += parseDateToken(&sec, s, lower, i, lit)
		case c == '0' || c == '#' || c == '?':
			sec.hasDigits = true
			if afterPoint {
				sec.toks = append(sec.toks, ftok{kind: ftFrac, ph: c})
				sec.nFrac++
			} else {
				sec.toks = append(sec.toks, ftok{kind: ftInt, ph: c})
				sec.nInt++
			}
			i++
		case c == '.' && !sec.exp:
			if !afterPoint {
				afterPoint = true
				sec.toks = append(sec.toks, ftok{kind: ftPoint})
			} else {
				lit(".")
			}
			i++
		case c == ',':
			// A comma between digit placeholders groups thousands; after
			// the last one it scales by 1000.
			j := i
			for j < len(s) && s[j] == ',' {
				j++
			}
			nextDigit := j < len(s) && (s[j] == '0' || s[j] == '#' || s[j] == '?')
			if sec.hasDigits && nextDigit && !afterPoint {
				sec.grouping = true
			} else if sec.hasDigits {
				sec.scale += j - i
			} else {
				lit(s[i:j])
			}
			i = j
		case c == '%':
			sec.percent++
			lit("%")
			i++
		case (lc == 'e') && i+1 < len(s) && (s[i+1] == '+' || s[i+1] == '-') && sec.hasDigits:
			sec.exp = true
			j := i + 2
			for j < len(s) && (s[j] == '0' || s[j] == '#' || s[j] == '?') {
				j++
			}
			sec.toks = append(sec.toks, ftok{kind: ftExp, lit: s[i : i+2], n: j - i - 2})
			i = j
		case c == '/' && sec.hasDigits:
			sec.fraction = true
			i = len(s)
		default:
			_, size := utf8.DecodeRuneInString(s[i:])
			lit(s[i : i+size])
			i += size
		}
	}
	if sec.date {
		resolveMinutes(&sec)
	}
	return sec
}

// parseDateToken reads one date/time token at s[i:] and returns its length.
func parseDateToken(sec *fsection, s, lower string, i int, lit func(string)) int {
	c := lower[i]
	run := func() int {
		j := i
		for j < len(lower) && lower[j] == c {
			j++
		}
		return j - i
	}
	switch c {
	case 'y':
		n := run()
		sec.toks = append(sec.toks, ftok{kind: ftYear, n: n})
		return n
	case 'e':
		// The year of the Japanese era; Excel has no other meaning for e
		// in a date.
		n := run()
		sec.toks = append(sec.toks, ftok{kind: ftEraYear, n: n})
		return n
	case 'g':
		n := run()
		sec.toks = append(sec.toks, ftok{kind: ftEra, n: n})
		return n
	case 'm':
		n := run()
		sec.toks = append(sec.toks, ftok{kind: ftMonth, n: n})
		return n
	case 'd':
		n := run()
		sec.toks = append(sec.toks, ftok{kind: ftDay, n: n})
		return n
	case 'h':
		n := run()
		sec.toks = append(sec.toks, ftok{kind: ftHour, n: n})
		return n
	case 's':
		n := run()
		sec.toks = append(sec.toks, ftok{kind: ftSecond, n: n})
		return n
	case '.':
		j := i + 1
		for j < len(s) && s[j] == '0' {
			j++
		}
		if j > i+1 && len(sec.toks) > 0 && (sec.toks[len(sec.toks)-1].kind == ftSecond || sec.toks[len(sec.toks)-1].kind == ftElapsedS) {
			sec.subsec = j - i - 1
			sec.toks = append(sec.toks, ftok{kind: ftSubsec, n: sec.subsec})
			return j - i
		}
		lit(".")
		return 1
	case 'a':
		switch {
		case strings.HasPrefix(lower[i:], "am/pm"):
			sec.ampm = true
			sec.toks = append(sec.toks, ftok{kind: ftAMPM, lit: s[i : i+5]})
			return 5
		case strings.HasPrefix(lower[i:], "a/p"):
			sec.ampm = true
			sec.toks = append(sec.toks, ftok{kind: ftAMPM, lit: s[i : i+3]})
			return 3
		}
	case 'b':
		if i+1 < len(s) && (s[i+1] == '1' || s[i+1] == '2') {
			// B1 asks for the Gregorian calendar, B2 for the Hijri one.
			if s[i+1] == '2' && sec.fallback == "" {
				sec.fallback = "the Hijri calendar (B2), which SecureMerge shows as a Gregorian date"
				sec.fallbackCode, sec.fallbackTag = "number-format-hijri", "B2"
			}
			return 2
		}
		n := run()
		sec.toks = append(sec.toks, ftok{kind: ftBuddhist, n: n})
		return n
	}
	_, size := utf8.DecodeRuneInString(s[i:])
	lit(s[i : i+size])
	return size
}

// resolveMinutes turns m and mm into minutes after an hour or before a
// second, as Excel does.
func resolveMinutes(sec *fsection) {
	prev := -1
	for i := range sec.toks {
		k := sec.toks[i].kind
		if k == ftLit || k == ftAMPM || k == ftSubsec {
			continue
		}
		if k == ftMonth && sec.toks[i].n <= 2 {
			minute := prev >= 0 && (sec.toks[prev].kind == ftHour || sec.toks[prev].kind == ftElapsedH)
			for j := i + 1; j < len(sec.toks) && !minute; j++ {
				kj := sec.toks[j].kind
				if kj == ftLit || kj == ftAMPM {
					continue
				}
				minute = kj == ftSecond || kj == ftElapsedS
				break
			}
			if minute {
				sec.toks[i].kind = ftMinute
			}
		}
		prev = i
	}
}

// pick returns the section for v and whether v's sign is already shown by
// the section (so the absolute value must be formatted).
func (f *numFormat) pick(v float64) (*fsection, bool) {
	secs := f.sections
	if secs[0].hasCond || len(secs) > 1 && secs[1].hasCond {
		for i := range secs {
			s := &secs[i]
			if !s.hasCond {
				if i < 3 {
					return s, v < 0 && i > 0
				}
				break
			}
			if cond(s.condOp, v, s.condVal) {
				return s, v < 0 && i > 0
			}
		}
		return &secs[0], false
	}
	switch {
	case v > 0 || len(secs) == 1:
		return &secs[0], false
	case v < 0:
		if secs[1].date && !secs[0].date || len(secs[1].toks) == 0 && len(secs) < 3 {
			return &secs[0], false
		}
		return &secs[1], true
	default:
		if len(secs) >= 3 {
			return &secs[2], false
		}
		return &secs[0], false
	}
}

func cond(op string, v, c float64) bool {
	switch op {
	case "<":
		return v < c
	case "<=":
		return v <= c
	case ">":
		return v > c
	case ">=":
		return v >= c
	case "=":
		return v == c
	case "<>":
		return v != c
	}
	return false
}

// format formats a number the way Excel displays it with this format.
// date1904 selects the Macintosh date system for date formats.
func (f *numFormat) format(v float64, date1904 bool) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "#NUM!"
	}
	sec, abs := f.pick(v)
	if sec.date {
		if s, ok := formatDate(sec, v, date1904, f.loc); ok {
			return s
		}
		return formatGeneral(v, f.loc)
	}
	if abs {
		v = -v
	}
	if sec.general || sec.fraction || !sec.hasDigits {
		if !sec.hasDigits && !sec.general && !sec.fraction {
			// Only literals, like "-" in an accounting zero section.
			var b strings.Builder
			for _, t := range sec.toks {
				if t.kind == ftLit {
					b.WriteString(t.lit)
				}
			}
			if b.Len() > 0 || len(f.sections) > 1 {
				return b.String()
			}
		}
		g := formatGeneral(v, f.loc)
		if !sec.general {
			return g
		}
		var b strings.Builder
		for _, t := range sec.toks {
			switch t.kind {
			case ftLit:
				b.WriteString(t.lit)
			case ftGeneral:
				b.WriteString(g)
			}
		}
		return b.String()
	}
	return formatNumber(sec, v, f.loc)
}

func formatNumber(sec *fsection, v float64, loc *locale) string {
	neg := v < 0
	a := math.Abs(v)
	for i := 0; i < sec.percent; i++ {
		a *= 100
	}
	for i := 0; i < sec.scale; i++ {
		a /= 1000
	}
	exponent := 0
	if sec.exp && a != 0 {
		exponent = int(math.Floor(math.Log10(a)))
		step := 1
		if sec.nInt > 1 {
			// ##0.0E+0 is engineering notation: exponents in steps of nInt.
			step = sec.nInt
			exponent = int(math.Floor(float64(exponent)/float64(step))) * step
		} else {
			exponent -= sec.nInt - 1
		}
		a /= math.Pow(10, float64(exponent))
	}
	intPart, fracPart := roundDecimal(a, sec.nFrac)
	if sec.exp && len(intPart) > max(sec.nInt, 1) && sec.nInt <= 1 {
		// Rounding carried into a new digit: 9.99 -> 10.0E+0 -> 1.00E+1.
		exponent++
		intPart, fracPart = roundDecimal(a/10, sec.nFrac)
	}
	if neg && intPart == "" && strings.Trim(fracPart, "0") == "" && !sec.exp {
		// Excel shows -0.001 with 0.00 as -0.00; keep its sign.
		neg = true
	}
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	// Integer digits: the rightmost placeholder takes the last digit, the
	// leftmost takes every extra leading digit.
	intIdx := 0
	var grouped string
	if sec.grouping {
		digits := intPart
		zeros := 0
		for _, t := range sec.toks {
			if t.kind == ftInt && t.ph == '0' {
				zeros++
			}
		}
		for len(digits) < zeros {
			digits = "0" + digits
		}
		grouped = groupDigits(digits, loc.group)
	}
	// Fraction digits: drop trailing zeros that fall on # or ? placeholders.
	fracPH := make([]byte, 0, sec.nFrac)
	for _, t := range sec.toks {
		if t.kind == ftFrac {
			fracPH = append(fracPH, t.ph)
		}
	}
	keep := len(fracPart)
	for keep > 0 && fracPart[keep-1] == '0' && fracPH[keep-1] != '0' {
		keep--
	}
	fracIdx := 0
	for _, t := range sec.toks {
		switch t.kind {
		case ftLit:
			b.WriteString(t.lit)
		case ftInt:
			if sec.grouping {
				if intIdx == 0 {
					b.WriteString(grouped)
				}
				intIdx++
				continue
			}
			pos := sec.nInt - 1 - intIdx // digit position from the right
			intIdx++
			if pos == sec.nInt-1 && len(intPart) > sec.nInt {
				b.WriteString(intPart[:len(intPart)-sec.nInt+1])
				continue
			}
			if pos < len(intPart) {
				b.WriteByte(intPart[len(intPart)-1-pos])
				continue
			}
			switch t.ph {
			case '0':
				b.WriteByte('0')
			case '?':
				b.WriteByte(' ')
			}
		case ftPoint:
			b.WriteString(loc.dec)
		case ftFrac:
			if fracIdx < keep {
				b.WriteByte(fracPart[fracIdx])
			} else if t.ph == '?' {
				b.WriteByte(' ')
			}
			fracIdx++
		case ftExp:
			e := exponent
			sign := ""
			if e < 0 {
				sign, e = "-", -e
			} else if t.lit[1] == '+' {
				sign = "+"
			}
			digits := strconv.Itoa(e)
			for len(digits) < t.n {
				digits = "0" + digits
			}
			b.WriteString(t.lit[:1] + sign + digits)
		case ftText:
		}
	}
	return b.String()
}

func groupDigits(d, sep string) string {
	if len(d) <= 3 {
		return d
	}
	var b strings.Builder
	first := len(d) % 3
	if first == 0 {
		first = 3
	}
	b.WriteString(d[:first])
	for i := first; i < len(d); i += 3 {
		b.WriteString(sep)
		b.WriteString(d[i : i+3])
	}
	return b.String()
}

// roundDecimal rounds a >= 0 half away from zero to frac fraction digits,
// working on its 15-significant-digit decimal form as Excel does (so
// 2.675 with two decimals is 2.68). intPart has no leading zeros ("" for
// zero); fracPart has exactly frac digits.
func roundDecimal(a float64, frac int) (intPart, fracPart string) {
	if frac > 30 {
		frac = 30
	}
	var buf [32]byte
	s := strconv.AppendFloat(buf[:0], a, 'e', 14, 64)
	// s is d.dddddddddddddde±XX
	epos := len(s) - 1
	for s[epos] != 'e' {
		epos--
	}
	exp, _ := strconv.Atoi(string(s[epos+1:]))
	digits := make([]byte, 0, 48)
	digits = append(digits, s[0])
	digits = append(digits, s[2:epos]...)
	point := exp + 1 // digits before the decimal point
	keep := point + frac
	switch {
	case keep < 0:
		digits = digits[:0]
	case keep < len(digits):
		up := digits[keep] >= '5'
		digits = digits[:keep]
		if up {
			i := keep - 1
			for i >= 0 && digits[i] == '9' {
				digits[i] = '0'
				i--
			}
			if i >= 0 {
				digits[i]++
			} else {
				digits = append([]byte{'1'}, digits...)
				point++
			}
		}
	default:
		for len(digits) < keep {
			digits = append(digits, '0')
		}
	}
	// Make the digit string cover the point: prepend zeros when point < 0.
	for point < 0 || len(digits) < point+frac {
		if point < 0 {
			digits = append([]byte{'0'}, digits...)
			point++
			continue
		}
		digits = append(digits, '0')
	}
	if point < 0 {
		point = 0
	}
	ip := strings.TrimLeft(string(digits[:point]), "0")
	return ip, string(digits[point : point+frac])
}

// formatGeneral shows a number as Excel's General format does in a wide
// column: up to 15 significant digits, no float noise, scientific
// notation for very large or small magnitudes.
func formatGeneral(v float64, loc *locale) string {
	if v == 0 {
		return "0"
	}
	a := math.Abs(v)
	var s string
	if a >= 1e15 || a < 1e-9 {
		s = strconv.FormatFloat(v, 'E', 5, 64)
		mant, exp, _ := strings.Cut(s, "E")
		if strings.Contains(mant, ".") {
			mant = strings.TrimRight(strings.TrimRight(mant, "0"), ".")
		}
		s = mant + "E" + exp
	} else {
		s = strconv.FormatFloat(v, 'f', -1, 64)
		if significantDigits(s) > 15 {
			r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'g', 15, 64), 64)
			s = strconv.FormatFloat(r, 'f', -1, 64)
		}
	}
	if loc.dec != "." {
		s = strings.Replace(s, ".", loc.dec, 1)
	}
	return s
}

func significantDigits(s string) int {
	n, started := 0, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			continue
		}
		if c != '0' {
			started = true
		}
		if started {
			n++
		}
	}
	return n
}

// formatDate shows an Excel serial date with a date section; ok is false
// for serials Excel cannot show as dates (negative or past 9999).
func formatDate(sec *fsection, serial float64, date1904 bool, loc *locale) (string, bool) {
	if serial < 0 || serial >= 2958466 {
		return "", false
	}
	unit := 1.0 // seconds
	if sec.subsec > 0 {
		unit = 1e-3
	}
	ticks := math.Round(serial * 86400 / unit)
	perDay := 86400 / unit
	days := math.Floor(ticks / perDay)
	rest := ticks - days*perDay // ticks into the day
	secsOfDay := int64(rest * unit)
	millis := int64(math.Round((rest*unit - float64(secsOfDay)) * 1000))
	var y, d int
	var m time.Month
	var wd time.Weekday
	day := int64(days)
	switch {
	case date1904:
		t := time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, int(day))
		y, m, d, wd = t.Year(), t.Month(), t.Day(), t.Weekday()
	case day == 60:
		// Excel's fictitious 29 February 1900 (a Lotus 1-2-3 bug it keeps).
		y, m, d, wd = 1900, 2, 29, time.Wednesday
	case day == 0:
		y, m, d, wd = 1900, 1, 0, time.Saturday
	default:
		base := time.Date(1899, 12, 31, 0, 0, 0, 0, time.UTC)
		if day > 60 {
			base = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
		}
		t := base.AddDate(0, 0, int(day))
		y, m, d, wd = t.Year(), t.Month(), t.Day(), t.Weekday()
	}
	hour, minute, second := int(secsOfDay/3600), int(secsOfDay/60%60), int(secsOfDay%60)
	totalSecs := int64(days)*86400 + secsOfDay
	var b strings.Builder
	pad := func(v, n int) {
		s := strconv.Itoa(v)
		for i := len(s); i < n; i++ {
			b.WriteByte('0')
		}
		b.WriteString(s)
	}
	for _, t := range sec.toks {
		switch t.kind {
		case ftLit:
			b.WriteString(t.lit)
		case ftYear:
			if t.n <= 2 {
				pad(y%100, 2)
			} else {
				pad(y, 4)
			}
		case ftMonth:
			switch {
			case t.n == 1:
				pad(int(m), 1)
			case t.n == 2:
				pad(int(m), 2)
			case t.n == 3:
				b.WriteString(loc.monthsAbbr[m-1])
			case t.n == 5:
				r, _ := utf8.DecodeRuneInString(loc.months[m-1])
				b.WriteString(strings.ToUpper(string(r)))
			default:
				b.WriteString(loc.months[m-1])
			}
		case ftDay:
			switch {
			case t.n <= 2:
				pad(d, t.n)
			case t.n == 3:
				b.WriteString(loc.daysAbbr[wd])
			default:
				b.WriteString(loc.days[wd])
			}
		case ftHour:
			h := hour
			if sec.ampm {
				h %= 12
				if h == 0 {
					h = 12
				}
			}
			pad(h, min(t.n, 2))
		case ftMinute:
			pad(minute, min(t.n, 2))
		case ftSecond:
			pad(second, min(t.n, 2))
		case ftSubsec:
			ms := strconv.Itoa(int(millis) + 1000)[1:]
			b.WriteString(loc.dec)
			b.WriteString(ms[:min(t.n, 3)])
		case ftAMPM:
			am, pm := "AM", "PM"
			switch t.lit {
			case "a/p", "A/P":
				am, pm = t.lit[:1], t.lit[2:]
			case "am/pm":
				am, pm = "am", "pm"
			}
			if hour < 12 {
				b.WriteString(am)
			} else {
				b.WriteString(pm)
			}
		case ftElapsedH:
			pad(int(totalSecs/3600), t.n)
		case ftElapsedM:
			pad(int(totalSecs/60), t.n)
		case ftElapsedS:
			pad(int(totalSecs), t.n)
		case ftGeneral:
			b.WriteString(formatGeneral(serial, loc))
		case ftBuddhist:
			if t.n <= 2 {
				pad((y+543)%100, 2)
			} else {
				pad(y+543, 4)
			}
		case ftEra, ftEraYear:
			e := japaneseEra(y, m, d)
			switch {
			case t.kind == ftEra && t.n == 1:
				b.WriteString(e.initial)
			case t.kind == ftEra && t.n == 2:
				r, _ := utf8.DecodeRuneInString(e.name)
				b.WriteRune(r)
			case t.kind == ftEra:
				b.WriteString(e.name)
			case sec.gannen && y-e.first == 0:
				b.WriteString("元")
			default:
				pad(y-e.first+1, min(t.n, 2))
			}
		}
	}
	return b.String(), true
}

// era is a Japanese era: the Gregorian year it starts in, its Latin
// initial and its name.
type era struct {
	from          time.Time
	first         int
	initial, name string
}

// japaneseEras are the eras Excel's dates (1900 on) fall in, newest first.
var japaneseEras = []era{
	{time.Date(2019, 5, 1, 0, 0, 0, 0, time.UTC), 2019, "R", "令和"},
	{time.Date(1989, 1, 8, 0, 0, 0, 0, time.UTC), 1989, "H", "平成"},
	{time.Date(1926, 12, 25, 0, 0, 0, 0, time.UTC), 1926, "S", "昭和"},
	{time.Date(1912, 7, 30, 0, 0, 0, 0, time.UTC), 1912, "T", "大正"},
	{time.Date(1868, 1, 25, 0, 0, 0, 0, time.UTC), 1868, "M", "明治"},
}

func japaneseEra(y int, m time.Month, d int) era {
	t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	for _, e := range japaneseEras {
		if !t.Before(e.from) {
			return e
		}
	}
	return japaneseEras[len(japaneseEras)-1]
}
