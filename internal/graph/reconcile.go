package graph

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	abs "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/securemerge/securemerge/internal/campaign"
	"github.com/securemerge/securemerge/internal/merge"
)

// The send protocol of a message (doc.go, "Exactly once", gives the
// reasoning): create it as a draft, arm it with a marker in the hidden
// MarkerFolder, send the draft. What the mailbox holds then answers
// "was it sent?" without waiting for Sent Items.

// MarkerFolder is the display name of the hidden folder that holds the
// send markers (one small item per message being sent, naming the draft's
// immutable id).
const MarkerFolder = "SecureMerge"

// markerSubject prefixes the draft id in a marker's subject.
const markerSubject = "SecureMerge send marker: "

// markerCleanupAfter is how long after a 202 the Sender waits before it
// checks whether the message reached Sent Items and, if so, deletes its
// marker. Checking earlier would mostly find the message still in transit.
const markerCleanupAfter = 30 * time.Second

// markerCleanupTries bounds the checks of one marker: a message that is
// still not in Sent Items after that many leaves its marker behind, which
// costs a small hidden item and nothing else.
const markerCleanupTries = 20

// tracked is what this process knows of one message key. The mailbox is
// the truth across processes; this only saves requests.
type tracked struct {
	draftID   string // immutable id of the draft carrying the message
	markerID  string // immutable id of its marker, "" while not armed
	sendTried bool   // a /send of draftID went out from this process
}

// cleanup is a marker to delete once its message is in Sent Items.
type cleanup struct {
	markerID, draftID string
	due               time.Time
	tries             int
}

// protocol is the Sender's per-process state. Its zero value is ready.
type protocol struct {
	mu       sync.Mutex
	keys     map[string]*tracked
	folderID string // the marker folder's id, "" until found or created
	sentID   string // the Sent Items folder's id, "" until asked
	pending  []cleanup
}

func (p *protocol) get(key string) (tracked, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	t, ok := p.keys[key]
	if !ok {
		return tracked{}, false
	}
	return *t, true
}

func (p *protocol) set(key string, t tracked) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.keys == nil {
		p.keys = map[string]*tracked{}
	}
	p.keys[key] = &t
}

func (p *protocol) forget(key string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.keys, key)
}

// sendOnce runs the protocol for m: the draft and its marker are reused
// when an earlier attempt got that far.
func (s *Sender) sendOnce(ctx context.Context, m *merge.Message, inline, separate []attachmentFile) error {
	s.tidy(ctx)
	t, _ := s.proto.get(m.Key)
	if t.draftID == "" {
		id, err := s.buildDraft(ctx, m, inline, separate)
		if err != nil {
			return err
		}
		t = tracked{draftID: id}
		s.proto.set(m.Key, t)
	}
	if t.markerID == "" {
		mid, err := s.arm(ctx, m.Key, t.draftID)
		if err != nil {
			if campaign.KindOf(err) == campaign.KindPermanent {
				s.proto.forget(m.Key)
				s.discard(ctx, t.draftID)
			}
			return err
		}
		t.markerID = mid
		s.proto.set(m.Key, t)
	}
	t.sendTried = true
	s.proto.set(m.Key, t)
	err := s.c.doExpect(ctx, http.StatusAccepted, func(ctx context.Context) error {
		return s.mailbox().Messages().ByMessageId(t.draftID).Send().Post(ctx, nil)
	})
	switch campaign.KindOf(err) {
	case campaign.KindTransient:
		if err == nil {
			s.proto.forget(m.Key)
			s.queueCleanup(t.markerID, t.draftID)
			return nil
		}
		// It may have gone: the draft and its marker stay, Lookup asks.
		return err
	case campaign.KindPermanent:
		// Refused for good (an invalid recipient): nothing was sent and the
		// row fails. The marker goes first, so that a draft never lies
		// about having been sent; if it cannot, both stay, which is
		// consistent (armed and still in Drafts: not sent).
		s.proto.forget(m.Key)
		if s.deleteItem(ctx, t.markerID) == nil {
			s.discard(ctx, t.draftID)
		}
	}
	// Throttled, auth and quota refusals sent nothing: keep draft and
	// marker for the next attempt.
	return err
}

