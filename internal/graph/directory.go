package graph

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/users"
)

// ErrUserNotFound: no user of the directory has the address asked for.
var ErrUserNotFound = errors.New("no user of your organization's directory has this address")

// maxDirectoryPages bounds how far LookupUser follows @odata.nextLink.
const maxDirectoryPages = 20

// DirectoryPage is one page of a directory search.
type DirectoryPage struct {
	Users []User
	Next  string // the @odata.nextLink to pass back for the next page; "" on the last
}

// SearchDirectory searches the tenant's users by display name or address
// prefix (GET /users?$search with ConsistencyLevel: eventual, which
// User.ReadBasic.All allows admins), top per page (<= 0 means 25, at most
// 999). next continues a previous search: pass DirectoryPage.Next (q and
// top are then ignored). Nothing of the search goes anywhere but Graph.
func (c *Client) SearchDirectory(ctx context.Context, q string, top int, next string) (DirectoryPage, error) {
	if next == "" {
		q = strings.TrimSpace(strings.NewReplacer(`"`, "", `\`, "").Replace(q))
		if q == "" {
			return DirectoryPage{}, nil
		}
		return c.directoryPage(ctx, fmt.Sprintf(`"displayName:%s" OR "mail:%s" OR "userPrincipalName:%s"`, q, q, q), top, "")
	}
	if !strings.HasPrefix(next, c.base+"/") {
		return DirectoryPage{}, fmt.Errorf("graph: a next page outside %s", c.base)
	}
	return c.directoryPage(ctx, "", 0, next)
}

// LookupUser finds the directory user whose mail or user principal name is
// address (case-insensitive), following pages of the search; ErrUserNotFound
// when none is.
func (c *Client) LookupUser(ctx context.Context, address string) (User, error) {
	address = strings.TrimSpace(address)
	if address == "" || strings.ContainsAny(address, `"\`) {
		return User{}, fmt.Errorf("graph: %q: %w", address, ErrUserNotFound)
	}
	p, err := c.directoryPage(ctx, fmt.Sprintf(`"mail:%s" OR "userPrincipalName:%s"`, address, address), 100, "")
	for range maxDirectoryPages {
		if err != nil {
			return User{}, err
		}
		for _, u := range p.Users {
			if strings.EqualFold(u.Mail, address) || strings.EqualFold(u.UserPrincipalName, address) {
				return u, nil
			}
		}
		if p.Next == "" {
			break
		}
		p, err = c.directoryPage(ctx, "", 0, p.Next)
	}
	return User{}, fmt.Errorf("graph: %s: %w", address, ErrUserNotFound)
}

func (c *Client) directoryPage(ctx context.Context, search string, top int, next string) (DirectoryPage, error) {
	if top <= 0 {
		top = 25
	}
	top32 := int32(min(top, 999))
	headers := newHeaders()
	headers.Add("ConsistencyLevel", "eventual")
	cfg := &users.UsersRequestBuilderGetRequestConfiguration{Headers: headers}
	if next == "" {
		cfg.QueryParameters = &users.UsersRequestBuilderGetQueryParameters{
			Search: &search,
			Select: []string{"id", "displayName", "mail", "userPrincipalName", "jobTitle"},
			Top:    &top32,
		}
	}
	var out DirectoryPage
	err := c.do(ctx, func(ctx context.Context) error {
		b := c.sdk.Users()
		if next != "" {
			b = b.WithUrl(next)
		}
		r, err := b.Get(ctx, cfg)
		if err != nil {
			return err
		}
		out = DirectoryPage{Users: directoryUsers(r.GetValue()), Next: deref(r.GetOdataNextLink())}
		return nil
	})
	if err != nil {
		return DirectoryPage{}, fmt.Errorf("graph: directory search: %w", err)
	}
	return out, nil
}

func directoryUsers(vs []models.Userable) []User {
	out := make([]User, 0, len(vs))
	for _, u := range vs {
		out = append(out, User{
			ID:                deref(u.GetId()),
			DisplayName:       deref(u.GetDisplayName()),
			Mail:              deref(u.GetMail()),
			UserPrincipalName: deref(u.GetUserPrincipalName()),
			JobTitle:          deref(u.GetJobTitle()),
		})
	}
	return out
}
