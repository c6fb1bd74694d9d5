package graph

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/mail"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/securemerge/securemerge/internal/campaign"
	"github.com/securemerge/securemerge/internal/merge"
)

var _ campaign.Sender = (*Sender)(nil)

// KeyPropertyID is the named single-value extended property that carries
// merge.Message.Key on every message we create, so Lookup can find it.
const KeyPropertyID = "String {8d2c5f1e-4b7a-4c3e-9f6d-1a2b3c4d5e6f} Name SecureMergeKey"

// Graph and Exchange Online size limits.
const (
	maxRequestBytes     = 4 << 20   // a Graph request body (base64 attachments included)
	maxInlineAttachment = 3 << 20   // from 3 MB an attachment goes through an upload session
	maxAttachmentBytes  = 150 << 20 // the largest attachment and message Exchange Online accepts
	uploadChunkBytes    = 12 * 320 << 10
	// requestOverhead is a generous allowance for the JSON around the body
	// and the attachments (property names, recipients are counted apart).
	requestOverhead = 16 << 10
)

// discardTimeout bounds the best-effort removal of a half-built draft.
const discardTimeout = 30 * time.Second

// SenderOptions configures NewSender. The zero value sends from the
// signed-in mailbox.
type SenderOptions struct {
	// Drafts creates every message, with all its attachments, in the
	// mailbox's Drafts folder and does not send it; Lookup then searches
	// Drafts instead of Sent Items.
	Drafts bool
	// SendAs is the id or address of a shared mailbox to send as
	// (/users/{SendAs}/…, needs Mail.Send.Shared); "" means the signed-in
	// user's own mailbox (/me).
	SendAs string
}

// Sender delivers merge messages through a Microsoft 365 mailbox. It
// implements campaign.Sender and is safe for concurrent use.
//
// Every message is built as Graph JSON rather than sent as our MIME bytes:
// the JSON route is the only one that can set the SecureMergeKey extended
// property, and it is the same for sending and Drafts mode, so Lookup
// finds whatever we created. The
// message also carries our internetMessageId (<sm.KEY@domain>). Exchange
// turns a MIME submission into its own item and re-encodes it on the way
// out anyway, so the MIME route would not keep our bytes either; what the
// recipient sees (subject, addresses, HTML or text body, attachments) is
// the same.
type Sender struct {
	c     *Client
	opt   SenderOptions
	proto protocol
}

// NewSender returns a Sender that talks through c.
func NewSender(c *Client, opt SenderOptions) *Sender {
	return &Sender{c: c, opt: opt}
}

// mailbox is /me or /users/{SendAs}.
func (s *Sender) mailbox() *users.UserItemRequestBuilder {
	if s.opt.SendAs != "" {
		return s.c.sdk.Users().ByUserId(s.opt.SendAs)
	}
	return s.c.sdk.Me()
}

// attachmentFile is an attachment as found on disk when sending.
type attachmentFile struct {
	name, path, contentType string
	size                    int64
}

// Send creates the message in the mailbox and, unless in Drafts mode, sends
// it, always as a draft that is then sent (doc.go, "Exactly once"): small
// attachments go inline in the draft, larger ones one by one, and those of
// 3 MB and more through upload sessions streamed from disk. After an
// ambiguous failure Send reuses the draft an earlier attempt made. It never
// retries by itself, except once after a 401 with a refreshed token.
// Errors are *campaign.SendError.
func (s *Sender) Send(ctx context.Context, m *merge.Message) error {
	if len(m.Recipients()) == 0 {
		return &campaign.SendError{Kind: campaign.KindPermanent, Message: "the message has no recipient"}
	}
	files, err := statAttachments(m)
	if err != nil {
		return err
	}
	budget := maxRequestBytes - messageJSONSize(m)
	var inline, separate []attachmentFile
	for _, f := range files {
		if n := base64Len(f.size) + 2*len(f.name) + 256; f.size < maxInlineAttachment && n <= budget {
			inline = append(inline, f)
			budget -= n
			continue
		}
		separate = append(separate, f)
	}
	if s.opt.Drafts {
		return s.buildDraftOnly(ctx, m, inline, separate)
	}
	if m.Key == "" {
		return &campaign.SendError{Kind: campaign.KindPermanent, Message: "the message has no key"}
	}
	return s.sendOnce(ctx, m, inline, separate)
}