// buildDraft creates m in Drafts with every attachment and returns its
// immutable id. A draft left half-built is deleted (best effort): nothing
// armed it, so nothing can have sent it.
func (s *Sender) buildDraft(ctx context.Context, m *merge.Message, inline, separate []attachmentFile) (string, error) {
	atts, err := fileAttachments(inline)
	if err != nil {
		return "", err
	}
	msg := s.message(m, atts)
	id, err := s.create(ctx, func(ctx context.Context) (*abs.RequestInformation, error) {
		return s.mailbox().Messages().ToPostRequestInformation(ctx, msg, nil)
	})
	if err != nil {
		return "", err
	}
	for _, f := range separate {
		if f.size < maxInlineAttachment {
			err = s.attach(ctx, id, f)
		} else {
			err = s.upload(ctx, id, f)
		}
		if err != nil {
			s.discard(ctx, id)
			return "", err
		}
	}
	return id, nil
}

// create POSTs the item build describes and returns its id; only a 201
// with an id is a creation.
func (s *Sender) create(ctx context.Context, build func(context.Context) (*abs.RequestInformation, error)) (string, error) {
	var id string
	err := s.c.doExpect(ctx, http.StatusCreated, func(ctx context.Context) error {
		ri, err := build(ctx)
		if err != nil {
			return err
		}
		// The answer is the whole message; we read only its id, so that no
		// other property of it can fail the parse after Graph created it.
		raw, err := s.c.sdk.GetAdapter().SendPrimitive(ctx, ri, "[]byte", errorMapping)
		if err != nil {
			return err
		}
		var created struct {
			ID string `json:"id"`
		}
		b, _ := raw.([]byte)
		if err := json.Unmarshal(b, &created); err != nil {
			return fmt.Errorf("created item: %w", err)
		}
		id = created.ID
		return nil
	})
	if err == nil && id == "" {
		err = &campaign.SendError{Kind: campaign.KindTransient, Message: "Microsoft Graph created an item without an id"}
	}
	return id, err
}

// arm creates the marker that says "draftID carries key and may be sent
// from now on".
func (s *Sender) arm(ctx context.Context, key, draftID string) (string, error) {
	fid, err := s.markerFolder(ctx, true)
	if err != nil {
		return "", err
	}
	marker := models.NewMessage()
	subject := markerSubject + draftID
	marker.SetSubject(&subject)
	prop := models.NewSingleValueLegacyExtendedProperty()
	propID := KeyPropertyID
	prop.SetId(&propID)
	prop.SetValue(&key)
	marker.SetSingleValueExtendedProperties([]models.SingleValueLegacyExtendedPropertyable{prop})
	return s.create(ctx, func(ctx context.Context) (*abs.RequestInformation, error) {
		return s.mailbox().MailFolders().ByMailFolderId(fid).Messages().ToPostRequestInformation(ctx, marker, nil)
	})
}

// markerFolder returns the id of the hidden marker folder, creating it when
// create is set; "" (and no error) when it does not exist and create is not.
func (s *Sender) markerFolder(ctx context.Context, create bool) (string, error) {
	s.proto.mu.Lock()
	id := s.proto.folderID
	s.proto.mu.Unlock()
	if id != "" {
		return id, nil
	}
	for attempt := 0; attempt < 2; attempt++ {
		id, err := s.findFolder(ctx)
		if err != nil || id != "" || !create {
			if id != "" {
				s.proto.mu.Lock()
				s.proto.folderID = id
				s.proto.mu.Unlock()
			}
			return id, err
		}
		f := models.NewMailFolder()
		name, hidden := MarkerFolder, true
		f.SetDisplayName(&name)
		f.SetIsHidden(&hidden)
		err = s.c.doExpect(ctx, http.StatusCreated, func(ctx context.Context) error {
			r, err := s.mailbox().MailFolders().Post(ctx, f, nil)
			if err == nil {
				id = deref(r.GetId())
			}
			return err
		})
		var se *campaign.SendError
		if errors.As(err, &se) && se.Code == "ErrorFolderExists" {
			continue // created meanwhile by another request: find it
		}
		if err != nil {
			return "", err
		}
		if id != "" {
			s.proto.mu.Lock()
			s.proto.folderID = id
			s.proto.mu.Unlock()
			return id, nil
		}
	}
	return "", &campaign.SendError{Kind: campaign.KindTransient, Message: "the SecureMerge folder could not be created in the mailbox"}
}

