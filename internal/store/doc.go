// Package store keeps SecureMerge's data in one bbolt file (DESIGN.md §5):
// campaigns, the recipient snapshot taken when sending starts, the
// per-recipient journal, the sent-recipients log for the rolling 24-hour
// budget, the suppression list, settings and the cached licence token.
//
// *DB implements campaign.Store. Every method that changes state does so in
// one bbolt read-write transaction, which bbolt writes and fsyncs on commit:
// a crash or a kill leaves either the old state or the new one.
//
// # Location and locking
//
// DataDir resolves the folder (--data-dir, then $SECUREMERGE_DATA_DIR, then
// os.UserConfigDir()/SecureMerge). Open takes bbolt's exclusive file lock; a
// second SecureMerge process (or a second Open in the same process) gets an
// error wrapping campaign.ErrAlreadyRunning within Options.LockTimeout
// (1 s by default), never a hang.
//
// # Damaged files
//
// When the file is not a bbolt database, is truncated, has bad meta pages, or
// our buckets are not what this schema expects, Open moves it aside to
// securemerge.db.corrupt-YYYYMMDDTHHMMZ (never overwriting an earlier copy,
// never deleting anything) and returns a *CorruptError (wrapping ErrCorrupt)
// that says where the file was kept. Open does not start a fresh database by
// itself: the caller shows the message and the next Open creates a new, empty
// file. Full bbolt page checks (tx.Check) are too slow for every start on a
// large file; DB.Check runs them on demand.
//
// # Schema
//
// The meta bucket holds the schema version. Each entry of migrations upgrades
// the file by one version, in order; before any migration of an existing file
// the file is copied to securemerge.db.bak-v<old>. A file from a newer
// SecureMerge is refused (ErrNewerSchema) and left untouched.
//
// Buckets of schema 1:
//
//	meta         "schema" -> uint64 big-endian
//	campaigns    id -> JSON campaign.Campaign (Counts not stored here)
//	counts       id -> JSON campaign.Counts, updated in the same transaction as each Move
//	snapshots    id -> bucket {"columns" -> JSON []string, "rows" -> bucket{uint64 BE index -> JSON SnapshotRow}}
//	journal      id -> bucket{uint64 BE index -> JSON campaign.Entry}
//	sentlog      uint64 BE unix-nano + uint64 BE sequence -> uint64 BE recipient count; entries older than 48 h pruned on writes
//	suppression  canonical address (merge.CanonicalAddress: NFC lower-case local part, punycode domain) -> JSON {"reason","added"};
//	             keys of older files spelled otherwise are re-keyed by Open
//	settings     key -> value bytes
//	license      "token" -> cached licence token bytes; "seen" -> uint64 BE unix-nano, the latest time the licence client saw
//
// # Export
//
// DB.Export writes everything as one JSON document (see docs/DATA-EXPORT.md):
//
//	{"format":"securemerge-export","version":1,"exported":"RFC3339","schema":N,
//	 "campaigns":[{...campaign fields..., "snapshot":{...}|null, "journal":[entries]}],
//	 "suppression":[{"address","reason","added"}],
//	 "sent_log":[{"at":"RFC3339Nano","recipients":n}],
//	 "settings":{"key":"value"},
//	 "license_token":"base64"|null,
//	 "unreadable":["campaign ID journal: …"]}   only when parts of a damaged file could not be read
//
// # Imports
//
// store is an adapter: it imports internal/campaign (and may import
// internal/merge) and go.etcd.io/bbolt. It must not import fyne, excelize,
// msgraph, sentry, internal/graph, internal/sheet or internal/outbox.
package store
