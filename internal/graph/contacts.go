package graph

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/securemerge/securemerge/internal/campaign"
	"github.com/securemerge/securemerge/internal/merge"
)

// Contact is an Outlook contact, with only the fields a merge uses.
type Contact struct {
	GivenName, Surname, DisplayName string
	Emails                          []string // in Outlook's order (Email, Email 2, Email 3)
	Company, JobTitle, Department   string
	BusinessPhone, MobilePhone      string
	Categories                      []string
}

// contactFields are the only contact properties asked for ($select).
var contactFields = []string{"givenName", "surname", "displayName", "emailAddresses", "companyName", "jobTitle",
	"department", "businessPhones", "mobilePhone", "categories"}

// contactPageSize is how many contacts one request asks for.
const contactPageSize = 500

// MaxContacts bounds one source: a campaign of more recipients than a day's
// sending budget allows is read from a spreadsheet instead.
const MaxContacts = 50000

// The contacts errors and source are the domain's (internal/campaign),
// so the window can name and explain them without this package.
var (
	ErrNoContactFolder = campaign.ErrNoContactFolder
	ErrNoContacts      = campaign.ErrNoContacts
	ErrContactsDenied  = campaign.ErrContactsDenied
)

// contactsError marks a refusal as ErrContactsDenied.
func contactsError(err error) error {
	var se *campaign.SendError
	if errors.As(err, &se) && (se.Code == "ErrorAccessDenied" || se.Code == "Authorization_RequestDenied" || se.Code == "AccessDenied") {
		return fmt.Errorf("%w (%w)", ErrContactsDenied, err)
	}
	return err
}

// ContactSource is campaign.ContactSource.
type ContactSource = campaign.ContactSource

// ContactsScheme starts a DataSource path that names contacts.
const ContactsScheme = campaign.ContactsScheme

// IsContactsPath reports whether a DataSource path names contacts.
func IsContactsPath(p string) bool { return campaign.IsContactsPath(p) }

// ParseContactsPath reads a "contacts:" DataSource path.
func ParseContactsPath(p string) (ContactSource, error) { return campaign.ParseContactsPath(p) }

