package graphtest

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Contact is an Outlook contact of a mailbox (AddContact).
type Contact struct {
	GivenName, Surname, DisplayName string
	EmailAddresses                  []EmailAddress // in Outlook's order: Email, Email 2, Email 3
	CompanyName, JobTitle           string
	Department                      string
	BusinessPhones                  []string
	MobilePhone                     string
	Categories                      []string
}

// EmailAddress is one of a contact's addresses.
type EmailAddress struct{ Name, Address string }

// ContactFolder is a folder of contacts (AddContactFolder).
type ContactFolder struct{ ID, DisplayName string }

// contactItem is a stored contact.
type contactItem struct {
	Contact
	id, folderID string
	created      time.Time
}

// contactBook is one mailbox's contacts. Guarded by Server.mu.
type contactBook struct {
	folders  []ContactFolder
	contacts []*contactItem // in creation order
	denied   bool           // DenyContacts
}

// defaultContactsFolder is the id the default Contacts folder reports as
// parentFolderId.
const defaultContactsFolder = "AQMkADAwATM0MDAAMS1CONTACTSAAAA"

// AddContactFolder creates a contact folder named name in mailbox (an id
// or address; "" means the signed-in user) and returns its id.
func (s *Server) AddContactFolder(mailbox, name string) (string, error) {
	u, err := s.userFor(mailbox)
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.book(u.ID)
	f := ContactFolder{ID: randomID("AAMkAGEmuCF", 32), DisplayName: name}
	b.folders = append(b.folders, f)
	return f.ID, nil
}

// AddContact stores c in mailbox's folder (an id from AddContactFolder;
// "" means the default Contacts folder) and returns its id.
func (s *Server) AddContact(mailbox, folder string, c Contact) (string, error) {
	u, err := s.userFor(mailbox)
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.book(u.ID)
	if folder == "" {
		folder = defaultContactsFolder
	} else if !b.hasFolder(folder) {
		return "", fmt.Errorf("graphtest: no contact folder %q in %s", folder, u.Mail)
	}
	if c.DisplayName == "" {
		c.DisplayName = strings.TrimSpace(c.GivenName + " " + c.Surname)
	}
	it := &contactItem{Contact: c, id: randomID("AAMkAGEmuCt", 40), folderID: folder, created: s.now()}
	b.contacts = append(b.contacts, it)
	return it.id, nil
}

// DenyContacts makes the contacts of mailbox (an id or address; "" means
// the signed-in user) answer 403 ErrorAccessDenied, as Graph does for a
// token without Contacts.Read (Contacts.Read.Shared for another mailbox)
// or a mailbox whose owner did not share its contacts. deny false lifts it.
func (s *Server) DenyContacts(mailbox string, deny bool) error {
	u, err := s.userFor(mailbox)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.book(u.ID).denied = deny
	return nil
}

func errContactsDenied() *graphError {
	return errf(http.StatusForbidden, "ErrorAccessDenied", "Access is denied. Check credentials and try again.")
}

func (s *Server) userFor(mailbox string) (User, error) {
	if mailbox == "" {
		return s.opt.User, nil
	}
	u, ok := s.findUser(mailbox)
	if !ok {
		return User{}, fmt.Errorf("graphtest: no mailbox %q", mailbox)
	}
	return u, nil
}

// book returns the contacts of user id. Callers hold s.mu.
func (s *Server) book(id string) *contactBook {
	if s.st.contacts == nil {
		s.st.contacts = map[string]*contactBook{}
	}
	b := s.st.contacts[id]
	if b == nil {
		b = &contactBook{}
		s.st.contacts[id] = b
	}
	return b
}

func (b *contactBook) hasFolder(id string) bool {
	for _, f := range b.folders {
		if f.ID == id {
			return true
		}
	}
	return false
}

// contactOutput are the contact properties $select may name.
var contactOutput = []string{"id", "createdDateTime", "lastModifiedDateTime", "changeKey", "categories", "parentFolderId",
	"displayName", "givenName", "surname", "middleName", "nickName", "title", "emailAddresses", "companyName",
	"department", "jobTitle", "businessPhones", "mobilePhone", "homePhones", "businessAddress", "personalNotes", "fileAs"}

// contactQueryOptions are the query options contact lists accept.
var contactQueryOptions = map[string]bool{"$select": true, "$top": true, "$skip": true, "$count": true}

