// Command licensed is the reference SecureMerge licence server (DESIGN.md
// §7): it answers the app's licence checks with signed tokens and keeps
// seats, tenant admins and licences in an embedded bbolt file.
//
//	licensed serve [--addr 127.0.0.1:8787] [--db bbolt:FILE] --key FILE --audience CLIENT_ID [--authority https://login.microsoftonline.com]
//	licensed keygen --out FILE                  write a signing key; print the public key for the app's build
//	licensed seats set TENANT_ID COUNT          what a purchase does
//	licensed admins add|remove TENANT_ID EMAIL  the customer's delegated admins
//	licensed licenses grant|revoke TENANT_ID EMAIL  assign or unassign a seat (operator addition until the admin API)
//	licensed licenses list TENANT_ID            seats, and who holds them with their last use
//	licensed purge                              delete data unassigned more than 30 days ago (serve also runs it daily)
//
// Flags go before positional arguments; each has an environment
// equivalent (LICENSED_ADDR, LICENSED_DB, LICENSED_KEY, LICENSED_AUDIENCE,
// LICENSED_AUTHORITY) that a flag on the command line overrides. With the
// bbolt store the operator commands open the file themselves, so they run
// while serve is stopped (bbolt allows one process per file).
//
// Not in this version (part 2 of the licensing work): PostgreSQL
// (--db postgres://… is refused with a clear message) and the admin API
// (/v1/seats, /v1/account). serve already requires --audience and checks
// --authority (https, or http for a loopback host) so deployments keep
// their command line when the admin API arrives; until then it uses
// neither.
//
// serve logs JSON lines (log/slog) to stderr, with no e-mail address, name
// or client IP; its first line, "listening", carries the address it bound
// (useful with --addr 127.0.0.1:0). SIGINT or SIGTERM shuts it down
// gracefully: requests in flight finish, then the store is closed.
//
// Exit codes: 0 success, 1 failure, 2 bad command line.
package main
