// Package license checks whether the signed-in user holds a SecureMerge
// licence, which removes the promotional footer (DESIGN.md §7): it sends only
// the user's e-mail address to POST /v1/licenses/check, verifies the Ed25519
// signed token it gets back with the public key the app ships, and caches it
// so the app stays licensed offline until the token expires. The reference
// server's code lives beside it and cmd/licensed runs it.
//
// It is an adapter: it must not import fyne, bbolt, excelize, msgraph,
// sentry, or any other adapter (store, graph, sheet, outbox, telemetry).
package license
