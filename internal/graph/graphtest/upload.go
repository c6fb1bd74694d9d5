package graphtest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// uploadPathPrefix is where upload URLs live, like Outlook's
// https://outlook.office.com/api/v2.0/Users('…')/Messages('…')/AttachmentSessions('…').
const uploadPathPrefix = "/api/v2.0/"

type uploadSession struct {
	id, token            string
	mailboxID, messageID string
	name, contentType    string
	isInline             bool
	contentID            string
	size, received       int64
	hash                 hash.Hash
	expires              time.Time
}

func (s *Server) serveCreateUploadSession(w http.ResponseWriter, r *http.Request, rc *reqCtx, msgID string) *graphError {
	raw, _, e := s.readBody(r, maxRequestBody, false)
	if e != nil {
		return e
	}
	var req struct {
		AttachmentItem *struct {
			AttachmentType string `json:"attachmentType"`
			Name           string `json:"name"`
			Size           int64  `json:"size"`
			ContentType    string `json:"contentType"`
			IsInline       bool   `json:"isInline"`
			ContentID      string `json:"contentId"`
		} `json:"AttachmentItem"`
	}
	if e := decodeObject(raw, "microsoft.graph.createUploadSession", map[string]bool{"AttachmentItem": true, "attachmentItem": true}, &req); e != nil {
		return e
	}
	it := req.AttachmentItem
	switch {
	case it == nil:
		return errf(http.StatusBadRequest, "ErrorInvalidParameter", "The value of the parameter 'AttachmentItem' is empty.")
	case !strings.EqualFold(it.AttachmentType, "file"):
		return errBadRequest("attachmentType '%s' is not supported; use 'file'.", it.AttachmentType)
	case strings.TrimSpace(it.Name) == "":
		return errf(http.StatusBadRequest, "ErrorInvalidProperty", "The attachment name is required.")
	case it.Size <= 0:
		return errBadRequest("The attachment size must be a positive number of bytes.")
	case it.Size > maxUploadAttachment:
		return errf(http.StatusBadRequest, "ErrorAttachmentSizeShouldNotBeGreaterThanMaximumSize", "The attachment size %d exceeds the maximum of 150 MB.", it.Size)
	}
	ct := it.ContentType
	if ct == "" {
		ct = "application/octet-stream"
	}
	s.mu.Lock()
	m, e := s.lookup(rc, msgID)
	if e == nil && !m.draft {
		e = errNotDraft()
	}
	var sess *uploadSession
	if e == nil {
		sess = &uploadSession{
			id: randomID("AAMkSess", 24), token: randomID("", 40),
			mailboxID: rc.mbx.user.ID, messageID: msgID,
			name: it.Name, contentType: ct, isInline: it.IsInline, contentID: it.ContentID,
			size: it.Size, hash: sha256.New(), expires: s.now().Add(uploadSessionTimeout),
		}
		s.st.sessions[sess.id] = sess
	}
	s.mu.Unlock()
	if e != nil {
		return e
	}
	host := strings.TrimSuffix(rc.base, "/v1.0")
	s.writeJSON(w, http.StatusCreated, map[string]any{
		"@odata.context":     rc.base + "/$metadata#microsoft.graph.uploadSession",
		"uploadUrl":          fmt.Sprintf("%s%sUsers('%s')/Messages('%s')/AttachmentSessions('%s')?authtoken=%s", host, uploadPathPrefix, sess.mailboxID, msgID, sess.id, sess.token),
		"expirationDateTime": sess.expires.UTC().Format("2006-01-02T15:04:05.0000000Z"),
		"nextExpectedRanges": []string{"0-"},
	})
	return nil
}

var uploadPathPattern = regexp.MustCompile(`^Users\('([^']+)'\)/Messages\('([^']+)'\)/AttachmentSessions\('([^']+)'\)$`)

var contentRangePattern = regexp.MustCompile(`^bytes (\d{1,15})-(\d{1,15})/(\d{1,15})$`)

// parseContentRange parses "bytes a-b/N".
func parseContentRange(v string) (start, end, total int64, ok bool) {
	m := contentRangePattern.FindStringSubmatch(strings.TrimSpace(v))
	if m == nil {
		return 0, 0, 0, false
	}
	start, _ = strconv.ParseInt(m[1], 10, 64)
	end, _ = strconv.ParseInt(m[2], 10, 64)
	total, _ = strconv.ParseInt(m[3], 10, 64)
	if start > end || end >= total {
		return 0, 0, 0, false
	}
	return start, end, total, true
}

