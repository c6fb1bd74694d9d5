package store

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
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

// Export writes everything the database holds as one JSON document, read
// in one consistent transaction (shape in the package doc and
// docs/DATA-EXPORT.md). Campaigns are written one at a time, so memory
// stays bounded by the largest campaign.
func (db *DB) Export(w io.Writer) error {
	bw := bufio.NewWriterSize(w, 64<<10)
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
		tx.Bucket(bucketCampaigns).ForEach(func(k, _ []byte) error {
			ids = append(ids, bytes.Clone(k))
			return nil
		})
		for i, k := range ids {
			c, err := getCampaign(tx, string(k))
			if err != nil {
				return err
			}
			ec := exportedCampaign{Campaign: *c, Journal: []campaign.Entry{}}
			if ec.Snapshot, err = readSnapshot(tx, c.ID); err != nil {
				return fmt.Errorf("campaign %s snapshot: %w", c.ID, err)
			}
			if jb := tx.Bucket(bucketJournal).Bucket(k); jb != nil {
				err := jb.ForEach(func(ek, ev []byte) error {
					e, err := decodeEntry(c.ID, ek, ev)
					ec.Journal = append(ec.Journal, e)
					return err
				})
				if err != nil {
					return err
				}
			}
			if i > 0 {
				bw.WriteByte(',')
			}
			if err := enc.Encode(&ec); err != nil {
				return err
			}
		}
		bw.WriteString(`],"suppression":`)
		var sup []Suppression
		err = tx.Bucket(bucketSuppression).ForEach(func(k, v []byte) error {
			var r suppressionRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("suppression %q: %w: %w", k, ErrCorrupt, err)
			}
			sup = append(sup, Suppression{Address: string(k), Reason: r.Reason, Added: r.Added})
			return nil
		})
		if err != nil {
			return err
		}
		if sup == nil {
			sup = []Suppression{}
		}
		if err := enc.Encode(sup); err != nil {
			return err
		}
		bw.WriteString(`,"sent_log":`)
		sent := []exportedSend{}
		if err := forSent(tx, time.Time{}, func(at time.Time, n int) {
			sent = append(sent, exportedSend{At: at.UTC(), Recipients: n})
		}); err != nil {
			return err
		}
		if err := enc.Encode(sent); err != nil {
			return err
		}
		bw.WriteString(`,"settings":`)
		settings := map[string]string{}
		tx.Bucket(bucketSettings).ForEach(func(k, v []byte) error {
			settings[string(k)] = string(v)
			return nil
		})
		if err := enc.Encode(settings); err != nil {
			return err
		}
		bw.WriteString(`,"license_token":`)
		var tok []byte
		if v := tx.Bucket(bucketLicense).Get(keyToken); v != nil {
			tok = bytes.Clone(v)
		}
		if err := enc.Encode(tok); err != nil {
			return err
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
	return nil
}
