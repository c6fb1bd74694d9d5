package main

import (
	"bufio"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/securemerge/securemerge/internal/graph/graphtest"
	"github.com/securemerge/securemerge/internal/license/idtest"
	"github.com/securemerge/securemerge/internal/license/licensetest"
	"github.com/securemerge/securemerge/internal/license/pgtest"
)

const (
	adminTenant   = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	adminClientID = "6731de76-14a6-49ae-97bc-6eba6914391e"
)

var (
	licensedOnce sync.Once
	licensedBin  string
	licensedErr  error
)

// licensedBinary builds the real cmd/licensed once.
func licensedBinary(t *testing.T) string {
	t.Helper()
	licensedOnce.Do(func() {
		dir, err := os.MkdirTemp("", "securemerge-licensed-")
		if err != nil {
			licensedErr = err
			return
		}
		licensedBin = filepath.Join(dir, "licensed")
		if out, err := exec.Command("go", "build", "-o", licensedBin, "github.com/securemerge/securemerge/cmd/licensed").CombinedOutput(); err != nil {
			licensedErr = &exec.Error{Name: "go build licensed: " + string(out), Err: err}
		}
	})
	if licensedErr != nil {
		t.Fatal(licensedErr)
	}
	return licensedBin
}

// startLicensed runs `licensed serve` with env and returns its URL.
func startLicensed(t *testing.T, env []string) string {
	t.Helper()
	cmd := exec.Command(licensedBinary(t), "serve")
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "LICENSED_ADDR=127.0.0.1:0"}, env...)
	pipe, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Signal(os.Interrupt); cmd.Wait() })
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			var line struct{ Msg, Addr string }
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "listening" {
				addr <- line.Addr
			}
		}
		close(addr)
	}()
	select {
	case a, ok := <-addr:
		if !ok {
			t.Fatal("licensed serve exited before listening")
		}
		return "http://" + a
	case <-time.After(60 * time.Second):
		t.Fatal("licensed serve did not start")
	}
	return ""
}

func licensedCmd(t *testing.T, env []string, args ...string) {
	t.Helper()
	cmd := exec.Command(licensedBinary(t), args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH")}, env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("licensed %v: %v\n%s", args, err, out)
	}
}

// devKeyFile writes the development signing key, which builds without
// license.PublicKey (this test binary) trust.
func devKeyFile(t *testing.T) string {
	der, err := x509.MarshalPKCS8PrivateKey(licensetest.PrivateKey())
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "signing.pem")
	os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600)
	return p
}