// buildDraftOnly is Drafts mode: the message stays in Drafts for review.
func (s *Sender) buildDraftOnly(ctx context.Context, m *merge.Message, inline, separate []attachmentFile) error {
	_, err := s.buildDraft(ctx, m, inline, separate)
	return err
}

// discard deletes a draft we could not complete, best effort: a failure is
// not reported, the original error matters more.
func (s *Sender) discard(ctx context.Context, id string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), discardTimeout)
	defer cancel()
	_ = s.c.do(ctx, func(ctx context.Context) error {
		return s.mailbox().Messages().ByMessageId(id).Delete(ctx, nil)
	})
}

// attach adds a file under 3 MB to draft id.
func (s *Sender) attach(ctx context.Context, id string, f attachmentFile) error {
	atts, err := fileAttachments([]attachmentFile{f})
	if err != nil {
		return err
	}
	return s.c.do(ctx, func(ctx context.Context) error {
		_, err := s.mailbox().Messages().ByMessageId(id).Attachments().Post(ctx, atts[0], nil)
		return err
	})
}

// upload adds a file of 3 MB or more to draft id through an upload session,
// in chunks read from disk.
func (s *Sender) upload(ctx context.Context, id string, f attachmentFile) error {
	item := models.NewAttachmentItem()
	typ := models.FILE_ATTACHMENTTYPE
	item.SetAttachmentType(&typ)
	item.SetName(&f.name)
	item.SetSize(&f.size)
	item.SetContentType(&f.contentType)
	body := users.NewItemMessagesItemAttachmentsCreateUploadSessionPostRequestBody()
	body.SetAttachmentItem(item)
	var uploadURL string
	err := s.c.do(ctx, func(ctx context.Context) error {
		r, err := s.mailbox().Messages().ByMessageId(id).Attachments().CreateUploadSession().Post(ctx, body, nil)
		if err != nil {
			return err
		}
		uploadURL = deref(r.GetUploadUrl())
		return nil
	})
	if err != nil {
		return err
	}
	if err := s.c.checkUploadURL(uploadURL); err != nil {
		return &campaign.SendError{Kind: campaign.KindPermanent,
			Message: fmt.Sprintf("attachment %q not sent: the upload address is not a Microsoft 365 host (%v)", f.name, err), Err: err}
	}
	file, err := os.Open(f.path)
	if err != nil {
		return attachmentError(f.name, err)
	}
	defer file.Close()
	for off := int64(0); off < f.size; off += uploadChunkBytes {
		n := min(int64(uploadChunkBytes), f.size-off)
		if err := s.c.putChunk(ctx, uploadURL, io.NewSectionReader(file, off, n), off, n, f.size); err != nil {
			return err
		}
	}
	return nil
}

// uploadHosts are the hosts Microsoft documents for Outlook attachment
// upload sessions (the uploadUrl points at the Outlook REST endpoint),
// matched as the name itself or any subdomain of it.
var uploadHosts = []string{"outlook.office.com", "outlook.office365.com", "office.com", "office365.com", "graph.microsoft.com"}

// errUploadHost is the error of an upload URL we refuse to send bytes to.
var errUploadHost = errors.New("graph: upload URL host is neither Microsoft Graph's nor Outlook's")

// checkUploadURL accepts an upload URL on the Graph base URL's own host
// (scheme and port included: the emulator's loopback address in tests), or
// https on one of uploadHosts. Attachment bytes go nowhere else: an answer
// naming another host (a tampering proxy, a bug) would hand the file to a
// stranger. The upload URL carries its own credential: we send no token.
func (c *Client) checkUploadURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("upload URL: %w", err)
	}
	if u.User != nil {
		return fmt.Errorf("%w: %q", errUploadHost, u.Redacted())
	}
	if base, err := url.Parse(c.base); err == nil && strings.EqualFold(u.Scheme, base.Scheme) && strings.EqualFold(u.Host, base.Host) {
		return nil
	}
	host := strings.ToLower(u.Hostname())
	if strings.EqualFold(u.Scheme, "https") && (u.Port() == "" || u.Port() == "443") {
		for _, h := range uploadHosts {
			if host == h || strings.HasSuffix(host, "."+h) {
				return nil
			}
		}
	}
	return fmt.Errorf("%w: %s://%s", errUploadHost, u.Scheme, u.Host)
}

