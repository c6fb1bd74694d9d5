// Package graphtest is an in-process emulator of the parts of Microsoft Graph
// v1.0 that SecureMerge uses: a real HTTP server with documented knobs, in the
// spirit of tailscale's testcontrol. Unit tests, end-to-end tests and demos
// (cmd/graphemu) drive the real client against it.
//
// # Endpoints
//
// All paths live under /v1.0 and need "Authorization: Bearer <token>" except
// the upload URL of an attachment upload session, which carries its own
// authtoken query parameter (as Outlook's does) and refuses an Authorization
// header with 401. {mbx} is "me" or "users/{id|userPrincipalName|mail}"
// (send-as a shared mailbox: every user of the directory is a mailbox the
// caller may send as).
//
//	GET    /me, /users/{id}                       the user
//	GET    /users[?$search="displayName:jo"]      the directory; $search needs ConsistencyLevel: eventual
//	POST   /{mbx}/sendMail                        JSON or base64 MIME (text/plain) -> 202
//	POST   /{mbx}/messages                        draft (JSON or MIME) -> 201 message
//	GET    /{mbx}/messages[/{id}]                 all folders; $filter, $select, $top, $skip, $expand
//	GET    /{mbx}/mailFolders[?includeHiddenFolders=true&$filter=displayName eq '…']
//	POST   /{mbx}/mailFolders                     {"displayName","isHidden"} -> 201; 409 ErrorFolderExists
//	GET    /{mbx}/mailFolders/{folder}            a folder
//	GET    /{mbx}/mailFolders/{folder}/messages   sentitems, drafts, inbox, outbox, deleteditems, or a created folder
//	POST   /{mbx}/mailFolders/{folder}/messages   a draft created in that folder -> 201 message
//	DELETE /{mbx}/messages/{id}                   -> 204
//	GET    /{mbx}/contacts                        the default Contacts folder; $select, $top (10, at most 1000), $skip; @odata.nextLink
//	GET    /{mbx}/contactFolders                  the folders AddContactFolder made
//	GET    /{mbx}/contactFolders/{id}/contacts    one folder's contacts, paged the same way
//	GET    /{mbx}/outlook/masterCategories        the categories the mailbox's contacts use
//	POST   /{mbx}/messages/{id}/attachments       fileAttachment of at most 3 MB -> 201
//	GET    /{mbx}/messages/{id}/attachments       metadata (contentBytes are not kept)
//	POST   /{mbx}/messages/{id}/attachments/createUploadSession -> 201 uploadSession
//	PUT    {uploadUrl}                            Content-Range chunks -> 200, last -> 201
//	POST   /{mbx}/messages/{id}/send              -> 202; the draft leaves Drafts at once and reaches
//	                                              sentitems after the lag, with a new regular id and
//	                                              the same immutable id
//
// $filter accepts exactly three forms (single-quoted literals, a quote doubled inside;
// keywords case-insensitive):
//
//	singleValueExtendedProperties/Any(ep: ep/id eq '<property id>' and ep/value eq '<value>')
//	internetMessageId eq '<id@domain>'
//	receivedDateTime ge 2026-12-01T09:00:00Z      (or gt; an unquoted DateTimeOffset)
//
// Any other filter gets 400 ErrorInvalidUrlQueryFilter: a filter is never
// ignored.
//
// # Limits (per mailbox, all configurable in Options)
//
//   - PerWindow messages per sliding Window (30 per 60 s): the next send gets
//     429 ApplicationThrottled with Retry-After (whole seconds, rounded up) saying
//     when the oldest accepted message leaves the window. Because scaled tests
//     use sub-second windows, the response also carries the non-standard header
//     X-Retry-After-Ms with the exact delay; real Graph never sends it, so a
//     client must work with Retry-After alone.
//   - Concurrency requests in flight (4), counted over the whole request
//     including injected latency: the next one gets 429 ApplicationThrottled
//     "Application is over its MailboxConcurrency limit." (Graph's real code is
//     ApplicationThrottled; MailboxConcurrency is only in the message).
//   - DailyRecipients (To+Cc+Bcc) per rolling DayLength (10,000 per 24 h): 403
//     ErrorExceededMessageLimit.
//   - MaxRecipients per message (500): 400 ErrorInvalidRecipients.
//   - Request bodies: 4 MB (413 RequestEntityTooLarge), a single
//     fileAttachment POST 3 MB (413: use an upload session), an upload-session
//     attachment 150 MB (400), an upload chunk 4 MiB (413).
//
// A refusal for a limit (and every injected pre-accept fault) leaves no trace:
// nothing is stored, delivered or counted against the window.
//
// # Sent Items lag and immutable ids
//
// Exchange files the copy of a sent message in Sent Items only some time
// after Graph accepted it (Microsoft: it "may not be available immediately
// after sending"); the delay is not documented and grows under load.
// Options.SentItemsLag (and SetSentItemsLag) is that delay, on the Now
// clock. A draft that was sent leaves Drafts at once, with the 202: Exchange
// submits the item itself and moves it to the Outbox. During the lag the
// message is found nowhere: not in any folder's list, not by $filter on the
// whole mailbox, and a GET (or a second /send) by any of its ids answers 404
// ErrorItemNotFound. That last choice is the hostile one of the plausible
// answers (real Exchange may show the item in the Outbox for a while):
// a client must not take "not found" during the lag for "not sent".
// Delivered records the message at acceptance, whatever the lag.
//
// Every item has a regular id, which changes when the item moves to another
// folder (a sent draft gets a new one), and an immutable id, which never
// changes. A request with `Prefer: IdType="ImmutableId"` sees immutable ids
// in every answer (and gets Preference-Applied back); any request may name
// an item by either id.
//
// # Non-delivery reports
//
// BounceTo(addr, NDR{Status, Diagnostic, Delay}) makes mail to addr bounce:
// the message is accepted (202) and, Delay later, the sending mailbox's
// inbox receives a report shaped as Exchange Online writes one: from
// "Microsoft Outlook" <MicrosoftExchange329e…@domain> (or postmaster@domain
// with NDR.Postmaster), subject "Undeliverable: <subject>", headers
// Content-Type multipart/report; report-type=delivery-status,
// X-MS-Exchange-Message-Is-Ndr, Auto-Submitted, and In-Reply-To and
// References naming the original Message-ID, and an HTML body with
// "Remote Server returned '550 5.1.1 RESOLVER.ADR.RecipNotFound; not
// found'" and the original message's headers (its Message-ID among them)
// in its diagnostic section. A 4.x.x status writes "Delivery delayed: …"
// instead. DeliverNDR files such a report for any Message-ID (another
// program's mail). Reports are listed with the inbox
// (mailFolders/inbox/messages), newest first, and their headers come back
// with $select=internetMessageHeaders.
//
// # Contacts
//
// AddContactFolder and AddContact fill a mailbox's contacts (any user of
// the directory, as with send-as); the lists page with $top (10 by
// default) and @odata.nextLink carrying $skip, and take $select.
// outlook/masterCategories lists the categories the contacts use.
// DenyContacts makes a mailbox's contacts answer 403 ErrorAccessDenied,
// as Graph does without Contacts.Read / Contacts.Read.Shared.
//
// # Fidelity notes
//
// Error bodies are Graph's {"error":{"code","message","innerError":{"date",
// "request-id","client-request-id"}}}; every response carries request-id and
// client-request-id. Chunks of an upload session must arrive in order
// (416 otherwise) and may be any size up to 4 MiB: Outlook does not require
// the 320 KiB multiples that OneDrive does. Attachment contents are hashed
// (SHA-256) and sized, not kept. Faults injected with FailNext and
// SetFaultRate apply to the requests that create or send mail: POST
// sendMail, POST messages/{id}/send, POST messages and POST
// mailFolders/{id}/messages (a post-accept fault on a creation leaves the
// item created); FailNextSend aims at the sending requests alone.
// FaultRedirect answers 302 to a sign-in page, as a proxy in the path
// does; Graph itself never redirects a send.
// Stats.SendRequests counts the sending requests only.
//
// # Imports
//
// graphtest imports only the standard library and golang.org/x. It must not
// import msgraph-sdk-go, kiota or internal/graph: the emulator has to stay
// independent of the client it tests.
package graphtest