// Contacts reads the contacts s names, following @odata.nextLink, and
// keeps those in its categories. Only the fields of Contact are asked for.
func (c *Client) Contacts(ctx context.Context, s ContactSource) ([]Contact, error) {
	mb := c.sdk.Me()
	if s.Mailbox != "" {
		mb = c.sdk.Users().ByUserId(s.Mailbox)
	}
	top := int32(contactPageSize)
	var get func(ctx context.Context, next string) (models.ContactCollectionResponseable, error)
	if s.Folder == "" {
		b := mb.Contacts()
		cfg := &users.ItemContactsRequestBuilderGetRequestConfiguration{
			QueryParameters: &users.ItemContactsRequestBuilderGetQueryParameters{Select: contactFields, Top: &top}}
		get = func(ctx context.Context, next string) (models.ContactCollectionResponseable, error) {
			if next != "" {
				return b.WithUrl(next).Get(ctx, nil)
			}
			return b.Get(ctx, cfg)
		}
	} else {
		id, err := c.contactFolder(ctx, mb, s.Folder)
		if err != nil {
			return nil, err
		}
		b := mb.ContactFolders().ByContactFolderId(id).Contacts()
		cfg := &users.ItemContactFoldersItemContactsRequestBuilderGetRequestConfiguration{
			QueryParameters: &users.ItemContactFoldersItemContactsRequestBuilderGetQueryParameters{Select: contactFields, Top: &top}}
		get = func(ctx context.Context, next string) (models.ContactCollectionResponseable, error) {
			if next != "" {
				return b.WithUrl(next).Get(ctx, nil)
			}
			return b.Get(ctx, cfg)
		}
	}
	var out []Contact
	next := ""
	for {
		var page []models.Contactable
		err := c.do(ctx, func(ctx context.Context) error {
			r, err := get(ctx, next)
			if err != nil {
				return err
			}
			page, next = r.GetValue(), deref(r.GetOdataNextLink())
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("graph: read %s: %w", s, contactsError(err))
		}
		for _, m := range page {
			if ct := contactOf(m); inCategories(ct.Categories, s.Categories) {
				out = append(out, ct)
			}
		}
		if len(out) > MaxContacts {
			return nil, fmt.Errorf("graph: %s: more than %d contacts", s, MaxContacts)
		}
		if next == "" {
			return out, nil
		}
		if !strings.HasPrefix(next, c.base+"/") {
			return nil, fmt.Errorf("graph: a next page outside %s", c.base)
		}
	}
}

// contactFolder finds the id of the contact folder named name.
func (c *Client) contactFolder(ctx context.Context, mb *users.UserItemRequestBuilder, name string) (string, error) {
	var names []string
	id := ""
	err := c.do(ctx, func(ctx context.Context) error {
		r, err := mb.ContactFolders().Get(ctx, &users.ItemContactFoldersRequestBuilderGetRequestConfiguration{
			QueryParameters: &users.ItemContactFoldersRequestBuilderGetQueryParameters{Select: []string{"id", "displayName"}}})
		if err != nil {
			return err
		}
		for _, f := range r.GetValue() {
			n := deref(f.GetDisplayName())
			names = append(names, strconv.Quote(n))
			if id == "" && strings.EqualFold(strings.TrimSpace(n), name) {
				id = deref(f.GetId())
			}
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("graph: contact folders: %w", contactsError(err))
	}
	if id == "" {
		have := "it has none"
		if len(names) > 0 {
			have = "it has " + strings.Join(names, ", ")
		}
		return "", fmt.Errorf("graph: contact folder %q: %w (%s)", name, ErrNoContactFolder, have)
	}
	return id, nil
}

func contactOf(m models.Contactable) Contact {
	ct := Contact{
		GivenName: deref(m.GetGivenName()), Surname: deref(m.GetSurname()), DisplayName: deref(m.GetDisplayName()),
		Company: deref(m.GetCompanyName()), JobTitle: deref(m.GetJobTitle()), Department: deref(m.GetDepartment()),
		MobilePhone: deref(m.GetMobilePhone()), Categories: m.GetCategories(),
	}
	if p := m.GetBusinessPhones(); len(p) > 0 {
		ct.BusinessPhone = p[0]
	}
	for _, e := range m.GetEmailAddresses() {
		if a := strings.TrimSpace(deref(e.GetAddress())); a != "" {
			ct.Emails = append(ct.Emails, a)
		}
	}
	return ct
}

func inCategories(have, want []string) bool {
	if len(want) == 0 {
		return true
	}
	for _, h := range have {
		for _, w := range want {
			if strings.EqualFold(strings.TrimSpace(h), w) {
				return true
			}
		}
	}
	return false
}

// ContactColumns are the columns contacts read as, in this order: stable
// names, so templates and snapshots do not depend on Graph's.
var ContactColumns = []string{"First Name", "Last Name", "Display Name", "Email", "Company", "Job Title",
	"Department", "Business Phone", "Mobile Phone", "Categories"}

// ContactRows is contacts as a campaign's recipient rows (ContactColumns).
// A contact with several addresses is sent to the first, with a warning;
// one with none is left out, with a warning. Line numbers rows from 1 in
// the order Graph listed them. Not safe for concurrent use.
type ContactRows struct {
	rows     [][]string
	lines    []int
	warnings []merge.Problem
	i        int
}

var _ campaign.Rows = (*ContactRows)(nil)

// NewContactRows turns contacts into rows.
func NewContactRows(cs []Contact) *ContactRows {
	r := &ContactRows{}
	none := 0
	for i, c := range cs {
		if len(c.Emails) == 0 {
			none++
			continue
		}
		if len(c.Emails) > 1 {
			r.warnings = append(r.warnings, merge.Problem{Severity: merge.Warning, Line: i + 1, Field: "Email", Code: "data",
				Msg:  fmt.Sprintf("%s has %d e-mail addresses: the message goes to the first, %s", firstNonEmpty(c.DisplayName, c.Emails[0]), len(c.Emails), c.Emails[0]),
				Args: map[string]string{"name": c.DisplayName, "address": c.Emails[0], "count": strconv.Itoa(len(c.Emails))}})
		}
		r.rows = append(r.rows, []string{c.GivenName, c.Surname, c.DisplayName, c.Emails[0], c.Company, c.JobTitle,
			c.Department, c.BusinessPhone, c.MobilePhone, strings.Join(c.Categories, ", ")})
		r.lines = append(r.lines, i+1)
	}
	if none > 0 {
		r.warnings = append(r.warnings, merge.Problem{Severity: merge.Warning, Code: "data",
			Msg:  fmt.Sprintf("%d %s no e-mail address and %s left out", none, map[bool]string{true: "contact has", false: "contacts have"}[none == 1], map[bool]string{true: "was", false: "were"}[none == 1]),
			Args: map[string]string{"count": strconv.Itoa(none)}})
	}
	return r
}

// Next returns the next row, io.EOF after the last.
func (r *ContactRows) Next() ([]string, error) {
	if r.i >= len(r.rows) {
		return nil, io.EOF
	}
	r.i++
	return r.rows[r.i-1], nil
}

// Line is the contact's position in the list, from 1.
func (r *ContactRows) Line() int {
	if r.i == 0 {
		return 0
	}
	return r.lines[r.i-1]
}

func (r *ContactRows) Columns() []string         { return ContactColumns }
func (r *ContactRows) Warnings() []merge.Problem { return r.warnings }
func (r *ContactRows) Close() error              { return nil }
