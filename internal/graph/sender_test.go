package graph

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/mail"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/securemerge/securemerge/internal/campaign"
	"github.com/securemerge/securemerge/internal/graph/graphtest"
	"github.com/securemerge/securemerge/internal/merge"
)

// fakeTokens is a TokenSource whose Refresh moves to the next token.
type fakeTokens struct {
	mu        sync.Mutex
	tokens    []string // tokens[0] is current
	refreshes int
}

func newFakeTokens(tokens ...string) *fakeTokens { return &fakeTokens{tokens: tokens} }

func (f *fakeTokens) Token(context.Context) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.tokens[0], nil
}

func (f *fakeTokens) Refresh(context.Context) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.refreshes++
	if len(f.tokens) > 1 {
		f.tokens = f.tokens[1:]
	}
	return f.tokens[0], nil
}

func (f *fakeTokens) Refreshes() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.refreshes
}

func newEmulator(t testing.TB, opt graphtest.Options) *graphtest.Server {
	t.Helper()
	srv := graphtest.NewServer(opt)
	t.Cleanup(srv.Close)
	return srv
}

func newTestClient(t testing.TB, baseURL string, tokens TokenSource) *Client {
	t.Helper()
	c, err := NewClient(ClientOptions{BaseURL: baseURL, Tokens: tokens})
	if err != nil {
		t.Fatalf("NewClient(%q) = %v", baseURL, err)
	}
	return c
}

func newTestSender(t testing.TB, srv *graphtest.Server, opt SenderOptions) *Sender {
	t.Helper()
	return NewSender(newTestClient(t, srv.URL, StaticToken("token-1")), opt)
}

// testMessage returns a message from ada@contoso.test to addr, keyed key.
func testMessage(key string, to ...string) *merge.Message {
	m := &merge.Message{
		Index:     1,
		Line:      2,
		Key:       key,
		MessageID: "<sm." + key + "@contoso.test>",
		Date:      time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC),
		From:      mail.Address{Name: "Ada Admin", Address: "ada@contoso.test"},
		Subject:   "Hello " + key,
		Text:      "Hello there",
		HTML:      "<p>Hello <b>there</b></p>",
	}
	for _, a := range to {
		m.To = append(m.To, mail.Address{Name: "Recipient", Address: a})
	}
	return m
}

// writeFile writes size random bytes to dir/name and returns an attachment
// for it and its SHA-256.
func writeFile(t testing.TB, dir, name string, size int) (merge.Attachment, string) {
	t.Helper()
	data := make([]byte, size)
	_, _ = rand.Read(data)
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	return merge.Attachment{Name: name, Path: p, ContentType: "application/pdf", Size: int64(size)}, hex.EncodeToString(sum[:])
}

