package graph

import (
	"net/mail"
	"regexp"
	"strings"

	"golang.org/x/net/html"
)

// Report is a received message as the bounce reader sees it: only the
// fields it asks Graph for.
type Report struct {
	From    string            // sender address
	Subject string            //
	Headers map[string]string // internetMessageHeaders, names in canonical MIME case; "" values kept
	HTML    bool              // Body is HTML
	Body    string            //
}

// NDR is what ParseNDR found in a non-delivery report.
type NDR struct {
	Key        string   // the merge key of the bounced message (<sm.KEY@domain>), lower case; "" when it is not one of ours
	Status     string   // enhanced status code, "5.1.1"
	Detail     string   // the server's text after the code
	Recipients []string // the addresses the report says bounced
}

var (
	// ourMessageID finds our Message-ID (merge.Message.MessageID) anywhere.
	ourMessageID = regexp.MustCompile(`(?i)<sm\.([0-9a-z][0-9a-z._-]*)@[^<>\s]+>`)
	// remoteReturned is Exchange's diagnostic line: Remote Server returned '550 5.1.1 RESOLVER.ADR.RecipNotFound; not found'.
	remoteReturned = regexp.MustCompile(`(?i)remote server returned\s+'(.*)'`)
	// statusCode is an RFC 3463 enhanced status code.
	statusCode = regexp.MustCompile(`\b([245])\.(\d{1,3})\.(\d{1,3})\b`)
	// dsnStatus and dsnDiagnostic are RFC 3464 delivery-status fields, which
	// other servers' reports show in their text.
	dsnStatus     = regexp.MustCompile(`(?im)^\s*Status:\s*([245]\.\d{1,3}\.\d{1,3})`)
	dsnDiagnostic = regexp.MustCompile(`(?im)^\s*Diagnostic-Code:\s*(?:smtp;)?\s*(.+)$`)
	dsnRecipient  = regexp.MustCompile(`(?im)^\s*(?:Final|Original)-Recipient:\s*rfc822;\s*(\S+)`)
	// messageTo is the first line of Exchange's report.
	smtpReply = regexp.MustCompile(`\b5\d\d[ -]+(5\.\d{1,3}\.\d{1,3})\b(.*)$`)
	messageTo = regexp.MustCompile(`(?i)your message to\s+<?([^\s<>]+@[^\s<>]+?)>?\s+couldn't be delivered`)
)

// reportSubjects are the subject prefixes of non-delivery reports, in the
// languages Exchange writes them.
var reportSubjects = []string{"undeliverable:", "non remis", "unzustellbar:", "no se puede entregar:", "onbestelbaar:",
	"delivery status notification (failure)", "mail delivery failed", "returned mail:", "undelivered mail returned to sender"}

// ParseNDR reads r as a non-delivery report. ok is false when r is not one
// (not from a postmaster or Exchange's system sender, nor shaped as a
// delivery report) or when it reports no permanent failure: a delay notice
// (4.x.x) is not a bounce. Key is "" for a report of a message that is
// not ours.
func ParseNDR(r Report) (n NDR, ok bool) {
	if !isReport(r) {
		return NDR{}, false
	}
	text := r.Body
	if r.HTML {
		text = htmlText(r.Body)
	}
	for _, s := range []string{r.Headers["In-Reply-To"], r.Headers["References"], text} {
		if m := ourMessageID.FindStringSubmatch(s); m != nil {
			n.Key = strings.ToLower(m[1])
			break
		}
	}
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		m := remoteReturned.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		if c := statusCode.FindStringSubmatchIndex(m[1]); c != nil && n.Status == "" {
			n.Status = m[1][c[0]:c[1]]
			n.Detail = strings.TrimSpace(m[1][c[1]:])
			if n.Detail == "" {
				n.Detail = strings.TrimSpace(m[1])
			}
		}
		// The address that bounced is the line above.
		for j := i - 1; j >= 0; j-- {
			if p := strings.TrimSpace(lines[j]); p != "" {
				n.Recipients = addAddress(n.Recipients, p)
				break
			}
		}
	}
	if n.Status == "" {
		if m := dsnStatus.FindStringSubmatch(text); m != nil {
			n.Status = m[1]
			if d := dsnDiagnostic.FindStringSubmatch(text); d != nil {
				n.Detail = strings.TrimSpace(d[1])
			}
		}
	}
	if n.Status == "" {
		// Other servers quote the SMTP reply: "550 5.1.1 The email account … does not exist."
		for _, l := range lines {
			if m := smtpReply.FindStringSubmatch(l); m != nil {
				n.Status, n.Detail = m[1], strings.TrimSpace(m[2])
				break
			}
		}
	}
	for _, m := range dsnRecipient.FindAllStringSubmatch(text, -1) {
		n.Recipients = addAddress(n.Recipients, m[1])
	}
	for _, m := range messageTo.FindAllStringSubmatch(text, -1) {
		n.Recipients = addAddress(n.Recipients, m[1])
	}
	if !strings.HasPrefix(n.Status, "5.") {
		return NDR{}, false
	}
	if len(n.Detail) > 500 {
		n.Detail = n.Detail[:500]
	}
	return n, true
}

// isReport tells a delivery report from any other mail: its sender is a
// postmaster or Exchange's system sender, or its headers mark it as a
// report, and its subject is a report's.
func isReport(r Report) bool {
	from := strings.ToLower(r.From)
	local, _, _ := strings.Cut(from, "@")
	system := local == "postmaster" || local == "mailer-daemon" || strings.HasPrefix(local, "microsoftexchange")
	_, exchangeNDR := r.Headers["X-Ms-Exchange-Message-Is-Ndr"]
	ct := strings.ToLower(r.Headers["Content-Type"])
	dsn := strings.Contains(ct, "multipart/report") && strings.Contains(ct, "delivery-status")
	if !system && !exchangeNDR && !dsn {
		return false
	}
	subj := strings.ToLower(strings.TrimSpace(r.Subject))
	for _, p := range reportSubjects {
		if strings.HasPrefix(subj, p) {
			return true
		}
	}
	return exchangeNDR || dsn
}

// addAddress adds s to list when it is an address not there yet.
func addAddress(list []string, s string) []string {
	s = strings.Trim(strings.TrimSpace(s), "<>")
	a, err := mail.ParseAddress(s)
	if err != nil || !strings.Contains(a.Address, "@") {
		return list
	}
	for _, x := range list {
		if strings.EqualFold(x, a.Address) {
			return list
		}
	}
	return append(list, a.Address)
}

// htmlText is the text of an HTML body, a line per block and line break,
// entities decoded. It never fails: a broken document gives what it has.
func htmlText(s string) string {
	z := html.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	skip := 0
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return b.String() // io.EOF, or a broken document: what was read
		case html.TextToken:
			if skip == 0 {
				b.Write(z.Text())
			}
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "style", "script", "head", "title":
				if tt == html.StartTagToken {
					skip++
				} else if tt == html.EndTagToken && skip > 0 {
					skip--
				}
			case "body":
				skip = 0 // a head left open ends here
			case "br", "p", "div", "tr", "li", "pre", "table", "h1", "h2", "h3":
				b.WriteByte('\n')
			}
		}
	}
}