func (s *Sender) findFolder(ctx context.Context) (string, error) {
	filter := fmt.Sprintf("displayName eq '%s'", odataString(MarkerFolder))
	hidden := "true"
	cfg := &users.ItemMailFoldersRequestBuilderGetRequestConfiguration{
		QueryParameters: &users.ItemMailFoldersRequestBuilderGetQueryParameters{
			Filter:               &filter,
			IncludeHiddenFolders: &hidden,
			Select:               []string{"id", "displayName"},
		},
	}
	var id string
	err := s.c.do(ctx, func(ctx context.Context) error {
		r, err := s.mailbox().MailFolders().Get(ctx, cfg)
		if err != nil {
			return err
		}
		for _, f := range r.GetValue() {
			if strings.EqualFold(deref(f.GetDisplayName()), MarkerFolder) {
				id = deref(f.GetId())
				return nil
			}
		}
		return nil
	})
	return id, err
}

// where is what a GET by immutable id says of an item.
type where int

const (
	whereGone   where = iota // 404: not in any folder (in transit, or deleted)
	whereDraft               // a draft, not sent
	whereFiled               // filed elsewhere, not a draft: sent
	whereInSent              // in Sent Items
)

// locate asks where item id is.
func (s *Sender) locate(ctx context.Context, id string) (where, error) {
	cfg := &users.ItemMessagesMessageItemRequestBuilderGetRequestConfiguration{
		QueryParameters: &users.ItemMessagesMessageItemRequestBuilderGetQueryParameters{
			Select: []string{"id", "isDraft", "parentFolderId"},
		},
	}
	sentID := s.sentItemsID(ctx)
	var w where
	err := s.c.do(ctx, func(ctx context.Context) error {
		r, err := s.mailbox().Messages().ByMessageId(id).Get(ctx, cfg)
		if err != nil {
			return err
		}
		switch {
		case deref(r.GetIsDraft()):
			w = whereDraft
		case sentID != "" && deref(r.GetParentFolderId()) == sentID:
			w = whereInSent
		default:
			w = whereFiled
		}
		return nil
	})
	var se *campaign.SendError
	if errors.As(err, &se) && se.Code == "ErrorItemNotFound" {
		return whereGone, nil
	}
	return w, err
}

// sentItemsID returns the id of Sent Items, "" when it cannot be asked now.
func (s *Sender) sentItemsID(ctx context.Context) string {
	s.proto.mu.Lock()
	id := s.proto.sentID
	s.proto.mu.Unlock()
	if id != "" {
		return id
	}
	_ = s.c.do(ctx, func(ctx context.Context) error {
		r, err := s.mailbox().MailFolders().ByMailFolderId("sentitems").Get(ctx, nil)
		if err == nil {
			id = deref(r.GetId())
		}
		return err
	})
	s.proto.mu.Lock()
	s.proto.sentID = id
	s.proto.mu.Unlock()
	return id
}

// found is an item a key search returned.
type found struct{ id, subject string }

// search lists the items of folder carrying key (at most 10).
func (s *Sender) search(ctx context.Context, folder, key string) ([]found, error) {
	filter := fmt.Sprintf("singleValueExtendedProperties/Any(ep: ep/id eq '%s' and ep/value eq '%s')",
		KeyPropertyID, odataString(key))
	top := int32(10)
	cfg := &users.ItemMailFoldersItemMessagesRequestBuilderGetRequestConfiguration{
		QueryParameters: &users.ItemMailFoldersItemMessagesRequestBuilderGetQueryParameters{
			Filter: &filter,
			Select: []string{"id", "subject"},
			Top:    &top,
		},
	}
	var out []found
	err := s.c.do(ctx, func(ctx context.Context) error {
		r, err := s.mailbox().MailFolders().ByMailFolderId(folder).Messages().Get(ctx, cfg)
		if err != nil {
			return err
		}
		out = out[:0]
		for _, m := range r.GetValue() {
			out = append(out, found{id: deref(m.GetId()), subject: deref(m.GetSubject())})
		}
		return nil
	})
	return out, err
}

