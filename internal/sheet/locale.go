package sheet

import (
	"strings"
)

// locale holds what Excel shows differently from one locale to another.
type locale struct {
	shortDate  string // format code of built-in format 14
	longDate   string // format code of [$-F800]
	dec, group string
	months     [12]string
	monthsAbbr [12]string
	days       [7]string // Sunday first
	daysAbbr   [7]string
}

var (
	englishMonths     = [12]string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}
	englishMonthsAbbr = [12]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}
	englishDays       = [7]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}
	englishDaysAbbr   = [7]string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"}
	frenchMonths      = [12]string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"}
	frenchMonthsAbbr  = [12]string{"janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."}
	frenchDays        = [7]string{"dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"}
	frenchDaysAbbr    = [7]string{"dim.", "lun.", "mar.", "mer.", "jeu.", "ven.", "sam."}
)

const nbsp = "\u00a0"

// resolveLocale returns the locale for a BCP 47 tag ("fr-FR") or a POSIX
// name ("fr_FR.UTF-8"); "" means en-US. The package reads no environment:
// the caller passes the user's locale down (cmd reads LC_ALL, LC_TIME, LANG).
// Unknown languages get en-US's separators and dd/mm/yyyy dates, the most
// common convention outside the United States.
func resolveLocale(tag string) *locale {
	tag = strings.ToLower(tag)
	if i := strings.IndexAny(tag, ".@"); i >= 0 {
		tag = tag[:i]
	}
	lang, region, _ := strings.Cut(strings.ReplaceAll(tag, "_", "-"), "-")
	if i := strings.IndexByte(region, '-'); i >= 0 {
		// zh-hant-tw: keep the region, drop the script.
		if len(region) == 4 {
			region = region[i+1:]
		} else {
			region = region[:i]
		}
	}
	l := &locale{dec: ".", group: ",", months: englishMonths, monthsAbbr: englishMonthsAbbr, days: englishDays, daysAbbr: englishDaysAbbr,
		shortDate: "dd/mm/yyyy", longDate: "dddd, mmmm d, yyyy"}
	switch lang {
	case "", "c", "posix":
		l.shortDate = "m/d/yyyy"
	case "en":
		switch region {
		case "", "us", "ph":
			l.shortDate = "m/d/yyyy"
		case "ca":
			l.shortDate = "yyyy-mm-dd"
		case "za":
			l.shortDate = "yyyy/mm/dd"
		}
		if region != "" && region != "us" {
			l.longDate = "dd mmmm yyyy"
		}
	case "fr":
		l.dec, l.group = ",", nbsp
		l.months, l.monthsAbbr, l.days, l.daysAbbr = frenchMonths, frenchMonthsAbbr, frenchDays, frenchDaysAbbr
		l.longDate = "dddd d mmmm yyyy"
		switch region {
		case "ca":
			l.shortDate = "yyyy-mm-dd"
		case "ch":
			l.shortDate, l.dec, l.group = "dd.mm.yyyy", ".", "'"
		}
	case "de":
		l.shortDate, l.dec, l.group, l.longDate = "dd.mm.yyyy", ",", ".", "dddd, d. mmmm yyyy"
		if region == "ch" || region == "li" {
			l.dec, l.group = ".", "'"
		}
	case "es", "it", "pt", "ca", "gl", "eu":
		l.dec, l.group = ",", "."
	case "nl":
		l.shortDate, l.dec, l.group = "d-m-yyyy", ",", "."
	case "ru", "pl", "uk", "cs", "sk", "fi", "nb", "no", "nn", "da", "tr", "ro", "hu":
		l.shortDate, l.dec, l.group = "dd.mm.yyyy", ",", nbsp
		switch lang {
		case "hu":
			l.shortDate = "yyyy. mm. dd."
		case "da":
			l.shortDate, l.group = "dd-mm-yyyy", "."
		case "tr", "ro":
			l.group = "."
		}
	case "sv", "lt":
		l.shortDate, l.dec, l.group = "yyyy-mm-dd", ",", nbsp
	case "ja", "zh":
		l.shortDate = "yyyy/m/d"
	case "ko":
		l.shortDate = "yyyy-mm-dd"
	}
	return l
}
