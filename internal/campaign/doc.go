// Package campaign is the application layer the desktop window and the
// command line share, and the campaign lifecycle under it: the domain types
// (Campaign, Entry, State, Reason), the interfaces its adapters implement
// (Store, Sender, Sources, Senders, Mailbox), and the Runner that renders,
// journals, paces, sends and records every recipient exactly once.
//
// # The application layer
//
// Service holds every use case of a campaign: Create, Update, Duplicate,
// Check (validation plus the data source's warnings), Preview of any row,
// SendTest to oneself, Plan (freeze the recipients, connect the sender,
// say what will happen) and Plan.Start, which returns a Job (Pause, Cancel,
// Done, Err; one per campaign in a process), Results by page, Bounces
// (non-delivery reports read from the mailbox mark sent rows bounced;
// SuppressBounced puts their addresses on the suppression list), and
// Schedule, Due and RunDue (send later, within daily sending hours, the
// daily budget shared across scheduled campaigns). The
// rules live here and nowhere else: which merge.Options a campaign renders
// with (Service.Merger), which pace, budget and concurrency each mode runs
// at (policyFor), which sender is used (the outbox needs no account; the
// mailbox modes connect when asked), that a started campaign keeps its
// mode (ModeError), where the app's own outbox is.
//
// Front ends keep their presentation only: cmd/securemerge its flags,
// printing, prompts and exit codes; ui its screens. The shape differs from
// a Service/Job pair in one way: Plan is a step of its own, because both
// front ends must show what is about to happen (how many recipients, from
// which mailbox, into which folder) and ask before anything is sent, and
// that needs the recipients frozen and the mailbox connected first.
//
// Progress reaches a front end through a Pump: the Runner never waits for
// it (a frozen window cannot slow sending), settled rows are never lost,
// counts in between are coalesced. Reasons (skips, failures, pauses,
// waits) are codes with arguments in the journal and the reports; the
// English sentence kept beside them is for the command line and exports,
// and the window translates the code.
//
// Draft data is read through a Table (read once in the background, the
// first 100 rows early, random access after), started campaigns through
// the Store's paged reads, so no screen rescans a file or loads a whole
// journal.
//
// # Imports
//
// It sits in the centre with internal/merge. It must not import fyne, bbolt,
// excelize, msgraph or sentry, nor any adapter: internal/store,
// internal/graph, internal/outbox and internal/sheet (through cmd's
// wiring) implement its interfaces and say so at compile time. It reads no
// environment variable: cmd passes everything down.
package campaign
