package campaign

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/securemerge/securemerge/internal/merge"
)

// Sender delivers rendered messages: the Graph mailbox, the outbox folder.
// Implementations must be safe for concurrent use.
type Sender interface {
	// Send delivers m once. It never retries by itself: the Runner decides
	// every retry. A failure is a *SendError saying what kind it is.
	Send(ctx context.Context, m *merge.Message) error
	// Lookup asks the destination whether a message with m.Key already exists
	// (sent, or in Drafts for ModeDrafts). The Runner calls it after a crash,
	// a timeout or an ambiguous error before sending again.
	Lookup(ctx context.Context, m *merge.Message) (bool, error)
}

// ErrorKind classifies a delivery failure for the Runner.
type ErrorKind int

// Kinds of delivery failure.
const (
	KindTransient ErrorKind = iota // 5xx, timeout, dropped connection: the message may or may not have gone; reconcile, then back off
	KindThrottled                  // 429: wait RetryAfter, nothing was sent
	KindPermanent                  // 4xx such as an invalid recipient: the row fails, the campaign goes on
	KindAuth                       // 401 after a silent refresh: pause, "sign in again"
	KindQuota                      // mailbox quota or sending limit exceeded: pause with the reason
)

func (k ErrorKind) String() string {
	switch k {
	case KindTransient:
		return "transient"
	case KindThrottled:
		return "throttled"
	case KindPermanent:
		return "permanent"
	case KindAuth:
		return "auth"
	case KindQuota:
		return "quota"
	}
	return fmt.Sprintf("ErrorKind(%d)", int(k))
}

// SendError is a classified delivery failure.
type SendError struct {
	Kind       ErrorKind
	RetryAfter time.Duration // KindThrottled: how long the server asked us to wait (0 = unknown)
	Code       string        // the server's error code, e.g. Graph's "ErrorInvalidRecipients"
	Message    string        // the server's message, shown to the user as the reason
	Err        error         // the underlying error, if any
}

func (e *SendError) Error() string {
	msg := e.Message
	if msg == "" && e.Err != nil {
		msg = e.Err.Error()
	}
	if e.Code != "" {
		return fmt.Sprintf("%s: %s (%s)", e.Kind, msg, e.Code)
	}
	return fmt.Sprintf("%s: %s", e.Kind, msg)
}

func (e *SendError) Unwrap() error { return e.Err }

// KindOf returns the kind of err: a *SendError's own, KindTransient for any
// other error (an unknown failure may have delivered the message).
func KindOf(err error) ErrorKind {
	var se *SendError
	if errors.As(err, &se) {
		return se.Kind
	}
	return KindTransient
}
