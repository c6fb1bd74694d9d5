// Package graph is SecureMerge's adapter to Microsoft 365: MSAL sign-in
// (interactive browser flow with a localhost redirect, device code as a
// fallback), the token cache encrypted at rest with a key kept in the OS
// keyring, a Microsoft Graph client built on msgraph-sdk-go, and Sender,
// which implements campaign.Sender on a mailbox.
//
// The Graph client runs the SDK over our own middleware: no request body
// compression, no automatic retry and no redirect following, so that every
// POST goes out exactly once with the body we built. The campaign Runner
// decides every retry from the *campaign.SendError kinds Sender returns;
// the only retry here is one after a 401, with a silently refreshed token.
// Every answer is taken for what it is: a 3xx is ambiguous (Graph never
// redirects our requests; a proxy in the way does), success bodies are
// read up to 16 MB and refused beyond, Retry-After is capped at 5 minutes
// (the capped wait is SendError.RetryAfter, which the Runner shows), every
// JSON body goes out with a Content-Length (never chunked), and attachment
// bytes go only to the Graph host itself or Outlook's documented upload
// hosts (outlook.office.com, outlook.office365.com, *.office.com,
// *.office365.com).
//
// Every message carries its merge key in a named extended property
// (KeyPropertyID) and our internetMessageId.
//
// Besides sending, the Client reads two things, never changing either:
// non-delivery reports in the Inbox (Bounces: $filter on
// receivedDateTime, $select of six fields, paged; ParseNDR matches a
// report to our <sm.KEY@domain> Message-ID through In-Reply-To,
// References or the quoted headers, and keeps permanent 5.x.x failures
// only), and Outlook contacts as recipients (Contacts, ContactRows:
// /me/contacts, /me/contactFolders/{id}/contacts, /users/{mailbox}/contacts,
// paged, $select of the fields ContactColumns shows). Contacts need
// Contacts.Read, a shared mailbox's Contacts.Read.Shared: Auth.Consent
// asks for them when the person chooses that source.
//
// # Exactly once
//
// Graph has no idempotency key, and Exchange files a sent message in Sent
// Items only some time after accepting it (Microsoft: the copy "may not be
// available immediately after sending"; the delay is undocumented and
// grows under load). A lookup of Sent Items that finds nothing therefore
// proves nothing, and a sender that resends on "not found" sends twice. So
// the answer to "was it sent?" never waits for Sent Items. Each message is
// sent in three steps, every request asking for immutable ids (Prefer:
// IdType="ImmutableId"), which survive the move to the Outbox and Sent
// Items:
//
//  1. create the message as a draft in Drafts (201, with its id, and its
//     attachments);
//  2. arm it: create a marker, a small item in the hidden folder
//     MarkerFolder, carrying the key and naming the draft's id (201);
//  3. send the draft (POST /messages/{id}/send, 202).
//
// The step is issued only after the previous one's success was read. The
// facts this rests on, all synchronous in Exchange: a creation is visible
// to a query once its 201 is written; a sent draft leaves Drafts with the
// acceptance (Exchange submits the item itself); a draft is never sent by
// anything but our step 3. Hence, for one key, whatever crashed where:
//
//   - no marker: step 3 never went out, so nothing was sent. Any draft in
//     Drafts is unarmed and is deleted; the next Send starts afresh.
//   - a marker whose draft is still a draft: not sent (an ambiguous /send
//     that Exchange refused, or one that never left). Send sends that same
//     draft again; it is not rebuilt.
//   - a marker whose draft is gone from Drafts (404 during the transit, or
//     filed elsewhere): sent. "Not found yet" counts as sent here, never
//     as a reason to create the message again.
//   - the message in Sent Items: sent (checked first: it is conclusive, and
//     after a marker's clean-up it is the only trace).
//
// Lookup (the Runner's question after a timeout, a 5xx, a 3xx, a dropped
// connection or a crash) reads exactly that. Within one process the Sender
// also remembers, per key, the draft and marker it made, so the common
// "ambiguous /send, ask again" costs one GET by immutable id. The only
// answers taken for acceptance are 201 for a creation and 202 for a send;
// anything else the SDK calls success (a 200, a 3xx, an unreadable body)
// is ambiguous and reconciled as above.
//
// Why a marker and not just the draft: after a crash, "no draft and
// nothing in Sent Items" is both "the draft was never created" and "it was
// sent and is in transit"; only a trace created before the send and left
// untouched by it tells them apart. The marker is that trace. It must
// outlive the transit, so it is deleted only once a GET shows the message
// in Sent Items (checked from 30 s after the 202, at most 20 times, one
// marker per later Send).
//
// Bounds of the guarantee (what it assumes, and what is left over):
//
//   - Nobody else deletes our drafts or markers, or sends our drafts, while
//     a campaign runs. A user who deletes an armed draft from Drafts makes
//     it look sent (the row is recorded sent, nothing went out).
//   - A creation whose request Graph is still processing when we have
//     already given up on it (a client timeout of 2 minutes) can land
//     after the lookup that would have deleted it: an unarmed, unsent
//     draft is left in Drafts. It is never sent; it can only clutter.
//   - Markers of messages that never showed in Sent Items within the
//     clean-up checks, of a run that crashed, or of a run's last 30 s are
//     left in the hidden folder: a few hundred bytes each, invisible.
//   - After a crash, Sent Items is searched first: a message that reached
//     it after its marker was cleaned up is still found there.
//
// # Cost against Graph's limits
//
// Graph allows 10,000 requests per 10 minutes and 4 concurrent requests
// per mailbox; Exchange allows 30 messages a minute. A message costs 3
// requests (draft, marker, send) plus, from 30 s after it, 2 for its
// marker's clean-up (a GET and a DELETE), so 5 in all; the first message of
// a Sender adds up to 3 (find or create the folder, ask Sent Items' id),
// an attachment sent apart 1 (or 1 + one per 3.75 MB chunk). At the
// maximum pace that is 30 × 5 = 150 requests a minute, 1,500 per 10
// minutes: 15 % of the budget. After an ambiguous outcome, Lookup costs 1
// request in the same process, up to 3 + markers + drafts after a
// restart. All requests of a message run one after the other inside the
// Runner's Send or Lookup, so the Runner's Concurrency (4) bounds the
// requests in flight. The Runner paces message starts (one Send = one
// start); each start is three round trips instead of one, which the 4
// concurrent slots absorb at 30 a minute (BenchmarkSendRate).
//
// graph is an adapter: it may import internal/campaign, internal/merge,
// msgraph-sdk-go and kiota, MSAL, go-keyring and golang.org/x. It must not
// import fyne, bbolt, excelize, sentry, internal/store, internal/sheet,
// internal/outbox, nor any other adapter. The emulator in graphtest is for
// tests and demos only.
package graph
