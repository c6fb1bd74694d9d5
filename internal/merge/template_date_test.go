package merge

import (
	"strings"
	"testing"
	"time"
)

func TestDateFilter(t *testing.T) {
	tests := []struct {
		name, value, format, want string
	}{
		{"ISO", "2024-03-05", "%d/%m/%Y", "05/03/2024"},
		{"ISO with time", "2024-03-05T14:07:09", "%d/%m/%Y %H:%M:%S", "05/03/2024 14:07:09"},
		{"ISO with zone kept", "2024-03-05T23:30:00+02:00", "%d %H:%M", "05 23:30"},
		{"ISO UTC fraction", "2024-03-05T10:00:00.123Z", "%Y-%m-%d %H", "2024-03-05 10"},
		{"ISO with space", "2024-03-05 08:15", "%H:%M", "08:15"},
		{"ISO slashes", "2024/03/05", "%d.%m.%Y", "05.03.2024"},
		{"day first", "02/01/2020", "%Y-%m-%d", "2020-01-02"},
		{"day first ambiguous stays day first", "03/04/2020", "%B %-d", "April 3"},
		{"day first single digits", "2/1/2020", "%d/%m/%Y", "02/01/2020"},
		{"day first dashes", "31-12-2023", "%Y-%m-%d", "2023-12-31"},
		{"day first dots", "31.12.2023", "%Y-%m-%d", "2023-12-31"},
		{"two-digit year", "02/01/20", "%Y", "2020"},
		{"two-digit year 1900s", "02/01/85", "%Y", "1985"},
		{"day first with time", "02/01/2020 09:30", "%H%M", "0930"},
		{"month first when unambiguous", "01/13/2020", "%Y-%m-%d", "2020-01-13"},
		{"words english", "2 January 2006", "%d/%m/%Y", "02/01/2006"},
		{"words english abbr", "2 Jan 2006", "%d/%m/%Y", "02/01/2006"},
		{"words month first", "January 2, 2006", "%d/%m/%Y", "02/01/2006"},
		{"words weekday", "Monday, 2 January 2006", "%d/%m/%Y", "02/01/2006"},
		{"words french", "2 janvier 2006", "%d/%m/%Y", "02/01/2006"},
		{"words french first", "1er mars 2024", "%d/%m/%Y", "01/03/2024"},
		{"words french weekday", "mardi 5 mars 2024", "%A", "Tuesday"},
		{"words french accent", "15 août 2024", "%m", "08"},
		{"words ordinal", "March 3rd, 2024", "%d", "03"},
		{"words with time", "2 Jan 2006 15:04", "%H:%M", "15:04"},
		{"surrounding spaces", "  2024-03-05 ", "%d", "05"},

		{"not a date", "bientôt", "%d/%m/%Y", "bientôt"},
		{"empty", "", "%d/%m/%Y", ""},
		{"impossible day", "31/04/2024", "%d/%m/%Y", "31/04/2024"},
		{"impossible both ways", "13/13/2024", "%d/%m/%Y", "13/13/2024"},
		{"February 30 ISO", "2024-02-30", "%d/%m/%Y", "2024-02-30"},
		{"leap day", "29/02/2024", "%j", "060"},
		{"not leap", "29/02/2023", "%j", "29/02/2023"},
		{"bad time", "02/01/2020 25:00", "%H", "02/01/2020 25:00"},
		{"number", "45000", "%d/%m/%Y", "45000"},
		{"word date missing year", "2 January", "%d", "2 January"},
		{"two months", "January February 2006", "%d", "January February 2006"},
		{"empty format", "2024-03-05", "", "2024-03-05"},

		{"padding", "2024-03-05T04:05:06", "%e|%-d|%-m|%-H|%I|%-I|%p|%y", " 5|5|3|4|04|4|AM|24"},
		{"noon is PM 12", "2024-03-05T12:00:00", "%I %p", "12 PM"},
		{"midnight is AM 12", "2024-03-05T00:00:00", "%I %p", "12 AM"},
		{"names", "2024-03-05", "%A %a %B %b", "Tuesday Tue March Mar"},
		{"day of year", "2024-12-31", "%j", "366"},
		{"percent and unknown", "2024-03-05", "100%% %Q %", "100% %Q %"},
		{"dangling dash", "2024-03-05", "%-", "%-"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tplFormatDate(tc.value, tc.format, nil); got != tc.want {
				t.Errorf("date(%q, %q) = %q; want %q", tc.value, tc.format, got, tc.want)
			}
		})
	}
}

func TestDateFilterNow(t *testing.T) {
	src := "{{ 'now' | date: '%Y-%m-%d' }}"
	before := time.Now()
	got := render(t, src, nil, false)
	after := time.Now()
	if got != before.Format("2006-01-02") && got != after.Format("2006-01-02") {
		t.Errorf("Render(%q) = %q; want today's date %s", src, got, before.Format("2006-01-02"))
	}
	if got := tplFormatDate("TODAY", "%Y", nil); strings.Contains(got, "TODAY") {
		t.Errorf("date(%q, %q) = %q; want the current year", "TODAY", "%Y", got)
	}
}
