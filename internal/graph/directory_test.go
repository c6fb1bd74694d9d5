package graph

import (
	"context"
	"errors"
	"testing"

	"github.com/securemerge/securemerge/internal/graph/graphtest"
)

func TestSearchDirectoryPages(t *testing.T) {
	srv := newEmulator(t, graphtest.Options{}) // 50 generated people: Jo… are John, Joanna, Jordan, José
	c := newTestClient(t, srv.URL, StaticToken("t"))
	ctx := context.Background()
	p, err := c.SearchDirectory(ctx, "jo", 7, "")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	pages := 1
	for {
		for _, u := range p.Users {
			if seen[u.ID] {
				t.Errorf("user %s on two pages", u.ID)
			}
			seen[u.ID] = true
		}
		if p.Next == "" {
			break
		}
		if len(p.Users) != 7 {
			t.Errorf("a page before the last holds %d users; want 7", len(p.Users))
		}
		if p, err = c.SearchDirectory(ctx, "", 0, p.Next); err != nil {
			t.Fatal(err)
		}
		pages++
	}
	// John/Joanna/Jordan/José × 5 surnames, plus everyone surnamed Johnson (10), minus overlap (4).
	if len(seen) != 26 || pages != 4 {
		t.Errorf("search \"jo\": %d users over %d pages; want 26 over 4", len(seen), pages)
	}
	if _, err := c.SearchDirectory(ctx, "", 0, "https://evil.example.com/v1.0/users"); err == nil {
		t.Error("a next link outside Graph was followed")
	}
}

func TestLookupUser(t *testing.T) {
	srv := newEmulator(t, graphtest.Options{})
	c := newTestClient(t, srv.URL, StaticToken("t"))
	u, err := c.LookupUser(context.Background(), "Marie.Dupont@contoso.test")
	if err != nil || u.DisplayName != "Marie Dupont" || u.ID == "" {
		t.Errorf("LookupUser = %+v, %v; want Marie Dupont with an id", u, err)
	}
	if _, err := c.LookupUser(context.Background(), "marie@contoso.test"); !errors.Is(err, ErrUserNotFound) {
		t.Errorf("LookupUser(a prefix only) = %v; want ErrUserNotFound", err)
	}
}
