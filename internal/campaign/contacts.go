package campaign

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// ErrNoContactFolder: the mailbox has no contact folder of that name.
var ErrNoContactFolder = errors.New("no contact folder of that name")

// ErrNoContacts: the contacts named (folder, categories) are none, so
// there is nobody to write to.
var ErrNoContacts = errors.New("no contact found")

// ErrContactsDenied: Graph refused to list the contacts (403): the session
// lacks Contacts.Read (or Contacts.Read.Shared), or the other mailbox's
// owner has not shared its contacts.
var ErrContactsDenied = errors.New("SecureMerge may not read these contacts: run 'securemerge login --contacts' to allow it (a shared mailbox's owner must also share its contacts with you)")

// ContactSource names the contacts a campaign is sent to: those of
// Mailbox ("" for the signed-in user; another needs Contacts.Read.Shared
// and the owner's sharing), in Folder (a contact folder's display name,
// case-insensitive; "" for the default Contacts folder), in any of
// Categories (case-insensitive; none means every contact).
type ContactSource struct {
	Mailbox, Folder string
	Categories      []string
}

// IsContactsPath reports whether a DataSource path names contacts.
func IsContactsPath(p string) bool { return strings.HasPrefix(p, ContactsScheme) }

// ParseContactsPath reads a "contacts:" DataSource path.
func ParseContactsPath(p string) (ContactSource, error) {
	rest, ok := strings.CutPrefix(p, ContactsScheme)
	if !ok {
		return ContactSource{}, fmt.Errorf("%q does not name contacts (contacts:, contacts:FOLDER, contacts:shared@contoso.com)", p)
	}
	target, query, _ := strings.Cut(rest, "?")
	var s ContactSource
	if q, err := url.ParseQuery(query); err != nil {
		return ContactSource{}, fmt.Errorf("%q: categories: %w", p, err)
	} else {
		for _, c := range q["category"] {
			if c = strings.TrimSpace(c); c != "" {
				s.Categories = append(s.Categories, c)
			}
		}
	}
	target = strings.TrimSpace(target)
	if at := strings.IndexByte(target, '@'); at >= 0 {
		s.Mailbox, s.Folder, _ = strings.Cut(target, "/")
		if strings.ContainsAny(s.Mailbox, " <>,;") || at == 0 {
			return ContactSource{}, fmt.Errorf("%q: %q is not a mailbox address", p, s.Mailbox)
		}
	} else {
		s.Folder = target
	}
	s.Folder = strings.TrimSpace(s.Folder)
	return s, nil
}

// Path is s as a DataSource path (ParseContactsPath reads it back).
func (s ContactSource) Path() string {
	p := ContactsScheme + s.Mailbox
	if s.Folder != "" {
		if s.Mailbox != "" {
			p += "/"
		}
		p += s.Folder
	}
	if len(s.Categories) > 0 {
		p += "?" + url.Values{"category": s.Categories}.Encode()
	}
	return p
}

// String names s for people: "the contacts of shared@contoso.com in Clients".
func (s ContactSource) String() string {
	out := "your contacts"
	if s.Mailbox != "" {
		out = "the contacts of " + s.Mailbox
	}
	if s.Folder != "" {
		out += " in folder " + strconv.Quote(s.Folder)
	}
	if len(s.Categories) > 0 {
		out += " in category " + strings.Join(s.Categories, " or ")
	}
	return out
}
