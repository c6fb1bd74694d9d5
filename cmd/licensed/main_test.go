package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/securemerge/securemerge/internal/license"
	"github.com/securemerge/securemerge/internal/license/pgtest"
)

// binary is the real licensed, built once by TestMain.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "licensed-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "licensed")
	if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := pgtest.Main(m)
	os.RemoveAll(dir)
	os.Exit(code)
}

// cli runs the binary to completion.
func cli(t *testing.T, env []string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH")}, env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), out.String(), errb.String()
	} else if err != nil {
		t.Fatalf("run licensed %v: %v", args, err)
	}
	return 0, out.String(), errb.String()
}

// running is a started `licensed serve`.
type running struct {
	cmd  *exec.Cmd
	addr string
	mu   sync.Mutex
	logs bytes.Buffer
	done chan struct{}
}

func startServe(t *testing.T, env []string, args ...string) *running {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"serve"}, args...)...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH")}, env...)
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := &running{cmd: cmd, done: make(chan struct{})}
	listening := make(chan string, 1)
	go func() {
		defer close(r.done)
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			r.mu.Lock()
			r.logs.Write(sc.Bytes())
			r.logs.WriteByte('\n')
			r.mu.Unlock()
			var line struct{ Msg, Addr string }
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "listening" {
				listening <- line.Addr
			}
		}
		close(listening)
	}()
	select {
	case addr, ok := <-listening:
		if !ok {
			cmd.Wait()
			t.Fatalf("licensed serve exited before listening:\n%s", r.log())
		}
		r.addr = addr
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("licensed serve did not start:\n%s", r.log())
	}
	t.Cleanup(func() {
		if r.cmd.ProcessState == nil {
			r.cmd.Process.Kill()
			r.cmd.Wait()
		}
	})
	return r
}

func (r *running) log() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.logs.String()
}

func (r *running) url() string { return "http://" + r.addr }

// stop sends SIGTERM and expects a clean exit.
func (r *running) stop(t *testing.T) {
	t.Helper()
	r.cmd.Process.Signal(syscall.SIGTERM)
	<-r.done
	if err := r.cmd.Wait(); err != nil {
		t.Fatalf("licensed serve after SIGTERM: %v\n%s", err, r.log())
	}
	if !strings.Contains(r.log(), `"msg":"stopped"`) {
		t.Errorf("no clean stop in the logs:\n%s", r.log())
	}
}

const tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"

func TestEndToEndFreeThenPro(t *testing.T) {
	dir := t.TempDir()
	keyFile, db := filepath.Join(dir, "signing.pem"), "bbolt:"+filepath.Join(dir, "licensed.db")
	code, pub, errs := cli(t, nil, "keygen", "--out", keyFile)
	if code != 0 {
		t.Fatalf("keygen = %d: %s", code, errs)
	}
	key, err := license.ParsePublicKey(pub)
	if err != nil {
		t.Fatalf("keygen printed %q: %v", pub, err)
	}
	if code, _, errs := cli(t, nil, "seats", "set", "--db", db, tenant, "1"); code != 0 {
		t.Fatalf("seats set = %d: %s", code, errs)
	}
	if code, _, errs := cli(t, nil, "admins", "add", "--db", db, tenant, "it@contoso.com"); code != 0 {
		t.Fatalf("admins add = %d: %s", code, errs)
	}

	serve := []string{"--addr", "127.0.0.1:0", "--db", db, "--key", keyFile, "--audience", "00000000-0000-0000-0000-00000000abcd"}
	srv := startServe(t, nil, serve...)
	c := &license.Client{URL: srv.url(), Key: key, UserAgent: "SecureMerge/test"}
	ctx := context.Background()
	if s, err := c.Check(ctx, "ada@contoso.com"); err != nil || s.Licensed() {
		t.Fatalf("Check before the grant = %+v, %v; want a signed free token", s, err)
	}
	dev := &license.Client{URL: srv.url()} // a build with the development key
	if s, err := dev.Check(ctx, "ada@contoso.com"); !errors.Is(err, license.ErrForged) || s.Licensed() {
		t.Errorf("Check by a build with another key = %+v, %v; want ErrForged", s, err)
	}
	code, _, errs = cli(t, nil, "licenses", "grant", "--db", db, tenant, "ada@contoso.com")
	if code != 1 || !strings.Contains(errs, "in use by another licensed") {
		t.Errorf("grant while serve holds the file = %d, %q; want 1 and a message to stop serve", code, errs)
	}
	srv.stop(t)

	if code, out, errs := cli(t, nil, "licenses", "grant", "--db", db, tenant, "Ada@Contoso.com"); code != 0 || !strings.Contains(out, "1 of 1 seats") {
		t.Fatalf("licenses grant = %d, %q, %q", code, out, errs)
	}
	if code, _, errs := cli(t, nil, "licenses", "grant", "--db", db, tenant, "bob@contoso.com"); code != 1 || !strings.Contains(errs, "no seats left") {
		t.Errorf("grant past the seats = %d, %q; want 1, no seats left", code, errs)
	}
	_, out, _ := cli(t, nil, "licenses", "list", "--db", db, tenant)
	if !strings.Contains(out, "ada@contoso.com") || !strings.Contains(out, "operator") {
		t.Errorf("licenses list:\n%s", out)
	}
	lastUsed := func(out string) string {
		for _, line := range strings.Split(out, "\n") {
			if f := strings.Fields(line); len(f) >= 4 && f[0] == "ada@contoso.com" {
				return f[3]
			}
		}
		return ""
	}
	if got := lastUsed(out); got != "-" {
		t.Errorf("last used before any check = %q; want -", got)
	}

	srv = startServe(t, nil, serve...)
	c.URL = srv.url()
	if s, err := c.Check(ctx, "ada@contoso.com"); err != nil || !s.Licensed() {
		t.Fatalf("Check after the grant = %+v, %v; want pro", s, err)
	}
	if s, _ := c.Check(ctx, "eve@contoso.com"); s.Licensed() {
		t.Errorf("Check(unlicensed) = %+v; want free", s)
	}
	srv.stop(t)
	for _, personal := range []string{"ada@", "eve@", "contoso", "127.0.0.1:"} {
		if strings.Contains(strings.ReplaceAll(srv.log(), srv.addr, ""), personal) {
			t.Errorf("serve's logs carry %q:\n%s", personal, srv.log())
		}
	}
	_, out, _ = cli(t, nil, "licenses", "list", "--db", db, tenant)
	if got := lastUsed(out); got == "-" || got == "" {
		t.Errorf("last used after a pro check = %q; want a time:\n%s", got, out)
	}
	if code, _, _ := cli(t, nil, "licenses", "revoke", "--db", db, tenant, "ada@contoso.com"); code != 0 {
		t.Errorf("revoke = %d", code)
	}
	if code, out, _ := cli(t, nil, "purge", "--db", db); code != 0 || !strings.Contains(out, "Purged 0") {
		t.Errorf("purge right after the revoke = %d, %q; want nothing purged yet", code, out)
	}
}

