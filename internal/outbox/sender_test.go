package outbox

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/securemerge/securemerge/internal/campaign"
)

func TestSenderSendThenLookup(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	s := Sender{Dir: Dir{Path: dir}}
	msgs := messages(t, 2)
	ctx := context.Background()
	if found, err := s.Lookup(ctx, msgs[0]); err != nil || found {
		t.Fatalf("Lookup before Send = %v, %v; want false, nil", found, err)
	}
	if err := s.Send(ctx, msgs[0]); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if found, err := s.Lookup(ctx, msgs[0]); err != nil || !found {
		t.Errorf("Lookup after Send = %v, %v; want true, nil", found, err)
	}
	if found, _ := s.Lookup(ctx, msgs[1]); found {
		t.Errorf("Lookup(%s) = true for a message never sent", msgs[1].FileName())
	}

	// A file already there counts as delivered and is left alone.
	path := filepath.Join(dir, msgs[0].FileName())
	if err := os.WriteFile(path, []byte("first copy"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := s.Send(ctx, msgs[0]); err != nil {
		t.Errorf("Send of a message already in the outbox = %v; want nil (delivered)", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "first copy" {
		t.Errorf("Send replaced an existing file; it now holds %q", b)
	}
}

func TestSenderWriteFailure(t *testing.T) {
	// A regular file where the outbox folder should be: nothing can be written.
	blocked := filepath.Join(t.TempDir(), "outbox")
	if err := os.WriteFile(blocked, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	s := Sender{Dir: Dir{Path: blocked}}
	err := s.Send(context.Background(), messages(t, 1)[0])
	var se *campaign.SendError
	if !errors.As(err, &se) {
		t.Fatalf("Send into a file = %v; want a *campaign.SendError", err)
	}
	if se.Kind != campaign.KindTransient || se.Message == "" {
		t.Errorf("Send into a file: kind %s, message %q; want transient with a reason", se.Kind, se.Message)
	}
}

func TestSenderCancelled(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s := Sender{Dir: Dir{Path: dir}}
	m := messages(t, 1)[0]
	if err := s.Send(ctx, m); campaign.KindOf(err) != campaign.KindTransient || !errors.Is(err, context.Canceled) {
		t.Errorf("Send(cancelled) = %v; want a transient error wrapping context.Canceled", err)
	}
	if s.Dir.Exists(m) {
		t.Error("Send(cancelled) wrote the message")
	}
}

func TestDiskFullIsQuota(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"ENOSPC", &fs.PathError{Op: "write", Path: "x.eml", Err: syscall.ENOSPC}, true},
		{"EFBIG wrapped", fmt.Errorf("outbox: write x.eml: %w", &fs.PathError{Op: "write", Path: "x", Err: syscall.EFBIG}), true},
		{"permission", &fs.PathError{Op: "open", Path: "x", Err: fs.ErrPermission}, false},
		{"other", errors.New("boom"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := diskFull(tt.err); got != tt.want {
				t.Errorf("diskFull(%v) = %v; want %v", tt.err, got, tt.want)
			}
		})
	}
}
