package merge

import (
	"strconv"
	"strings"
	"time"
)

// tplFormatDate is the date filter: it parses v (see tplParseDate) and
// formats it with the strftime format; a value that is not a date, or an
// empty format, leaves v unchanged.
func tplFormatDate(v, format string) string {
	if format == "" {
		return v
	}
	t, ok := tplParseDate(v)
	if !ok {
		return v
	}
	return string(tplStrftime(make([]byte, 0, len(format)+16), t, format))
}

// tplISOLayouts are tried first, in order.
var tplISOLayouts = []string{
	"2006-01-02",
	time.RFC3339, // fractional seconds are accepted too
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05",
	"2006-01-02T15:04",
	"2006-01-02 15:04",
	"2006-01-02 15:04:05Z07:00",
	"2006/01/02",
}

// tplParseDate reads a date the way spreadsheets and people write it:
//
//  1. ISO: 2006-01-02, 2006-01-02T15:04:05 (with or without a zone or
//     fractional seconds), 2006-01-02 15:04, 2006/01/02;
//  2. day first: 02/01/2006, 2/1/06, 02-01-2006, 02.01.2006, optionally
//     followed by 15:04 or 15:04:05 (French and most of Europe);
//  3. month first (01/13/2006) only when day first is impossible because
//     the second number is over 12, so 03/04/2006 is always 3 April;
//  4. words: "2 January 2006", "2 Jan 2006", "January 2, 2006",
//     "Monday 2 January 2006", "2 janvier 2006", "1er mars 2024".
//
// "now" and "today" are the current time, as in Liquid. Two-digit years
// are 1969–2068, as Go reads them. Times without a zone are kept as written.
func tplParseDate(v string) (time.Time, bool) {
	s := strings.TrimSpace(v)
	if s == "" {
		return time.Time{}, false
	}
	switch strings.ToLower(s) {
	case "now", "today":
		return time.Now(), true
	}
	if len(s) >= 10 && (s[4] == '-' || s[4] == '/') {
		for _, layout := range tplISOLayouts {
			if t, err := time.Parse(layout, s); err == nil {
				return t, true
			}
		}
	}
	if t, ok := tplParseNumericDate(s); ok {
		return t, true
	}
	return tplParseWordDate(s)
}

// tplParseNumericDate reads d/m/y (or m/d/y when d/m/y is impossible) with
// /, - or . between the numbers and an optional time after a space.
func tplParseNumericDate(s string) (time.Time, bool) {
	datePart, clock, _ := strings.Cut(s, " ")
	var sep byte
	for _, c := range []byte{'/', '-', '.'} {
		if strings.Count(datePart, string(c)) == 2 {
			sep = c
			break
		}
	}
	if sep == 0 {
		return time.Time{}, false
	}
	parts := strings.Split(datePart, string(sep))
	var n [3]int
	for i, p := range parts {
		if len(p) == 0 || len(p) > 4 || (i < 2 && len(p) > 2) {
			return time.Time{}, false
		}
		v, err := strconv.Atoi(p)
		if err != nil || v < 0 {
			return time.Time{}, false
		}
		n[i] = v
	}
	year := n[2]
	switch len(parts[2]) {
	case 2:
		if year >= 69 {
			year += 1900
		} else {
			year += 2000
		}
	case 4:
	default:
		return time.Time{}, false
	}
	h, m, sec, ok := tplParseClock(strings.TrimSpace(clock))
	if !ok {
		return time.Time{}, false
	}
	if t, ok := tplDate(year, n[1], n[0], h, m, sec); ok {
		return t, true
	}
	if n[1] > 12 {
		return tplDate(year, n[0], n[1], h, m, sec)
	}
	return time.Time{}, false
}

// tplParseClock reads "", "15:04" or "15:04:05".
func tplParseClock(s string) (h, m, sec int, ok bool) {
	if s == "" {
		return 0, 0, 0, true
	}
	parts := strings.Split(s, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, 0, 0, false
	}
	var v [3]int
	for i, p := range parts {
		if len(p) == 0 || len(p) > 2 {
			return 0, 0, 0, false
		}
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return 0, 0, 0, false
		}
		v[i] = n
	}
	if v[0] > 23 || v[1] > 59 || v[2] > 59 {
		return 0, 0, 0, false
	}
	return v[0], v[1], v[2], true
}

// tplDate builds a UTC time and reports whether the fields were valid (no
// 31 April, no month 13).
func tplDate(y, mo, d, h, mi, s int) (time.Time, bool) {
	if mo < 1 || mo > 12 || d < 1 || d > 31 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(mo), d, h, mi, s, 0, time.UTC)
	if t.Day() != d || int(t.Month()) != mo {
		return time.Time{}, false
	}
	return t, true
}