func TestSendSmallMessage(t *testing.T) {
	srv := newEmulator(t, graphtest.Options{})
	s := newTestSender(t, srv, SenderOptions{})
	att, sum := writeFile(t, t.TempDir(), "offer.pdf", 200<<10)
	m := testMessage("k1", "bob@example.com")
	m.Cc = []mail.Address{{Address: "carol@example.com"}}
	m.Bcc = []mail.Address{{Address: "dave@example.com"}}
	m.ReplyTo = []mail.Address{{Address: "replies@contoso.test"}}
	m.Attachments = []merge.Attachment{att}

	if err := s.Send(context.Background(), m); err != nil {
		t.Fatalf("Send = %v", err)
	}
	got := srv.Delivered()
	if len(got) != 1 {
		t.Fatalf("Delivered() has %d messages; want 1", len(got))
	}
	d := got[0]
	if d.Key != "k1" || d.InternetMessageID != m.MessageID {
		t.Errorf("delivered key, internetMessageId = %q, %q; want %q, %q", d.Key, d.InternetMessageID, "k1", m.MessageID)
	}
	if d.Subject != m.Subject || !strings.EqualFold(d.BodyType, "html") || d.Body != m.HTML {
		t.Errorf("delivered subject %q, body %s %q; want %q, html %q", d.Subject, d.BodyType, d.Body, m.Subject, m.HTML)
	}
	if !slices.Equal(d.To, []string{"bob@example.com"}) || !slices.Equal(d.Cc, []string{"carol@example.com"}) || !slices.Equal(d.Bcc, []string{"dave@example.com"}) {
		t.Errorf("delivered To %v Cc %v Bcc %v; want bob, carol, dave", d.To, d.Cc, d.Bcc)
	}
	if len(d.Attachments) != 1 || d.Attachments[0].Name != "offer.pdf" || d.Attachments[0].SHA256 != sum {
		t.Errorf("delivered attachments %+v; want offer.pdf with sha256 %s", d.Attachments, sum)
	}
	// The first message also finds (and here creates) the marker folder:
	// draft, folder lookup, folder creation, marker, send.
	if st := srv.Stats(); st.Requests != 5 || st.SendRequests != 1 || len(st.ContentEncoding) != 0 {
		t.Errorf("Stats() = %+v; want 5 uncompressed requests, one of them a send", st)
	}
	if d := srv.Drafts(); len(d) != 0 {
		t.Errorf("Drafts() = %d after the send; want the draft gone", len(d))
	}
	// Every later message costs three: draft, marker, send (doc.go).
	if err := s.Send(context.Background(), testMessage("k2", "erin@example.com")); err != nil {
		t.Fatalf("second Send = %v", err)
	}
	if st := srv.Stats(); st.Requests != 8 {
		t.Errorf("the second message took %d requests; want 3", st.Requests-5)
	}
}

func TestSendTextOnlyMessage(t *testing.T) {
	srv := newEmulator(t, graphtest.Options{})
	s := newTestSender(t, srv, SenderOptions{})
	m := testMessage("k-text", "bob@example.com")
	m.HTML = ""
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatalf("Send = %v", err)
	}
	d := srv.Delivered()
	if len(d) != 1 || !strings.EqualFold(d[0].BodyType, "text") || d[0].Body != m.Text {
		t.Fatalf("Delivered() = %+v; want one text message with body %q", d, m.Text)
	}
}

func TestSendLargeAttachments(t *testing.T) {
	srv := newEmulator(t, graphtest.Options{})
	s := newTestSender(t, srv, SenderOptions{})
	dir := t.TempDir()
	big, bigSum := writeFile(t, dir, "video.mp4", 9<<20+12345) // three chunks
	small, smallSum := writeFile(t, dir, "note.pdf", 100<<10)
	mid, midSum := writeFile(t, dir, "scan.pdf", 2<<20+5) // inline-sized, but no room left in one request
	m := testMessage("k-large", "bob@example.com")
	m.Attachments = []merge.Attachment{small, big, mid}
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatalf("Send = %v", err)
	}
	got := srv.Delivered()
	if len(got) != 1 {
		t.Fatalf("Delivered() has %d messages; want 1", len(got))
	}
	want := map[string]string{"video.mp4": bigSum, "note.pdf": smallSum, "scan.pdf": midSum}
	if len(got[0].Attachments) != len(want) {
		t.Errorf("delivered %d attachments; want %d", len(got[0].Attachments), len(want))
	}
	for _, a := range got[0].Attachments {
		if want[a.Name] != a.SHA256 {
			t.Errorf("attachment %q sha256 = %s; want %s", a.Name, a.SHA256, want[a.Name])
		}
	}
	if got[0].Key != "k-large" {
		t.Errorf("delivered key = %q; want k-large", got[0].Key)
	}
	if d := srv.Drafts(); len(d) != 0 {
		t.Errorf("Drafts() = %d messages after sending; want none left", len(d))
	}
	if ok, err := s.Lookup(context.Background(), m); err != nil || !ok {
		t.Errorf("Lookup(sent large message) = %v, %v; want true", ok, err)
	}
}

