package licensetest

import (
	"crypto/ed25519"
	"crypto/sha256"
)

// The development key pair: its public half is license's built-in key for
// builds without license.PublicKey. The seed is public, so tokens signed
// with it prove nothing outside tests.
var (
	devSeed   = sha256.Sum256([]byte("SecureMerge development licence key: never in a release build"))
	otherSeed = sha256.Sum256([]byte("SecureMerge licensetest: some other key"))
)

// PrivateKey returns the development private key.
func PrivateKey() ed25519.PrivateKey { return ed25519.NewKeyFromSeed(devSeed[:]) }

// OtherKey returns a private key the app does not trust: what a forger has.
func OtherKey() ed25519.PrivateKey { return ed25519.NewKeyFromSeed(otherSeed[:]) }
