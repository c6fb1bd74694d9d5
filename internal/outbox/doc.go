// Package outbox writes rendered messages as .eml files into a folder the
// user chose: the "outbox" sending mode, which needs no account. Each message
// becomes one file named by merge.Message.FileName, written atomically (a
// temporary file in the same folder, fsync, then a link or rename that never
// replaces an existing file), so that re-running a campaign never duplicates
// a message and a crash never leaves a half-written one. A file already
// under a message's name counts only when it carries that message's
// Message-ID (the per-campaign, per-row key): anything else there (another
// campaign's message for the same row, a file of the user's) is left alone
// and the message is written beside it under AltName. A folder the package
// creates for the app's own outbox (Dir.Mark) gets a MarkerName file, so that `data erase` empties only outboxes
// the app made. A summary.csv lists every row with its status.
//
// The package imports the domain (internal/merge, internal/campaign: it
// implements campaign.BatchSender) and the standard library; it must not
// import any other adapter (store, graph, ui…).
package outbox
