package graphtest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Delivered is a message the emulator accepted (or, from Drafts, holds as a
// draft). Body is the HTML or text body; BodyType is "html" or "text" as Graph
// reports it.
type Delivered struct {
	ID                string // id of the copy in sentitems (or drafts)
	InternetMessageID string
	Key               string // value of the SecureMergeKey extended property; from a <sm.KEY@domain> Message-ID when sent as MIME
	From              string // address of the mailbox that sent it
	Subject           string
	BodyType          string
	Body              string
	To, Cc, Bcc       []string
	Attachments       []Attachment
	MIME              []byte // the decoded MIME message when sent as MIME
	At                time.Time
	SendAs            string            // the mailbox's address when sent through /users/{id} as another user than the signed-in one
	Headers           map[string]string // internetMessageHeaders (X- headers), or the MIME message's X- headers
}

// Attachment describes an attachment of a Delivered message.
type Attachment struct {
	Name, ContentType string
	Size              int
	SHA256            string // hex
}

// KeyPropertyID is the named extended property that carries a message's
// SecureMerge key (the shared Graph contract).
const KeyPropertyID = "String {8d2c5f1e-4b7a-4c3e-9f6d-1a2b3c4d5e6f} Name SecureMergeKey"

var keyPropNorm = normalizePropID(KeyPropertyID)

type mailbox struct {
	user     User
	inflight int
	accepts  []time.Time // accept times inside the window, oldest first
	recips   []recipEntry
}

type recipEntry struct {
	at time.Time
	n  int
}

type recipient struct{ Name, Address string }

type header struct{ Name, Value string }

type extProp struct {
	ID, Value string
	norm      string // normalizePropID(ID), set when the message is parsed
}

type attachment struct {
	id, name, contentType string
	size                  int
	sha256                string
	isInline              bool
	contentID             string
	modified              time.Time
}

type message struct {
	id, mailboxID, folder string    // folder: a well-known name ("drafts") or a custom folder's id
	immID                 string    // immutable id: kept when the message moves (Prefer: IdType="ImmutableId")
	draft                 bool      // created by POST messages and not sent (isDraft)
	visibleAt             time.Time // in transit to Sent Items until then: found nowhere
	created, modified     time.Time
	sent                  time.Time
	internetMessageID     string
	conversationID        string
	subject               string
	bodyType              string // "html" or "text"
	body                  string
	importance            string
	from                  recipient
	to, cc, bcc, replyTo  []recipient
	headers               []header
	props                 []extProp
	attachments           []*attachment
	mime                  []byte
	sendAs                string
}

func (m *message) recipientCount() int { return len(m.to) + len(m.cc) + len(m.bcc) }

func (m *message) key() string {
	for _, p := range m.props {
		if p.norm == keyPropNorm {
			return p.Value
		}
	}
	id := strings.TrimSuffix(strings.TrimPrefix(m.internetMessageID, "<"), ">")
	if rest, ok := strings.CutPrefix(id, "sm."); ok {
		if k, _, ok := strings.Cut(rest, "@"); ok {
			return k
		}
	}
	return ""
}

func addrs(rs []recipient) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Address
	}
	return out
}

func (m *message) delivered() Delivered {
	d := Delivered{
		ID:                m.id,
		InternetMessageID: m.internetMessageID,
		Key:               m.key(),
		From:              m.from.Address,
		Subject:           m.subject,
		BodyType:          m.bodyType,
		Body:              m.body,
		To:                addrs(m.to),
		Cc:                addrs(m.cc),
		Bcc:               addrs(m.bcc),
		MIME:              slices.Clone(m.mime),
		At:                m.sent,
		SendAs:            m.sendAs,
	}
	if d.At.IsZero() {
		d.At = m.created
	}
	for _, a := range m.attachments {
		d.Attachments = append(d.Attachments, Attachment{Name: a.name, ContentType: a.contentType, Size: a.size, SHA256: a.sha256})
	}
	if len(m.headers) > 0 {
		d.Headers = map[string]string{}
		for _, h := range m.headers {
			d.Headers[h.Name] = h.Value
		}
	}
	return d
}

// clone copies m deep enough that the copy can be stored in another folder.
func (m *message) clone() *message {
	c := *m
	c.to, c.cc, c.bcc, c.replyTo = slices.Clone(m.to), slices.Clone(m.cc), slices.Clone(m.bcc), slices.Clone(m.replyTo)
	c.headers, c.props = slices.Clone(m.headers), slices.Clone(m.props)
	c.attachments = make([]*attachment, len(m.attachments))
	for i, a := range m.attachments {
		ac := *a
		c.attachments[i] = &ac
	}
	return &c
}