func TestSendDrafts(t *testing.T) {
	srv := newEmulator(t, graphtest.Options{})
	s := newTestSender(t, srv, SenderOptions{Drafts: true})
	att, sum := writeFile(t, t.TempDir(), "a.pdf", 10<<10)
	m := testMessage("k-draft", "bob@example.com")
	m.Attachments = []merge.Attachment{att}
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatalf("Send = %v", err)
	}
	if d := srv.Delivered(); len(d) != 0 {
		t.Errorf("Delivered() = %d messages in Drafts mode; want 0", len(d))
	}
	drafts := srv.Drafts()
	if len(drafts) != 1 || drafts[0].Key != "k-draft" || len(drafts[0].Attachments) != 1 || drafts[0].Attachments[0].SHA256 != sum {
		t.Fatalf("Drafts() = %+v; want one draft keyed k-draft with a.pdf", drafts)
	}
	if ok, err := s.Lookup(context.Background(), m); err != nil || !ok {
		t.Errorf("Lookup(draft) = %v, %v; want true", ok, err)
	}
	if ok, err := s.Lookup(context.Background(), testMessage("k-other", "bob@example.com")); err != nil || ok {
		t.Errorf("Lookup(other key) = %v, %v; want false", ok, err)
	}
	sent := newTestSender(t, srv, SenderOptions{})
	if ok, err := sent.Lookup(context.Background(), m); err != nil || ok {
		t.Errorf("Lookup(draft) in Sent Items = %v, %v; want false", ok, err)
	}
}

func TestSendAs(t *testing.T) {
	shared := graphtest.User{ID: "22222222-2222-2222-2222-222222222222", DisplayName: "Sales", Mail: "sales@contoso.test"}
	srv := newEmulator(t, graphtest.Options{Users: []graphtest.User{shared}})
	s := newTestSender(t, srv, SenderOptions{SendAs: shared.Mail})
	m := testMessage("k-shared", "bob@example.com")
	m.From = mail.Address{Name: "Sales", Address: shared.Mail}
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatalf("Send = %v", err)
	}
	d := srv.Delivered()
	if len(d) != 1 || !strings.EqualFold(d[0].From, shared.Mail) {
		t.Fatalf("Delivered() = %+v; want one message from %s", d, shared.Mail)
	}
	if ok, err := s.Lookup(context.Background(), m); err != nil || !ok {
		t.Errorf("Lookup(sent as shared mailbox) = %v, %v; want true", ok, err)
	}
	me := newTestSender(t, srv, SenderOptions{})
	if ok, err := me.Lookup(context.Background(), m); err != nil || ok {
		t.Errorf("Lookup in my own Sent Items = %v, %v; want false", ok, err)
	}
}

func TestLookup(t *testing.T) {
	srv := newEmulator(t, graphtest.Options{})
	s := newTestSender(t, srv, SenderOptions{})
	for _, k := range []string{"a1", "b2"} {
		if err := s.Send(context.Background(), testMessage(k, "bob@example.com")); err != nil {
			t.Fatalf("Send(%s) = %v", k, err)
		}
	}
	tests := []struct {
		key  string
		want bool
	}{
		{"a1", true},
		{"b2", true},
		{"c3", false},
		{"a", false},
		{"a1' or 'x' eq 'x", false},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			got, err := s.Lookup(context.Background(), testMessage(tt.key, "bob@example.com"))
			if err != nil || got != tt.want {
				t.Errorf("Lookup(%q) = %v, %v; want %v", tt.key, got, err, tt.want)
			}
		})
	}
}

