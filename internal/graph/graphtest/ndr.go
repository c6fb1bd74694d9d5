package graphtest

import (
	"fmt"
	"html"
	"strings"
	"time"
)

// NDR is how a chosen recipient's mail bounces (Server.BounceTo): Exchange
// Online accepts the message (202) and, some time later, the sending
// mailbox receives a non-delivery report.
type NDR struct {
	// Status is the enhanced status code; "" means "5.1.1" (unknown
	// recipient). A 4.x.x code writes a delay notice, not a bounce.
	Status string
	// Diagnostic is the remote server's text after the status code; ""
	// means Exchange's usual text for Status.
	Diagnostic string
	// Delay is how long after acceptance, on the Now clock, the report
	// reaches the Inbox; until then it is found nowhere. 0 means at once.
	Delay time.Duration
	// Postmaster writes the report from postmaster@<domain>, as an
	// on-premises Exchange does; false writes it from Exchange Online's
	// "Microsoft Outlook" <MicrosoftExchange…@domain> sender.
	Postmaster bool
}

// Report is a non-delivery report to put into a mailbox's Inbox
// (Server.DeliverNDR), for a message the emulator may never have seen:
// another program's mail, or ours from an earlier run.
type Report struct {
	NDR
	Recipient         string    // the address that bounced
	OriginalMessageID string    // the bounced message's Message-ID, "<id@domain>"
	OriginalSubject   string    // its subject
	OriginalFrom      string    // its sender's address; "" means the mailbox's own
	Sent              time.Time // when it was sent; zero means Received
	Received          time.Time // when the report arrives; zero means now
}

// defaultDiagnostics are Exchange's texts for the common status codes.
var defaultDiagnostics = map[string]string{
	"5.1.1":  "RESOLVER.ADR.RecipNotFound; not found",
	"5.1.10": "RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup",
	"5.2.2":  "STOREDRV.Deliver; mailbox full",
	"5.4.1":  "Recipient address rejected: Access denied. AS(201806281)",
	"5.7.1":  "RESOLVER.RST.NotAuthorized; not authorized",
	"4.4.7":  "Message delayed",
}

// BounceTo makes every message accepted from now on that has addr
// (case-insensitive) among its To, Cc or Bcc recipients bounce: the
// sending mailbox receives an Exchange-shaped non-delivery report for it,
// n.Delay after acceptance. The message is still accepted and Delivered
// records it, as Graph's 202 does. A zero NDR stops the bouncing.
func (s *Server) BounceTo(addr string, n NDR) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.st.bounces == nil {
		s.st.bounces = map[string]NDR{}
	}
	key := strings.ToLower(strings.TrimSpace(addr))
	if n == (NDR{}) {
		delete(s.st.bounces, key)
		return
	}
	s.st.bounces[key] = n
}

// DeliverNDR puts report r into the Inbox of mailbox (an id or address;
// "" means the signed-in user) and returns the report's id.
func (s *Server) DeliverNDR(mailbox string, r Report) (string, error) {
	u := s.opt.User
	if mailbox != "" {
		var ok bool
		if u, ok = s.findUser(mailbox); !ok {
			return "", fmt.Errorf("graphtest: no mailbox %q", mailbox)
		}
	}
	mb := s.mailboxFor(u)
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.Received.IsZero() {
		r.Received = s.now()
	}
	m := s.ndrMessage(mb, r)
	s.storeMessage(m)
	return m.id, nil
}

// bounce files the reports of m, just accepted from mbx. Callers hold s.mu.
func (s *Server) bounce(mbx *mailbox, m *message, now time.Time) {
	if len(s.st.bounces) == 0 {
		return
	}
	for _, list := range [][]recipient{m.to, m.cc, m.bcc} {
		for _, r := range list {
			n, ok := s.st.bounces[strings.ToLower(r.Address)]
			if !ok {
				continue
			}
			rep := s.ndrMessage(mbx, Report{NDR: n, Recipient: r.Address, OriginalMessageID: m.internetMessageID,
				OriginalSubject: m.subject, OriginalFrom: m.from.Address, Sent: now, Received: now.Add(n.Delay)})
			rep.visibleAt = rep.created
			s.storeMessage(rep)
		}
	}
}

