package main

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/securemerge/securemerge/assets"
	"github.com/securemerge/securemerge/internal/campaign"
	"github.com/securemerge/securemerge/internal/graph"
	"github.com/securemerge/securemerge/internal/merge"
	"github.com/securemerge/securemerge/internal/outbox"
	"github.com/securemerge/securemerge/internal/sheet"
	"github.com/securemerge/securemerge/internal/store"
	"github.com/securemerge/securemerge/internal/telemetry"
)

// The adapters implement what the application layer asks for.
var (
	_ campaign.Store        = (*store.DB)(nil)
	_ campaign.Senders      = (*senders)(nil)
	_ campaign.Mailbox      = (*mailbox)(nil)
	_ campaign.BounceReader = (*mailbox)(nil)
)

// service wires the application layer over db for one command (or the
// window): spreadsheets through internal/sheet in locale, the outbox and
// the mailbox as senders, the free plan's footer.
func (m *Main) service(db *store.DB, dataDir, locale string) *campaign.Service {
	svc := &campaign.Service{
		Sources:   sources{files: sheet.Sources{Locale: firstNonEmpty(locale, m.envLocale())}, m: m, dataDir: dataDir},
		Senders:   &senders{m: m, dataDir: dataDir},
		OutboxDir: filepath.Join(dataDir, store.OutboxName),
		Language:  m.language(),
		Now:       m.Now,
	}
	svc.Footer = freeFooter
	if db != nil { // a nil *DB in the interface would not read as "no store"
		svc.Store = db
		svc.Footer = m.footer(db, dataDir)
		// A panic in a sending goroutine cannot be recovered by the
		// command: it is recorded (reported only when opted in) with the
		// store this process holds, then ends the process as a kill would.
		svc.OnPanic = func(v any) {
			scrub := m.crashScrubber(m.args, dataDir)
			m.recordCrash(context.Background(), db, dataDir, scrub, telemetry.NewReport(v, Version, scrub))
		}
	}
	return svc
}

// footer is the one footer decision (DESIGN.md §7): the free plan's footer
// unless the cached licence token, verified offline, is a valid licence
// for the signed-in address. It never waits for the network: `securemerge
// license check` (and the licence's own background re-check) refresh the
// token. Without a cached token nothing else is looked at.
func (m *Main) footer(db *store.DB, dataDir string) func() *merge.Footer {
	var once sync.Once
	var licensed bool
	return func() *merge.Footer {
		once.Do(func() {
			if tok, err := db.LicenseToken(); err != nil || len(tok) == 0 {
				return
			}
			var quiet strings.Builder
			stderr := m.Stderr
			m.Stderr = &quiet
			addr, _ := m.licenseAddress(context.Background(), dataDir)
			m.Stderr = stderr
			if addr != "" {
				licensed = !m.licenseClient(db).Status(addr).FooterApplies()
			}
		})
		if licensed {
			return nil
		}
		return freeFooter()
	}
}

// language is the person's language from the environment, the default of
// a template's Language: header ("" means English).
func (m *Main) language() string {
	for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if v := m.getenv(k); v != "" {
			if v == "C" || strings.HasPrefix(v, "C.") || v == "POSIX" {
				return ""
			}
			return strings.ToLower(strings.SplitN(strings.SplitN(v, ".", 2)[0], "_", 2)[0])
		}
	}
	return ""
}

// freeFooter is the promotional footer of the free plan (DESIGN.md §7).
func freeFooter() *merge.Footer {
	return &merge.Footer{Text: assets.FooterText, HTML: assets.FooterHTML}
}

// senders builds the outbox and the mailbox senders.
type senders struct {
	m       *Main
	dataDir string
}

func (s *senders) Outbox(dir string, own bool) (campaign.Sender, error) {
	box := outbox.Dir{Path: dir, Batch: true, Mark: own}
	if _, err := box.RemoveTemp(); err != nil && !os.IsNotExist(err) {
		return nil, err
	}
	return outbox.Sender{Dir: box}, nil
}

func (s *senders) Mailbox(ctx context.Context) (campaign.Mailbox, error) {
	return s.m.connect(ctx, s.dataDir)
}

// mailbox is a connection to the user's Microsoft 365 mailbox.
type mailbox struct {
	client *graph.Client
	me     graph.User
}

// Address is the mailbox's address with its display name; an error when
// /me gave neither a mail address nor a usable user principal name.
func (mb *mailbox) Address() (mail.Address, error) {
	a, err := mb.me.MailboxAddress()
	if err != nil {
		return mail.Address{}, fmt.Errorf("the signed-in account (%s) has no e-mail address SecureMerge can send from: ask your administrator to give it a mailbox, or sign in with another account", firstNonEmpty(mb.me.DisplayName, mb.me.ID, "unknown account"))
	}
	return a, nil
}

func (mb *mailbox) Sender(drafts bool, sendAs string) campaign.Sender {
	return graph.NewSender(mb.client, graph.SenderOptions{Drafts: drafts, SendAs: sendAs})
}

// Bounces reads the non-delivery reports of the mailbox (or of sendAs).
func (mb *mailbox) Bounces(ctx context.Context, sendAs string, since time.Time) ([]campaign.Bounce, error) {
	return mb.client.Bounces(ctx, sendAs, since)
}

// errNotSignedIn is what a command says when there is no account.
var errNotSignedIn = errors.New("not signed in: run 'securemerge login' first (or set SECUREMERGE_ACCESS_TOKEN)")

// connect opens the mailbox and asks who it belongs to (GET /me).
func (m *Main) connect(ctx context.Context, dataDir string) (*mailbox, error) {
	tokens, auth, err := m.tokens(dataDir)
	if err != nil {
		return nil, err
	}
	if auth != nil {
		if _, ok := auth.Account(); !ok {
			return nil, errNotSignedIn
		}
	}
	client, err := graph.NewClient(graph.ClientOptions{
		BaseURL: strings.TrimSpace(m.getenv(graph.EnvGraphURL)), Tokens: tokens, UserAgent: "SecureMerge/" + Version,
	})
	if err != nil {
		return nil, err
	}
	me, err := client.Me(ctx)
	if err != nil {
		if errors.Is(err, graph.ErrNotSignedIn) {
			return nil, errors.New("not signed in: run 'securemerge login' first")
		}
		return nil, fmt.Errorf("cannot reach the mailbox: %w", err)
	}
	return &mailbox{client: client, me: me}, nil
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
