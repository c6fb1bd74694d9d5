package graph

import (
	"context"
	"fmt"
	"net/textproto"
	"strings"
	"time"

	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/securemerge/securemerge/internal/campaign"
)

// bouncePageSize is how many inbox messages one request asks for; Graph
// allows up to 1,000, but a body each makes pages heavy.
const bouncePageSize = 100

// maxBouncePages bounds how far Bounces follows @odata.nextLink: 200 pages
// of 100 is 20,000 messages received since a campaign started, far more
// than a mailbox sending 10,000 a day receives in reports.
const maxBouncePages = 200

// bounceFields are the only message properties Bounces asks for: enough
// to tell a report from other mail and to read its status and key.
var bounceFields = []string{"id", "receivedDateTime", "from", "subject", "body", "internetMessageHeaders"}

// Bounces reads the non-delivery reports in the Inbox of mailbox (an id or
// address, "" for the signed-in user's; reading a shared mailbox needs
// Mail.Read.Shared) received since since, following pages, and returns the
// permanent ones (ParseNDR). It only reads (GET with $filter on
// receivedDateTime and $select): nothing is moved, marked read or deleted.
// Reports of messages that are not ours come back with an empty Key.
func (c *Client) Bounces(ctx context.Context, mailbox string, since time.Time) ([]campaign.Bounce, error) {
	mb := c.sdk.Me()
	if mailbox != "" {
		mb = c.sdk.Users().ByUserId(mailbox)
	}
	inbox := mb.MailFolders().ByMailFolderId("inbox").Messages()
	filter := "receivedDateTime ge " + since.UTC().Format("2006-01-02T15:04:05Z")
	top := int32(bouncePageSize)
	cfg := &users.ItemMailFoldersItemMessagesRequestBuilderGetRequestConfiguration{
		QueryParameters: &users.ItemMailFoldersItemMessagesRequestBuilderGetQueryParameters{
			Filter: &filter,
			Select: bounceFields,
			Top:    &top,
		},
	}
	var out []campaign.Bounce
	next := ""
	for page := 0; ; page++ {
		if page == maxBouncePages {
			return out, fmt.Errorf("graph: more than %d messages in the inbox since %s: read the first %d", maxBouncePages*bouncePageSize, since.Format(time.RFC3339), maxBouncePages*bouncePageSize)
		}
		var msgs []models.Messageable
		err := c.do(ctx, func(ctx context.Context) error {
			b, q := inbox, cfg
			if next != "" {
				b, q = inbox.WithUrl(next), nil
			}
			r, err := b.Get(ctx, q)
			if err != nil {
				return err
			}
			msgs, next = r.GetValue(), deref(r.GetOdataNextLink())
			return nil
		})
		if err != nil {
			return out, fmt.Errorf("graph: read the inbox for non-delivery reports: %w", err)
		}
		for _, m := range msgs {
			if b, ok := bounceOf(m); ok {
				out = append(out, b)
			}
		}
		if next == "" {
			return out, nil
		}
		if !strings.HasPrefix(next, c.base+"/") {
			return out, fmt.Errorf("graph: a next page outside %s", c.base)
		}
	}
}

// bounceOf reads one inbox message as a report.
func bounceOf(m models.Messageable) (campaign.Bounce, bool) {
	r := Report{Subject: deref(m.GetSubject()), Headers: map[string]string{}}
	if f := m.GetFrom(); f != nil && f.GetEmailAddress() != nil {
		r.From = deref(f.GetEmailAddress().GetAddress())
	}
	for _, h := range m.GetInternetMessageHeaders() {
		name := textproto.CanonicalMIMEHeaderKey(deref(h.GetName()))
		if _, dup := r.Headers[name]; !dup {
			r.Headers[name] = deref(h.GetValue())
		}
	}
	if b := m.GetBody(); b != nil {
		r.Body = deref(b.GetContent())
		r.HTML = b.GetContentType() != nil && *b.GetContentType() == models.HTML_BODYTYPE
	}
	n, ok := ParseNDR(r)
	if !ok {
		return campaign.Bounce{}, false
	}
	return campaign.Bounce{
		Key: n.Key, Status: n.Status, Detail: n.Detail, Recipients: n.Recipients,
		Received: deref(m.GetReceivedDateTime()), ReportID: deref(m.GetId()),
	}, true
}
