package store

import (
	"bytes"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Setting returns the value of an app setting and whether it is set. A
// read failure reads as unset.
func (db *DB) Setting(key string) (string, bool) {
	var val string
	var ok bool
	db.view(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bucketSettings).Get([]byte(key)); v != nil {
			val, ok = string(v), true
		}
		return nil
	})
	return val, ok
}

// SetSetting stores an app setting; an empty value removes it.
func (db *DB) SetSetting(key, value string) error {
	if key == "" {
		return fmt.Errorf("set setting: empty key")
	}
	err := db.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSettings)
		if value == "" {
			return b.Delete([]byte(key))
		}
		return b.Put([]byte(key), []byte(value))
	})
	if err != nil {
		return fmt.Errorf("set setting %s: %w", key, err)
	}
	return nil
}

// Settings returns every app setting.
func (db *DB) Settings() (map[string]string, error) {
	m := map[string]string{}
	err := db.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketSettings).ForEach(func(k, v []byte) error {
			m[string(k)] = string(v)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("read settings: %w", err)
	}
	return m, nil
}

// LicenseToken returns the cached licence token, nil when none.
func (db *DB) LicenseToken() ([]byte, error) {
	var tok []byte
	err := db.view(func(tx *bolt.Tx) error {
		tok = bytes.Clone(tx.Bucket(bucketLicense).Get(keyToken))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read licence token: %w", err)
	}
	return tok, nil
}

// SetLicenseToken caches the licence token; nil or empty removes it.
func (db *DB) SetLicenseToken(b []byte) error {
	err := db.update(func(tx *bolt.Tx) error {
		lb := tx.Bucket(bucketLicense)
		if len(b) == 0 {
			return lb.Delete(keyToken)
		}
		return lb.Put(keyToken, bytes.Clone(b))
	})
	if err != nil {
		return fmt.Errorf("cache licence token: %w", err)
	}
	return nil
}
