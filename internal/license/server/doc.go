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
// # The admin API
//
// Each request carries a Microsoft ID token as Authorization: Bearer,
// verified by an IDVerifier (MicrosoftVerifier: go-oidc against the
// authority's JWKS, cached and refetched on an unknown key id; issuer
// {authority}/{tid}/v2.0 from the token's own tid; audience = the app's
// client id; expiry with 2 minutes of skew). An admin is a token whose
// wids holds the Global or User Administrator role, or whose address is
// on the tenant's delegated-admin list; they act only on the token's tid.
//
//	GET    /v1/seats       → 200 {"total", "used", "assigned": [{"id", "name", "email"}]}
//	POST   /v1/seats       {"id", "name", "email"} → 201 the seat (again 201 when already
//	                       assigned: idempotent), 409 no_seats_left, 409 assigned_elsewhere
//	DELETE /v1/seats/{id}  → 204, 404 not_found; {id} is the directory id, or the address
//	                       of a seat the operator granted (it has no id)
//	DELETE /v1/account     any signed-in user, their own data → 202
//
// 401 unauthorized for a missing or refused token, 403 not_admin, 503
// unavailable when the identity provider's keys cannot be fetched. An
// unassigned seat is free at once: the user's next check is free.
//
// # Stores
//
// Store is the interface; DB (bbolt, the default, one process) and
// Postgres (several instances on one database: a grant locks its tenant's
// row and counts inside the transaction; migrations run at Open under an
// advisory lock; Purge takes a try-advisory lock and answers ErrPurgeBusy
// on the others) pass one conformance suite.
//
// # What it keeps and logs
//
// The store holds per tenant its seat count and delegated
// admins' addresses, and per licence the assigned user's address (and, from
// the admin API, their directory id and name), who assigned it, when, and
// when it was last used. An unassigned licence is kept, marked removed, for
// the audit of who assigned whom, and Purge deletes it 30 days later.
// Checks of unlicensed addresses leave no trace. Logs (log/slog) carry
// method, route, status and duration: never an address, a name, a request
// body or a client IP.
//
// It imports internal/license (token signing), go.etcd.io/bbolt,
// github.com/jackc/pgx/v5 and github.com/coreos/go-oidc/v3; no other
// adapter.
package server