// ndrMessage builds the report as Exchange Online writes it: from its
// system sender, "Undeliverable: <subject>", multipart/report headers with
// In-Reply-To and References naming the original message, and an HTML body
// whose diagnostic section carries the status code, the server's text and
// the original message's headers. Callers hold s.mu.
func (s *Server) ndrMessage(mbx *mailbox, r Report) *message {
	status := r.Status
	if status == "" {
		status = "5.1.1"
	}
	diag := r.Diagnostic
	if diag == "" {
		diag = defaultDiagnostics[status]
	}
	if diag == "" {
		diag = "delivery failed"
	}
	if r.Sent.IsZero() {
		r.Sent = r.Received
	}
	own := mbx.user.Mail
	if r.OriginalFrom == "" {
		r.OriginalFrom = own
	}
	domain := own[strings.LastIndexByte(own, '@')+1:]
	from := recipient{Name: "Microsoft Outlook", Address: "MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@" + domain}
	if r.Postmaster {
		from = recipient{Name: "Mail Delivery System", Address: "postmaster@" + domain}
	}
	server := "DM6PR01MB5" + strings.ToUpper(randomID("", 4)) + ".namprd01.prod.exchangelabs.com"
	subject := "Undeliverable: " + r.OriginalSubject
	code := "550"
	if strings.HasPrefix(status, "4.") {
		subject, code = "Delivery delayed: "+r.OriginalSubject, "451"
	}
	local, rdomain, _ := strings.Cut(r.Recipient, "@")
	e := html.EscapeString
	var b strings.Builder
	b.WriteString(`<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"><style>p {margin:0}</style></head><body>`)
	b.WriteString(`<div style="font-family:'Segoe UI',Frutiger,'Frutiger Linotype'"><table><tr><td>`)
	fmt.Fprintf(&b, `<p style="font-size:16px">Your message to <a href="mailto:%s">%s</a> couldn't be delivered.</p>`, e(r.Recipient), e(r.Recipient))
	if status == "5.1.1" || status == "5.1.10" {
		fmt.Fprintf(&b, `<p><b>%s</b> wasn't found at <b>%s</b>.</p>`, e(local), e(rdomain))
	} else {
		fmt.Fprintf(&b, `<p>The recipient's email system refused the message.</p>`)
	}
	fmt.Fprintf(&b, `</td></tr><tr><td><span>%s</span></td><td>Office 365</td><td><span>%s</span></td></tr></table>`, e(r.OriginalFrom), e(rdomain))
	b.WriteString(`<p><b>Action Required</b></p><p>Unknown To address</p><br><p><b>How to Fix It</b></p>`)
	b.WriteString(`<p>The address may be misspelled or may not exist. Try one or more of the following:</p><ul><li>Retype the recipient's address, then resend the message.</li></ul>`)
	b.WriteString(`<br><p>For Email Admins</p></div><br><br>`)
	b.WriteString(`<p style="font-family:Consolas"><b>Diagnostic information for administrators:</b><br><br>`)
	fmt.Fprintf(&b, `Generating server: %s<br><br>%s<br>Remote Server returned '%s %s %s'<br><br>`, e(server), e(r.Recipient), code, e(status), e(diag))
	b.WriteString(`Original message headers:<br><br><pre>`)
	fmt.Fprintf(&b, "Received: from %s ([::1]) by %s with mapi id 15.20.8207.017; %s\n", server, server, r.Sent.UTC().Format(time.RFC1123Z))
	fmt.Fprintf(&b, "MIME-Version: 1.0\nFrom: %s\nTo: %s\nSubject: %s\nDate: %s\nMessage-ID: %s\nContent-Type: multipart/alternative;\n",
		e(r.OriginalFrom), e(r.Recipient), e(r.OriginalSubject), r.Sent.UTC().Format(time.RFC1123Z), e(r.OriginalMessageID))
	b.WriteString("</pre></p></body></html>")

	m := &message{
		id: randomID("AAMkAGEmu", 48), immID: randomID("AAkALgAAEmuImm", 48),
		mailboxID: mbx.user.ID, folder: "inbox",
		created: r.Received, modified: r.Received, sent: r.Received,
		internetMessageID: "<" + strings.ToLower(randomID("", 24)) + "@" + server + ">",
		conversationID:    randomID("AAQkAGEmuConv", 24),
		subject:           subject, bodyType: "html", body: b.String(), importance: "normal",
		from: from, to: []recipient{{Name: mbx.user.DisplayName, Address: own}},
		headers: []header{
			{"Received", "from " + server + " by " + server + "; " + r.Received.UTC().Format(time.RFC1123Z)},
			{"MIME-Version", "1.0"},
			{"From", from.Name + " <" + from.Address + ">"},
			{"To", "<" + own + ">"},
			{"Date", r.Received.UTC().Format(time.RFC1123Z)},
			{"Content-Type", `multipart/report; report-type=delivery-status; boundary="` + randomID("", 20) + `"`},
			{"X-MS-Exchange-Message-Is-Ndr", ""},
			{"Content-Language", "en-US"},
			{"In-Reply-To", r.OriginalMessageID},
			{"References", r.OriginalMessageID},
			{"Thread-Topic", r.OriginalSubject},
			{"Subject", subject},
			{"Auto-Submitted", "auto-replied"},
			{"X-MS-Exchange-Organization-SCL", "-1"},
		},
	}
	if r.OriginalMessageID == "" {
		m.headers = append(m.headers[:8], m.headers[10:]...)
	}
	return m
}
