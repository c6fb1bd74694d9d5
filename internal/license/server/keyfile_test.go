package server

import (
	"crypto/ed25519"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestKeyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "signing.pem")
	pub, err := GenerateKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode = %v; want 0600", fi.Mode().Perm())
	}
	priv, err := LoadKeyFile(path)
	if err != nil || !priv.Public().(ed25519.PublicKey).Equal(pub) {
		t.Fatalf("LoadKeyFile = %v; want the key whose public half keygen returned", err)
	}
	if _, err := GenerateKeyFile(path); err == nil || !strings.Contains(err.Error(), "never overwrites") {
		t.Errorf("second GenerateKeyFile = %v; want a refusal to overwrite", err)
	}
	junk := filepath.Join(t.TempDir(), "junk.pem")
	os.WriteFile(junk, []byte("hello"), 0o600)
	if _, err := LoadKeyFile(junk); err == nil {
		t.Error("LoadKeyFile(junk) succeeded")
	}
}