// TestLicenseAdminEndToEnd: an admin assigns a seat to a colleague found
// in the Graph emulator's directory through the real licensed (bbolt, then
// PostgreSQL); the colleague's check turns licensed, then free again after
// unassign.
func TestLicenseAdminEndToEnd(t *testing.T) {
	for _, store := range []string{"bbolt", "postgres"} {
		t.Run(store, func(t *testing.T) {
			db := "bbolt:" + filepath.Join(t.TempDir(), "licensed.db")
			if store == "postgres" {
				db = pgtest.Own(t)
			}
			iss := idtest.New(adminTenant, adminClientID)
			t.Cleanup(iss.Close)
			env := []string{"LICENSED_DB=" + db, "LICENSED_KEY=" + devKeyFile(t), "LICENSED_AUDIENCE=" + adminClientID, "LICENSED_AUTHORITY=" + iss.URL}
			licensedCmd(t, env, "seats", "set", adminTenant, "1")
			lic := startLicensed(t, env)

			directory := graphtest.NewServer(graphtest.Options{Tokens: []string{"tok"}}) // the admin's mailbox; 50 colleagues
			t.Cleanup(directory.Close)
			admin := map[string]string{
				"SECUREMERGE_DATA_DIR": t.TempDir(), "SECUREMERGE_GRAPH_URL": directory.URL, "SECUREMERGE_ACCESS_TOKEN": "tok",
				"SECUREMERGE_LICENSE_URL": lic,
				"SECUREMERGE_ID_TOKEN":    iss.Token(idtest.Claims{Email: "ada@contoso.test", Roles: []string{idtest.GlobalAdministrator}}),
			}
			marie := graphtest.NewServer(graphtest.Options{Tokens: []string{"m"}, User: graphtest.User{ID: "m1", DisplayName: "Marie Dupont", Mail: "marie.dupont@contoso.test"}})
			t.Cleanup(marie.Close)
			colleague := map[string]string{"SECUREMERGE_DATA_DIR": t.TempDir(), "SECUREMERGE_GRAPH_URL": marie.URL, "SECUREMERGE_ACCESS_TOKEN": "m", "SECUREMERGE_LICENSE_URL": lic}

			if code, out, errs := runLicenseCmd(t, admin, "seats"); code != exitOK || !strings.Contains(out, "Seats  0 of 1 assigned") {
				t.Fatalf("license seats = %d:\n%s%s", code, out, errs)
			}
			code, out, errs := runLicenseCmd(t, admin, "assign", "Marie.Dupont@contoso.test")
			if code != exitOK || !strings.Contains(out, "Assigned a seat to Marie Dupont <marie.dupont@contoso.test>") || !strings.Contains(out, "1 of 1 seats assigned") {
				t.Fatalf("license assign = %d:\n%s%s", code, out, errs)
			}
			if code, out, _ := runLicenseCmd(t, colleague, "check"); code != exitOK || !strings.Contains(out, "Plan          licensed") {
				t.Errorf("the colleague's check after assign = %d:\n%s; want licensed", code, out)
			}
			code, out, _ = runLicenseCmd(t, admin, "seats", "--json")
			var seats struct {
				Total, Used int
				Assigned    []struct{ ID, Name, Email string }
			}
			if json.Unmarshal([]byte(out), &seats) != nil || seats.Used != 1 || len(seats.Assigned) != 1 || seats.Assigned[0].Name != "Marie Dupont" || seats.Assigned[0].ID == "" {
				t.Errorf("license seats --json = %d %s; want Marie with her directory id", code, out)
			}
			if code, _, errs := runLicenseCmd(t, admin, "assign", "john.smith@contoso.test"); code != exitFailure || !strings.Contains(errs, "no seats left") {
				t.Errorf("assign past the seats = %d, %q; want no seats left", code, errs)
			}
			if code, _, errs := runLicenseCmd(t, admin, "assign", "nobody@contoso.test"); code != exitFailure || !strings.Contains(errs, "not in your organization's directory") {
				t.Errorf("assign of a stranger = %d, %q", code, errs)
			}
			notAdmin := map[string]string{"SECUREMERGE_LICENSE_URL": lic, "SECUREMERGE_ID_TOKEN": iss.Token(idtest.Claims{Email: "john.smith@contoso.test"})}
			if code, _, errs := runLicenseCmd(t, notAdmin, "seats"); code != exitFailure || !strings.Contains(errs, "not an admin") {
				t.Errorf("seats as a non-admin = %d, %q", code, errs)
			}
			forged := map[string]string{"SECUREMERGE_LICENSE_URL": lic, "SECUREMERGE_ID_TOKEN": iss.Forge(idtest.Claims{Email: "ada@contoso.test", Roles: []string{idtest.GlobalAdministrator}})}
			if code, _, errs := runLicenseCmd(t, forged, "unassign", "marie.dupont@contoso.test"); code != exitFailure || !strings.Contains(errs, "refused your sign-in") {
				t.Errorf("unassign with a forged token = %d, %q", code, errs)
			}
			if code, _, errs := runLicenseCmd(t, map[string]string{"SECUREMERGE_LICENSE_URL": lic}, "seats"); code != exitFailure || !strings.Contains(errs, "SECUREMERGE_ID_TOKEN") {
				t.Errorf("seats with no ID token = %d, %q", code, errs)
			}
			if code, out, errs := runLicenseCmd(t, admin, "unassign", "marie.dupont@contoso.test"); code != exitOK || !strings.Contains(out, "0 of 1 seats assigned") {
				t.Fatalf("license unassign = %d:\n%s%s", code, out, errs)
			}
			if code, out, _ := runLicenseCmd(t, colleague, "check"); code != exitOK || !strings.Contains(out, "Plan          free") {
				t.Errorf("the colleague's check after unassign = %d:\n%s; want free", code, out)
			}
			if code, _, errs := runLicenseCmd(t, admin, "unassign", "marie.dupont@contoso.test"); code != exitFailure || !strings.Contains(errs, "no seat of your organization") {
				t.Errorf("unassign twice = %d, %q", code, errs)
			}
		})
	}
}