func TestSendFaults(t *testing.T) {
	tests := []struct {
		name       string
		fault      graphtest.Fault
		kind       campaign.ErrorKind
		retryAfter time.Duration
		delivered  int
	}{
		{"429 with Retry-After", graphtest.FaultThrottle, campaign.KindThrottled, 3 * time.Second, 0},
		{"503", graphtest.FaultUnavailable, campaign.KindTransient, 3 * time.Second, 0},
		{"504 after accept", graphtest.FaultTimeoutAfterAccept, campaign.KindTransient, 0, 1},
		{"dropped after accept", graphtest.FaultDropAfterAccept, campaign.KindTransient, 0, 1},
		{"dropped before", graphtest.FaultDropBefore, campaign.KindTransient, 0, 0},
		{"302 redirect", graphtest.FaultRedirect, campaign.KindTransient, 0, 0},
	}
	for _, lag := range []time.Duration{0, time.Hour} {
		for _, tt := range tests {
			t.Run(fmt.Sprintf("%s/lag=%s", tt.name, lag), func(t *testing.T) {
				srv := newEmulator(t, graphtest.Options{SentItemsLag: lag})
				srv.SetRetryAfter(3 * time.Second)
				srv.FailNextSend(1, tt.fault)
				s := newTestSender(t, srv, SenderOptions{})
				m := testMessage("k-"+tt.fault.String(), "bob@example.com")
				err := s.Send(context.Background(), m)
				var se *campaign.SendError
				if !errors.As(err, &se) {
					t.Fatalf("Send = %v; want a *campaign.SendError", err)
				}
				if se.Kind != tt.kind || se.RetryAfter != tt.retryAfter {
					t.Errorf("Send = %v (kind %v, RetryAfter %v); want kind %v, RetryAfter %v", err, se.Kind, se.RetryAfter, tt.kind, tt.retryAfter)
				}
				if st := srv.Stats(); st.SendRequests != 1 {
					t.Errorf("emulator saw %d send requests; want exactly 1 (no automatic retry)", st.SendRequests)
				}
				if n := len(srv.Delivered()); n != tt.delivered {
					t.Errorf("Delivered() = %d messages; want %d", n, tt.delivered)
				}
				// A fresh Sender is a restarted app: it knows nothing but
				// what the mailbox holds.
				for _, who := range []struct {
					name string
					s    *Sender
				}{{"same sender", s}, {"after a restart", newTestSender(t, srv, SenderOptions{})}} {
					found, err := who.s.Lookup(context.Background(), m)
					if err != nil || found != (tt.delivered == 1) {
						t.Errorf("Lookup (%s) after %s = %v, %v; want %v", who.name, tt.name, found, err, tt.delivered == 1)
					}
				}
				if tt.delivered == 0 {
					if err := s.Send(context.Background(), m); err != nil {
						t.Fatalf("Send again = %v", err)
					}
				}
				if n := len(srv.Delivered()); n != 1 {
					t.Errorf("after recovery %d delivered; want exactly 1", n)
				}
				if d := srv.Drafts(); len(d) != 0 {
					t.Errorf("after recovery %d drafts left; want none", len(d))
				}
			})
		}
	}
}

// TestLookupAfterAmbiguousCreate covers a draft whose creation was taken
// although its answer was lost: it is in Drafts, unsent, and must not
// become a second copy.
func TestLookupAfterAmbiguousCreate(t *testing.T) {
	for _, fault := range []graphtest.Fault{graphtest.FaultTimeoutAfterAccept, graphtest.FaultDropAfterAccept} {
		t.Run(fault.String(), func(t *testing.T) {
			srv := newEmulator(t, graphtest.Options{SentItemsLag: time.Hour})
			srv.FailNext(1, fault)
			s := newTestSender(t, srv, SenderOptions{})
			m := testMessage("k-create", "bob@example.com")
			if err := s.Send(context.Background(), m); campaign.KindOf(err) != campaign.KindTransient {
				t.Fatalf("Send = %v; want transient", err)
			}
			if d := srv.Drafts(); len(d) != 1 {
				t.Fatalf("Drafts() = %d; want the draft the lost answer created", len(d))
			}
			if found, err := newTestSender(t, srv, SenderOptions{}).Lookup(context.Background(), m); err != nil || found {
				t.Fatalf("Lookup = %v, %v; want not sent", found, err)
			}
			if err := s.Send(context.Background(), m); err != nil {
				t.Fatalf("Send again = %v", err)
			}
			if n, d := len(srv.Delivered()), len(srv.Drafts()); n != 1 || d != 0 {
				t.Errorf("%d delivered, %d drafts left; want 1 and 0", n, d)
			}
		})
	}
}

