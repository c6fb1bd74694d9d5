package merge

import (
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"sync"
	"sync/atomic"
	"unicode"

	"golang.org/x/net/idna"
	"golang.org/x/text/unicode/norm"
)

// Row-level errors a rendered message can fail with. They reach callers
// wrapped in a *RowError that says which row and which field.
var (
	ErrInvalidAddress     = errors.New("invalid address")
	ErrHeaderInjection    = errors.New("contains a line break")
	ErrAttachmentEscapes  = errors.New("attachment path leaves the attachment folder")
	ErrAttachmentMissing  = errors.New("attachment file missing or unreadable")
	ErrTooManyRecipients  = errors.New("too many recipients")
	ErrSubjectTooLong     = errors.New("subject too long")
	ErrNoRecipient        = errors.New("no recipient")
	ErrSuppressed         = errors.New("suppressed")
	ErrNoSender           = errors.New("no sender: add a From: line or set one")
	ErrSeveralAddresses   = errors.New("several addresses in one cell")
	ErrControlCharacter   = errors.New("contains a control character")
	errAddressNeedsDomain = errors.New("domain must contain a dot")
)

// ParseAddressList parses the rendered value of an address header: addresses
// separated by "," or ";", display names allowed (`"Doe, Jane" <jane@x.fr>`).
// Empty items are ignored, so an empty value gives no address. Each address
// passes ParseAddress's checks. Display names are kept as written: an RFC
// 2047 encoded word is text, never decoded. Errors wrap ErrInvalidAddress
// and quote the offending item.
func ParseAddressList(s string) ([]mail.Address, error) {
	return parseAddressPieces([]addrPiece{{text: s}}, nil, nil)
}

// ParseAddress parses one address with the same rules as ParseAddressList:
// net/mail's syntax; a domain that is a valid IDNA host name (Lookup
// profile) containing a dot; a local part of at most 64 bytes with no
// control or invisible (format) character such as U+200B; at most 254 bytes
// in all with the domain in punycode (RFC 5321). The domain comes back in
// its lower-case Unicode form.
func ParseAddress(s string) (mail.Address, error) {
	return parseSingle(s)
}

// parseSingle is ParseAddress. net/mail gives the address; the display name
// is taken from the text itself, because net/mail decodes RFC 2047 words
// (one decoding to CRLF would reach a Graph display name).
func parseSingle(s string) (mail.Address, error) {
	s = strings.TrimSpace(s)
	a, err := mail.ParseAddress(s)
	if err != nil {
		return mail.Address{}, fmt.Errorf("%w %q: %s", ErrInvalidAddress, s, addressReason(err))
	}
	addr, err := checkAddrSpec(a.Address)
	if err != nil {
		return mail.Address{}, fmt.Errorf("%w %q: %v", ErrInvalidAddress, s, err)
	}
	name := rawDisplayName(s)
	if err := checkHeaderText(name); err != nil {
		return mail.Address{}, fmt.Errorf("%w %q: the display name %v", ErrInvalidAddress, s, err)
	}
	return mail.Address{Name: name, Address: addr}, nil
}

// CanonicalAddress returns the one spelling under which an address is
// stored and compared where a different spelling must not slip past (the
// suppression list): the bare address, display name dropped, local part in
// Unicode NFC and lower case, domain folded by NFKC (full-width letters and
// dots), IDNA-mapped and in punycode. "Bob <BOB@Bücher.example>",
// "bob@xn--bcher-kva.example" and "bob@ｂüｃｈｅｒ．example" all give
// "bob@xn--bcher-kva.example". Errors are ParseAddress's.
func CanonicalAddress(s string) (string, error) {
	a, err := mail.ParseAddress(strings.TrimSpace(s))
	if err != nil {
		return "", fmt.Errorf("%w %q: %s", ErrInvalidAddress, strings.TrimSpace(s), addressReason(err))
	}
	at := strings.LastIndexByte(a.Address, '@')
	folded := a.Address[:at+1] + norm.NFKC.String(a.Address[at+1:])
	addr, err := checkAddrSpec(folded)
	if err != nil {
		return "", fmt.Errorf("%w %q: %v", ErrInvalidAddress, strings.TrimSpace(s), err)
	}
	at = strings.LastIndexByte(addr, '@')
	return strings.ToLower(norm.NFC.String(addr[:at])) + "@" + checkDomain(addr[at+1:]).ascii, nil
}

// RFC 5321 §4.5.3.1: the longest local part and path.
const (
	maxLocalPart = 64
	maxAddress   = 254
)