// Delivered returns the accepted messages in delivery order.
func (s *Server) Delivered() []Delivered {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.st.delivered)
}

// DeliveredTo returns the accepted messages that have addr among their To,
// Cc or Bcc recipients (case-insensitive), in delivery order.
func (s *Server) DeliveredTo(addr string) []Delivered {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Delivered
	for _, d := range s.st.delivered {
		for _, list := range [][]string{d.To, d.Cc, d.Bcc} {
			if slices.ContainsFunc(list, func(a string) bool { return strings.EqualFold(a, addr) }) {
				out = append(out, d)
				break
			}
		}
	}
	return out
}

// Drafts returns the messages currently in the drafts folders of all
// mailboxes, oldest first.
func (s *Server) Drafts() []Delivered {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ms []*message
	for _, m := range s.st.messages {
		if m.folder == "drafts" {
			ms = append(ms, m)
		}
	}
	sortMessages(ms)
	out := make([]Delivered, len(ms))
	for i, m := range ms {
		out[i] = m.delivered()
	}
	return out
}

func sortMessages(ms []*message) {
	slices.SortStableFunc(ms, func(a, b *message) int {
		if c := a.created.Compare(b.created); c != 0 {
			return c
		}
		return strings.Compare(a.id, b.id)
	})
}

// ---- JSON input ----

// messageProperties are the properties of microsoft.graph.message (v1.0) a
// request body may name; any other makes Graph answer 400.
var messageProperties = map[string]bool{
	"@odata.type": true, "bccRecipients": true, "body": true, "bodyPreview": true, "categories": true,
	"ccRecipients": true, "changeKey": true, "conversationId": true, "conversationIndex": true,
	"createdDateTime": true, "flag": true, "from": true, "hasAttachments": true, "id": true,
	"importance": true, "inferenceClassification": true, "internetMessageHeaders": true,
	"internetMessageId": true, "isDeliveryReceiptRequested": true, "isDraft": true, "isRead": true,
	"isReadReceiptRequested": true, "lastModifiedDateTime": true, "parentFolderId": true,
	"receivedDateTime": true, "replyTo": true, "sender": true, "sentDateTime": true, "subject": true,
	"toRecipients": true, "uniqueBody": true, "webLink": true, "attachments": true, "extensions": true,
	"multiValueExtendedProperties": true, "singleValueExtendedProperties": true,
}

type jsonRecipient struct {
	EmailAddress struct {
		Name    string `json:"name"`
		Address string `json:"address"`
	} `json:"emailAddress"`
}

type jsonMessage struct {
	Subject *string `json:"subject"`
	Body    *struct {
		ContentType string `json:"contentType"`
		Content     string `json:"content"`
	} `json:"body"`
	ToRecipients           []jsonRecipient   `json:"toRecipients"`
	CcRecipients           []jsonRecipient   `json:"ccRecipients"`
	BccRecipients          []jsonRecipient   `json:"bccRecipients"`
	ReplyTo                []jsonRecipient   `json:"replyTo"`
	InternetMessageHeaders []header          `json:"internetMessageHeaders"`
	InternetMessageID      string            `json:"internetMessageId"`
	Importance             string            `json:"importance"`
	SingleValueExtProps    []extProp         `json:"singleValueExtendedProperties"`
	Attachments            []json.RawMessage `json:"attachments"`
}

type jsonFileAttachment struct {
	ODataType    string `json:"@odata.type"`
	Name         string `json:"name"`
	ContentType  string `json:"contentType"`
	ContentBytes string `json:"contentBytes"`
	IsInline     bool   `json:"isInline"`
	ContentID    string `json:"contentId"`
}

func errPayload() *graphError {
	return errBadRequest("Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.")
}

