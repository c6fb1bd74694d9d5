// Package quietinit keeps package initialisation from writing to the
// terminal of a headless command. Fyne's lang package reads the system
// locale while it is initialised, before main runs, and logs three "Fyne
// error: Error parsing user locale C" lines when the locale is C or POSIX
// (the usual container locale, where English is meant). cmd/securemerge
// imports this package first; its init runs before Fyne's (Go initialises
// a ready package in import-path order, and this one needs only log and
// os, ready long before Fyne's dependencies) and holds the standard
// logger's output until main calls Release.
//
// It must import nothing but the standard library's log and os.
package quietinit

import (
	"io"
	"log"
	"os"
	"strings"
)

var held bool

func init() {
	if cLocale(os.Getenv) {
		log.SetOutput(io.Discard)
		held = true
	}
}

// cLocale reports whether the locale the environment selects is C or
// POSIX, which Fyne cannot parse.
func cLocale(getenv func(string) string) bool {
	for _, k := range []string{"LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"} {
		v := getenv(k)
		if v == "" {
			continue
		}
		v, _, _ = strings.Cut(v, ".")
		return v == "C" || v == "POSIX"
	}
	return false
}

// Release gives the standard logger its output back (standard error).
func Release() {
	if held {
		log.SetOutput(os.Stderr)
		held = false
	}
}
