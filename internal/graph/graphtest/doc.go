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
//	GET    /{mbx}/mailFolders/{folder}/messages   sentitems, drafts, inbox, outbox, deleteditems
//	DELETE /{mbx}/messages/{id}                   -> 204
//	POST   /{mbx}/messages/{id}/attachments       fileAttachment of at most 3 MB -> 201
//	GET    /{mbx}/messages/{id}/attachments       metadata (contentBytes are not kept)
//	POST   /{mbx}/messages/{id}/attachments/createUploadSession -> 201 uploadSession
//	PUT    {uploadUrl}                            Content-Range chunks -> 200, last -> 201
//	POST   /{mbx}/messages/{id}/send              -> 202; the draft moves to sentitems with a new id
//
// $filter accepts exactly two forms (single-quoted literals, a quote doubled inside;
// keywords case-insensitive):
//
//	singleValueExtendedProperties/Any(ep: ep/id eq '<property id>' and ep/value eq '<value>')
//	internetMessageId eq '<id@domain>'
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
// # Fidelity notes
//
// Error bodies are Graph's {"error":{"code","message","innerError":{"date",
// "request-id","client-request-id"}}}; every response carries request-id and
// client-request-id. Chunks of an upload session must arrive in order
// (416 otherwise) and may be any size up to 4 MiB: Outlook does not require
// the 320 KiB multiples that OneDrive does. Attachment contents are hashed
// (SHA-256) and sized, not kept. Faults injected with FailNext and
// SetFaultRate apply to mail-sending requests only: POST sendMail and POST
// messages/{id}/send.
//
// # Imports
//
// graphtest imports only the standard library and golang.org/x. It must not
// import msgraph-sdk-go, kiota or internal/graph: the emulator has to stay
// independent of the client it tests.
package graphtest