// decodeObject decodes one JSON object into v after checking its property
// names against allowed (nil allows any).
func decodeObject(raw []byte, typeName string, allowed map[string]bool, v any) *graphError {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return errBadRequest("Empty Payload. JSON content expected.")
	}
	if !utf8.Valid(raw) {
		return errPayload()
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return errPayload()
	}
	if allowed != nil {
		// OData property and action-parameter names are matched without
		// regard to case (msgraph-sdk-go sends "Message", "SaveToSentItems").
		lower := make(map[string]bool, len(allowed))
		for k := range allowed {
			lower[strings.ToLower(k)] = true
		}
		for k := range fields {
			if !lower[strings.ToLower(k)] && !strings.HasPrefix(k, "@odata.") {
				return errf(http.StatusBadRequest, "RequestBodyRead", "The property '%s' does not exist on type '%s'. Make sure to only use property names that are defined by the type or mark the type as open type.", k, typeName)
			}
		}
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return errf(http.StatusBadRequest, "RequestBodyRead", "Invalid value for a property of type '%s': %v", typeName, err)
	}
	return nil
}

var propIDPattern = regexp.MustCompile(`^(?i)(String|Integer|Boolean|Double|Float|Long|Short|SystemTime|Binary|CLSID|Currency|Object|Null|Error|ApplicationTime)\s+(?:\{([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\}\s+(Name|Id)\s+(\S.*)|(0x[0-9a-f]{1,4}))$`)

// normalizePropID returns the canonical form of an extended property id
// (type, GUID and Name/Id keyword case-insensitive; the name itself exact),
// or "" when id is not a valid property id.
func normalizePropID(id string) string {
	m := propIDPattern.FindStringSubmatch(strings.TrimSpace(id))
	if m == nil {
		return ""
	}
	if m[5] != "" {
		return strings.ToLower(m[1] + " " + m[5])
	}
	return strings.ToLower(m[1]) + " {" + strings.ToLower(m[2]) + "} " + strings.ToLower(m[3]) + " " + m[4]
}

func toRecipients(js []jsonRecipient) []recipient {
	out := make([]recipient, 0, len(js))
	for _, j := range js {
		out = append(out, recipient{Name: j.EmailAddress.Name, Address: strings.TrimSpace(j.EmailAddress.Address)})
	}
	return out
}

// parseJSONMessage builds a message from a microsoft.graph.message object.
func parseJSONMessage(raw []byte) (*message, *graphError) {
	var jm jsonMessage
	if e := decodeObject(raw, "microsoft.graph.message", messageProperties, &jm); e != nil {
		return nil, e
	}
	m := &message{
		to: toRecipients(jm.ToRecipients), cc: toRecipients(jm.CcRecipients),
		bcc: toRecipients(jm.BccRecipients), replyTo: toRecipients(jm.ReplyTo),
		importance: "normal", bodyType: "text",
	}
	if jm.Subject != nil {
		m.subject = *jm.Subject
	}
	if jm.Body != nil {
		switch strings.ToLower(jm.Body.ContentType) {
		case "html":
			m.bodyType = "html"
		case "text", "":
			m.bodyType = "text"
		default:
			return nil, errBadRequest("Cannot convert the literal '%s' to the expected type 'microsoft.graph.bodyType'.", jm.Body.ContentType)
		}
		m.body = jm.Body.Content
	}
	switch strings.ToLower(jm.Importance) {
	case "", "normal":
	case "low", "high":
		m.importance = strings.ToLower(jm.Importance)
	default:
		return nil, errBadRequest("Cannot convert the literal '%s' to the expected type 'microsoft.graph.importance'.", jm.Importance)
	}
	for _, h := range jm.InternetMessageHeaders {
		if len(h.Name) < 3 || !strings.EqualFold(h.Name[:2], "x-") {
			return nil, errf(http.StatusBadRequest, "InvalidInternetMessageHeader", "The internet message header name '%s' should start with 'x-' or 'X-'.", h.Name)
		}
		if strings.ContainsAny(h.Name+h.Value, "\r\n") {
			return nil, errf(http.StatusBadRequest, "InvalidInternetMessageHeader", "The internet message header '%s' contains a line break.", h.Name)
		}
	}
	m.headers = jm.InternetMessageHeaders
	for i, p := range jm.SingleValueExtProps {
		jm.SingleValueExtProps[i].norm = normalizePropID(p.ID)
		if jm.SingleValueExtProps[i].norm == "" {
			return nil, errf(http.StatusBadRequest, "ErrorInvalidProperty", "The extended property id '%s' is not valid.", p.ID)
		}
	}
	m.props = jm.SingleValueExtProps
	if jm.InternetMessageID != "" {
		if !validMessageID(jm.InternetMessageID) {
			return nil, errf(http.StatusBadRequest, "ErrorInvalidInternetMessageId", "The internetMessageId '%s' is not valid: it must look like <local@domain>.", jm.InternetMessageID)
		}
		m.internetMessageID = jm.InternetMessageID
	}
	for i, ra := range jm.Attachments {
		a, e := parseFileAttachment(ra, maxRequestBody)
		if e != nil {
			return nil, e
		}
		a.id = fmt.Sprintf("AAMkAttach%03d%s", i, randomID("", 16))
		m.attachments = append(m.attachments, a)
	}
	return m, nil
}