// lookupSent answers Lookup for a sending mailbox (doc.go, "Exactly once").
func (s *Sender) lookupSent(ctx context.Context, m *merge.Message) (bool, error) {
	if t, ok := s.proto.get(m.Key); ok {
		if !t.sendTried {
			// This process built the draft and never sent it; a previous
			// process's attempts were settled by the Lookup that handed the
			// key to this one.
			return false, nil
		}
		w, err := s.locate(ctx, t.draftID)
		if err != nil {
			return false, err
		}
		if w == whereDraft {
			return false, nil // Send sends the same draft again
		}
		s.proto.forget(m.Key)
		s.queueCleanup(t.markerID, t.draftID)
		return true, nil
	}
	// Nothing known here: a previous process (or a lost answer) may have
	// got anywhere. Ask the mailbox, most conclusive first.
	if sent, err := s.search(ctx, "sentitems", m.Key); err != nil {
		return false, err
	} else if len(sent) > 0 {
		return true, nil
	}
	armed := tracked{}
	fid, err := s.markerFolder(ctx, false)
	if err != nil {
		return false, err
	}
	if fid != "" {
		markers, err := s.search(ctx, fid, m.Key)
		if err != nil {
			return false, err
		}
		for _, mk := range markers {
			draft, ok := strings.CutPrefix(mk.subject, markerSubject)
			if !ok {
				continue
			}
			w, err := s.locate(ctx, draft)
			if err != nil {
				return false, err
			}
			if w != whereDraft {
				// Armed, and it left Drafts: it was sent.
				s.queueCleanup(mk.id, draft)
				return true, nil
			}
			armed = tracked{draftID: draft, markerID: mk.id, sendTried: true}
		}
	}
	// Unarmed drafts were never sent: delete them, so that the one message
	// that goes out is the armed draft or a fresh one.
	drafts, err := s.search(ctx, "drafts", m.Key)
	if err != nil {
		return false, err
	}
	for _, d := range drafts {
		if d.id == armed.draftID {
			continue
		}
		if err := s.deleteItem(ctx, d.id); err != nil {
			return false, err
		}
	}
	if armed.draftID != "" {
		s.proto.set(m.Key, armed)
	}
	return false, nil
}

// deleteItem deletes item id; one already gone counts as deleted.
func (s *Sender) deleteItem(ctx context.Context, id string) error {
	err := s.c.do(ctx, func(ctx context.Context) error {
		return s.mailbox().Messages().ByMessageId(id).Delete(ctx, nil)
	})
	var se *campaign.SendError
	if errors.As(err, &se) && se.Code == "ErrorItemNotFound" {
		return nil
	}
	return err
}

func (s *Sender) queueCleanup(markerID, draftID string) {
	if markerID == "" {
		return
	}
	s.proto.mu.Lock()
	defer s.proto.mu.Unlock()
	s.proto.pending = append(s.proto.pending, cleanup{markerID: markerID, draftID: draftID, due: s.c.now().Add(markerCleanupAfter)})
}

// tidy deletes at most one marker whose message has reached Sent Items: a
// marker must outlive the in-transit time, or a crash meanwhile would leave
// nothing that says the message went (doc.go). Failures are not reported:
// the marker is tried again later or left behind.
func (s *Sender) tidy(ctx context.Context) {
	s.proto.mu.Lock()
	if len(s.proto.pending) == 0 || s.c.now().Before(s.proto.pending[0].due) {
		s.proto.mu.Unlock()
		return
	}
	c := s.proto.pending[0]
	s.proto.pending = s.proto.pending[1:]
	s.proto.mu.Unlock()
	w, err := s.locate(ctx, c.draftID)
	switch {
	case err == nil && w == whereInSent:
		if s.deleteItem(ctx, c.markerID) == nil {
			return
		}
	case err == nil && w == whereDraft:
		return // not sent after all: the marker stays with its draft
	}
	if c.tries++; c.tries < markerCleanupTries {
		c.due = s.c.now().Add(markerCleanupAfter)
		s.proto.mu.Lock()
		s.proto.pending = append(s.proto.pending, c)
		s.proto.mu.Unlock()
	}
}