func TestSendLargeThrottledReusesDraft(t *testing.T) {
	srv := newEmulator(t, graphtest.Options{})
	srv.FailNextSend(1, graphtest.FaultThrottle)
	s := newTestSender(t, srv, SenderOptions{})
	big, _ := writeFile(t, t.TempDir(), "big.bin", 4<<20)
	m := testMessage("k-big-429", "bob@example.com")
	m.Attachments = []merge.Attachment{big}
	if err := s.Send(context.Background(), m); campaign.KindOf(err) != campaign.KindThrottled {
		t.Fatalf("Send = %v (%T %v); want throttled", err, errors.Unwrap(err), errors.Unwrap(err))
	}
	if d := srv.Drafts(); len(d) != 1 {
		t.Errorf("Drafts() = %d after a throttled send; want the draft kept for the next attempt", len(d))
	}
	before := srv.Stats().Requests
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatalf("second Send = %v", err)
	}
	if n := srv.Stats().Requests - before; n != 1 {
		t.Errorf("the second attempt took %d requests; want 1 (the same draft sent again, its 4 MB not uploaded twice)", n)
	}
	if d := srv.Delivered(); len(d) != 1 || len(d[0].Attachments) != 1 {
		t.Errorf("Delivered() = %+v; want 1 message with its attachment", d)
	}
}

func TestSendUnauthorizedRefreshes(t *testing.T) {
	t.Run("expired token", func(t *testing.T) {
		srv := newEmulator(t, graphtest.Options{Tokens: []string{"old"}})
		srv.ExpireTokens()
		srv.AddToken("new")
		tokens := newFakeTokens("old", "new")
		s := NewSender(newTestClient(t, srv.URL, tokens), SenderOptions{})
		if err := s.Send(context.Background(), testMessage("k-401", "bob@example.com")); err != nil {
			t.Fatalf("Send = %v; want success after one refresh", err)
		}
		if n := tokens.Refreshes(); n != 1 {
			t.Errorf("Refresh called %d times; want 1", n)
		}
		if d := srv.Delivered(); len(d) != 1 {
			t.Errorf("Delivered() = %d; want 1", len(d))
		}
	})
	t.Run("injected 401", func(t *testing.T) {
		srv := newEmulator(t, graphtest.Options{})
		srv.FailNextSend(1, graphtest.FaultUnauthorized)
		tokens := newFakeTokens("t1", "t2")
		s := NewSender(newTestClient(t, srv.URL, tokens), SenderOptions{})
		if err := s.Send(context.Background(), testMessage("k-401b", "bob@example.com")); err != nil {
			t.Fatalf("Send = %v; want success after one refresh", err)
		}
		if st := srv.Stats(); st.SendRequests != 2 || st.Accepted != 1 {
			t.Errorf("Stats() = %+v; want 2 send requests, 1 accepted", st)
		}
	})
	t.Run("still 401", func(t *testing.T) {
		srv := newEmulator(t, graphtest.Options{Tokens: []string{"old"}})
		srv.ExpireTokens()
		tokens := newFakeTokens("old")
		s := NewSender(newTestClient(t, srv.URL, tokens), SenderOptions{})
		err := s.Send(context.Background(), testMessage("k-401c", "bob@example.com"))
		var se *campaign.SendError
		if !errors.As(err, &se) || se.Kind != campaign.KindAuth || !strings.Contains(se.Message, "sign in again") {
			t.Fatalf("Send = %v; want KindAuth saying sign in again", err)
		}
		if st := srv.Stats(); st.Unauthorized != 2 || len(srv.Delivered()) != 0 {
			t.Errorf("Stats().Unauthorized = %d, delivered %d; want 2 and 0", st.Unauthorized, len(srv.Delivered()))
		}
	})
	t.Run("not signed in", func(t *testing.T) {
		srv := newEmulator(t, graphtest.Options{})
		s := NewSender(newTestClient(t, srv.URL, StaticToken("")), SenderOptions{})
		err := s.Send(context.Background(), testMessage("k-none", "bob@example.com"))
		if campaign.KindOf(err) != campaign.KindAuth || !errors.Is(err, ErrNotSignedIn) {
			t.Fatalf("Send = %v; want KindAuth wrapping ErrNotSignedIn", err)
		}
		if st := srv.Stats(); st.Requests != 0 {
			t.Errorf("emulator saw %d requests; want none without a token", st.Requests)
		}
	})
}

