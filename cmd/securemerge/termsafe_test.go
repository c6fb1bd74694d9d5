package main

import "testing"

func TestTermSafe(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"plain", "Zoë Müller", "Zoë Müller"},
		{"osc title", "\x1b]0;pwned\x07x", `\x1b]0;pwned\x07x`},
		{"osc52 clipboard", "\x1b]52;c;ZWNobyBoaQ==\x07", `\x1b]52;c;ZWNobyBoaQ==\x07`},
		{"c1 csi", "a\u009b31mb", `a\u009b31mb`},
		{"newline and tab", "a\nb\tc\r", `a\nb\tc\r`},
		{"del", "a\x7f", `a\x7f`},
		{"invalid utf8", "a\xffb", `a\xffb`},
		{"line separator", "a\u2028b", `a\u2028b`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := termSafe(tc.in); got != tc.want {
				t.Errorf("termSafe(%q) = %q; want %q", tc.in, got, tc.want)
			}
		})
	}
}
