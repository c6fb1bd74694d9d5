package graph

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/securemerge/securemerge/internal/graph/graphtest"
)

// TestHugeAnswerIsRefused serves a /me of 64 MB: the client must refuse it
// with a clear error instead of reading it all.
func TestHugeAnswerIsRefused(t *testing.T) {
	const size = 64 << 20
	var sent int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		head := `{"id":"1","mail":"ada@contoso.test","displayName":"`
		n, _ := io.WriteString(w, head)
		sent = int64(n)
		chunk := strings.Repeat("A", 64<<10)
		for sent < size {
			n, err := io.WriteString(w, chunk)
			sent += int64(n)
			if err != nil {
				return
			}
		}
		io.WriteString(w, `"}`)
	}))
	defer srv.Close()
	c := newTestClient(t, srv.URL+"/v1.0", StaticToken("t"))
	u, err := c.Me(context.Background())
	if !errors.Is(err, errAnswerTooLarge) {
		t.Fatalf("Me on a 64 MB answer = %d-byte name, %v; want errAnswerTooLarge", len(u.DisplayName), err)
	}
	if !strings.Contains(err.Error(), "too large") {
		t.Errorf("error %q does not say the answer was too large", err)
	}
}

func TestMailboxAddress(t *testing.T) {
	tests := []struct {
		name string
		user User
		want string // "" means ErrNoMailboxAddress
	}{
		{"mail", User{DisplayName: "Ada", Mail: "ada@contoso.test", UserPrincipalName: "ada@contoso.onmicrosoft.com"}, `"Ada" <ada@contoso.test>`},
		{"upn only", User{DisplayName: "Bob", UserPrincipalName: "bob@contoso.test"}, `"Bob" <bob@contoso.test>`},
		{"neither", User{DisplayName: "Nobody"}, ""},
		{"unusable", User{DisplayName: "Odd", Mail: "not an address", UserPrincipalName: "  "}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := tt.user.MailboxAddress()
			switch {
			case tt.want == "" && !errors.Is(err, ErrNoMailboxAddress):
				t.Errorf("MailboxAddress() = %v, %v; want ErrNoMailboxAddress", a, err)
			case tt.want != "" && (err != nil || a.String() != tt.want):
				t.Errorf("MailboxAddress() = %v, %v; want %s", a, err, tt.want)
			}
		})
	}
}

// TestMeWithoutAddress is the signed-in account the emulator serves with
// neither mail nor userPrincipalName: the address must be an error, not "".
func TestMeWithoutAddress(t *testing.T) {
	srv := newEmulator(t, graphtest.Options{User: graphtest.User{ID: "22222222-2222-2222-2222-222222222222", DisplayName: "Room 12"}})
	u, err := newTestClient(t, srv.URL, StaticToken("t")).Me(context.Background())
	if err != nil {
		t.Fatalf("Me = %v", err)
	}
	if a, err := u.MailboxAddress(); !errors.Is(err, ErrNoMailboxAddress) {
		t.Errorf("MailboxAddress() of %+v = %v, %v; want ErrNoMailboxAddress", u, a, err)
	}
}