func (s *Server) contactJSON(c *contactItem, sel []string) map[string]any {
	emails := make([]map[string]any, 0, len(c.EmailAddresses))
	for _, e := range c.EmailAddresses {
		emails = append(emails, map[string]any{"name": e.Name, "address": e.Address})
	}
	str := func(v []string) []string {
		if v == nil {
			return []string{}
		}
		return v
	}
	all := map[string]any{
		"id": c.id, "createdDateTime": graphTime(c.created), "lastModifiedDateTime": graphTime(c.created),
		"changeKey": "EQAAABYAAA" + c.id[len(c.id)-8:], "categories": str(c.Categories), "parentFolderId": c.folderID,
		"displayName": c.DisplayName, "givenName": nullable(c.GivenName), "surname": nullable(c.Surname),
		"middleName": nil, "nickName": nil, "title": nil, "fileAs": "",
		"emailAddresses": emails, "companyName": nullable(c.CompanyName), "department": nullable(c.Department),
		"jobTitle": nullable(c.JobTitle), "businessPhones": str(c.BusinessPhones), "mobilePhone": nullable(c.MobilePhone),
		"homePhones": []string{}, "businessAddress": map[string]any{}, "personalNotes": "",
	}
	out := all
	if len(sel) > 0 {
		out = map[string]any{"id": c.id}
		for _, k := range sel {
			out[k] = all[k]
		}
	}
	out["@odata.etag"] = `W/"EQAAABYAAA` + c.id[len(c.id)-8:] + `"`
	return out
}

// serveContacts lists the contacts of rc's mailbox: the default Contacts
// folder's when folder is "" (as /contacts does), else one folder's. Pages of $top (default 10, at most
// 1000), with @odata.nextLink carrying $skip, as Graph pages contacts.
func (s *Server) serveContacts(w http.ResponseWriter, r *http.Request, rc *reqCtx, folder string) *graphError {
	q := r.URL.Query()
	for k := range q {
		if strings.HasPrefix(k, "$") && !contactQueryOptions[k] {
			return errf(http.StatusBadRequest, "ErrorInvalidUrlQuery", "The query option '%s' is not supported by the emulator for contacts.", k)
		}
	}
	sel, e := parseSelect(q, contactOutput, "microsoft.graph.contact")
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
	b := s.book(rc.mbx.user.ID)
	if b.denied {
		s.mu.Unlock()
		return errContactsDenied()
	}
	if folder != "" && folder != defaultContactsFolder && !b.hasFolder(folder) {
		s.mu.Unlock()
		return errNotFound()
	}
	var list []*contactItem
	for _, c := range b.contacts {
		if folder == "" && c.folderID == defaultContactsFolder || folder != "" && c.folderID == folder {
			list = append(list, c)
		}
	}
	page := []map[string]any{}
	for i := skip; i < len(list) && len(page) < top; i++ {
		page = append(page, s.contactJSON(list[i], sel))
	}
	total := len(list)
	s.mu.Unlock()
	body := map[string]any{"@odata.context": rc.base + "/$metadata#users('" + rc.mbx.user.ID + "')/contacts", "value": page}
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

// serveContactFolders lists the contact folders of rc's mailbox.
func (s *Server) serveContactFolders(w http.ResponseWriter, r *http.Request, rc *reqCtx) *graphError {
	q := r.URL.Query()
	s.mu.Lock()
	b := s.book(rc.mbx.user.ID)
	if b.denied {
		s.mu.Unlock()
		return errContactsDenied()
	}
	list := []map[string]any{}
	for _, f := range b.folders {
		list = append(list, map[string]any{"id": f.ID, "displayName": f.DisplayName, "parentFolderId": defaultContactsFolder})
	}
	s.mu.Unlock()
	if q.Get("$filter") != "" {
		return errf(http.StatusBadRequest, "ErrorInvalidUrlQueryFilter", "The emulator lists contact folders without $filter.")
	}
	s.writeJSON(w, http.StatusOK, map[string]any{"@odata.context": rc.base + "/$metadata#users('" + rc.mbx.user.ID + "')/contactFolders", "value": list})
	return nil
}

// serveMasterCategories lists the mailbox's categories (every category a
// contact of it uses, with Outlook's preset colours).
func (s *Server) serveMasterCategories(w http.ResponseWriter, rc *reqCtx) *graphError {
	s.mu.Lock()
	b := s.book(rc.mbx.user.ID)
	seen := map[string]bool{}
	list := []map[string]any{}
	for _, c := range b.contacts {
		for _, cat := range c.Categories {
			if !seen[strings.ToLower(cat)] {
				seen[strings.ToLower(cat)] = true
				list = append(list, map[string]any{"id": newUUID(), "displayName": cat, "color": fmt.Sprintf("preset%d", len(list)%25)})
			}
		}
	}
	s.mu.Unlock()
	s.writeJSON(w, http.StatusOK, map[string]any{"@odata.context": rc.base + "/$metadata#users('" + rc.mbx.user.ID + "')/outlook/masterCategories", "value": list})
	return nil
}