func (s *Server) serveUpload(w http.ResponseWriter, r *http.Request, rc *reqCtx, rest string) *graphError {
	pm := uploadPathPattern.FindStringSubmatch(rest)
	if pm == nil {
		return errNotFound()
	}
	s.mu.Lock()
	sess := s.st.sessions[pm[3]]
	s.mu.Unlock()
	if sess == nil || sess.mailboxID != pm[1] || sess.messageID != pm[2] {
		return errNotFound()
	}
	if r.URL.Query().Get("authtoken") != sess.token {
		return errf(http.StatusUnauthorized, "InvalidAuthenticationToken", "The authtoken of the upload URL is not valid.")
	}
	if r.Header.Get("Authorization") != "" {
		return errf(http.StatusUnauthorized, "InvalidAuthenticationToken", "Do not send an Authorization header to an upload URL: the URL carries its own authtoken.")
	}
	s.mu.Lock()
	var mbx *mailbox
	for _, u := range s.opt.Users {
		if u.ID == sess.mailboxID {
			mbx = s.st.mailboxes[u.ID]
		}
	}
	s.mu.Unlock()
	if mbx == nil {
		return errNotFound()
	}
	rc.mbx = mbx
	release, e := s.enter(mbx)
	if e != nil {
		return e
	}
	defer release()
	s.sleep(r)

	switch r.Method {
	case http.MethodDelete:
		s.mu.Lock()
		delete(s.st.sessions, sess.id)
		s.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
		return nil
	case http.MethodPut:
	default:
		return errMethod()
	}
	cr := r.Header.Get("Content-Range")
	start, end, total, ok := parseContentRange(cr)
	if !ok {
		return errBadRequest("The Content-Range header '%s' is missing or not valid; expected 'bytes start-end/total'.", cr)
	}
	if total != sess.size {
		return errBadRequest("The Content-Range total %d does not match the attachment size %d of the upload session.", total, sess.size)
	}
	n := end - start + 1
	if n > maxUploadChunk {
		return errTooLarge("The fragment of %d bytes is larger than the maximum of 4 MB.", n)
	}
	body, e := readCapped(r.Body, n, "data")
	if e != nil {
		return errBadRequest("The request body is longer than the %d bytes announced by Content-Range.", n)
	}
	if int64(len(body)) != n {
		return errBadRequest("The request body has %d bytes; Content-Range announces %d.", len(body), n)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if s.st.sessions[sess.id] != sess || now.After(sess.expires) {
		delete(s.st.sessions, sess.id)
		return errNotFound()
	}
	if start != sess.received {
		e := errf(http.StatusRequestedRangeNotSatisfiable, "InvalidRange", "The fragment starts at byte %d; the next expected byte is %d.", start, sess.received)
		return e
	}
	sess.hash.Write(body)
	sess.received += n
	sess.expires = now.Add(uploadSessionTimeout)
	if sess.received < sess.size {
		s.writeJSON(w, http.StatusOK, map[string]any{
			"@odata.context":     rc.base + "/$metadata#microsoft.graph.uploadSession",
			"expirationDateTime": sess.expires.UTC().Format("2006-01-02T15:04:05.0000000Z"),
			"nextExpectedRanges": []string{strconv.FormatInt(sess.received, 10)},
		})
		return nil
	}
	delete(s.st.sessions, sess.id)
	m := s.st.messages[sess.messageID]
	if m == nil {
		m = s.st.immutable[sess.messageID]
	}
	if m == nil || !m.draft {
		return errNotFound()
	}
	a := &attachment{
		id:   fmt.Sprintf("AAMkAttach%03d%s", len(m.attachments), randomID("", 16)),
		name: sess.name, contentType: sess.contentType, size: int(sess.size),
		sha256: hex.EncodeToString(sess.hash.Sum(nil)), isInline: sess.isInline, contentID: sess.contentID,
		modified: now,
	}
	m.attachments = append(m.attachments, a)
	m.modified = now
	w.Header().Set("Location", rc.base+"/users('"+sess.mailboxID+"')/messages('"+m.id+"')/attachments('"+a.id+"')")
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusCreated)
	return nil
}
