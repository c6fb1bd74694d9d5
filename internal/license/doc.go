// Package license checks whether the signed-in user holds a SecureMerge
// licence, which removes the promotional footer (DESIGN.md §7). It sends only
// the user's e-mail address to POST /v1/licenses/check, verifies the Ed25519
// signed token it gets back with the public key the app ships, and caches it
// so the app stays licensed offline until the token expires.
//
// # The one request
//
// Client.Check sends exactly this, and nothing else ever reaches the licence
// server:
//
//	POST /v1/licenses/check HTTP/1.1
//	Host: <server>
//	User-Agent: SecureMerge/<version>
//	Content-Length: <n>
//	Accept: application/json
//	Content-Type: application/json
//	Accept-Encoding: gzip
//
//	{"email":"ada@contoso.com"}
//
// No query string, no cookies (the client never has a cookie jar), no
// redirects followed (a redirect could carry the address elsewhere), no
// custom header, no chunked body. The answer is {"token":"…"}.
//
// # Token format
//
// A token is two unpadded base64url (RFC 4648 §5) segments joined by a dot:
//
//	base64url(payload) "." base64url(ed25519.Sign(key, base64url(payload)))
//
// The signature covers the ASCII text of the first segment, so the payload
// bytes are checked before any JSON parser sees them. The payload is a JSON
// object:
//
//	{"plan":"free"|"pro","email":"ada@contoso.com","iat":1767225600,"exp":1769817600}
//
// iat and exp are Unix seconds: when the server issued the token (the last
// successful check) and when it stops being honoured. Unknown payload
// fields are ignored so a later server may add some; a token longer than
// MaxTokenSize is refused unread.
//
// # Keys
//
// The app verifies with PublicKey, set at build time with
//
//	-ldflags "-X github.com/securemerge/securemerge/internal/license.PublicKey=<base64>"
//
// (the value `licensed keygen` prints). A build that does not set it uses a
// development key whose private half is public in this repository's test
// code (licensetest): such a build accepts tokens anyone can make, which is
// what tests and local development need and no release may ship.
//
// # Offline and clocks
//
// A verified token is cached (Cache, implemented by internal/store) and
// honoured until it expires, with no network; when it is more than a day old
// Client.Plan re-checks in the background. Every failure — a forged,
// garbled, expired or other-address token, a 4xx or 5xx, a slow or
// unreachable server — leaves the still-valid cached token or the free
// plan, with a short Status.Message, never a crash or a hang (every request
// has Client.Timeout). The client keeps the latest time it has seen (the
// local clock or a token's issue time) and persists it when it has moved by
// more than an hour, so setting the clock back cannot stretch a licence past
// its expiry by more than that.
//
// # The server
//
// The reference server (internal/license/server, run by cmd/licensed) signs
// these tokens; internal/license/licensetest is a fake of it for tests.
//
// # Admins
//
// Admin is the client of the server's admin API (seats of the admin's
// tenant: list, assign, unassign; erase one's own data), authenticated by
// the admin's Microsoft ID token (SECUREMERGE_ID_TOKEN for automation).
// Its errors wrap ErrNoSeatsLeft, ErrNotAdmin, ErrSignedOut and
// ErrNoSuchSeat for callers to translate. internal/license/idtest issues
// such tokens locally for tests.
//
// It is an adapter: it must not import fyne, bbolt, excelize, msgraph,
// sentry, or any other adapter (store, graph, sheet, outbox, telemetry), and
// it reads no environment variable (cmd passes SECUREMERGE_LICENSE_URL in).
package license
