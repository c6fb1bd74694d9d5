// Package telemetry sends crash reports through sentry-go, and only after the
// user has opted in: until cmd calls New, no sentry client exists, so neither
// the SENTRY_DSN environment variable nor the host name can switch reports
// on. The package reads no environment variable: the endpoint is the DSN
// variable set at build time, or what cmd passes (SECUREMERGE_SENTRY_DSN).
//
// A report is a whitelist, not a filtered copy: the exception types, their
// messages scrubbed by a Scrubber (e-mail addresses, paths under the home
// folder, quoted text, and every string cmd tells it came from the user —
// cell values, template text, the signed-in address), stack frames
// (function, package, file relative to its module, line) and the app, OS
// and Go versions. No server name, user, request, breadcrumbs or device
// details (DESIGN.md §10.3). NewReport builds the same event that Send
// sends, so `securemerge crash-report preview` shows exactly what leaves.
//
// It is an adapter: it must not import fyne, bbolt, excelize, msgraph, or any
// other adapter (store, graph, sheet, outbox, license).
package telemetry