// tplMonthNames maps English and French month names and abbreviations
// (lower case, without a final dot) to months.
var tplMonthNames = func() map[string]time.Month {
	m := map[string]time.Month{}
	en := []string{"january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"}
	fr := []string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"}
	for i := range en {
		mo := time.Month(i + 1)
		m[en[i]] = mo
		m[en[i][:3]] = mo
		m[fr[i]] = mo
	}
	m["sept"] = time.September
	for k, mo := range map[string]time.Month{
		"janv": 1, "févr": 2, "fevr": 2, "fevrier": 2, "avr": 4, "juil": 7, "aout": 8,
		"oct": 10, "nov": 11, "déc": 12, "dec": 12, "decembre": 12,
	} {
		m[k] = mo
	}
	return m
}()

var tplWeekdayNames = map[string]bool{
	"monday": true, "tuesday": true, "wednesday": true, "thursday": true, "friday": true, "saturday": true, "sunday": true,
	"mon": true, "tue": true, "wed": true, "thu": true, "fri": true, "sat": true, "sun": true,
	"lundi": true, "mardi": true, "mercredi": true, "jeudi": true, "vendredi": true, "samedi": true, "dimanche": true,
	"le": true, // "le 2 janvier 2024"
}

// tplParseWordDate reads dates with a month name, in any order of day,
// month and year, optionally with a weekday and a 15:04[:05] time.
func tplParseWordDate(s string) (time.Time, bool) {
	fields := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return r == ' ' || r == ',' })
	day, month, year := 0, time.Month(0), -1
	h, mi, sec := 0, 0, 0
	for _, f := range fields {
		f = strings.TrimSuffix(f, ".")
		switch {
		case tplWeekdayNames[f]:
		case tplMonthNames[f] != 0 && month == 0:
			month = tplMonthNames[f]
		case strings.Contains(f, ":"):
			var ok bool
			if h, mi, sec, ok = tplParseClock(f); !ok {
				return time.Time{}, false
			}
		default:
			num := strings.TrimRight(f, "abcdefghijklmnopqrstuvwxyzé")
			suffix := f[len(num):]
			switch suffix {
			case "", "st", "nd", "rd", "th", "er", "e", "ème":
			default:
				return time.Time{}, false
			}
			n, err := strconv.Atoi(num)
			if err != nil || n < 0 {
				return time.Time{}, false
			}
			switch {
			case len(num) == 4 && suffix == "" && year < 0:
				year = n
			case len(num) <= 2 && day == 0:
				day = n
			default:
				return time.Time{}, false
			}
		}
	}
	if month == 0 || day == 0 || year < 0 {
		return time.Time{}, false
	}
	return tplDate(year, int(month), day, h, mi, sec)
}

// tplStrftime appends t formatted with the strftime directives %d %e %m %Y
// %y %H %I %M %S %p %B %b %A %a %j %%, with Ruby's - flag for no padding
// (%-d, %-m, %-H, %-I). Names are English, as in Liquid. Other directives
// are copied as written.
func tplStrftime(dst []byte, t time.Time, f string) []byte {
	for i := 0; i < len(f); i++ {
		c := f[i]
		if c != '%' || i+1 >= len(f) {
			dst = append(dst, c)
			continue
		}
		start := i
		i++
		pad := true
		if f[i] == '-' && i+1 < len(f) {
			pad = false
			i++
		}
		num := func(v, width int, fill byte) {
			s := strconv.Itoa(v)
			if pad {
				for k := len(s); k < width; k++ {
					dst = append(dst, fill)
				}
			}
			dst = append(dst, s...)
		}
		switch f[i] {
		case 'd':
			num(t.Day(), 2, '0')
		case 'e':
			num(t.Day(), 2, ' ')
		case 'm':
			num(int(t.Month()), 2, '0')
		case 'Y':
			num(t.Year(), 4, '0')
		case 'y':
			num(t.Year()%100, 2, '0')
		case 'H':
			num(t.Hour(), 2, '0')
		case 'I':
			h := t.Hour() % 12
			if h == 0 {
				h = 12
			}
			num(h, 2, '0')
		case 'M':
			num(t.Minute(), 2, '0')
		case 'S':
			num(t.Second(), 2, '0')
		case 'j':
			num(t.YearDay(), 3, '0')
		case 'p':
			if t.Hour() < 12 {
				dst = append(dst, "AM"...)
			} else {
				dst = append(dst, "PM"...)
			}
		case 'B':
			dst = append(dst, t.Month().String()...)
		case 'b':
			dst = append(dst, t.Month().String()[:3]...)
		case 'A':
			dst = append(dst, t.Weekday().String()...)
		case 'a':
			dst = append(dst, t.Weekday().String()[:3]...)
		case '%':
			dst = append(dst, '%')
		default:
			dst = append(dst, f[start:i+1]...)
		}
	}
	return dst
}
