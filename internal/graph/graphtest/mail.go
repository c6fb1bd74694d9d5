package graphtest

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// sendFault draws the fault of a mail-sending request and answers it when
// it strikes before acceptance. done reports that the request is finished.
func (s *Server) sendFault(w http.ResponseWriter, rc *reqCtx) (f Fault, queued *queuedFault, e *graphError) {
	s.mu.Lock()
	s.st.stats.SendRequests++
	s.mu.Unlock()
	f, queued = s.takeFault(true)
	if f != 0 && !f.afterAccept() {
		return f, queued, s.injectBefore(w, rc, f)
	}
	return f, queued, nil
}

// createFault draws the fault of a request that creates a message and
// answers it when it strikes before the item is stored.
func (s *Server) createFault(w http.ResponseWriter, rc *reqCtx) (f Fault, queued *queuedFault, e *graphError) {
	f, queued = s.takeFault(false)
	if f != 0 && !f.afterAccept() {
		return f, queued, s.injectBefore(w, rc, f)
	}
	return f, queued, nil
}

// refused returns an unused post-accept fault to the queue and passes e on.
func (s *Server) refused(f Fault, queued *queuedFault, e *graphError) *graphError {
	if f != 0 && queued != nil {
		s.putBack(queued)
	}
	return e
}

func (s *Server) serveSendMail(w http.ResponseWriter, r *http.Request, rc *reqCtx) *graphError {
	f, queued, e := s.sendFault(w, rc)
	if e != nil {
		return e
	}
	m, save, e := s.parseSendMail(r)
	if e != nil {
		return s.refused(f, queued, e)
	}
	if e := s.validateForSend(m); e != nil {
		return s.refused(f, queued, e)
	}
	if e := s.accept(rc, m, save); e != nil {
		return s.refused(f, queued, e)
	}
	if f != 0 {
		return s.injectAfter(w, rc, f)
	}
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusAccepted)
	return nil
}

func (s *Server) parseSendMail(r *http.Request) (*message, bool, *graphError) {
	raw, kind, e := s.readBody(r, maxRequestBody, true)
	if e != nil {
		return nil, false, e
	}
	if kind == bodyMIME {
		mimeRaw, e := decodeMIMEBody(raw)
		if e != nil {
			return nil, false, e
		}
		m, e := parseMIMEMessage(mimeRaw)
		return m, true, e
	}
	var req struct {
		Message         json.RawMessage `json:"message"`
		SaveToSentItems *bool           `json:"saveToSentItems"`
	}
	if e := decodeObject(raw, "microsoft.graph.sendMail", map[string]bool{"message": true, "saveToSentItems": true}, &req); e != nil {
		return nil, false, e
	}
	if len(req.Message) == 0 || string(req.Message) == "null" {
		return nil, false, errf(http.StatusBadRequest, "ErrorInvalidParameter", "The value of the parameter 'Message' is empty.")
	}
	m, e := parseJSONMessage(req.Message)
	if e != nil {
		return nil, false, e
	}
	return m, req.SaveToSentItems == nil || *req.SaveToSentItems, nil
}

// accept applies the mailbox limits and, within them, delivers m and files
// a copy in sentitems when save is set. A refusal changes nothing.
func (s *Server) accept(rc *reqCtx, m *message, save bool) *graphError {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	mb := rc.mbx
	for len(mb.accepts) > 0 && now.Sub(mb.accepts[0]) >= s.opt.Window {
		mb.accepts = mb.accepts[1:]
	}
	if len(mb.accepts) >= s.opt.PerWindow {
		s.st.stats.Throttled++
		wait := mb.accepts[0].Add(s.opt.Window).Sub(now)
		e := errf(http.StatusTooManyRequests, "ApplicationThrottled", "The mailbox is over its message rate limit of %d messages per %s.", s.opt.PerWindow, s.opt.Window)
		e.retryAfter = wait
		return e
	}
	sum := 0
	kept := mb.recips[:0]
	for _, rcp := range mb.recips {
		if now.Sub(rcp.at) < s.opt.DayLength {
			kept = append(kept, rcp)
			sum += rcp.n
		}
	}
	mb.recips = kept
	n := m.recipientCount()
	if sum+n > s.opt.DailyRecipients {
		s.st.stats.QuotaRefused++
		return errf(http.StatusForbidden, "ErrorExceededMessageLimit", "Cannot send this message: the mailbox %s has exceeded the limit of recipients per day (%d recipients per rolling %s; %d used).", mb.user.Mail, s.opt.DailyRecipients, s.opt.DayLength, sum)
	}
	mb.accepts = append(mb.accepts, now)
	mb.recips = append(mb.recips, recipEntry{at: now, n: n})

	s.fileMessage(rc, m, "sentitems", now)
	m.sent = now
	m.draft = false
	// Exchange files the copy only some time after accepting it.
	m.visibleAt = now.Add(s.st.lag)
	if save {
		s.storeMessage(m)
	}
	s.st.delivered = append(s.st.delivered, m.delivered())
	s.st.stats.Accepted++
	s.bounce(mb, m, now)
	return nil
}

