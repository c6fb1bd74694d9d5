package telemetry

import (
	"cmp"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
)

// Replacements the scrubber writes, so that a reader of a report sees that
// something was there and what kind of thing it was.
const (
	RedactedAddress = "[address]"
	RedactedPath    = "[home path]"
	RedactedData    = "[data]"
	RedactedQuoted  = `"[quoted]"`
)

// MinKnownLen is the shortest user string the scrubber replaces: a cell
// holding "1" or "Oui" must not turn every digit or word of a stack
// message into [data]. Shorter values are still covered by the quoting
// rule when a message quotes them.
const MinKnownLen = 4

var (
	emailRE = regexp.MustCompile(`[\p{L}\p{N}._%+'-]+@[\p{L}\p{N}-]+(\.[\p{L}\p{N}-]+)*`)
	// quotedRE matches what fmt's %q and most error messages wrap user
	// values in; the value is replaced whatever it is, so a cell value the
	// scrubber was never told still does not leave.
	quotedRE = regexp.MustCompile("\"(?:[^\"\\\\\\n]|\\\\.)*\"|`[^`\\n]*`|'[^'\\n]{2,}'")
)

// Scrubber removes personal data from the text of a crash report: e-mail
// addresses, paths under the user's home folder, anything quoted, and every
// string it was told came from the user's data (cell values, template
// text, the signed-in address). It is safe for concurrent use. The zero
// value scrubs addresses and quoted text only.
type Scrubber struct {
	home  *regexp.Regexp // nil when the home folder is unknown
	mu    sync.Mutex
	known []string // sorted longest first, so a value is replaced before its parts
	seen  map[string]bool
	user  *regexp.Regexp // the home folder's last element as a word; nil when unknown or short
}

// NewScrubber returns a scrubber for a user whose home folder is home (""
// when unknown). The home folder's last element, the user name, is treated
// as user data too, as a whole word.
func NewScrubber(home string) *Scrubber {
	s := &Scrubber{}
	home = strings.TrimRight(home, `/\`)
	if home == "" {
		return s
	}
	// Either separator, any case on Windows-like paths: the same folder
	// appears as C:\Users\ada and c:/users/ada in different messages.
	var pat strings.Builder
	pat.WriteString(`(?i)`)
	parts := strings.FieldsFunc(home, func(r rune) bool { return r == '/' || r == '\\' })
	for i, part := range parts {
		// Every separator is required, the leading one too for a path
		// from the root: home /root must not match "groot".
		if i > 0 || home[0] == '/' || home[0] == '\\' {
			pat.WriteString(`[\\/]`)
		}
		pat.WriteString(regexp.QuoteMeta(part))
	}
	// The rest of the path up to a quote, a line end or ": " (how Go's
	// errors end a path): file names under home are as personal as the
	// folder.
	pat.WriteString(`(?:[\\/][^"'\n:]*|[\\/]?)`)
	s.home = regexp.MustCompile(pat.String())
	if user := filepath.Base(home); utf8.RuneCountInString(user) >= MinKnownLen {
		// A whole word only: user "root" must leave "groot" alone.
		s.user = regexp.MustCompile(`(?i)\b` + regexp.QuoteMeta(user) + `\b`)
	}
	return s
}

// Remember tells the scrubber strings that came from the user: each is
// replaced by [data] wherever it appears, line by line for multi-line text.
// Values shorter than MinKnownLen characters are ignored (see MinKnownLen);
// surrounding space is trimmed. Matching is exact: an address in another
// case is still caught as an address.
func (s *Scrubber) Remember(values ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.seen == nil {
		s.seen = make(map[string]bool)
	}
	added := false
	for _, v := range values {
		for _, line := range strings.Split(v, "\n") {
			line = strings.TrimSpace(line)
			if utf8.RuneCountInString(line) < MinKnownLen || s.seen[line] {
				continue
			}
			s.seen[line] = true
			s.known = append(s.known, line)
			added = true
		}
	}
	if added {
		slices.SortFunc(s.known, func(a, b string) int { return cmp.Compare(len(b), len(a)) })
	}
}

// Scrub returns text without the personal data the scrubber knows of.
func (s *Scrubber) Scrub(text string) string {
	s.mu.Lock()
	known := s.known
	s.mu.Unlock()
	// The home path first: its user-name part is also a known string, and
	// the whole path must go, not only that part.
	if s.home != nil {
		text = s.home.ReplaceAllString(text, RedactedPath)
	}
	if s.user != nil {
		text = s.user.ReplaceAllString(text, RedactedData)
	}
	for _, k := range known {
		if len(k) <= len(text) {
			text = strings.ReplaceAll(text, k, RedactedData)
		}
	}
	text = emailRE.ReplaceAllString(text, RedactedAddress)
	return quotedRE.ReplaceAllString(text, RedactedQuoted)
}
