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
//
// Every message carries its merge key in a named extended property
// (KeyPropertyID) and our internetMessageId, so Lookup can tell whether a
// message already reached Sent Items (or Drafts) after a crash or an
// ambiguous failure.
//
// graph is an adapter: it may import internal/campaign, internal/merge,
// msgraph-sdk-go and kiota, MSAL, go-keyring and golang.org/x. It must not
// import fyne, bbolt, excelize, sentry, internal/store, internal/sheet,
// internal/outbox, nor any other adapter. The emulator in graphtest is for
// tests and demos only.
package graph
