package graphtest

import (
	"bytes"
	"compress/gzip"
	"io"
	"mime"
	"net/http"
	"strings"
)

// route dispatches one request. It returns the error to answer, or nil when
// the answer was written.
func (s *Server) route(w http.ResponseWriter, r *http.Request, rc *reqCtx) *graphError {
	path := r.URL.Path
	if strings.HasPrefix(path, uploadPathPrefix) {
		return s.serveUpload(w, r, rc, strings.TrimPrefix(path, uploadPathPrefix))
	}
	rest, ok := strings.CutPrefix(path, "/v1.0/")
	if !ok {
		seg, _, _ := strings.Cut(strings.TrimPrefix(path, "/"), "/")
		return errf(http.StatusBadRequest, "BadRequest", "Invalid version: '%s'. The emulator serves /v1.0.", seg)
	}
	if e := s.checkAuth(r); e != nil {
		return e
	}
	segs := strings.Split(strings.Trim(rest, "/"), "/")
	lower := make([]string, len(segs))
	for i, sg := range segs {
		lower[i] = strings.ToLower(sg)
	}
	var mbx User
	var mrest []string
	switch {
	case lower[0] == "me" && len(segs) == 1:
		if r.Method != http.MethodGet {
			return errMethod()
		}
		s.sleep(r)
		return s.serveMe(w, r, rc)
	case lower[0] == "users" && len(segs) == 1:
		if r.Method != http.MethodGet {
			return errMethod()
		}
		s.sleep(r)
		return s.serveUsers(w, r, rc)
	case lower[0] == "users" && len(segs) == 2:
		if r.Method != http.MethodGet {
			return errMethod()
		}
		s.sleep(r)
		return s.serveUser(w, r, rc, segs[1])
	case lower[0] == "me":
		mbx, mrest = s.opt.User, segs[1:]
	case lower[0] == "users":
		u, ok := s.findUser(segs[1])
		if !ok {
			return errf(http.StatusNotFound, "ErrorInvalidUser", "The requested user '%s' is invalid.", segs[1])
		}
		mbx, mrest = u, segs[2:]
	default:
		return errSegment(segs[0])
	}
	rc.mbx = s.mailboxFor(mbx)
	release, e := s.enter(rc.mbx)
	if e != nil {
		return e
	}
	defer release()
	s.sleep(r)
	return s.routeMailbox(w, r, rc, mrest)
}

func (s *Server) mailboxFor(u User) *mailbox {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.st.mailboxes[u.ID]
	if m == nil {
		m = &mailbox{user: u}
		s.st.mailboxes[u.ID] = m
	}
	return m
}

func (s *Server) routeMailbox(w http.ResponseWriter, r *http.Request, rc *reqCtx, segs []string) *graphError {
	l := make([]string, len(segs))
	for i, sg := range segs {
		l[i] = strings.ToLower(strings.TrimPrefix(sg, "microsoft.graph."))
	}
	method := r.Method
	switch {
	case len(l) == 1 && l[0] == "sendmail":
		if method != http.MethodPost {
			return errMethod()
		}
		return s.serveSendMail(w, r, rc)
	case len(l) == 1 && l[0] == "messages":
		switch method {
		case http.MethodGet:
			return s.serveList(w, r, rc, "")
		case http.MethodPost:
			return s.serveCreateDraft(w, r, rc, "drafts")
		}
		return errMethod()
	case len(l) == 2 && l[0] == "messages":
		switch method {
		case http.MethodGet:
			return s.serveGetMessage(w, r, rc, segs[1])
		case http.MethodDelete:
			return s.serveDeleteMessage(w, rc, segs[1])
		}
		return errMethod()
	case len(l) == 3 && l[0] == "messages" && l[2] == "send":
		if method != http.MethodPost {
			return errMethod()
		}
		return s.serveSendDraft(w, r, rc, segs[1])
	case len(l) == 3 && l[0] == "messages" && l[2] == "attachments":
		switch method {
		case http.MethodGet:
			return s.serveListAttachments(w, rc, segs[1])
		case http.MethodPost:
			return s.serveAddAttachment(w, r, rc, segs[1])
		}
		return errMethod()
	case len(l) == 4 && l[0] == "messages" && l[2] == "attachments" && l[3] == "createuploadsession":
		if method != http.MethodPost {
			return errMethod()
		}
		return s.serveCreateUploadSession(w, r, rc, segs[1])
	case len(l) == 1 && l[0] == "contacts":
		if method != http.MethodGet {
			return errMethod()
		}
		return s.serveContacts(w, r, rc, "")
	case len(l) == 1 && l[0] == "contactfolders":
		if method != http.MethodGet {
			return errMethod()
		}
		return s.serveContactFolders(w, r, rc)
	case len(l) == 3 && l[0] == "contactfolders" && l[2] == "contacts":
		if method != http.MethodGet {
			return errMethod()
		}
		return s.serveContacts(w, r, rc, segs[1])
	case len(l) == 2 && l[0] == "outlook" && l[1] == "mastercategories":
		if method != http.MethodGet {
			return errMethod()
		}
		return s.serveMasterCategories(w, rc)
	case len(l) == 1 && l[0] == "mailfolders":
		switch method {
		case http.MethodGet:
			return s.serveListFolders(w, r, rc)
		case http.MethodPost:
			return s.serveCreateFolder(w, r, rc)
		}
		return errMethod()
	case len(l) == 2 && l[0] == "mailfolders":
		if method != http.MethodGet {
			return errMethod()
		}
		return s.serveGetFolder(w, rc, segs[1])
	case len(l) == 3 && l[0] == "mailfolders" && l[2] == "messages":
		folder, ok := s.resolveFolder(rc, segs[1])
		if !ok {
			return errNotFound()
		}
		switch method {
		case http.MethodGet:
			return s.serveList(w, r, rc, folder)
		case http.MethodPost:
			return s.serveCreateDraft(w, r, rc, folder)
		}
		return errMethod()
	case len(l) == 4 && l[0] == "mailfolders" && l[2] == "messages":
		if _, ok := s.resolveFolder(rc, segs[1]); !ok {
			return errNotFound()
		}
		if method != http.MethodGet {
			return errMethod()
		}
		return s.serveGetMessage(w, r, rc, segs[3])
	}
	if len(segs) == 0 || segs[0] == "" {
		return errMethod()
	}
	return errSegment(segs[len(segs)-1])
}

