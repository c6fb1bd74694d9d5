package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/securemerge/securemerge/internal/license"
	"github.com/securemerge/securemerge/internal/license/idtest"
	"github.com/securemerge/securemerge/internal/license/pgtest"
)

const clientID = "6731de76-14a6-49ae-97bc-6eba6914391e"

func adminCall(t *testing.T, method, url, token string, body any) (int, string) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		js, _ := json.Marshal(body)
		rd = bytes.NewReader(js)
	}
	req, _ := http.NewRequest(method, url, rd)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestTwoInstancesOnPostgres runs two real `licensed serve` on one
// PostgreSQL database with the local identity issuer as authority: seats
// set by the operator while they run, assigned through one instance,
// checked through the other, never more than bought.
func TestTwoInstancesOnPostgres(t *testing.T) {
	db := pgtest.DSN(t)
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "signing.pem")
	_, pub, _ := cli(t, nil, "keygen", "--out", keyFile)
	key, err := license.ParsePublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	iss := idtest.New(tenant, clientID)
	defer iss.Close()
	env := []string{"LICENSED_DB=" + db, "LICENSED_KEY=" + keyFile, "LICENSED_AUDIENCE=" + clientID, "LICENSED_AUTHORITY=" + iss.URL, "LICENSED_ADDR=127.0.0.1:0"}
	a, b := startServe(t, env), startServe(t, env)

	if code, out, errs := cli(t, env, "seats", "set", tenant, "50"); code != 0 || !strings.Contains(out, "50 seats") {
		t.Fatalf("seats set while serving = %d, %q, %q", code, out, errs)
	}
	cli(t, env, "admins", "add", tenant, "msp@partner.com")
	admin := iss.Token(idtest.Claims{Email: "msp@partner.com"}) // delegated, no role
	var wg sync.WaitGroup
	codes := make([]int, 120)
	for i := range codes {
		wg.Go(func() {
			url := []string{a.url(), b.url()}[i%2]
			codes[i], _ = adminCall(t, "POST", url+"/v1/seats", admin, map[string]string{"id": fmt.Sprint("oid-", i), "email": fmt.Sprintf("u%d@contoso.com", i)})
		})
	}
	wg.Wait()
	ok, holder := 0, -1
	for i, c := range codes {
		if c == 201 {
			ok++
			holder = i
		} else if c != 409 {
			t.Errorf("assign answered %d; want 201 or 409", c)
		}
	}
	_, out, _ := cli(t, env, "licenses", "list", tenant)
	if ok != 50 || !strings.Contains(out, "50 of 50 seats assigned") {
		t.Errorf("120 assigns for 50 seats over 2 instances: %d succeeded; list says:\n%s", ok, out)
	}
	c := &license.Client{URL: b.url(), Key: key}
	user := fmt.Sprintf("u%d@contoso.com", holder)
	if s, err := c.Check(context.Background(), user); err != nil || !s.Licensed() {
		t.Errorf("check on the other instance = %+v, %v; want pro", s, err)
	}
	if code, body := adminCall(t, "DELETE", a.url()+"/v1/seats/oid-"+fmt.Sprint(holder), admin, nil); code != 204 {
		t.Errorf("unassign = %d %s", code, body)
	}
	if s, _ := c.Check(context.Background(), user); s.Licensed() {
		t.Error("check on the other instance after unassign is still pro; want free")
	}
	if code, out, _ := cli(t, env, "purge"); code != 0 || !strings.Contains(out, "Purged 0") {
		t.Errorf("purge while serving = %d, %q", code, out)
	}
	a.stop(t)
	b.stop(t)
	for _, personal := range []string{"msp@", user, "partner.com"} {
		if strings.Contains(a.log()+b.log(), personal) {
			t.Errorf("serve's logs carry %q", personal)
		}
	}
}
