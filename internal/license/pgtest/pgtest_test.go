package pgtest

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestMissingBinariesSayWhatToRun(t *testing.T) {
	saved := binGlob
	t.Cleanup(func() { binGlob = saved })
	binGlob = filepath.Join(t.TempDir(), "*", "bin", "initdb")
	_, err := findBin()
	if err == nil || !strings.Contains(err.Error(), "scripts/deps.sh test") || !strings.Contains(err.Error(), EnvSkip+"=1") {
		t.Errorf("findBin with no PostgreSQL = %v; want a message naming scripts/deps.sh test", err)
	}
}

func TestOwnClusterAnswers(t *testing.T) {
	conn, err := pgx.Connect(context.Background(), Own(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var v string
	if err := conn.QueryRow(context.Background(), "SHOW server_version").Scan(&v); err != nil || v == "" {
		t.Errorf("SHOW server_version = %q, %v", v, err)
	}
}
