package server

import (
	"fmt"
	"net/mail"
	"strings"
	"unicode/utf8"
)

// maxAddress is RFC 5321's limit on a path (local part, @, domain).
const maxAddress = 254

// NormalizeAddress returns the bare, lower-cased form of an e-mail address
// under which licences are kept and checked, or an error wrapping
// ErrInvalidInput. "Ada <ada@x>" and other decorated forms are refused: the
// app sends the bare address.
func NormalizeAddress(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > maxAddress || !utf8.ValidString(s) {
		return "", fmt.Errorf("%w: not an e-mail address", ErrInvalidInput)
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s || !strings.Contains(s[strings.LastIndexByte(s, '@')+1:], ".") {
		return "", fmt.Errorf("%w: not a bare e-mail address", ErrInvalidInput)
	}
	return strings.ToLower(s), nil
}
