// Package campaign is the campaign lifecycle shared by the desktop window and the
// command line: the domain types (Campaign, Entry, State), the interfaces its
// adapters implement (Store, Sender), and the Runner that renders, journals,
// paces, sends and records every recipient exactly once.
//
// It sits in the centre with internal/merge. It must not import fyne, bbolt,
// excelize, msgraph or sentry: internal/store, internal/graph and internal/outbox
// implement its interfaces and say so at compile time.
package campaign
