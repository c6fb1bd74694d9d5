// Package server is the reference SecureMerge licence server (DESIGN.md §7),
// run by cmd/licensed: the check endpoint that signs licence tokens, and the
// embedded bbolt store of seats, tenant admins and licences that the
// operator commands edit.
//
// # The check endpoint
//
// POST /v1/licenses/check with exactly {"email": "…"} (an unknown field, a
// second value or more than MaxRequestBody bytes is a 400) answers 200
// {"token": "…"}: a token signed with the server's Ed25519 key (format in
// internal/license's doc), plan "pro" when the address holds a licence
// (whose last-used time is then updated, at most once per LastUsedStep, written
// within a second by a background flush and by Close),
// "free" otherwise. Errors are {"error": "<code>", "message": "…"}:
// 400 bad_request / invalid_email, 413 too_large, 415 unsupported_media_type,
// 405 method_not_allowed, 404 not_found, 429 rate_limited (with
// Retry-After, per client address: an IPv4 address or an IPv6 /64), 500
// internal.
//
// The admin endpoints (/v1/seats, /v1/account) and PostgreSQL come in part
// 2 of the licensing work; they are not here.
//
// # What it keeps and logs
//
// The bbolt file (see DB) holds per tenant its seat count and delegated
// admins' addresses, and per licence the assigned user's address (and, from
// the admin API, their directory id and name), who assigned it, when, and
// when it was last used. An unassigned licence is kept, marked removed, for
// the audit of who assigned whom, and Purge deletes it 30 days later.
// Checks of unlicensed addresses leave no trace. Logs (log/slog) carry
// method, route, status and duration: never an address, a name, a request
// body or a client IP.
//
// It imports internal/license (token signing) and go.etcd.io/bbolt; no
// other adapter.
package server
