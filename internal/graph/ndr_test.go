package graph_test

import (
	"slices"
	"testing"

	"github.com/securemerge/securemerge/internal/graph"
)

func TestParseNDR(t *testing.T) {
	const key = "0f3a9c1e2b7d4a5f8e6c0b1a2d3e4f50"
	for _, tc := range []struct {
		name string
		r    graph.Report
		ok   bool
		want graph.NDR
	}{
		{
			name: "exchange online html, key only in the quoted headers",
			r: graph.Report{From: "MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@contoso.onmicrosoft.com", Subject: "Undeliverable: Hello",
				HTML: true, Body: `<html><head><style>p{margin:0}</style></head><body><p>Your message to <a href="mailto:bob@fabrikam.com">bob@fabrikam.com</a> couldn't be delivered.</p>` +
					`<p><b>Diagnostic information for administrators:</b><br><br>Generating server: DM6PR01.prod.outlook.com<br><br>bob@fabrikam.com<br>` +
					`Remote Server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup'<br><br>` +
					`Original message headers:<br><pre>Message-ID: &lt;sm.` + "0F3A9C1E2B7D4A5F8E6C0B1A2D3E4F50" + `@contoso.com&gt;
Subject: Hello</pre></p></body></html>`},
			ok:   true,
			want: graph.NDR{Key: key, Status: "5.1.10", Detail: "RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup", Recipients: []string{"bob@fabrikam.com"}},
		},
		{
			name: "another server's plain-text report, key in In-Reply-To",
			r: graph.Report{From: "mailer-daemon@googlemail.com", Subject: "Delivery Status Notification (Failure)",
				Headers: map[string]string{"In-Reply-To": "<sm." + key + "@contoso.com>"},
				Body:    "Address not found\n\nYour message wasn't delivered to carol@example.org because the address couldn't be found.\n\nThe response was:\n\n550 5.1.1 The email account that you tried to reach does not exist.\n"},
			ok:   true,
			want: graph.NDR{Key: key, Status: "5.1.1", Detail: "The email account that you tried to reach does not exist."},
		},
		{
			name: "delivery-status fields",
			r: graph.Report{From: "postmaster@example.net", Subject: "Returned mail: see transcript",
				Body: "Final-Recipient: rfc822; dan@example.net\nAction: failed\nStatus: 5.2.2\nDiagnostic-Code: smtp; 552 5.2.2 Mailbox full\n\nMessage-ID: <sm." + key + "@contoso.com>"},
			ok:   true,
			want: graph.NDR{Key: key, Status: "5.2.2", Detail: "552 5.2.2 Mailbox full", Recipients: []string{"dan@example.net"}},
		},
		{
			name: "a delay notice is no bounce",
			r: graph.Report{From: "postmaster@contoso.com", Subject: "Delivery delayed: Hello",
				Headers: map[string]string{"In-Reply-To": "<sm." + key + "@contoso.com>"},
				Body:    "bob@fabrikam.com\nRemote Server returned '451 4.4.7 Message delayed'"},
		},
		{
			name: "a colleague quoting our message is no report",
			r: graph.Report{From: "eve@contoso.com", Subject: "Undeliverable: Hello",
				Body: "bob@fabrikam.com\nRemote Server returned '550 5.1.1 not found'\nMessage-ID: <sm." + key + "@contoso.com>"},
		},
		{
			name: "a report of someone else's mail has no key",
			r: graph.Report{From: "postmaster@contoso.com", Subject: "Undeliverable: Minutes",
				Headers: map[string]string{"X-Ms-Exchange-Message-Is-Ndr": "", "In-Reply-To": "<CAF123@mail.example.net>"},
				Body:    "frank@example.org\nRemote Server returned '550 5.1.1 RESOLVER.ADR.RecipNotFound; not found'"},
			ok:   true,
			want: graph.NDR{Status: "5.1.1", Detail: "RESOLVER.ADR.RecipNotFound; not found", Recipients: []string{"frank@example.org"}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := graph.ParseNDR(tc.r)
			if ok != tc.ok {
				t.Fatalf("ParseNDR ok = %v; want %v (%+v)", ok, tc.ok, got)
			}
			if got.Key != tc.want.Key || got.Status != tc.want.Status || got.Detail != tc.want.Detail || !slices.Equal(got.Recipients, tc.want.Recipients) {
				t.Errorf("ParseNDR = %+v; want %+v", got, tc.want)
			}
		})
	}
}

func FuzzParseNDR(f *testing.F) {
	f.Add("postmaster@contoso.com", "Undeliverable: x", "<p>a@b.c<br>Remote Server returned '550 5.1.1 x'</p><pre>&lt;sm.ab@c.d&gt;</pre>", true)
	f.Add("mailer-daemon@x.y", "Returned mail", "Status: 5.0.0\nDiagnostic-Code: smtp; 550", false)
	f.Fuzz(func(t *testing.T, from, subject, body string, isHTML bool) {
		n, ok := graph.ParseNDR(graph.Report{From: from, Subject: subject, Body: body, HTML: isHTML})
		if ok && (len(n.Status) < 5 || n.Status[0] != '5') {
			t.Errorf("ParseNDR reported status %q as a bounce", n.Status)
		}
		if len(n.Detail) > 500 {
			t.Errorf("detail of %d bytes", len(n.Detail))
		}
	})
}