// fileMessage gives m a fresh regular id in folder of rc's mailbox (a
// message that moves gets a new one, as in Exchange) and an immutable id
// unless it has one. Callers hold s.mu.
func (s *Server) fileMessage(rc *reqCtx, m *message, folder string, now time.Time) {
	m.id = randomID("AAMkAGEmu", 48)
	if m.immID == "" {
		m.immID = randomID("AAkALgAAEmuImm", 48)
	}
	m.mailboxID = rc.mbx.user.ID
	m.folder = folder
	if m.created.IsZero() {
		m.created = now
	}
	m.modified = now
	m.from = recipient{Name: rc.mbx.user.DisplayName, Address: rc.mbx.user.Mail}
	if rc.mbx.user.ID != s.opt.User.ID {
		m.sendAs = rc.mbx.user.Mail
	}
	if m.internetMessageID == "" {
		m.internetMessageID = "<" + randomID("EMU", 28) + "@graphtest.prod.outlook.com>"
	}
	if m.conversationID == "" {
		m.conversationID = randomID("AAQkAGEmuConv", 24)
	}
}

// serveCreateDraft creates a draft in folder (drafts, or any folder when
// posted to mailFolders/{id}/messages: Exchange creates it there, as a draft).
func (s *Server) serveCreateDraft(w http.ResponseWriter, r *http.Request, rc *reqCtx, folder string) *graphError {
	f, queued, e := s.createFault(w, rc)
	if e != nil {
		return e
	}
	if e := s.createDraft(w, r, rc, folder); e != nil {
		return s.refused(f, queued, e)
	}
	if f != 0 {
		return s.injectAfter(w, rc, f)
	}
	s.writeJSON(w, http.StatusCreated, rc.answer)
	return nil
}

// createDraft parses, stores and renders the draft into rc.answer.
func (s *Server) createDraft(w http.ResponseWriter, r *http.Request, rc *reqCtx, folder string) *graphError {
	raw, kind, e := s.readBody(r, maxRequestBody, true)
	if e != nil {
		return e
	}
	var m *message
	if kind == bodyMIME {
		mimeRaw, e := decodeMIMEBody(raw)
		if e != nil {
			return e
		}
		if m, e = parseMIMEMessage(mimeRaw); e != nil {
			return e
		}
	} else if m, e = parseJSONMessage(raw); e != nil {
		return e
	}
	if n := m.recipientCount(); n > s.opt.MaxRecipients {
		return errf(http.StatusBadRequest, "ErrorInvalidRecipients", "The message has %d recipients; a message can have at most %d recipients (To, Cc and Bcc).", n, s.opt.MaxRecipients)
	}
	s.mu.Lock()
	s.fileMessage(rc, m, folder, s.now())
	m.draft = true
	s.storeMessage(m)
	body := s.messageJSON(rc, m, nil, nil)
	s.mu.Unlock()
	body["@odata.context"] = rc.base + "/$metadata#users('" + rc.mbx.user.ID + "')/messages/$entity"
	rc.answer = body
	return nil
}

// storeMessage files m under both its ids. Callers hold s.mu.
func (s *Server) storeMessage(m *message) {
	s.st.messages[m.id] = m
	s.st.immutable[m.immID] = m
}

// dropMessage forgets m. Callers hold s.mu.
func (s *Server) dropMessage(m *message) {
	if s.st.messages[m.id] == m {
		delete(s.st.messages, m.id)
	}
	if s.st.immutable[m.immID] == m {
		delete(s.st.immutable, m.immID)
	}
}

// visible reports whether m is out of transit (in a folder) at now.
func visible(m *message, now time.Time) bool { return !now.Before(m.visibleAt) }

// lookup finds message id (regular or immutable) in rc's mailbox. A
// message in transit to Sent Items is not found. Callers hold s.mu.
func (s *Server) lookup(rc *reqCtx, id string) (*message, *graphError) {
	m := s.st.messages[id]
	if m == nil {
		m = s.st.immutable[id]
	}
	if m == nil || m.mailboxID != rc.mbx.user.ID || !visible(m, s.now()) {
		return nil, errNotFound()
	}
	return m, nil
}

