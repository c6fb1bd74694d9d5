package graphtest

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strings"
)

// mailFolder is a folder a client created under the mailbox's root
// (POST mailFolders). Well-known folders are not mailFolders: they always
// exist and are named by their well-known names.
type mailFolder struct {
	id, displayName string
	hidden          bool
}

func (s *Server) folderJSON(rc *reqCtx, id, name string, hidden bool) map[string]any {
	total := 0
	for _, m := range s.st.messages {
		if m.mailboxID == rc.mbx.user.ID && m.folder == id && visible(m, s.now()) {
			total++
		}
	}
	return map[string]any{
		"id": folderID(id), "displayName": name, "parentFolderId": "AQMkADAwATM0MDAAMS1ROOTAAAA",
		"childFolderCount": 0, "unreadItemCount": 0, "totalItemCount": total, "sizeInBytes": 0,
		"isHidden": hidden,
	}
}

// wellKnownNames are the display names of the well-known folders.
var wellKnownNames = map[string]string{"sentitems": "Sent Items", "drafts": "Drafts", "inbox": "Inbox",
	"outbox": "Outbox", "deleteditems": "Deleted Items", "archive": "Archive", "junkemail": "Junk Email"}

// resolveFolder maps a path segment (well-known name, a well-known folder's
// id, or a custom folder's id) to the folder a message records.
func (s *Server) resolveFolder(rc *reqCtx, seg string) (string, bool) {
	if f, ok := wellKnownFolder(strings.ToLower(seg)); ok {
		return f, true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range s.st.folders[rc.mbx.user.ID] {
		if f.id == seg {
			return f.id, true
		}
	}
	return "", false
}

var folderFilterPattern = regexp.MustCompile(`^(?i)\s*displayName\s+eq\s+'((?:[^']|'')*)'\s*$`)

// serveListFolders answers GET mailFolders: the well-known folders and the
// custom ones, hidden folders only with includeHiddenFolders=true, as Graph
// does. $filter accepts displayName eq '…' only.
func (s *Server) serveListFolders(w http.ResponseWriter, r *http.Request, rc *reqCtx) *graphError {
	q := r.URL.Query()
	hidden := strings.EqualFold(q.Get("includeHiddenFolders"), "true")
	name, filtered := "", false
	if v, ok := q["$filter"]; ok {
		m := folderFilterPattern.FindStringSubmatch(v[0])
		if m == nil {
			return errFilter()
		}
		name, filtered = strings.ReplaceAll(m[1], "''", "'"), true
	}
	s.mu.Lock()
	list := []map[string]any{}
	for _, f := range folders {
		if !filtered || strings.EqualFold(wellKnownNames[f], name) {
			list = append(list, s.folderJSON(rc, f, wellKnownNames[f], false))
		}
	}
	for _, f := range s.st.folders[rc.mbx.user.ID] {
		if (hidden || !f.hidden) && (!filtered || strings.EqualFold(f.displayName, name)) {
			list = append(list, s.folderJSON(rc, f.id, f.displayName, f.hidden))
		}
	}
	s.mu.Unlock()
	s.writeJSON(w, http.StatusOK, map[string]any{
		"@odata.context": rc.base + "/$metadata#users('" + rc.mbx.user.ID + "')/mailFolders",
		"value":          list,
	})
	return nil
}

// serveGetFolder answers GET mailFolders/{id}.
func (s *Server) serveGetFolder(w http.ResponseWriter, rc *reqCtx, seg string) *graphError {
	id, ok := s.resolveFolder(rc, seg)
	if !ok {
		return errNotFound()
	}
	s.mu.Lock()
	var body map[string]any
	if name, ok := wellKnownNames[id]; ok {
		body = s.folderJSON(rc, id, name, false)
	} else {
		i := slices.IndexFunc(s.st.folders[rc.mbx.user.ID], func(f *mailFolder) bool { return f.id == id })
		f := s.st.folders[rc.mbx.user.ID][i]
		body = s.folderJSON(rc, f.id, f.displayName, f.hidden)
	}
	s.mu.Unlock()
	body["@odata.context"] = rc.base + "/$metadata#users('" + rc.mbx.user.ID + "')/mailFolders/$entity"
	s.writeJSON(w, http.StatusOK, body)
	return nil
}

// serveCreateFolder answers POST mailFolders {"displayName","isHidden"}:
// 201, or 409 ErrorFolderExists for a name already used at the root
// (Exchange compares names without regard to case).
func (s *Server) serveCreateFolder(w http.ResponseWriter, r *http.Request, rc *reqCtx) *graphError {
	raw, _, e := s.readBody(r, maxRequestBody, false)
	if e != nil {
		return e
	}
	var req struct {
		DisplayName string `json:"displayName"`
		IsHidden    bool   `json:"isHidden"`
	}
	if err := json.Unmarshal(raw, &req); err != nil {
		return errBadRequest("Invalid JSON: %v.", err)
	}
	if strings.TrimSpace(req.DisplayName) == "" {
		return errf(http.StatusBadRequest, "ErrorInvalidParameter", "The folder's displayName is empty.")
	}
	s.mu.Lock()
	exists := false
	for _, n := range wellKnownNames {
		exists = exists || strings.EqualFold(n, req.DisplayName)
	}
	for _, f := range s.st.folders[rc.mbx.user.ID] {
		exists = exists || strings.EqualFold(f.displayName, req.DisplayName)
	}
	var f *mailFolder
	if !exists {
		f = &mailFolder{id: randomID("AAMkFolder", 40), displayName: req.DisplayName, hidden: req.IsHidden}
		s.st.folders[rc.mbx.user.ID] = append(s.st.folders[rc.mbx.user.ID], f)
	}
	var body map[string]any
	if f != nil {
		body = s.folderJSON(rc, f.id, f.displayName, f.hidden)
	}
	s.mu.Unlock()
	if exists {
		return errf(http.StatusConflict, "ErrorFolderExists", "A folder with the specified name already exists.")
	}
	body["@odata.context"] = rc.base + "/$metadata#users('" + rc.mbx.user.ID + "')/mailFolders/$entity"
	s.writeJSON(w, http.StatusCreated, body)
	return nil
}
