package main

import "testing"

func TestTermSafeText(t *testing.T) {
	for in, want := range map[string]string{
		"Hello\n\tAnn,\r\nbye":           "Hello\n\tAnn,\nbye",
		"x\x1b]52;c;cGF5bG9hZA==\x07\ny": `x\x1b]52;c;cGF5bG9hZA==\x07` + "\ny",
		"lone\rCR":                       `lone\rCR`,
	} {
		if got := termSafeText(in); got != want {
			t.Errorf("termSafeText(%q) = %q; want %q", in, got, want)
		}
	}
}