// putChunk PUTs one byte range of an upload session. Graph answers 200/202
// with the next expected ranges, and 201 once the attachment is complete.
func (c *Client) putChunk(ctx context.Context, uploadURL string, r io.Reader, off, n, total int64) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, uploadURL, r)
	if err != nil {
		return &campaign.SendError{Kind: campaign.KindTransient, Message: "upload session", Err: err}
	}
	req.ContentLength = n
	req.Header.Set("Content-Type", "application/octet-stream")
	req.Header.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", off, off+n-1, total))
	req.Header.Set("User-Agent", c.ua)
	resp, err := c.raw.Do(req)
	if err != nil {
		return classify(err, nil, c.now())
	}
	if resp.StatusCode >= 400 {
		body := readErrorBody(resp)
		code, msg := graphError(body)
		se := classifyStatus(resp.StatusCode, resp.Header, code, msg, nil, c.now())
		switch resp.StatusCode {
		case http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound:
			// The upload URL expired or was refused: a new attempt starts
			// a new session; our own token plays no part here.
			se.Kind = campaign.KindTransient
		}
		return se
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBody))
	resp.Body.Close()
	return nil
}

// Lookup reports whether the message carrying m.Key was sent (Drafts mode:
// whether its draft exists). When sending, "not found" is never taken for
// "not sent": the answer comes from the message's draft and marker
// (doc.go, "Exactly once"), so it holds however late Sent Items is.
func (s *Sender) Lookup(ctx context.Context, m *merge.Message) (bool, error) {
	if m.Key == "" {
		return false, errors.New("graph: lookup: the message has no key")
	}
	if !s.opt.Drafts {
		sent, err := s.lookupSent(ctx, m)
		if err != nil {
			return false, fmt.Errorf("graph: look up message %s: %w", m.Key, err)
		}
		return sent, nil
	}
	drafts, err := s.search(ctx, "drafts", m.Key)
	if err != nil {
		return false, fmt.Errorf("graph: look up message %s in drafts: %w", m.Key, err)
	}
	return len(drafts) > 0, nil
}

// odataString escapes s for a single-quoted OData literal.
func odataString(s string) string { return strings.ReplaceAll(s, "'", "''") }

// message builds the Graph message for m with the given attachments.
func (s *Sender) message(m *merge.Message, atts []models.Attachmentable) models.Messageable {
	msg := models.NewMessage()
	subject := m.Subject
	msg.SetSubject(&subject)
	body := models.NewItemBody()
	if m.HTML != "" {
		typ, content := models.HTML_BODYTYPE, m.HTML
		body.SetContentType(&typ)
		body.SetContent(&content)
	} else {
		typ, content := models.TEXT_BODYTYPE, m.Text
		body.SetContentType(&typ)
		body.SetContent(&content)
	}
	msg.SetBody(body)
	if m.From.Address != "" {
		msg.SetFrom(recipient(m.From))
	}
	msg.SetToRecipients(recipients(m.To))
	if len(m.Cc) > 0 {
		msg.SetCcRecipients(recipients(m.Cc))
	}
	if len(m.Bcc) > 0 {
		msg.SetBccRecipients(recipients(m.Bcc))
	}
	if len(m.ReplyTo) > 0 {
		msg.SetReplyTo(recipients(m.ReplyTo))
	}
	if m.MessageID != "" {
		id := m.MessageID
		msg.SetInternetMessageId(&id)
	}
	prop := models.NewSingleValueLegacyExtendedProperty()
	propID, key := KeyPropertyID, m.Key
	prop.SetId(&propID)
	prop.SetValue(&key)
	msg.SetSingleValueExtendedProperties([]models.SingleValueLegacyExtendedPropertyable{prop})
	if len(atts) > 0 {
		msg.SetAttachments(atts)
	}
	return msg
}

