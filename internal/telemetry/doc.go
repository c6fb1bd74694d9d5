// Package telemetry sends crash reports through sentry-go, and only after the
// user has opted in: until then sentry.Init is never called, so neither the
// SENTRY_DSN environment variable nor the host name can switch it on. Reports
// carry the error type, stack frames and app/OS version, with messages
// scrubbed of e-mail addresses and any user data (DESIGN.md §10).
//
// It is an adapter: it must not import fyne, bbolt, excelize, msgraph, or any
// other adapter (store, graph, sheet, outbox, license).
package telemetry
