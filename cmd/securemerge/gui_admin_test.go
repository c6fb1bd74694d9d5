package main

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/securemerge/securemerge/internal/graph/graphtest"
	"github.com/securemerge/securemerge/internal/license/idtest"
	"github.com/securemerge/securemerge/ui"
)

// TestWindowSeatManagementAgainstTheRealServer drives the window's Admin
// (what the Seats screen calls) against the real licensed, a local
// identity issuer and the Graph emulator's directory.
func TestWindowSeatManagementAgainstTheRealServer(t *testing.T) {
	iss := idtest.New(adminTenant, adminClientID)
	t.Cleanup(iss.Close)
	env := []string{"LICENSED_DB=bbolt:" + filepath.Join(t.TempDir(), "licensed.db"), "LICENSED_KEY=" + devKeyFile(t), "LICENSED_AUDIENCE=" + adminClientID, "LICENSED_AUTHORITY=" + iss.URL}
	licensedCmd(t, env, "seats", "set", adminTenant, "1")
	lic := startLicensed(t, env)
	directory := graphtest.NewServer(graphtest.Options{Tokens: []string{"tok"}}) // 50 colleagues
	t.Cleanup(directory.Close)
	vars := map[string]string{
		"SECUREMERGE_DATA_DIR": t.TempDir(), "SECUREMERGE_GRAPH_URL": directory.URL, "SECUREMERGE_ACCESS_TOKEN": "tok",
		"SECUREMERGE_LICENSE_URL": lic,
		"SECUREMERGE_ID_TOKEN":    iss.Token(idtest.Claims{Email: "ada@contoso.test", Roles: []string{idtest.GlobalAdministrator}}),
	}
	m := &Main{Getenv: func(k string) string { return vars[k] }}
	a := guiAdmin{m: m, dataDir: vars["SECUREMERGE_DATA_DIR"]}
	ctx := context.Background()

	people, err := a.Search(ctx, "marie.dupont")
	if err != nil || len(people) == 0 || people[0].Email != "marie.dupont@contoso.test" || people[0].ID == "" {
		t.Fatalf("Search(marie.dupont) = %+v, %v", people, err)
	}
	if err := a.Assign(ctx, people[0]); err != nil {
		t.Fatalf("Assign: %v", err)
	}
	s, err := a.Seats(ctx)
	if err != nil || s.Used != 1 || s.Total != 1 || s.Assigned[0].Name != "Marie Dupont" {
		t.Fatalf("Seats after assign = %+v, %v", s, err)
	}
	john, _ := a.Search(ctx, "john.smith")
	if err := a.Assign(ctx, john[0]); !errors.Is(err, ui.ErrNoSeatsLeft) {
		t.Errorf("assign past the seats: %v; want ui.ErrNoSeatsLeft", err)
	}
	if err := a.Unassign(ctx, s.Assigned[0]); err != nil {
		t.Fatalf("Unassign: %v", err)
	}
	if err := a.Unassign(ctx, s.Assigned[0]); !errors.Is(err, ui.ErrAdminNoSeat) {
		t.Errorf("unassign twice: %v; want ui.ErrAdminNoSeat", err)
	}

	vars["SECUREMERGE_ID_TOKEN"] = iss.Token(idtest.Claims{Email: "john.smith@contoso.test"})
	if _, err := a.Seats(ctx); !errors.Is(err, ui.ErrNotAdmin) {
		t.Errorf("seats as a non-admin: %v; want ui.ErrNotAdmin", err)
	}
	delete(vars, "SECUREMERGE_ID_TOKEN")
	if _, err := a.Seats(ctx); !errors.Is(err, ui.ErrAdminSignIn) {
		t.Errorf("seats with no admin sign-in: %v; want ui.ErrAdminSignIn", err)
	}
}
