// Package idtest is a local Microsoft identity issuer for tests: a real
// HTTP server on 127.0.0.1 that publishes OpenID discovery documents and a
// JWKS the way login.microsoftonline.com does for multi-tenant apps, and
// signs ID tokens (RS256) with its own keys. Point `licensed serve
// --authority` (or server.VerifierOptions.Authority) at Issuer.URL.
//
// Paths served, as Microsoft's: {URL}/{tenant}/v2.0/.well-known/openid-configuration
// (tenant "common", "organizations" or an id; the issuer in it is
// {URL}/{tenantid}/v2.0, templated for common, concrete for an id) and
// {URL}/common/discovery/v2.0/keys, the one JWKS every tenant shares.
//
// Knobs, safe while requests are served, each a field of Claims or a
// method:
//
//   - Claims.Audience: a wrong audience (another app's client id).
//   - Claims.Tenant: another tenant (its admins must not act on ours).
//   - Claims.IssuedBy: an iss naming another tenant than tid.
//   - Claims.Expires: an expired token (or one about to expire).
//   - Claims.Roles: no admin role (nil), Global or User Administrator.
//   - Issuer.Forge: a token whose kid names a published key but whose
//     signature is another key's (a forger's).
//   - Issuer.UnknownKey: a token signed by a key never published.
//   - Issuer.Rotate: a new signing key, published at once; the old one is
//     dropped from the JWKS, so its tokens stop verifying after a refetch.
//   - Issuer.KeyFetches: how often the JWKS was fetched (caching).
//
// Fidelity: the claims are those of a Microsoft v2.0 ID token (iss, sub,
// aud, exp, iat, nbf, tid, oid, name, preferred_username, email, wids,
// ver); no other endpoint (authorize, token) is served.
//
// It is for tests only and imports no other adapter.
package idtest
