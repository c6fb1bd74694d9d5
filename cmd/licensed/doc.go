// Command licensed is the reference SecureMerge licence server (DESIGN.md
// §7): it answers the app's licence checks with signed tokens and keeps
// seats, tenant admins and licences in an embedded bbolt file (the
// default) or in PostgreSQL, which several instances share (DESIGN.md §11);
// tenant admins manage seats through the admin API (/v1/seats,
// /v1/account), authenticated by their Microsoft ID token.
//
//	licensed serve [--addr 127.0.0.1:8787] [--db bbolt:FILE | --db postgres://…] --key FILE --audience CLIENT_ID [--authority https://login.microsoftonline.com]
//	licensed keygen --out FILE                  write a signing key; print the public key for the app's build
//	licensed seats set TENANT_ID COUNT          what a purchase does
//	licensed admins add|remove TENANT_ID EMAIL  the customer's delegated admins
//	licensed licenses grant|revoke TENANT_ID EMAIL  assign or unassign a seat by hand (an operator addition)
//	licensed licenses list TENANT_ID            seats, and who holds them with their last use
//	licensed purge                              delete data unassigned more than 30 days ago (serve also runs it daily)
//
// Flags go before positional arguments; each has an environment
// equivalent (LICENSED_ADDR, LICENSED_DB, LICENSED_KEY, LICENSED_AUDIENCE,
// LICENSED_AUTHORITY) that a flag on the command line overrides. With the
// bbolt store the operator commands open the file themselves, so they run
// while serve is stopped (bbolt allows one process per file).
//
// With PostgreSQL (--db postgres://…, any libpq URL pgx accepts) the
// operator commands run at any time and running instances see their
// changes at once; the schema is migrated at start-up (under an advisory
// lock, so instances may start together); serve's daily purge runs on one
// instance at a time (the others log "purge left to another instance").
//
// serve verifies admins' ID tokens against --authority (https, or http for
// a loopback host: tests use internal/license/idtest): issuer
// {authority}/{tid}/v2.0, audience --audience, keys from
// {authority}/common/v2.0/.well-known/openid-configuration.
//
// serve logs JSON lines (log/slog) to stderr, with no e-mail address, name
// or client IP; its first line, "listening", carries the address it bound
// (useful with --addr 127.0.0.1:0). SIGINT or SIGTERM shuts it down
// gracefully: requests in flight finish, then the store is closed.
//
// Exit codes: 0 success, 1 failure, 2 bad command line.
package main
