package outbox

import (
	"context"
	"errors"
	"runtime"
	"syscall"

	"github.com/securemerge/securemerge/internal/campaign"
	"github.com/securemerge/securemerge/internal/merge"
)

// Sender delivers messages by writing them as .eml files into Dir: the mode
// that needs no account. A message whose file is already there (with its
// Message-ID, see Dir.Write) counts as delivered, so a re-run or a resumed
// campaign writes nothing twice; another campaign's file of the same name
// does not. The zero
// value writes into the current directory; Sender is safe for concurrent
// use.
type Sender struct{ Dir Dir }

var _ campaign.BatchSender = Sender{}

// Flush makes every message written so far durable (see Dir.Batch); the
// Runner calls it before it records a batch as delivered.
func (s Sender) Flush() error { return s.Dir.Sync() }

// Send writes m into the folder. An existing file holding m counts as
// delivered (nil). A write failure is a *campaign.SendError: KindQuota when
// the disk is full or the file too large (ENOSPC, EFBIG, EDQUOT), which
// pauses the campaign with the reason, KindTransient otherwise (no partial
// file is ever left behind, so writing again is safe).
func (s Sender) Send(ctx context.Context, m *merge.Message) error {
	if err := ctx.Err(); err != nil {
		return &campaign.SendError{Kind: campaign.KindTransient, Message: "not written: " + err.Error(), Err: err}
	}
	_, _, err := s.Dir.Write(m)
	if err == nil {
		return nil
	}
	kind := campaign.KindTransient
	msg := err.Error()
	if diskFull(err) {
		kind = campaign.KindQuota
		msg = "the disk holding the outbox is full: " + err.Error()
	}
	return &campaign.SendError{Kind: kind, Message: msg, Err: err}
}

// Lookup reports whether m's file is already in the folder.
func (s Sender) Lookup(ctx context.Context, m *merge.Message) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, &campaign.SendError{Kind: campaign.KindTransient, Message: err.Error(), Err: err}
	}
	return s.Dir.Exists(m), nil
}

// diskFull reports whether err says the disk (or the user's quota, or the
// file system's size limit) has no room for the message.
func diskFull(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EFBIG) || isQuotaErr(err)
}

// Windows reports a full disk with its own codes, which syscall.ENOSPC does
// not match there.
const (
	errorHandleDiskFull syscall.Errno = 39  // ERROR_HANDLE_DISK_FULL
	errorDiskFull       syscall.Errno = 112 // ERROR_DISK_FULL
)

func isQuotaErr(err error) bool {
	if runtime.GOOS == "windows" {
		return errors.Is(err, errorDiskFull) || errors.Is(err, errorHandleDiskFull)
	}
	return errors.Is(err, syscall.EDQUOT)
}
