package store

import (
	"crypto/rand"
	"encoding/base32"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/securemerge/securemerge/internal/campaign"
	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// newID returns a fresh campaign ID: 10 random lower-case base32 characters
// (50 bits), URL-safe, not yet used in b.
func newID(b *bolt.Bucket) string {
	for {
		var r [7]byte
		rand.Read(r[:])
		id := idEncoding.EncodeToString(r[:])[:10]
		if b.Get([]byte(id)) == nil && b.Bucket([]byte(id)) == nil {
			return id
		}
	}
}

// CreateCampaign stores c with a fresh ID (set on c), Created and Updated
// set to now, and StatusDraft when c.Status is empty. c.Counts is reset.
func (db *DB) CreateCampaign(c *campaign.Campaign) error {
	now := db.now()
	cp := *c
	err := db.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketCampaigns)
		cp.ID = newID(b)
		cp.Created, cp.Updated = now, now
		if cp.Status == "" {
			cp.Status = campaign.StatusDraft
		}
		cp.Counts = campaign.Counts{}
		return putCampaign(tx, &cp)
	})
	if err != nil {
		return fmt.Errorf("create campaign %q: %w", c.Name, err)
	}
	*c = cp
	return nil
}

func putCampaign(tx *bolt.Tx, c *campaign.Campaign) error {
	stored := *c
	stored.Counts = campaign.Counts{} // kept in the counts bucket
	v, err := json.Marshal(&stored)
	if err != nil {
		return err
	}
	return tx.Bucket(bucketCampaigns).Put([]byte(c.ID), v)
}

// getCampaign reads one campaign with its counts; campaign.ErrNotFound when
// there is none.
func getCampaign(tx *bolt.Tx, id string) (*campaign.Campaign, error) {
	v := tx.Bucket(bucketCampaigns).Get([]byte(id))
	if v == nil {
		return nil, fmt.Errorf("campaign %q: %w", id, campaign.ErrNotFound)
	}
	return decodeCampaign(tx, id, v)
}

func decodeCampaign(tx *bolt.Tx, id string, v []byte) (*campaign.Campaign, error) {
	var c campaign.Campaign
	if err := json.Unmarshal(v, &c); err != nil {
		return nil, fmt.Errorf("campaign %q: %w: %w", id, ErrCorrupt, err)
	}
	cnt, err := getCounts(tx, id)
	if err != nil {
		return nil, err
	}
	c.Counts = cnt
	return &c, nil
}

// Campaign returns the campaign with this ID or, when no ID matches, the
// newest campaign with exactly this name, with Counts filled from its
// journal. campaign.ErrNotFound if none.
func (db *DB) Campaign(idOrName string) (*campaign.Campaign, error) {
	var found *campaign.Campaign
	err := db.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketCampaigns)
		if v := b.Get([]byte(idOrName)); v != nil {
			c, err := decodeCampaign(tx, idOrName, v)
			found = c
			return err
		}
		return b.ForEach(func(k, v []byte) error {
			c, err := decodeCampaign(tx, string(k), v)
			if err != nil {
				return err
			}
			if c.Name == idOrName && (found == nil || newer(c, found)) {
				found = c
			}
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	if found == nil {
		return nil, fmt.Errorf("campaign %q: %w", idOrName, campaign.ErrNotFound)
	}
	return found, nil
}

func newer(a, b *campaign.Campaign) bool {
	if !a.Created.Equal(b.Created) {
		return a.Created.After(b.Created)
	}
	return a.ID > b.ID
}

// Campaigns lists every campaign, newest first, with Counts.
func (db *DB) Campaigns() ([]*campaign.Campaign, error) {
	var list []*campaign.Campaign
	err := db.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketCampaigns).ForEach(func(k, v []byte) error {
			c, err := decodeCampaign(tx, string(k), v)
			if err != nil {
				return err
			}
			list = append(list, c)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list campaigns: %w", err)
	}
	sort.Slice(list, func(i, j int) bool { return newer(list[i], list[j]) })
	return list, nil
}

// UpdateCampaign loads the campaign, calls fn, and stores the result with
// Updated set to now, in one transaction; fn's error aborts and is returned.
// fn cannot change the ID or Created; Counts are ignored.
func (db *DB) UpdateCampaign(id string, fn func(c *campaign.Campaign) error) error {
	err := db.update(func(tx *bolt.Tx) error {
		c, err := getCampaign(tx, id)
		if err != nil {
			return err
		}
		created := c.Created
		if err := fn(c); err != nil {
			return err
		}
		c.ID, c.Created, c.Updated = id, created, db.now()
		return putCampaign(tx, c)
	})
	if err != nil {
		return fmt.Errorf("update campaign %s: %w", id, err)
	}
	return nil
}

// DuplicateCampaign copies the template, data source and settings of id
// into a new draft named name; the journal and snapshot are not copied.
func (db *DB) DuplicateCampaign(id, name string) (*campaign.Campaign, error) {
	var dup *campaign.Campaign
	err := db.update(func(tx *bolt.Tx) error {
		c, err := getCampaign(tx, id)
		if err != nil {
			return err
		}
		now := db.now()
		dup = &campaign.Campaign{
			ID:       newID(tx.Bucket(bucketCampaigns)),
			Name:     name,
			Template: c.Template,
			Data:     c.Data,
			Settings: c.Settings,
			Status:   campaign.StatusDraft,
			Created:  now,
			Updated:  now,
		}
		return putCampaign(tx, dup)
	})
	if err != nil {
		return nil, fmt.Errorf("duplicate campaign %s: %w", id, err)
	}
	return dup, nil
}

// DeleteCampaign removes a campaign with its snapshot, journal and counts.
// The sent-recipients log keeps its entries: they still count against the
// mailbox's daily budget.
func (db *DB) DeleteCampaign(id string) error {
	err := db.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketCampaigns)
		if b.Get([]byte(id)) == nil {
			return fmt.Errorf("campaign %q: %w", id, campaign.ErrNotFound)
		}
		if err := b.Delete([]byte(id)); err != nil {
			return err
		}
		if err := tx.Bucket(bucketCounts).Delete([]byte(id)); err != nil {
			return err
		}
		for _, name := range [][]byte{bucketSnapshots, bucketJournal} {
			err := tx.Bucket(name).DeleteBucket([]byte(id))
			if err != nil && err != berrors.ErrBucketNotFound {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("delete campaign %s: %w", id, err)
	}
	return nil
}

func getCounts(tx *bolt.Tx, id string) (campaign.Counts, error) {
	var c campaign.Counts
	v := tx.Bucket(bucketCounts).Get([]byte(id))
	if v == nil {
		return c, nil
	}
	if err := json.Unmarshal(v, &c); err != nil {
		return c, fmt.Errorf("counts of campaign %q: %w: %w", id, ErrCorrupt, err)
	}
	return c, nil
}

func putCounts(tx *bolt.Tx, id string, c campaign.Counts) error {
	v, err := json.Marshal(c)
	if err != nil {
		return err
	}
	return tx.Bucket(bucketCounts).Put([]byte(id), v)
}

// addCount adds d to the tally of state s.
func addCount(c *campaign.Counts, s campaign.State, d int) error {
	switch s {
	case campaign.StatePending:
		c.Pending += d
	case campaign.StateSending:
		c.Sending += d
	case campaign.StateSent:
		c.Sent += d
	case campaign.StateFailed:
		c.Failed += d
	case campaign.StateSkipped:
		c.Skipped += d
	case campaign.StateBounced:
		c.Bounced += d
	default:
		return fmt.Errorf("unknown journal state %q", s)
	}
	return nil
}
