// Package campaigntest holds test helpers for code that drives campaigns:
// senders that stop where a test needs them to, so that a pause or a cancel
// lands mid-campaign whatever the machine's speed. Test code only.
package campaigntest

import (
	"context"
	"sync"

	"github.com/securemerge/securemerge/internal/campaign"
	"github.com/securemerge/securemerge/internal/merge"
)

// Hold wraps a Sender: the first After sends go through, the others wait
// until Release is closed. Reached is closed when the first one waits.
// Make one with NewHold; it is safe for concurrent use.
type Hold struct {
	campaign.Sender
	After   int
	Reached chan struct{}
	Release chan struct{}

	mu    sync.Mutex
	count int
}

// NewHold holds the sends of s after the first after.
func NewHold(s campaign.Sender, after int) *Hold {
	return &Hold{Sender: s, After: after, Reached: make(chan struct{}), Release: make(chan struct{})}
}

// Send waits at the gate when its turn is past After, then sends.
func (h *Hold) Send(ctx context.Context, m *merge.Message) error {
	h.mu.Lock()
	h.count++
	held := h.count > h.After
	if h.count == h.After+1 {
		close(h.Reached)
	}
	h.mu.Unlock()
	if held {
		<-h.Release
	}
	return h.Sender.Send(ctx, m)
}