func validMessageID(id string) bool {
	if len(id) < 5 || len(id) > 998 || id[0] != '<' || id[len(id)-1] != '>' {
		return false
	}
	inner := id[1 : len(id)-1]
	l, d, ok := strings.Cut(inner, "@")
	return ok && l != "" && d != "" && !strings.ContainsAny(inner, "<> \t\r\n")
}

var fileAttachmentProperties = map[string]bool{
	"@odata.type": true, "name": true, "contentType": true, "contentBytes": true, "isInline": true,
	"contentId": true, "contentLocation": true, "size": true, "id": true, "lastModifiedDateTime": true,
}

// parseFileAttachment decodes one #microsoft.graph.fileAttachment.
func parseFileAttachment(raw []byte, limit int) (*attachment, *graphError) {
	var ja jsonFileAttachment
	if e := decodeObject(raw, "microsoft.graph.fileAttachment", fileAttachmentProperties, &ja); e != nil {
		return nil, e
	}
	switch strings.TrimPrefix(ja.ODataType, "#") {
	case "microsoft.graph.fileAttachment":
	case "":
		return nil, errBadRequest("The attachment has no '@odata.type'; expected '#microsoft.graph.fileAttachment'.")
	default:
		return nil, errBadRequest("The attachment type '%s' is not supported by the emulator; use '#microsoft.graph.fileAttachment'.", ja.ODataType)
	}
	if strings.TrimSpace(ja.Name) == "" {
		return nil, errf(http.StatusBadRequest, "ErrorInvalidProperty", "The attachment name is required.")
	}
	content, err := base64.StdEncoding.DecodeString(ja.ContentBytes)
	if err != nil {
		return nil, errf(http.StatusBadRequest, "RequestBodyRead", "The value of 'contentBytes' of attachment '%s' is not valid base64.", ja.Name)
	}
	if len(content) > limit {
		return nil, errTooLarge("The attachment '%s' has %d bytes; attachments larger than 3 MB must be added with an upload session (createUploadSession).", ja.Name, len(content))
	}
	ct := ja.ContentType
	if ct == "" {
		ct = "application/octet-stream"
	}
	return &attachment{name: ja.Name, contentType: ct, size: len(content), sha256: sha256Hex(content),
		isInline: ja.IsInline, contentID: ja.ContentID}, nil
}

// validAddress reports whether Exchange would resolve addr as an SMTP
// address: an addr-spec whose domain has a dot.
func validAddress(addr string) bool {
	if addr == "" || strings.ContainsAny(addr, " <>\r\n") {
		return false
	}
	a, err := mail.ParseAddress(addr)
	if err != nil {
		return false
	}
	// A quoted local part ("a,b"@example.org) is valid, and net/mail hands
	// it back unquoted: compare in the quoted form it writes.
	if q := strings.Trim((&mail.Address{Address: a.Address}).String(), "<>"); q != addr && a.Address != addr {
		return false
	}
	_, domain, ok := strings.Cut(addr, "@")
	return ok && strings.Contains(strings.Trim(domain, "."), ".")
}

// validateForSend checks what Exchange checks on submission.
func (s *Server) validateForSend(m *message) *graphError {
	n := m.recipientCount()
	if n == 0 {
		return errf(http.StatusBadRequest, "ErrorInvalidRecipients", "At least one recipient is not valid., A message can't be sent because it contains no recipients.")
	}
	if n > s.opt.MaxRecipients {
		return errf(http.StatusBadRequest, "ErrorInvalidRecipients", "The message has %d recipients; a message can have at most %d recipients (To, Cc and Bcc).", n, s.opt.MaxRecipients)
	}
	for _, list := range [][]recipient{m.to, m.cc, m.bcc, m.replyTo} {
		for _, r := range list {
			if !validAddress(r.Address) {
				return errf(http.StatusBadRequest, "ErrorInvalidRecipients", "At least one recipient is not valid., Recipient '%s' is not resolved. All recipients must be resolved before a message can be submitted.", r.Address)
			}
		}
	}
	return nil
}