var folders = []string{"sentitems", "drafts", "inbox", "outbox", "deleteditems", "archive", "junkemail"}

func wellKnownFolder(name string) (string, bool) {
	for _, f := range folders {
		if name == f || name == strings.ToLower(folderID(f)) {
			return f, true
		}
	}
	return "", false
}

// folderID is the opaque id reported as parentFolderId: derived from a
// well-known folder's name, a custom folder's own id.
func folderID(name string) string {
	if _, ok := wellKnownNames[name]; !ok {
		return name
	}
	return "AQMkADAwATM0MDAAMS1" + strings.ToUpper(name) + "AAAA"
}

// bodyKind is how a POST body is to be parsed.
type bodyKind int

const (
	bodyJSON bodyKind = iota + 1
	bodyMIME
)

// readBody reads at most limit bytes of the request body, undoing a gzip
// Content-Encoding, and tells JSON from base64 MIME by Content-Type.
func (s *Server) readBody(r *http.Request, limit int64, allowMIME bool) ([]byte, bodyKind, *graphError) {
	kind := bodyKind(0)
	ct := r.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	switch {
	case err == nil && mt == "application/json":
		kind = bodyJSON
	case err == nil && mt == "text/plain" && allowMIME:
		kind = bodyMIME
	case ct == "":
		return nil, 0, errBadRequest("The request has no Content-Type; send application/json%s.", map[bool]string{true: " or text/plain (base64 MIME)"}[allowMIME])
	default:
		return nil, 0, errBadRequest("Content-Type '%s' is not supported for this request.", ct)
	}
	raw, e := readCapped(r.Body, limit, "data")
	if e != nil {
		return nil, 0, e
	}
	enc := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding")))
	if enc != "" {
		s.mu.Lock()
		s.st.stats.ContentEncoding[enc]++
		s.mu.Unlock()
	}
	switch enc {
	case "", "identity":
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			return nil, 0, errBadRequest("The request body is not valid gzip: %v.", err)
		}
		out, e := readCapped(zr, limit, "gzip")
		if e != nil {
			return nil, 0, e
		}
		if err := zr.Close(); err != nil {
			return nil, 0, errBadRequest("The request body is not valid gzip: %v.", err)
		}
		raw = out
	default:
		return nil, 0, errBadRequest("Content-Encoding '%s' is not supported.", enc)
	}
	return raw, kind, nil
}

// readCapped reads r up to limit bytes; more is 413. A read error is
// reported as 400 with what in the message.
func readCapped(r io.Reader, limit int64, what string) ([]byte, *graphError) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, errBadRequest("The request body is not valid %s: %v.", what, err)
	}
	if int64(len(b)) > limit {
		return nil, errTooLarge("The maximum request length supported is %d MB.", limit>>20)
	}
	return b, nil
}