func TestServeFromEnvironment(t *testing.T) {
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "k.pem")
	if code, _, errs := cli(t, []string{"LICENSED_KEY=" + keyFile}, "keygen"); code != 0 {
		t.Fatalf("keygen from LICENSED_KEY = %d: %s", code, errs)
	}
	srv := startServe(t, []string{
		"LICENSED_ADDR=127.0.0.1:0", "LICENSED_DB=bbolt:" + filepath.Join(dir, "l.db"),
		"LICENSED_KEY=" + keyFile, "LICENSED_AUDIENCE=client-id", "LICENSED_AUTHORITY=http://127.0.0.1:9",
	})
	if !strings.Contains(srv.log(), `"authority":"http://127.0.0.1:9"`) || !strings.Contains(srv.log(), `"audience":"client-id"`) {
		t.Errorf("serve did not take its settings from the environment:\n%s", srv.log())
	}
	srv.stop(t)
}

func TestCommandLineErrors(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "k.pem")
	os.WriteFile(key, []byte("not a key"), 0o600)
	tests := []struct {
		name string
		env  map[string]string
		args []string
		code int
		want string
	}{
		{"no command", nil, nil, 2, "Usage:"},
		{"unknown", nil, []string{"seat"}, 2, `unknown command "seat"`},
		{"seats without set", nil, []string{"seats", "add", "t", "1"}, 2, "seats set TENANT_ID COUNT"},
		{"flag after arguments", nil, []string{"seats", "set", tenant, "3", "--db", "bbolt:x"}, 2, "flags go before positional arguments"},
		{"bad count", nil, []string{"seats", "set", "--db", "bbolt:" + filepath.Join(dir, "a.db"), tenant, "many"}, 2, "whole number"},
		{"bad address", nil, []string{"admins", "add", "--db", "bbolt:" + filepath.Join(dir, "a.db"), tenant, "Ada <a@b.com>"}, 2, "not a bare e-mail address"},
		{"postgres unreachable", nil, []string{"purge", "--db", "postgres://u@127.0.0.1:9/licensed?connect_timeout=5"}, 1, "postgres: migrate"},
		{"postgres in env", map[string]string{"LICENSED_DB": "postgresql://u@127.0.0.1:9/x?connect_timeout=5"}, []string{"purge"}, 1, "postgres: migrate"},
		{"bad db", nil, []string{"purge", "--db", "licensed.db"}, 2, "want bbolt:FILE or postgres://"},
		{"serve without key", nil, []string{"serve", "--audience", "a"}, 2, "--key FILE is required"},
		{"serve without audience", nil, []string{"serve", "--key", key}, 2, "--audience CLIENT_ID is required"},
		{"http authority", nil, []string{"serve", "--key", key, "--audience", "a", "--authority", "http://login.example.com"}, 2, "only for a loopback host"},
		{"bad key file", nil, []string{"serve", "--key", key, "--audience", "a", "--db", "bbolt:" + filepath.Join(dir, "b.db")}, 1, "not a PEM"},
		{"keygen overwrite", nil, []string{"keygen", "--out", key}, 1, "never overwrites"},
		{"grant with no seats", nil, []string{"licenses", "grant", "--db", "bbolt:" + filepath.Join(dir, "c.db"), tenant, "a@b.com"}, 1, "no seats were ever set"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out, errb bytes.Buffer
			m := &Main{Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return tt.env[k] }}
			if code := m.Run(context.Background(), tt.args); code != tt.code || !strings.Contains(out.String()+errb.String(), tt.want) {
				t.Errorf("licensed %q = %d, %q; want %d and %q", tt.args, code, out.String()+errb.String(), tt.code, tt.want)
			}
		})
	}
}
