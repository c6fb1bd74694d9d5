package sheet

import "testing"

func TestNumFormat(t *testing.T) {
	tests := []struct {
		name   string
		code   string
		locale string
		v      float64
		want   string
	}{
		{"general float noise", "General", "en-US", 0.1 + 0.2, "0.3"},
		{"general integer", "General", "en-US", 33612345678, "33612345678"},
		{"general large", "General", "en-US", 1.5e20, "1.5E+20"},
		{"general french", "General", "fr-FR", 2.5, "2,5"},
		{"two decimals", "0.00", "en-US", 2.675, "2.68"},
		{"two decimals negative", "0.00", "en-US", -1.005, "-1.01"},
		{"grouping", "#,##0", "en-US", 1234567.6, "1,234,568"},
		{"grouping german", "#,##0.00", "de-DE", 1234.5, "1.234,50"},
		{"percent", "0%", "en-US", 0.256, "26%"},
		{"percent decimals", "0.0%", "en-US", 0.1234, "12.3%"},
		{"hash drops leading zero", "#.00", "en-US", 0.5, ".50"},
		{"optional decimals", "0.##", "en-US", 3.1, "3.1"},
		{"phone digits with spaces", "00 00 00 00 00", "en-US", 612345678, "06 12 34 56 78"},
		{"currency sections", `"$"#,##0.00_);("$"#,##0.00)`, "en-US", -5, "($5.00)"},
		{"zero section", `0;-0;"zero"`, "en-US", 0, "zero"},
		{"euro locale bracket", `#,##0.00\ [$€-40C]`, "fr-FR", 1500, "1\u00a0500,00 €"},
		{"scientific", "0.00E+00", "en-US", 12345, "1.23E+04"},
		{"thousands scaling", `#,##0,"K"`, "en-US", 12345678, "12,346K"},
		{"text section", `0;-0;0;"<"@">"`, "en-US", 1, "1"},
		{"iso date", "yyyy-mm-dd", "en-US", 43832, "2020-01-02"},
		{"short date us", "m/d/yyyy", "en-US", 43832, "1/2/2020"},
		{"date and time", "dd/mm/yyyy hh:mm:ss", "en-US", 43832.75, "02/01/2020 18:00:00"},
		{"minutes not months", "h:mm", "en-US", 0.5 + 5.0/1440, "12:05"},
		{"minutes before seconds", "mm:ss", "en-US", 65.0 / 86400, "01:05"},
		{"am pm", "h:mm AM/PM", "en-US", 0.75, "6:00 PM"},
		{"elapsed hours", "[h]:mm:ss", "en-US", 1.5, "36:00:00"},
		{"month names", "d mmmm yyyy", "fr-FR", 43832, "2 janvier 2020"},
		{"weekday", "dddd", "en-US", 43832, "Thursday"},
		{"fractional seconds", "hh:mm:ss.000", "en-US", 0.5 + 0.25/86400, "12:00:00.250"},
		{"rounds to the second", "hh:mm:ss", "en-US", 0.99999999, "00:00:00"},
		{"leap bug day", "yyyy-mm-dd", "en-US", 60, "1900-02-29"},
		{"before leap bug", "yyyy-mm-dd", "en-US", 59, "1900-02-28"},
		{"after leap bug", "yyyy-mm-dd", "en-US", 61, "1900-03-01"},
		{"negative date is a number", "yyyy-mm-dd", "en-US", -1, "-1"},
		{"long system date", "[$-F800]dddd, mmmm dd, yyyy", "fr-FR", 43832, "jeudi 2 janvier 2020"},
		{"fraction shown as decimal", "# ?/?", "en-US", 1.5, "1.5"},
		{"condition", `[<0]"neg";"pos"`, "en-US", -3, "neg"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := parseNumFormat(tt.code, resolveLocale(tt.locale))
			if got := f.format(tt.v, false); got != tt.want {
				t.Errorf("format(%q, %v) in %s = %q; want %q", tt.code, tt.v, tt.locale, got, tt.want)
			}
		})
	}
}

func TestShortDateFollowsLocale(t *testing.T) {
	tests := []struct{ locale, want string }{
		{"fr", "02/01/2020"},
		{"fr-FR", "02/01/2020"},
		{"en-US", "1/2/2020"},
		{"en-GB", "02/01/2020"},
		{"de", "02.01.2020"},
		{"de_DE.UTF-8", "02.01.2020"},
		{"ja-JP", "2020/1/2"},
		{"C", "1/2/2020"},
	}
	for _, tt := range tests {
		t.Run(tt.locale, func(t *testing.T) {
			loc := resolveLocale(tt.locale)
			f := parseNumFormat(formatFor(14, nil, loc), loc)
			if got := f.format(43832, false); got != tt.want {
				t.Errorf("built-in format 14 of serial 43832 in %s = %q; want %q", tt.locale, got, tt.want)
			}
		})
	}
}

func TestLocaleNotFromEnvironment(t *testing.T) {
	// The caller passes the locale down; the environment is not read here.
	t.Setenv("LC_ALL", "fr_FR.UTF-8")
	if got := resolveLocale("").shortDate; got != "m/d/yyyy" {
		t.Errorf("short date with no locale given = %q; want en-US's %q", got, "m/d/yyyy")
	}
	if got := resolveLocale("fr_FR.UTF-8").shortDate; got != "dd/mm/yyyy" {
		t.Errorf("short date for fr_FR.UTF-8 = %q; want %q", got, "dd/mm/yyyy")
	}
}

func TestDate1904(t *testing.T) {
	f := parseNumFormat("yyyy-mm-dd", resolveLocale("en-US"))
	if got := f.format(0, true); got != "1904-01-01" {
		t.Errorf("format(0) in the 1904 system = %q; want 1904-01-01", got)
	}
}

func TestRoundDecimal(t *testing.T) {
	tests := []struct {
		v      float64
		frac   int
		ip, fp string
	}{
		{0, 2, "", "00"},
		{0.5, 0, "1", ""},
		{0.004, 2, "", "00"},
		{0.005, 2, "", "01"},
		{9.995, 2, "10", "00"},
		{123.456, 1, "123", "5"},
		{1e20, 0, "100000000000000000000", ""},
		{0.000123, 5, "", "00012"},
	}
	for _, tt := range tests {
		ip, fp := roundDecimal(tt.v, tt.frac)
		if ip != tt.ip || fp != tt.fp {
			t.Errorf("roundDecimal(%v, %d) = %q, %q; want %q, %q", tt.v, tt.frac, ip, fp, tt.ip, tt.fp)
		}
	}
}
