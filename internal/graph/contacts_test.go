package graph_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/securemerge/securemerge/internal/graph"
	"github.com/securemerge/securemerge/internal/graph/graphtest"
)

func TestContactsPathsRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		path string
		want graph.ContactSource
	}{
		{"contacts:", graph.ContactSource{}},
		{"contacts:Clients 2026", graph.ContactSource{Folder: "Clients 2026"}},
		{"contacts:shared@contoso.com", graph.ContactSource{Mailbox: "shared@contoso.com"}},
		{"contacts:shared@contoso.com/Partners?category=Clients&category=VIP+%C3%A9t%C3%A9", graph.ContactSource{Mailbox: "shared@contoso.com", Folder: "Partners", Categories: []string{"Clients", "VIP été"}}},
	} {
		got, err := graph.ParseContactsPath(tc.path)
		if err != nil || got.Mailbox != tc.want.Mailbox || got.Folder != tc.want.Folder || !slices.Equal(got.Categories, tc.want.Categories) {
			t.Errorf("ParseContactsPath(%q) = %+v, %v; want %+v", tc.path, got, err, tc.want)
			continue
		}
		if back := got.Path(); back != tc.path {
			t.Errorf("Path() = %q; want %q", back, tc.path)
		}
	}
	for _, bad := range []string{"/tmp/list.csv", "contacts:@contoso.com", "contacts:a b@contoso.com"} {
		if _, err := graph.ParseContactsPath(bad); err == nil {
			t.Errorf("ParseContactsPath(%q) accepted", bad)
		}
	}
}

func TestContactsOfASharedMailboxByCategoryOverManyPages(t *testing.T) {
	var requests []string
	srv := graphtest.NewServer(graphtest.Options{
		Users: []graphtest.User{{ID: "22222222-2222-2222-2222-222222222222", DisplayName: "Shared", Mail: "shared@contoso.test"}},
		Logf:  func(format string, args ...any) { requests = append(requests, fmt.Sprintf(format, args...)) },
	})
	defer srv.Close()
	const n = 1203
	for i := range n {
		c := graphtest.Contact{GivenName: fmt.Sprintf("Zoé%d", i), Surname: "Martin", CompanyName: "Fabrikam",
			EmailAddresses: []graphtest.EmailAddress{{Address: fmt.Sprintf("zoe%d@fabrikam.test", i)}}}
		switch i % 3 {
		case 0:
			c.Categories = []string{"Clients"}
		case 1:
			c.Categories = []string{"Suppliers", "clients"}
		}
		if i == 3 {
			c.EmailAddresses = append(c.EmailAddresses, graphtest.EmailAddress{Address: "zoe.perso@example.test"})
		}
		if i == 6 {
			c.EmailAddresses = nil
		}
		if _, err := srv.AddContact("shared@contoso.test", "", c); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := srv.AddContact("", "", graphtest.Contact{GivenName: "Mine", EmailAddresses: []graphtest.EmailAddress{{Address: "mine@example.test"}}, Categories: []string{"Clients"}}); err != nil {
		t.Fatal(err)
	}
	client, err := graph.NewClient(graph.ClientOptions{BaseURL: srv.URL, Tokens: graph.StaticToken("t")})
	if err != nil {
		t.Fatal(err)
	}
	src, _ := graph.ParseContactsPath("contacts:shared@contoso.test?category=CLIENTS")
	cs, err := client.Contacts(context.Background(), src)
	if err != nil {
		t.Fatalf("Contacts: %v", err)
	}
	// Categories 0 and 1 of every three are clients (case-insensitive).
	if want := n - n/3; len(cs) != want {
		t.Fatalf("%d contacts in category Clients; want %d", len(cs), want)
	}
	srv.Close()
	if len(requests) != 3 {
		t.Errorf("%d requests for %d contacts; want 3 pages of 500", len(requests), n)
	}
	if !strings.Contains(requests[0], "/users/shared%40contoso.test/contacts?") || !strings.Contains(requests[0], "$select=givenName,surname,displayName,emailAddresses,companyName,jobTitle,department,businessPhones,mobilePhone,categories") {
		t.Errorf("first request %q; want the shared mailbox's contacts with $select", requests[0])
	}

	rows := graph.NewContactRows(cs)
	if !slices.Equal(rows.Columns(), []string{"First Name", "Last Name", "Display Name", "Email", "Company", "Job Title", "Department", "Business Phone", "Mobile Phone", "Categories"}) {
		t.Errorf("columns = %q", rows.Columns())
	}
	first, _ := rows.Next()
	if first[0] != "Zoé0" || first[1] != "Martin" || first[2] != "Zoé0 Martin" || first[3] != "zoe0@fabrikam.test" || first[4] != "Fabrikam" || first[9] != "Clients" {
		t.Errorf("first row = %q", first)
	}
	var several, none bool
	for _, w := range rows.Warnings() {
		several = several || strings.Contains(w.Msg, "has 2 e-mail addresses: the message goes to the first, zoe3@fabrikam.test")
		none = none || w.Msg == "1 contact has no e-mail address and was left out"
	}
	if !several || !none {
		t.Errorf("warnings = %+v; want one about Zoé3's two addresses and one about the contact without", rows.Warnings())
	}
	count := 1
	for {
		r, err := rows.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if r[3] == "zoe.perso@example.test" {
			t.Error("a contact's second address got a row")
		}
		count++
	}
	if count != len(cs)-1 {
		t.Errorf("%d rows; want %d (the contact without an address left out)", count, len(cs)-1)
	}
}

func TestContactFolderByName(t *testing.T) {
	srv := graphtest.NewServer(graphtest.Options{})
	defer srv.Close()
	id, err := srv.AddContactFolder("", "Partenaires")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.AddContact("", id, graphtest.Contact{GivenName: "Ana", EmailAddresses: []graphtest.EmailAddress{{Address: "ana@example.test"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.AddContact("", "", graphtest.Contact{GivenName: "Bob", EmailAddresses: []graphtest.EmailAddress{{Address: "bob@example.test"}}}); err != nil {
		t.Fatal(err)
	}
	client, err := graph.NewClient(graph.ClientOptions{BaseURL: srv.URL, Tokens: graph.StaticToken("t")})
	if err != nil {
		t.Fatal(err)
	}
	cs, err := client.Contacts(context.Background(), graph.ContactSource{Folder: "partenaires"})
	if err != nil || len(cs) != 1 || cs[0].GivenName != "Ana" {
		t.Errorf("Contacts(folder partenaires) = %+v, %v; want Ana only", cs, err)
	}
	_, err = client.Contacts(context.Background(), graph.ContactSource{Folder: "Clients"})
	if !errors.Is(err, graph.ErrNoContactFolder) || !strings.Contains(err.Error(), `"Partenaires"`) {
		t.Errorf("Contacts(folder Clients) = %v; want ErrNoContactFolder naming the folders there are", err)
	}
	if err := srv.DenyContacts("", true); err != nil {
		t.Fatal(err)
	}
	for _, src := range []graph.ContactSource{{}, {Folder: "Partenaires"}} {
		if _, err := client.Contacts(context.Background(), src); !errors.Is(err, graph.ErrContactsDenied) || !strings.Contains(err.Error(), "securemerge login --contacts") {
			t.Errorf("Contacts(%s) without the scope = %v; want ErrContactsDenied saying how to allow it", src, err)
		}
	}
}