func recipient(a mail.Address) models.Recipientable {
	r := models.NewRecipient()
	e := models.NewEmailAddress()
	addr, name := graphAddress(a.Address), a.Name
	e.SetAddress(&addr)
	if name != "" {
		e.SetName(&name)
	}
	r.SetEmailAddress(e)
	return r
}

// graphAddress is addr as Graph must receive it. net/mail keeps a quoted
// local part unquoted ("a,b"@example.org is stored as a,b@example.org,
// which Graph would read as something else): a local part that is not a
// dot-atom gets its quotes back, as mail.Address.String writes them.
func graphAddress(addr string) string {
	s := (&mail.Address{Address: addr}).String()
	return strings.TrimSuffix(strings.TrimPrefix(s, "<"), ">")
}

func recipients(as []mail.Address) []models.Recipientable {
	out := make([]models.Recipientable, 0, len(as))
	for _, a := range as {
		out = append(out, recipient(a))
	}
	return out
}

// statAttachments checks every attachment on disk now: the size that
// decides the route is the file's, not the one recorded at render time.
func statAttachments(m *merge.Message) ([]attachmentFile, error) {
	out := make([]attachmentFile, 0, len(m.Attachments))
	var total int64
	for _, a := range m.Attachments {
		fi, err := os.Stat(a.Path)
		if err != nil {
			return nil, attachmentError(a.Name, err)
		}
		if !fi.Mode().IsRegular() {
			return nil, attachmentError(a.Name, errors.New("not a regular file"))
		}
		ct := a.ContentType
		if ct == "" {
			ct = "application/octet-stream"
		}
		name := a.Name
		if name == "" {
			name = fi.Name()
		}
		f := attachmentFile{name: name, path: a.Path, contentType: ct, size: fi.Size()}
		if f.size > maxAttachmentBytes {
			return nil, &campaign.SendError{Kind: campaign.KindPermanent,
				Message: fmt.Sprintf("attachment %q is %s; Microsoft 365 accepts at most 150 MB", f.name, megabytes(f.size))}
		}
		total += f.size
		out = append(out, f)
	}
	if total > maxAttachmentBytes {
		return nil, &campaign.SendError{Kind: campaign.KindPermanent,
			Message: fmt.Sprintf("the attachments total %s; Microsoft 365 accepts at most 150 MB per message", megabytes(total))}
	}
	return out, nil
}

func attachmentError(name string, err error) error {
	return &campaign.SendError{Kind: campaign.KindPermanent, Message: fmt.Sprintf("attachment %q cannot be read", name), Err: err}
}

func megabytes(n int64) string {
	return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MB"
}

// fileAttachments reads files (each under 3 MB) into Graph file attachments.
func fileAttachments(files []attachmentFile) ([]models.Attachmentable, error) {
	out := make([]models.Attachmentable, 0, len(files))
	for _, f := range files {
		data, err := readSmallFile(f)
		if err != nil {
			return nil, attachmentError(f.name, err)
		}
		a := models.NewFileAttachment()
		name, ct := f.name, f.contentType
		a.SetName(&name)
		a.SetContentType(&ct)
		a.SetContentBytes(data)
		out = append(out, a)
	}
	return out, nil
}

// readSmallFile reads f, refusing one that grew past the inline limit since
// it was measured.
func readSmallFile(f attachmentFile) ([]byte, error) {
	fh, err := os.Open(f.path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	data, err := io.ReadAll(io.LimitReader(fh, maxInlineAttachment+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxInlineAttachment {
		return nil, errors.New("the file changed while sending")
	}
	return data, nil
}

func base64Len(n int64) int { return int((n + 2) / 3 * 4) }

// messageJSONSize is a pessimistic estimate of the JSON of m without
// attachments: every body byte may need escaping.
func messageJSONSize(m *merge.Message) int {
	n := requestOverhead + 2*(len(m.Subject)+len(m.HTML)+len(m.Text)+len(m.MessageID))
	for _, a := range append(m.Recipients(), m.ReplyTo...) {
		n += 96 + 2*(len(a.Name)+len(a.Address))
	}
	return n
}