func TestSendPermanentAndQuota(t *testing.T) {
	t.Run("invalid recipient", func(t *testing.T) {
		srv := newEmulator(t, graphtest.Options{})
		s := newTestSender(t, srv, SenderOptions{})
		err := s.Send(context.Background(), testMessage("k-bad", "not-an-address"))
		var se *campaign.SendError
		if !errors.As(err, &se) || se.Kind != campaign.KindPermanent || se.Code != "ErrorInvalidRecipients" || se.Message == "" {
			t.Fatalf("Send(invalid recipient) = %#v; want KindPermanent ErrorInvalidRecipients with Graph's message", err)
		}
	})
	t.Run("daily recipients", func(t *testing.T) {
		srv := newEmulator(t, graphtest.Options{DailyRecipients: 2})
		s := newTestSender(t, srv, SenderOptions{})
		for i, k := range []string{"q1", "q2"} {
			if err := s.Send(context.Background(), testMessage(k, "bob@example.com")); err != nil {
				t.Fatalf("Send #%d = %v", i+1, err)
			}
		}
		err := s.Send(context.Background(), testMessage("q3", "bob@example.com"))
		var se *campaign.SendError
		if !errors.As(err, &se) || se.Kind != campaign.KindQuota || se.Code != "ErrorExceededMessageLimit" {
			t.Fatalf("Send over the daily budget = %v; want KindQuota ErrorExceededMessageLimit", err)
		}
	})
	t.Run("rate limit", func(t *testing.T) {
		srv := newEmulator(t, graphtest.Options{PerWindow: 1, Window: 10 * time.Second})
		s := newTestSender(t, srv, SenderOptions{})
		if err := s.Send(context.Background(), testMessage("r1", "bob@example.com")); err != nil {
			t.Fatalf("Send #1 = %v", err)
		}
		err := s.Send(context.Background(), testMessage("r2", "bob@example.com"))
		var se *campaign.SendError
		if !errors.As(err, &se) || se.Kind != campaign.KindThrottled || se.RetryAfter <= 0 || se.RetryAfter > 10*time.Second {
			t.Fatalf("Send over the rate = %v; want KindThrottled with 0 < RetryAfter <= 10s", err)
		}
	})
	t.Run("attachment over 150 MB", func(t *testing.T) {
		srv := newEmulator(t, graphtest.Options{})
		s := newTestSender(t, srv, SenderOptions{})
		p := filepath.Join(t.TempDir(), "huge.iso")
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.Truncate(151 << 20); err != nil { // sparse
			t.Fatal(err)
		}
		f.Close()
		m := testMessage("k-huge", "bob@example.com")
		m.Attachments = []merge.Attachment{{Name: "huge.iso", Path: p}}
		if err := s.Send(context.Background(), m); campaign.KindOf(err) != campaign.KindPermanent || !strings.Contains(err.Error(), "150 MB") {
			t.Errorf("Send(151 MB attachment) = %v; want KindPermanent mentioning 150 MB", err)
		}
		if st := srv.Stats(); st.Requests != 0 {
			t.Errorf("emulator saw %d requests; want none", st.Requests)
		}
	})
	t.Run("missing attachment", func(t *testing.T) {
		srv := newEmulator(t, graphtest.Options{})
		s := newTestSender(t, srv, SenderOptions{})
		m := testMessage("k-missing", "bob@example.com")
		m.Attachments = []merge.Attachment{{Name: "gone.pdf", Path: filepath.Join(t.TempDir(), "gone.pdf")}}
		if err := s.Send(context.Background(), m); campaign.KindOf(err) != campaign.KindPermanent || !errors.Is(err, os.ErrNotExist) {
			t.Errorf("Send(missing attachment) = %v; want KindPermanent wrapping os.ErrNotExist", err)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		srv := newEmulator(t, graphtest.Options{})
		s := newTestSender(t, srv, SenderOptions{})
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		err := s.Send(ctx, testMessage("k-cancel", "bob@example.com"))
		if campaign.KindOf(err) != campaign.KindTransient || !errors.Is(err, context.Canceled) {
			t.Errorf("Send(cancelled) = %v; want KindTransient wrapping context.Canceled", err)
		}
	})
}

func BenchmarkSendSmall(b *testing.B) {
	srv := newEmulator(b, graphtest.Options{PerWindow: 1 << 30, DailyRecipients: 1 << 30})
	s := newTestSender(b, srv, SenderOptions{})
	m := testMessage("bench", "bob@example.com")
	b.ReportAllocs()
	for b.Loop() {
		if err := s.Send(context.Background(), m); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSendLargeAttachment(b *testing.B) {
	srv := newEmulator(b, graphtest.Options{PerWindow: 1 << 30, DailyRecipients: 1 << 30})
	s := newTestSender(b, srv, SenderOptions{})
	big, _ := writeFile(b, b.TempDir(), "big.bin", 16<<20)
	m := testMessage("bench-large", "bob@example.com")
	m.Attachments = []merge.Attachment{big}
	b.SetBytes(big.Size)
	b.ReportAllocs()
	for b.Loop() {
		if err := s.Send(context.Background(), m); err != nil {
			b.Fatal(err)
		}
	}
}

func TestSendDraftsLargeAttachment(t *testing.T) {
	srv := newEmulator(t, graphtest.Options{})
	s := newTestSender(t, srv, SenderOptions{Drafts: true})
	big, sum := writeFile(t, t.TempDir(), "deck.pptx", 5<<20)
	m := testMessage("k-draft-large", "bob@example.com")
	m.Attachments = []merge.Attachment{big}
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatalf("Send = %v", err)
	}
	drafts := srv.Drafts()
	if len(drafts) != 1 || len(drafts[0].Attachments) != 1 || drafts[0].Attachments[0].SHA256 != sum {
		t.Fatalf("Drafts() = %+v; want one draft with deck.pptx (sha256 %s)", drafts, sum)
	}
	if st := srv.Stats(); st.SendRequests != 0 || len(srv.Delivered()) != 0 {
		t.Errorf("Drafts mode sent something: %d send requests, %d delivered", st.SendRequests, len(srv.Delivered()))
	}
}

func TestSendConcurrently(t *testing.T) {
	srv := newEmulator(t, graphtest.Options{})
	s := newTestSender(t, srv, SenderOptions{})
	var wg sync.WaitGroup
	errs := make([]error, 4) // Graph allows 4 concurrent requests per mailbox
	for i := range errs {
		wg.Go(func() {
			errs[i] = s.Send(context.Background(), testMessage("k-conc-"+string(rune('a'+i)), "bob@example.com"))
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Send #%d = %v", i, err)
		}
	}
	keys := map[string]bool{}
	for _, d := range srv.Delivered() {
		keys[d.Key] = true
	}
	if len(keys) != len(errs) {
		t.Errorf("delivered keys %v; want %d distinct messages", keys, len(errs))
	}
}

// TestQuotedLocalPartReachesGraph sends to an address whose local part
// needs quotes: it must arrive as the one address it is.
func TestQuotedLocalPartReachesGraph(t *testing.T) {
	srv := newEmulator(t, graphtest.Options{})
	s := newTestSender(t, srv, SenderOptions{})
	to, err := mail.ParseAddress(`"a,b"@example.org`)
	if err != nil {
		t.Fatal(err)
	}
	m := testMessage("k-quoted", "bob@example.com")
	m.To = []mail.Address{*to, {Address: "plain.name@example.org"}}
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatalf("Send = %v", err)
	}
	d := srv.Delivered()
	if len(d) != 1 || !slices.Equal(d[0].To, []string{`"a,b"@example.org`, "plain.name@example.org"}) {
		t.Errorf("delivered To = %q; want the quoted address intact and the plain one as is", d[0].To)
	}
}
