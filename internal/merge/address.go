package merge

import (
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/net/idna"
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
	errAddressNeedsDomain = errors.New("domain must contain a dot")
)

// ParseAddressList parses the rendered value of an address header: addresses
// separated by "," or ";", display names allowed (`"Doe, Jane" <jane@x.fr>`).
// Empty items are ignored, so an empty value gives no address. Each domain
// must be a valid IDNA host name (Lookup profile) containing a dot. Errors
// wrap ErrInvalidAddress and quote the offending item.
func ParseAddressList(s string) ([]mail.Address, error) {
	var out []mail.Address
	for _, item := range splitAddressList(s) {
		a, err := ParseAddress(item)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// ParseAddress parses one address with the same rules as ParseAddressList.
func ParseAddress(s string) (mail.Address, error) {
	s = strings.TrimSpace(s)
	a, err := mail.ParseAddress(s)
	if err != nil {
		return mail.Address{}, fmt.Errorf("%w %q: %s", ErrInvalidAddress, s, addressReason(err))
	}
	at := strings.LastIndexByte(a.Address, '@')
	local, domain := a.Address[:at], a.Address[at+1:]
	d := checkDomain(domain)
	switch d.problem {
	case badDomain:
		return mail.Address{}, fmt.Errorf("%w %q: bad domain %q", ErrInvalidAddress, s, domain)
	case noDot:
		return mail.Address{}, fmt.Errorf("%w %q: %v", ErrInvalidAddress, s, errAddressNeedsDomain)
	}
	a.Address = local + "@" + d.unicode
	return *a, nil
}

type domainProblem uint8

const (
	domainOK domainProblem = iota
	badDomain
	noDot
)

type domainCheck struct {
	unicode string // the domain's Unicode form (what the user typed, lower-cased); WriteEML writes it as punycode
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
		d.unicode = uni
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
	var (
		out             []string
		start           int
		quoted, escaped bool
		angle, comment  int
	)
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
	}
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
