package graph

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/cache"
	"github.com/zalando/go-keyring"
)

// Where the token cache's key lives in the OS keyring. The keyring holds only
// this small key, never the cache: Windows and macOS keyrings refuse the
// size of an MSAL cache (DESIGN.md §2).
const (
	KeyringService = "SecureMerge"
	KeyringUser    = "token-cache-key"
	// CacheFileName is the encrypted token cache inside AuthOptions.CacheDir.
	CacheFileName = "tokens.enc"
)

// NoKeyringMessage tells the user why they will have to sign in again.
const NoKeyringMessage = "No system keyring: you will need to sign in again next time"

// cacheMagic starts every cache file and is authenticated with it, so a
// file of another format or version is never decrypted as ours.
var cacheMagic = []byte("SMTC1\n")

// tokenCache implements MSAL's cache.ExportReplace: it keeps the serialized
// cache in memory and, when persistent, in an AES-256-GCM encrypted file
// whose key is in the OS keyring. It is safe for concurrent use.
type tokenCache struct {
	mu         sync.Mutex
	path       string // "" means memory only
	persistent bool   // a keyring answered and path != ""
	key        []byte // nil until loaded or created
	data       []byte // the plaintext MSAL cache
	persistErr error  // the last failure to write the file, if any
}

// newTokenCache loads the cache of dir. A missing, tampered or undecryptable
// file means an empty cache: the user signs in again. With no keyring, or
// dir == "", tokens stay in memory.
func newTokenCache(dir string) *tokenCache {
	c := &tokenCache{}
	if dir == "" {
		return c
	}
	c.path = filepath.Join(dir, CacheFileName)
	key, err := keyringKey()
	switch {
	case errors.Is(err, keyring.ErrNotFound):
		c.persistent = true // the keyring works; the key is created on first write
	case err != nil:
		return c // no usable keyring: memory only
	default:
		c.persistent = true
		c.key = key
	}
	if c.key != nil {
		if sealed, err := os.ReadFile(c.path); err == nil {
			if data, err := openCache(c.key, sealed); err == nil {
				c.data = data
			}
		}
	}
	return c
}

// keyringKey reads the 32-byte key; keyring.ErrNotFound when there is none
// or it is unusable.
func keyringKey() ([]byte, error) {
	s, err := keyring.Get(KeyringService, KeyringUser)
	if err != nil {
		return nil, err
	}
	key, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(key) != 32 {
		return nil, keyring.ErrNotFound
	}
	return key, nil
}

// Replace loads our copy of the cache into MSAL before each operation.
func (c *tokenCache) Replace(_ context.Context, u cache.Unmarshaler, _ cache.ReplaceHints) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.data) == 0 {
		return u.Unmarshal([]byte("{}"))
	}
	if err := u.Unmarshal(c.data); err != nil {
		// Not an MSAL cache after all: start empty rather than fail.
		c.data = nil
		return u.Unmarshal([]byte("{}"))
	}
	return nil
}

// Export keeps MSAL's cache after each change and writes it to disk when
// persistent. A failed write keeps the tokens in memory and is reported by
// Persistent, never to MSAL: sign-in must not fail because of the disk.
func (c *tokenCache) Export(_ context.Context, m cache.Marshaler, _ cache.ExportHints) error {
	data, err := m.Marshal()
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.data = data
	if c.persistent {
		c.persistErr = c.save()
	}
	return nil
}

// save writes the encrypted cache atomically with mode 0600. c.mu is held.
func (c *tokenCache) save() error {
	if c.key == nil {
		key := make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return err
		}
		if err := keyring.Set(KeyringService, KeyringUser, base64.StdEncoding.EncodeToString(key)); err != nil {
			return fmt.Errorf("store the token cache key in the keyring: %w", err)
		}
		c.key = key
	}
	sealed, err := sealCache(c.key, c.data)
	if err != nil {
		return err
	}
	return writeFileAtomic(c.path, sealed)
}

// dropAccessTokens removes the cached access tokens so that the next silent
// request redeems the refresh token: MSAL's public client has no
// force-refresh option.
func (c *tokenCache) dropAccessTokens() {
	c.mu.Lock()
	defer c.mu.Unlock()
	var v map[string]json.RawMessage
	if len(c.data) == 0 || json.Unmarshal(c.data, &v) != nil {
		return
	}
	v["AccessToken"] = json.RawMessage("{}")
	if data, err := json.Marshal(v); err == nil {
		c.data = data
	}
}

// erase forgets the cache: memory, file and keyring key.
func (c *tokenCache) erase() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.data = nil
	c.key = nil
	var errs []error
	if c.path != "" {
		if err := os.Remove(c.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	if c.persistent {
		if err := keyring.Delete(KeyringService, KeyringUser); err != nil && !errors.Is(err, keyring.ErrNotFound) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (c *tokenCache) isPersistent() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.persistent && c.persistErr == nil
}

func sealCache(key, plain []byte) ([]byte, error) {
	gcm, err := newGCM(key)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, gcm.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	out := append(bytes.Clone(cacheMagic), nonce...)
	return gcm.Seal(out, nonce, plain, cacheMagic), nil
}

// errBadCache is any cache file we cannot open: another format, tampered
// with, or encrypted with a key we no longer have.
var errBadCache = errors.New("token cache: unreadable")

func openCache(key, sealed []byte) ([]byte, error) {
	gcm, err := newGCM(key)
	if err != nil {
		return nil, err
	}
	rest, ok := bytes.CutPrefix(sealed, cacheMagic)
	if !ok || len(rest) < gcm.NonceSize()+gcm.Overhead() {
		return nil, errBadCache
	}
	nonce, ct := rest[:gcm.NonceSize()], rest[gcm.NonceSize():]
	plain, err := gcm.Open(nil, nonce, ct, cacheMagic)
	if err != nil {
		return nil, errBadCache
	}
	return plain, nil
}

func newGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// writeFileAtomic writes data to path through a temporary file in the same
// folder, so a crash never leaves half a cache.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".tokens-*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // no-op after a successful rename
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
