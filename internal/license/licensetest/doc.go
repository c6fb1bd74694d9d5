// Package licensetest is a fake SecureMerge licence server for tests and
// demos: a real HTTP server on 127.0.0.1 that answers POST
// /v1/licenses/check with tokens signed by the development key (the key
// builds without license.PublicKey verify with), and records every request
// so tests can assert that only the allowed one was sent.
//
// Knobs, all safe to turn while requests are served:
//
//   - Grant / Revoke: which addresses get a pro token (others get free).
//   - SetFault: answer with a forged token (signed by another key), a
//     garbled token, garbage instead of JSON, a token for another address,
//     an expired token, HTTP 400, 429 (with Retry-After) or 503, or no
//     answer at all until the client gives up (Hang).
//   - SetLatency: wait before answering (slowness).
//   - Requests / Reset: what was received, byte for byte.
//
// Fidelity: the fake signs and answers like internal/license/server but has
// no rate limiting, no seats and no persistence; use the real server
// (cmd/licensed) for those.
//
// It is for tests only. Like internal/license it imports no other adapter.
package licensetest
