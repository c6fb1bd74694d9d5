package store

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"runtime/debug"
	"strings"
	"time"

	"github.com/securemerge/securemerge/internal/campaign"
	bolt "go.etcd.io/bbolt"
)

// ExportFormat and ExportVersion identify Export's document.
const (
	ExportFormat  = "securemerge-export"
	ExportVersion = 1
)

// exportedCampaign is one campaign of the export: its own fields, then its
// snapshot (null before sending started) and its journal in index order.
type exportedCampaign struct {
	campaign.Campaign
	Snapshot *campaign.Snapshot `json:"snapshot"`
	Journal  []campaign.Entry   `json:"journal"`
}

type exportedSend struct {
	At         time.Time `json:"at"`
	Recipients int       `json:"recipients"`
}

// PartialExportError is an export that skipped parts of a damaged file:
// the document was written with everything else, and lists the same parts
// under "unreadable". It wraps ErrCorrupt.
type PartialExportError struct {
	Unreadable []string // "campaign ID journal: …", "suppression: …"
}

func (e *PartialExportError) Error() string {
	return fmt.Sprintf("%v: exported what could be read; %d part(s) could not be read: %s", ErrCorrupt, len(e.Unreadable), strings.Join(e.Unreadable, "; "))
}

// Unwrap returns ErrCorrupt.
func (e *PartialExportError) Unwrap() error { return ErrCorrupt }

// Export writes everything the database holds as one JSON document, read
// in one consistent transaction (shape in the package doc and
// docs/DATA-EXPORT.md). Campaigns are written one at a time, so memory
// stays bounded by the largest campaign.
//
// A damaged file is exported as far as it can be read: each campaign, its
// snapshot and journal, and each other bucket is read on its own, a part
// whose pages make bbolt panic is left out (a journal keeps the entries read
// before the damage), the document gets an "unreadable" list naming what is
// missing, and the error is a *PartialExportError.
func (db *DB) Export(w io.Writer) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	var unreadable []string
	// rescue runs fn, turning a panic on a damaged page into a note.
	rescue := func(what string, fn func() error) (err error) {
		defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
		defer func() {
			if r := recover(); r != nil {
				unreadable = append(unreadable, fmt.Sprintf("%s: %v", what, r))
				err = nil
			}
		}()
		return fn()
	}
	err := db.view(func(tx *bolt.Tx) error {
		schema, err := schemaOf(tx)
		if err != nil {
			return err
		}
		head, err := json.Marshal(map[string]any{
			"format":   ExportFormat,
			"version":  ExportVersion,
			"exported": db.now().UTC().Format(time.RFC3339),
			"schema":   schema,
		})
		if err != nil {
			return err
		}
		bw.Write(head[:len(head)-1]) // keep the object open
		bw.WriteString(`,"campaigns":[`)
		enc := json.NewEncoder(bw)
		enc.SetEscapeHTML(false)
		var ids [][]byte
		rescue("campaigns", func() error {
			return tx.Bucket(bucketCampaigns).ForEach(func(k, _ []byte) error {
				ids = append(ids, bytes.Clone(k))
				return nil
			})
		})
		written := 0
		for _, k := range ids {
			var c *campaign.Campaign
			if err := rescue("campaign "+string(k), func() (err error) {
				c, err = getCampaign(tx, string(k))
				return err
			}); err != nil {
				return err
			}
			if c == nil {
				continue
			}
			ec := exportedCampaign{Campaign: *c, Journal: []campaign.Entry{}}
			if err := rescue("campaign "+c.ID+" snapshot", func() (err error) {
				ec.Snapshot, err = readSnapshot(tx, c.ID)
				return err
			}); err != nil {
				return fmt.Errorf("campaign %s snapshot: %w", c.ID, err)
			}
			err := rescue("campaign "+c.ID+" journal", func() error {
				jb := tx.Bucket(bucketJournal).Bucket(k)
				if jb == nil {
					return nil
				}
				return jb.ForEach(func(ek, ev []byte) error {
					e, err := decodeEntry(c.ID, ek, ev)
					ec.Journal = append(ec.Journal, e)
					return err
				})
			})
			if err != nil {
				return err
			}
			if written > 0 {
				bw.WriteByte(',')
			}
			written++
			if err := enc.Encode(&ec); err != nil {
				return err
			}
		}
		bw.WriteString(`],"suppression":`)
		sup := []Suppression{}
		err = rescue("suppression", func() error {
			return tx.Bucket(bucketSuppression).ForEach(func(k, v []byte) error {
				var r suppressionRecord
				if err := json.Unmarshal(v, &r); err != nil {
					return fmt.Errorf("suppression %q: %w: %w", k, ErrCorrupt, err)
				}
				sup = append(sup, Suppression{Address: string(k), Reason: r.Reason, Added: r.Added})
				return nil
			})
		})
		if err != nil {
			return err
		}
		if err := enc.Encode(sup); err != nil {
			return err
		}
		bw.WriteString(`,"sent_log":`)
		sent := []exportedSend{}
		if err := rescue("sent log", func() error {
			return forSent(tx, time.Time{}, func(at time.Time, n int) {
				sent = append(sent, exportedSend{At: at.UTC(), Recipients: n})
			})
		}); err != nil {
			return err
		}
		if err := enc.Encode(sent); err != nil {
			return err
		}
		bw.WriteString(`,"settings":`)
		settings := map[string]string{}
		rescue("settings", func() error {
			return tx.Bucket(bucketSettings).ForEach(func(k, v []byte) error {
				settings[string(k)] = string(v)
				return nil
			})
		})
		if err := enc.Encode(settings); err != nil {
			return err
		}
		bw.WriteString(`,"license_token":`)
		var tok []byte
		rescue("license token", func() error {
			if v := tx.Bucket(bucketLicense).Get(keyToken); v != nil {
				tok = bytes.Clone(v)
			}
			return nil
		})
		if err := enc.Encode(tok); err != nil {
			return err
		}
		if len(unreadable) > 0 {
			bw.WriteString(`,"unreadable":`)
			if err := enc.Encode(unreadable); err != nil {
				return err
			}
		}
		bw.WriteString("}\n")
		return nil
	})
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		return fmt.Errorf("export data: %w", err)
	}
	if len(unreadable) > 0 {
		return fmt.Errorf("export data: %w", &PartialExportError{Unreadable: unreadable})
	}
	return nil
}