// checkAddrSpec checks what net/mail leaves alone and returns addr with
// its domain in lower-case Unicode form.
func checkAddrSpec(addr string) (string, error) {
	at := strings.LastIndexByte(addr, '@')
	local, domain := addr[:at], addr[at+1:]
	d := checkDomain(domain)
	switch d.problem {
	case badDomain:
		return "", fmt.Errorf("bad domain %q", domain)
	case noDot:
		return "", errAddressNeedsDomain
	}
	if len(local) > maxLocalPart {
		return "", fmt.Errorf("the part before @ has %d characters (at most %d)", len(local), maxLocalPart)
	}
	if n := len(local) + 1 + len(d.ascii); n > maxAddress {
		return "", fmt.Errorf("%d characters long (at most %d)", n, maxAddress)
	}
	for _, r := range local {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return "", fmt.Errorf("the part before @ holds an invisible character (U+%04X)", r)
		}
	}
	return local + "@" + d.unicode, nil
}

// rawDisplayName returns the display name of a single address as written:
// the text before its '<', unquoted when it is one quoted string; "" for a
// bare address.
func rawDisplayName(s string) string {
	name := ""
	scanAddress(s, func(i int, c byte) bool {
		if c == '<' {
			name = unquoteName(strings.TrimSpace(s[:i]))
			return false
		}
		return true
	})
	return name
}

// scanAddress calls f with each byte of s that stands outside quoted
// strings, comments and backslash escapes, with its index, until f returns
// false: the one reading of address syntax that finding the display name
// and splitting a list share.
func scanAddress(s string, f func(i int, c byte) bool) {
	quoted, escaped, comment := false, false, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case escaped:
			escaped = false
		case c == '\\' && (quoted || comment > 0):
			escaped = true
		case c == '"' && comment == 0:
			quoted = !quoted
		case quoted:
		case c == '(':
			comment++
		case c == ')' && comment > 0:
			comment--
		case comment > 0:
		default:
			if !f(i, c) {
				return
			}
		}
	}
}

// unquoteName removes the quotes of a display name written as one quoted
// string (`"Doe, Jane"`), undoing backslash escapes.
func unquoteName(s string) string {
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' || strings.Count(s, `"`)-strings.Count(s, `\"`) != 2 {
		return s
	}
	var b strings.Builder
	inner := s[1 : len(s)-1]
	for i := 0; i < len(inner); i++ {
		if inner[i] == '\\' && i+1 < len(inner) {
			i++
		}
		b.WriteByte(inner[i])
	}
	return b.String()
}

type domainProblem uint8

const (
	domainOK domainProblem = iota
	badDomain
	noDot
)

type domainCheck struct {
	unicode string // the domain's Unicode form (what the user typed, lower-cased); WriteEML writes it as punycode
	ascii   string // the domain in punycode
	problem domainProblem
}

// domains caches checkDomain: a campaign's thousands of addresses share a
// few domains, and IDNA processing was a quarter of a dry run's time.
var (
	domains     sync.Map // string → domainCheck
	domainCount atomic.Int32
)

const maxCachedDomains = 4096

func checkDomain(domain string) domainCheck {
	if v, ok := domains.Load(domain); ok {
		return v.(domainCheck)
	}
	var d domainCheck
	ascii, err := idna.Lookup.ToASCII(domain)
	switch {
	case err != nil:
		d.problem = badDomain
	case !strings.Contains(strings.Trim(ascii, "."), ".") || strings.HasSuffix(ascii, "."):
		d.problem = noDot
	default:
		uni, err := idna.Lookup.ToUnicode(ascii)
		if err != nil {
			uni = domain
		}
		d.unicode, d.ascii = uni, ascii
	}
	if domainCount.Load() < maxCachedDomains {
		domainCount.Add(1)
		domains.Store(domain, d)
	}
	return d
}

// addressReason turns net/mail's terse errors into words for users.
func addressReason(err error) string {
	msg := strings.TrimPrefix(err.Error(), "mail: ")
	switch msg {
	case "no angle-addr", "missing @ in addr-spec", "no address":
		return "not an e-mail address"
	}
	return msg
}

// splitAddressList splits on "," and ";" outside quotes, comments and angle
// brackets.
func splitAddressList(s string) []string {
	var out []string
	start, angle := 0, 0
	scanAddress(s, func(i int, c byte) bool {
		switch {
		case c == '<':
			angle++
		case c == '>' && angle > 0:
			angle--
		case (c == ',' || c == ';') && angle == 0:
			if item := strings.TrimSpace(s[start:i]); item != "" {
				out = append(out, item)
			}
			start = i + 1
		}
		return true
	})
	if item := strings.TrimSpace(s[start:]); item != "" {
		out = append(out, item)
	}
	return out
}

// asciiAddress returns addr with its domain in punycode, for headers.
func asciiAddress(addr string) string {
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return addr
	}
	d, err := idna.Lookup.ToASCII(addr[at+1:])
	if err != nil {
		return addr
	}
	return addr[:at+1] + d
}

// normalAddress is the form in which addresses are compared for duplicates
// and message keys: lower case, ASCII domain.
func normalAddress(addr string) string {
	return strings.ToLower(asciiAddress(addr))
}
