package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestRunServesUntilCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-token", "demo", "-mailbox", "demo@contoso.test"}, pw, io.Discard)
		pw.Close()
	}()
	sc := bufio.NewScanner(pr)
	env := map[string]string{}
	for len(env) < 2 && sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), "=")
		env[k] = v
	}
	base := env["SECUREMERGE_GRAPH_URL"]
	if !strings.HasPrefix(base, "http://127.0.0.1:") || !strings.HasSuffix(base, "/v1.0") {
		t.Fatalf("SECUREMERGE_GRAPH_URL = %q; want http://127.0.0.1:PORT/v1.0", base)
	}
	if env["SECUREMERGE_ACCESS_TOKEN"] != "demo" {
		t.Errorf("SECUREMERGE_ACCESS_TOKEN = %q; want demo", env["SECUREMERGE_ACCESS_TOKEN"])
	}
	go io.Copy(io.Discard, pr)
	for _, tc := range []struct {
		token string
		want  int
	}{{"demo", 200}, {"other", 401}} {
		req, _ := http.NewRequest("GET", base+"/me", nil)
		req.Header.Set("Authorization", "Bearer "+tc.token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("GET /me with %s = %d %s; want %d", tc.token, resp.StatusCode, body, tc.want)
		}
		if tc.want == 200 && !strings.Contains(string(body), "demo@contoso.test") {
			t.Errorf("GET /me = %s; want the -mailbox address", body)
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run after cancel = %v; want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not stop after cancel")
	}
}

func TestRunRejectsBadFlags(t *testing.T) {
	for _, args := range [][]string{{"-faults", "Meteor"}, {"extra"}, {"-rate", "x"}} {
		if err := run(context.Background(), args, io.Discard, io.Discard); err == nil {
			t.Errorf("run(%q) = nil; want an error", args)
		}
	}
}