func (s *Server) serveSendDraft(w http.ResponseWriter, r *http.Request, rc *reqCtx, id string) *graphError {
	f, queued, e := s.sendFault(w, rc)
	if e != nil {
		return e
	}
	s.mu.Lock()
	m, e := s.lookup(rc, id)
	if e == nil && !m.draft {
		e = errf(http.StatusBadRequest, "ErrorInvalidOperation", "Only a draft can be sent; this message is in %s.", m.folder)
	}
	var sent *message
	if e == nil {
		sent = m.clone()
	}
	s.mu.Unlock()
	if e != nil {
		return s.refused(f, queued, e)
	}
	if e := s.validateForSend(sent); e != nil {
		return s.refused(f, queued, e)
	}
	if e := s.accept(rc, sent, true); e != nil {
		return s.refused(f, queued, e)
	}
	s.mu.Lock()
	// The draft leaves its folder at once: the copy in Sent Items has a
	// new regular id and keeps the immutable one, as in Exchange.
	s.dropMessage(m)
	if s.st.immutable[m.immID] == nil {
		s.st.immutable[m.immID] = sent
	}
	s.mu.Unlock()
	if f != 0 {
		return s.injectAfter(w, rc, f)
	}
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusAccepted)
	return nil
}

func (s *Server) serveDeleteMessage(w http.ResponseWriter, rc *reqCtx, id string) *graphError {
	s.mu.Lock()
	m, e := s.lookup(rc, id)
	if e == nil {
		s.dropMessage(m)
	}
	s.mu.Unlock()
	if e != nil {
		return e
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// messageOutput are the message properties $select may name.
var messageOutput = []string{"id", "createdDateTime", "lastModifiedDateTime", "changeKey", "categories",
	"receivedDateTime", "sentDateTime", "hasAttachments", "internetMessageId", "subject", "bodyPreview",
	"importance", "parentFolderId", "conversationId", "conversationIndex", "isDeliveryReceiptRequested",
	"isReadReceiptRequested", "isRead", "isDraft", "webLink", "inferenceClassification", "body", "uniqueBody",
	"sender", "from", "toRecipients", "ccRecipients", "bccRecipients", "replyTo", "flag",
	"internetMessageHeaders", "singleValueExtendedProperties"}

// expansion is a parsed $expand.
type expansion struct {
	props       bool
	propID      string // normalized; "" = all
	attachments bool
}

var expandPropsPattern = regexp.MustCompile(`^(?i)singleValueExtendedProperties(?:\(\s*\$filter\s*=\s*id\s+eq\s+'((?:[^']|'')*)'\s*\))?$`)

func parseExpand(v string) (*expansion, *graphError) {
	if v == "" {
		return nil, nil
	}
	x := &expansion{}
	for _, part := range splitTopLevel(v) {
		part = strings.TrimSpace(part)
		if strings.EqualFold(part, "attachments") {
			x.attachments = true
			continue
		}
		m := expandPropsPattern.FindStringSubmatch(part)
		if m == nil {
			return nil, errf(http.StatusBadRequest, "ErrorInvalidUrlQuery", "The emulator supports $expand=singleValueExtendedProperties($filter=id eq '...') and $expand=attachments, not '%s'.", part)
		}
		x.props = true
		if m[1] != "" {
			x.propID = normalizePropID(strings.ReplaceAll(m[1], "''", "'"))
			if x.propID == "" {
				return nil, errf(http.StatusBadRequest, "ErrorInvalidUrlQuery", "'%s' is not an extended property id.", m[1])
			}
		}
	}
	return x, nil
}

// splitTopLevel splits at commas outside parentheses and quotes.
func splitTopLevel(s string) []string {
	var out []string
	depth, quoted, start := 0, false, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\'':
			quoted = !quoted
		case quoted:
		case c == '(':
			depth++
		case c == ')':
			depth--
		case c == ',' && depth == 0:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

var tagPattern = regexp.MustCompile(`(?s)<[^>]*>`)

func bodyPreview(m *message) string {
	t := m.body
	if m.bodyType == "html" {
		t = tagPattern.ReplaceAllString(t, " ")
	}
	t = strings.Join(strings.Fields(t), " ")
	if r := []rune(t); len(r) > 255 {
		t = string(r[:255])
	}
	return t
}

func recipientsJSON(rs []recipient) []map[string]any {
	out := make([]map[string]any, 0, len(rs))
	for _, r := range rs {
		out = append(out, map[string]any{"emailAddress": map[string]any{"name": r.Name, "address": r.Address}})
	}
	return out
}

func graphTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format("2006-01-02T15:04:05Z")
}

// messageJSON renders m as Graph does. Callers hold s.mu.
func (s *Server) messageJSON(rc *reqCtx, m *message, sel []string, x *expansion) map[string]any {
	from := map[string]any{"emailAddress": map[string]any{"name": m.from.Name, "address": m.from.Address}}
	all := map[string]any{
		"id": rc.idOf(m), "createdDateTime": graphTime(m.created), "lastModifiedDateTime": graphTime(m.modified),
		"changeKey": "CQAAABYAAA" + m.id[len(m.id)-8:], "categories": []string{},
		"receivedDateTime": graphTime(m.created), "sentDateTime": graphTime(m.sent),
		"hasAttachments": len(m.attachments) > 0, "internetMessageId": m.internetMessageID,
		"subject": m.subject, "bodyPreview": bodyPreview(m), "importance": m.importance,
		"parentFolderId": folderID(m.folder), "conversationId": m.conversationID,
		"conversationIndex":          conversationIndex(m.conversationID),
		"isDeliveryReceiptRequested": false, "isReadReceiptRequested": false, "isRead": true,
		"isDraft": m.draft, "inferenceClassification": "focused",
		"webLink": "https://outlook.office365.com/owa/?ItemID=" + url.QueryEscape(m.id) + "&exvsurl=1&viewmodel=ReadMessageItem",
		"body":    map[string]any{"contentType": m.bodyType, "content": m.body},
		"sender":  from, "from": from,
		"toRecipients": recipientsJSON(m.to), "ccRecipients": recipientsJSON(m.cc),
		"bccRecipients": recipientsJSON(m.bcc), "replyTo": recipientsJSON(m.replyTo),
		"flag": map[string]any{"flagStatus": "notFlagged"},
	}
	hdrs := make([]map[string]any, 0, len(m.headers))
	for _, h := range m.headers {
		hdrs = append(hdrs, map[string]any{"name": h.Name, "value": h.Value})
	}
	out := all
	if len(sel) > 0 {
		out = map[string]any{"id": rc.idOf(m)}
		for _, k := range sel {
			switch k {
			case "internetMessageHeaders":
				out[k] = hdrs
			case "uniqueBody":
				out[k] = all["body"]
			case "singleValueExtendedProperties":
			default:
				out[k] = all[k]
			}
		}
	}
	out["@odata.etag"] = `W/"CQAAABYAAA` + m.id[len(m.id)-8:] + `"`
	if x != nil && x.props {
		props := []map[string]any{}
		for _, p := range m.props {
			if x.propID == "" || p.norm == x.propID {
				props = append(props, map[string]any{"id": p.ID, "value": p.Value})
			}
		}
		out["singleValueExtendedProperties"] = props
	}
	if x != nil && x.attachments {
		atts := []map[string]any{}
		for _, a := range m.attachments {
			atts = append(atts, attachmentJSON(a))
		}
		out["attachments"] = atts
	}
	return out
}

func attachmentJSON(a *attachment) map[string]any {
	return map[string]any{
		"@odata.type": "#microsoft.graph.fileAttachment", "@odata.mediaContentType": a.contentType,
		"id": a.id, "lastModifiedDateTime": graphTime(a.modified), "name": a.name,
		"contentType": a.contentType, "size": a.size, "isInline": a.isInline,
		"contentId": nullable(a.contentID), "contentLocation": nil,
	}
}

// listQueryOptions are the system query options message lists accept.
var listQueryOptions = map[string]bool{"$filter": true, "$select": true, "$top": true, "$skip": true, "$expand": true, "$count": true}

func (s *Server) serveList(w http.ResponseWriter, r *http.Request, rc *reqCtx, folder string) *graphError {
	q := r.URL.Query()
	for k := range q {
		if strings.HasPrefix(k, "$") && !listQueryOptions[k] {
			return errf(http.StatusBadRequest, "ErrorInvalidUrlQuery", "The query option '%s' is not supported by the emulator for messages.", k)
		}
	}
	var filter *messageFilter
	if v, ok := q["$filter"]; ok {
		f, err := parseMessageFilter(v[0])
		if err != nil {
			s.logf("graphtest: $filter %q: %v", v[0], err)
			return errFilter()
		}
		filter = f
	}
	sel, e := parseSelect(q, messageOutput, "microsoft.graph.message")
	if e != nil {
		return e
	}
	x, e := parseExpand(q.Get("$expand"))
	if e != nil {
		return e
	}
	top, e := parseTop(q, 10, 1000)
	if e != nil {
		return e
	}
	skip, e := parseSkip(q)
	if e != nil {
		return e
	}
	s.mu.Lock()
	var ms []*message
	now := s.now()
	for _, m := range s.st.messages {
		if m.mailboxID == rc.mbx.user.ID && visible(m, now) && (folder == "" || m.folder == folder) && (filter == nil || filter.match(m)) {
			ms = append(ms, m)
		}
	}
	sortMessages(ms)
	// Graph lists newest first.
	for i, j := 0, len(ms)-1; i < j; i, j = i+1, j-1 {
		ms[i], ms[j] = ms[j], ms[i]
	}
	page := []map[string]any{}
	for i := skip; i < len(ms) && len(page) < top; i++ {
		page = append(page, s.messageJSON(rc, ms[i], sel, x))
	}
	total := len(ms)
	s.mu.Unlock()
	ctx := rc.base + "/$metadata#users('" + rc.mbx.user.ID + "')"
	if folder != "" {
		ctx += "/mailFolders('" + folder + "')"
	}
	ctx += "/messages"
	if len(sel) > 0 {
		ctx += "(" + strings.Join(sel, ",") + ")"
	}
	body := map[string]any{"@odata.context": ctx, "value": page}
	if q.Get("$count") == "true" {
		body["@odata.count"] = total
	}
	if next := skip + len(page); next < total && top > 0 {
		nq := url.Values{}
		for k, v := range q {
			nq[k] = v
		}
		nq.Set("$skip", strconv.Itoa(next))
		body["@odata.nextLink"] = rc.base + strings.TrimPrefix(r.URL.Path, "/v1.0") + "?" + nq.Encode()
	}
	s.writeJSON(w, http.StatusOK, body)
	return nil
}

func (s *Server) serveGetMessage(w http.ResponseWriter, r *http.Request, rc *reqCtx, id string) *graphError {
	q := r.URL.Query()
	sel, e := parseSelect(q, messageOutput, "microsoft.graph.message")
	if e != nil {
		return e
	}
	x, e := parseExpand(q.Get("$expand"))
	if e != nil {
		return e
	}
	s.mu.Lock()
	m, e := s.lookup(rc, id)
	var body map[string]any
	if e == nil {
		body = s.messageJSON(rc, m, sel, x)
	}
	s.mu.Unlock()
	if e != nil {
		return e
	}
	body["@odata.context"] = rc.base + "/$metadata#users('" + rc.mbx.user.ID + "')/messages/$entity"
	s.writeJSON(w, http.StatusOK, body)
	return nil
}

func (s *Server) serveListAttachments(w http.ResponseWriter, rc *reqCtx, id string) *graphError {
	s.mu.Lock()
	m, e := s.lookup(rc, id)
	var list []map[string]any
	if e == nil {
		list = []map[string]any{}
		for _, a := range m.attachments {
			list = append(list, attachmentJSON(a))
		}
	}
	s.mu.Unlock()
	if e != nil {
		return e
	}
	s.writeJSON(w, http.StatusOK, map[string]any{
		"@odata.context": rc.base + "/$metadata#users('" + rc.mbx.user.ID + "')/messages('" + id + "')/attachments",
		"value":          list,
	})
	return nil
}

func errNotDraft() *graphError {
	return errf(http.StatusForbidden, "ErrorAccessDenied", "Access is denied. Check credentials and try again. Attachments can only be added to drafts.")
}

func (s *Server) serveAddAttachment(w http.ResponseWriter, r *http.Request, rc *reqCtx, id string) *graphError {
	raw, _, e := s.readBody(r, maxRequestBody, false)
	if e != nil {
		return e
	}
	a, e := parseFileAttachment(raw, maxInlineAttachment)
	if e != nil {
		return e
	}
	s.mu.Lock()
	m, e := s.lookup(rc, id)
	if e == nil && !m.draft {
		e = errNotDraft()
	}
	if e == nil {
		a.id = fmt.Sprintf("AAMkAttach%03d%s", len(m.attachments), randomID("", 16))
		a.modified = s.now()
		m.attachments = append(m.attachments, a)
		m.modified = a.modified
	}
	s.mu.Unlock()
	if e != nil {
		return e
	}
	body := attachmentJSON(a)
	body["@odata.context"] = rc.base + "/$metadata#users('" + rc.mbx.user.ID + "')/messages('" + id + "')/attachments/$entity"
	s.writeJSON(w, http.StatusCreated, body)
	return nil
}

// conversationIndex is a valid base64 PidTagConversationIndex (22 bytes, as
// Exchange sends for a conversation's first message), derived from id.
func conversationIndex(id string) string {
	sum := sha256.Sum256([]byte(id))
	b := append([]byte{0x01}, sum[:21]...)
	return base64.StdEncoding.EncodeToString(b)
}
