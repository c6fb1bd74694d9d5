// Package pgtest starts a real PostgreSQL for tests, from Debian's
// `postgresql` package (scripts/deps.sh test installs it): initdb and
// pg_ctl under /usr/lib/postgresql/*/bin, a cluster in a temporary folder,
// listening on 127.0.0.1 on a free port, started once per test binary and
// stopped by Main. Each DSN call creates a database of its own.
//
// Missing binaries fail the test with what to run; the tests skip only
// when SECUREMERGE_NO_POSTGRES=1 is set explicitly.
//
// initdb refuses to run as root, so as root the cluster runs as the
// `postgres` system user (runuser -u postgres --), in a folder chowned to
// it outside t.TempDir() (whose parents root keeps 0700).
//
// Durability is traded for speed (fsync off): the cluster is thrown away.
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvSkip set to 1 skips the PostgreSQL tests.
const EnvSkip = "SECUREMERGE_NO_POSTGRES"

// pgCluster is one running PostgreSQL.
type pgCluster struct {
	dir, bin, port string
	asUser         string
	err            error
}

var (
	once    sync.Once
	cluster = &pgCluster{} // the shared one of DSN and Main
	dbSeq   atomic.Int64
)

// Own starts a cluster of this test's own, stopped at its cleanup, and
// returns the URL of its postgres database: for packages whose TestMain
// is not Main.
func Own(t testing.TB) string {
	t.Helper()
	if os.Getenv(EnvSkip) == "1" {
		t.Skipf("%s=1: PostgreSQL tests skipped", EnvSkip)
	}
	c := &pgCluster{}
	t.Cleanup(c.stop)
	c.start()
	if c.err != nil {
		t.Fatalf("PostgreSQL: %v", c.err)
	}
	return c.url("postgres")
}

// DSN returns the URL of a new, empty database on the shared cluster
// (starting it on first use), or fails t.
func DSN(t testing.TB) string {
	t.Helper()
	if os.Getenv(EnvSkip) == "1" {
		t.Skipf("%s=1: PostgreSQL tests skipped", EnvSkip)
	}
	once.Do(cluster.start)
	if cluster.err != nil {
		t.Fatalf("PostgreSQL: %v", cluster.err)
	}
	name := fmt.Sprintf("t%d_%d", os.Getpid(), dbSeq.Add(1))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, cluster.url("postgres"))
	if err != nil {
		t.Fatalf("PostgreSQL: connect: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("PostgreSQL: create database: %v", err)
	}
	return cluster.url(name)
}

func (c *pgCluster) url(db string) string {
	return "postgres://postgres@127.0.0.1:" + c.port + "/" + db + "?sslmode=disable"
}

func (c *pgCluster) stop() {
	if c.dir != "" {
		c.run(c.bin+"/pg_ctl", "stop", "-D", c.dir+"/data", "-m", "immediate", "-s")
		os.RemoveAll(c.dir)
	}
}

// Main runs the tests and stops the cluster; use it as
// `func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }`.
func Main(m *testing.M) int {
	code := m.Run()
	cluster.stop()
	return code
}

// binGlob is where Debian's postgresql package puts initdb.
var binGlob = "/usr/lib/postgresql/*/bin/initdb"

func findBin() (string, error) {
	ms, _ := filepath.Glob(binGlob)
	if len(ms) == 0 {
		return "", errors.New("initdb and pg_ctl not found under /usr/lib/postgresql/*/bin: run `scripts/deps.sh test` (Debian's postgresql package), or set " + EnvSkip + "=1 to skip these tests")
	}
	sort.Slice(ms, func(i, j int) bool { // the newest version
		vi, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(ms[i]))))
		vj, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(ms[j]))))
		return vi > vj
	})
	return filepath.Dir(ms[0]), nil
}

func (c *pgCluster) start() {
	bin, err := findBin()
	if err != nil {
		c.err = err
		return
	}
	c.bin = bin
	dir, err := os.MkdirTemp("", "securemerge-pg-")
	if err != nil {
		c.err = err
		return
	}
	c.dir = dir
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			c.err = fmt.Errorf("running as root, initdb needs the postgres system user: %w", err)
			return
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			c.err = err
			return
		}
		os.Chmod(dir, 0o755)
		c.asUser = "postgres"
	}
	port, err := freePort()
	if err != nil {
		c.err = err
		return
	}
	c.port = port
	data := dir + "/data"
	if out, err := c.run(bin+"/initdb", "-D", data, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C"); err != nil {
		c.err = fmt.Errorf("initdb: %v: %s", err, out)
		return
	}
	opts := "-c listen_addresses=127.0.0.1 -p " + port + " -k " + dir +
		" -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
	if out, err := c.run(bin+"/pg_ctl", "start", "-D", data, "-w", "-t", "60", "-s", "-l", dir+"/log", "-o", opts); err != nil {
		log, _ := os.ReadFile(dir + "/log")
		c.err = fmt.Errorf("pg_ctl start: %v: %s %s", err, out, log)
	}
}

// run runs a PostgreSQL program, as the postgres user when we are root.
func (c *pgCluster) run(prog string, args ...string) ([]byte, error) {
	var cmd *exec.Cmd
	if c.asUser != "" {
		cmd = exec.Command("runuser", append([]string{"-u", c.asUser, "--", prog}, args...)...)
	} else {
		cmd = exec.Command(prog, args...)
	}
	cmd.Dir = "/"
	return cmd.CombinedOutput()
}

func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port), nil
}
