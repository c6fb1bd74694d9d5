package merge

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/language"
)

// tplFormatDate is the date filter: it parses v (see tplParseDate) and
// formats it with the strftime format; a value that is not a date, or an
// empty format, leaves v unchanged.
func tplFormatDate(v, format string, names *dateNames) string {
	if format == "" {
		return v
	}
	t, ok := tplParseDate(v)
	if !ok {
		return v
	}
	return string(tplStrftime(make([]byte, 0, len(format)+16), t, format, names))
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
// (%-d, %-m, %-H, %-I). Names are those of names (nil means English, as in
// Liquid). Other directives are copied as written.
func tplStrftime(dst []byte, t time.Time, f string, names *dateNames) []byte {
	if names == nil {
		names = dateLanguages["en"]
	}
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
			dst = append(dst, names.months[t.Month()-1]...)
		case 'b':
			dst = append(dst, names.monthsAbbr[t.Month()-1]...)
		case 'A':
			dst = append(dst, names.days[t.Weekday()]...)
		case 'a':
			dst = append(dst, names.daysAbbr[t.Weekday()]...)
		case '%':
			dst = append(dst, '%')
		default:
			dst = append(dst, f[start:i+1]...)
		}
	}
	return dst
}

// dateNames are the day and month names of one language, for %A %a %B %b.
type dateNames struct {
	months, monthsAbbr [12]string
	days, daysAbbr     [7]string // Sunday first, as time.Weekday
}

// dateLanguages are the languages the date filter writes. The names are
// Unicode CLDR's Gregorian calendar, format context, wide and abbreviated
// (abbreviations keep CLDR's final dot, as in "janv."), written in the
// case CLDR gives; English is Liquid's (Ruby's strftime). golang.org/x/text
// carries no calendar names, hence this table.
var dateLanguages = map[string]*dateNames{
	"en": {
		months:     [12]string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
		monthsAbbr: [12]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"},
		days:       [7]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"},
		daysAbbr:   [7]string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"},
	},
	"fr": {
		months:     [12]string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"},
		monthsAbbr: [12]string{"janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."},
		days:       [7]string{"dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"},
		daysAbbr:   [7]string{"dim.", "lun.", "mar.", "mer.", "jeu.", "ven.", "sam."},
	},
	"de": {
		months:     [12]string{"Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November", "Dezember"},
		monthsAbbr: [12]string{"Jan.", "Feb.", "März", "Apr.", "Mai", "Juni", "Juli", "Aug.", "Sept.", "Okt.", "Nov.", "Dez."},
		days:       [7]string{"Sonntag", "Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag"},
		daysAbbr:   [7]string{"So.", "Mo.", "Di.", "Mi.", "Do.", "Fr.", "Sa."},
	},
	"es": {
		months:     [12]string{"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre"},
		monthsAbbr: [12]string{"ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept", "oct", "nov", "dic"},
		days:       [7]string{"domingo", "lunes", "martes", "miércoles", "jueves", "viernes", "sábado"},
		daysAbbr:   [7]string{"dom", "lun", "mar", "mié", "jue", "vie", "sáb"},
	},
	"it": {
		months:     [12]string{"gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto", "settembre", "ottobre", "novembre", "dicembre"},
		monthsAbbr: [12]string{"gen", "feb", "mar", "apr", "mag", "giu", "lug", "ago", "set", "ott", "nov", "dic"},
		days:       [7]string{"domenica", "lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato"},
		daysAbbr:   [7]string{"dom", "lun", "mar", "mer", "gio", "ven", "sab"},
	},
	"nl": {
		months:     [12]string{"januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober", "november", "december"},
		monthsAbbr: [12]string{"jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec"},
		days:       [7]string{"zondag", "maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag"},
		daysAbbr:   [7]string{"zo", "ma", "di", "wo", "do", "vr", "za"},
	},
	"pt": {
		months:     [12]string{"janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto", "setembro", "outubro", "novembro", "dezembro"},
		monthsAbbr: [12]string{"jan.", "fev.", "mar.", "abr.", "mai.", "jun.", "jul.", "ago.", "set.", "out.", "nov.", "dez."},
		days:       [7]string{"domingo", "segunda-feira", "terça-feira", "quarta-feira", "quinta-feira", "sexta-feira", "sábado"},
		daysAbbr:   [7]string{"dom.", "seg.", "ter.", "qua.", "qui.", "sex.", "sáb."},
	},
}

// DateLanguages returns the languages the date filter writes day and month
// names in (base ISO 639-1 codes), sorted.
func DateLanguages() []string {
	out := make([]string, 0, len(dateLanguages))
	for k := range dateLanguages {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// ErrLanguage is what LookupDateLanguage's error wraps.
var ErrLanguage = errors.New("unsupported language")

// LookupDateLanguage reads a BCP 47 tag ("fr", "fr-CA", "pt_BR", "FR") and
// returns the base language whose names the date filter writes. "" is
// English. Any other language is an error wrapping ErrLanguage that lists
// the supported ones.
func LookupDateLanguage(tag string) (string, error) {
	tag = strings.TrimSpace(strings.ReplaceAll(tag, "_", "-"))
	if tag == "" {
		return "en", nil
	}
	t, err := language.Parse(tag)
	if err == nil {
		base, _ := t.Base()
		if _, ok := dateLanguages[base.String()]; ok {
			return base.String(), nil
		}
	}
	return "", fmt.Errorf("%w %q: expected one of %s", ErrLanguage, tag, strings.Join(DateLanguages(), ", "))
}

// SetLanguage makes the date filters of t write day and month names in
// lang, as LookupDateLanguage reads it. Like Bind, it must not run
// concurrently with Render.
func (t *Template) SetLanguage(lang string) error {
	code, err := LookupDateLanguage(lang)
	if err != nil {
		return err
	}
	names := dateLanguages[code]
	for i := range t.outs {
		for j := range t.outs[i].filters {
			t.outs[i].filters[j].names = names
		}
	}
	return nil
}
