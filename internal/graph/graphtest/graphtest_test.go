package graphtest

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

const testToken = "test-token"

// fakeClock is a settable Options.Now.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock { return &fakeClock{t: time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newTestServer(t *testing.T, opt Options) *Server {
	t.Helper()
	if opt.Logf == nil {
		opt.Logf = t.Logf
	}
	s := NewServer(opt)
	t.Cleanup(s.Close)
	return s
}

type reply struct {
	status int
	header http.Header
	body   []byte
}

func (r reply) errorCode(t *testing.T) string {
	t.Helper()
	var e struct {
		Error struct {
			Code       string `json:"code"`
			Message    string `json:"message"`
			InnerError struct {
				Date      string `json:"date"`
				RequestID string `json:"request-id"`
			} `json:"innerError"`
		} `json:"error"`
	}
	if err := json.Unmarshal(r.body, &e); err != nil {
		t.Fatalf("error body %q is not JSON: %v", r.body, err)
	}
	if e.Error.Message == "" || e.Error.InnerError.RequestID == "" || e.Error.InnerError.Date == "" {
		t.Errorf("error body %s lacks message, innerError.request-id or innerError.date", r.body)
	}
	return e.Error.Code
}

// call sends one request. path is relative to s.URL unless it is absolute.
func call(t *testing.T, s *Server, method, path string, body []byte, hdr map[string]string) (reply, error) {
	t.Helper()
	u := path
	if !strings.HasPrefix(path, "http") {
		u = s.URL + path
	}
	req, err := http.NewRequest(method, u, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := hdr["Authorization"]; !ok {
		req.Header.Set("Authorization", "Bearer "+testToken)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range hdr {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	resp, err := noFollow.Do(req)
	if err != nil {
		return reply{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return reply{}, err
	}
	return reply{status: resp.StatusCode, header: resp.Header, body: b}, nil
}

// noFollow shows a redirect as the answer it is, as the real client must.
var noFollow = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func mustCall(t *testing.T, s *Server, method, path string, body []byte, hdr map[string]string) reply {
	t.Helper()
	r, err := call(t, s, method, path, body, hdr)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return r
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func rcpt(addrs ...string) []map[string]any {
	var out []map[string]any
	for _, a := range addrs {
		out = append(out, map[string]any{"emailAddress": map[string]any{"name": "N " + a, "address": a}})
	}
	return out
}

// graphMessage is a message in the shape the client sends.
func graphMessage(key string, to ...string) map[string]any {
	return map[string]any{
		"subject":           "Hello " + key,
		"body":              map[string]any{"contentType": "HTML", "content": "<p>Hi <b>" + key + "</b></p>"},
		"toRecipients":      rcpt(to...),
		"internetMessageId": "<sm." + key + "@securemerge.test>",
		"singleValueExtendedProperties": []map[string]any{
			{"id": KeyPropertyID, "value": key},
		},
	}
}

func sendMailBody(t *testing.T, key string, to ...string) []byte {
	return mustJSON(t, map[string]any{"message": graphMessage(key, to...), "saveToSentItems": true})
}

func listValue(t *testing.T, r reply) []map[string]any {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("list: status %d, body %s", r.status, r.body)
	}
	var v struct {
		Context string           `json:"@odata.context"`
		Value   []map[string]any `json:"value"`
	}
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("list body %s: %v", r.body, err)
	}
	if v.Context == "" {
		t.Errorf("list body %s has no @odata.context", r.body)
	}
	return v.Value
}

func keyFilter(key string) string {
	return "$filter=" + url.QueryEscape(fmt.Sprintf("singleValueExtendedProperties/Any(ep: ep/id eq '%s' and ep/value eq '%s')", KeyPropertyID, key))
}

func idFilter(id string) string {
	return "$filter=" + url.QueryEscape(fmt.Sprintf("internetMessageId eq '%s'", id))
}

func TestMe(t *testing.T) {
	s := newTestServer(t, Options{})
	r := mustCall(t, s, "GET", "/me", nil, map[string]string{"client-request-id": "abc-123"})
	if r.status != http.StatusOK {
		t.Fatalf("GET /me = %d %s; want 200", r.status, r.body)
	}
	if got := r.header.Get("client-request-id"); got != "abc-123" {
		t.Errorf("client-request-id = %q; want the one sent, abc-123", got)
	}
	if r.header.Get("request-id") == "" {
		t.Error("GET /me has no request-id header")
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type = %q; want application/json", ct)
	}
	var me map[string]any
	if err := json.Unmarshal(r.body, &me); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"id": "11111111-1111-1111-1111-111111111111", "displayName": "Ada Admin", "mail": "ada@contoso.test", "userPrincipalName": "ada@contoso.test"}
	for k, v := range want {
		if me[k] != v {
			t.Errorf("GET /me %s = %v; want %v", k, me[k], v)
		}
	}
	if ctx, _ := me["@odata.context"].(string); !strings.HasSuffix(ctx, "/$metadata#users/$entity") {
		t.Errorf("@odata.context = %q", ctx)
	}
}

func TestAuthentication(t *testing.T) {
	s := newTestServer(t, Options{Tokens: []string{"good"}})
	tests := []struct {
		name, auth string
		want       int
	}{
		{"no header", "", 401},
		{"not bearer", "Basic Zm9vOmJhcg==", 401},
		{"unknown token", "Bearer other", 401},
		{"accepted token", "Bearer good", 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mustCall(t, s, "GET", "/me", nil, map[string]string{"Authorization": tt.auth})
			if r.status != tt.want {
				t.Fatalf("GET /me with %q = %d; want %d", tt.auth, r.status, tt.want)
			}
			if tt.want == 401 {
				if code := r.errorCode(t); code != "InvalidAuthenticationToken" {
					t.Errorf("code = %q; want InvalidAuthenticationToken", code)
				}
				if r.header.Get("WWW-Authenticate") == "" {
					t.Error("401 without WWW-Authenticate")
				}
			}
		})
	}
	s.ExpireTokens()
	r := mustCall(t, s, "GET", "/me", nil, map[string]string{"Authorization": "Bearer good"})
	if r.status != 401 || !strings.Contains(string(r.body), "expired") {
		t.Errorf("after ExpireTokens GET /me = %d %s; want 401 expired", r.status, r.body)
	}
	s.AddToken("fresh")
	if r := mustCall(t, s, "GET", "/me", nil, map[string]string{"Authorization": "Bearer fresh"}); r.status != 200 {
		t.Errorf("with the added token GET /me = %d; want 200", r.status)
	}
	if got := s.Stats().Unauthorized; got != 4 {
		t.Errorf("Stats().Unauthorized = %d; want 4", got)
	}
}

func TestExpireTokensAnyTokenMode(t *testing.T) {
	s := newTestServer(t, Options{})
	mustCall(t, s, "GET", "/me", nil, nil)
	s.ExpireTokens()
	if r := mustCall(t, s, "GET", "/me", nil, nil); r.status != 401 {
		t.Errorf("old token after ExpireTokens: %d; want 401", r.status)
	}
	if r := mustCall(t, s, "GET", "/me", nil, map[string]string{"Authorization": "Bearer refreshed"}); r.status != 200 {
		t.Errorf("new token after ExpireTokens: %d; want 200", r.status)
	}
}

func TestSendMailJSON(t *testing.T) {
	s := newTestServer(t, Options{})
	msg := graphMessage("k1", "bob@example.com")
	msg["ccRecipients"] = rcpt("carol@example.com")
	msg["bccRecipients"] = rcpt("dan@example.com")
	msg["internetMessageHeaders"] = []map[string]any{{"name": "X-Campaign", "value": "spring"}}
	content := []byte("col1,col2\n1,2\n")
	msg["attachments"] = []map[string]any{{
		"@odata.type": "#microsoft.graph.fileAttachment", "name": "data.csv",
		"contentType": "text/csv", "contentBytes": base64.StdEncoding.EncodeToString(content),
	}}
	r := mustCall(t, s, "POST", "/me/sendMail", mustJSON(t, map[string]any{"message": msg, "saveToSentItems": true}), nil)
	if r.status != http.StatusAccepted || len(r.body) != 0 {
		t.Fatalf("POST sendMail = %d %q; want 202 with an empty body", r.status, r.body)
	}
	d := s.Delivered()
	if len(d) != 1 {
		t.Fatalf("Delivered() has %d messages; want 1", len(d))
	}
	got := d[0]
	sum := sha256.Sum256(content)
	checks := []struct{ name, got, want string }{
		{"Key", got.Key, "k1"},
		{"InternetMessageID", got.InternetMessageID, "<sm.k1@securemerge.test>"},
		{"From", got.From, "ada@contoso.test"},
		{"Subject", got.Subject, "Hello k1"},
		{"BodyType", got.BodyType, "html"},
		{"Body", got.Body, "<p>Hi <b>k1</b></p>"},
		{"To", strings.Join(got.To, ","), "bob@example.com"},
		{"Cc", strings.Join(got.Cc, ","), "carol@example.com"},
		{"Bcc", strings.Join(got.Bcc, ","), "dan@example.com"},
		{"Headers", got.Headers["X-Campaign"], "spring"},
		{"SendAs", got.SendAs, ""},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("Delivered()[0].%s = %q; want %q", c.name, c.got, c.want)
		}
	}
	if len(got.Attachments) != 1 || got.Attachments[0] != (Attachment{Name: "data.csv", ContentType: "text/csv", Size: len(content), SHA256: hex.EncodeToString(sum[:])}) {
		t.Errorf("Delivered()[0].Attachments = %+v", got.Attachments)
	}
	if n := len(s.DeliveredTo("DAN@example.com")); n != 1 {
		t.Errorf("DeliveredTo(bcc, other case) = %d messages; want 1", n)
	}
	if n := len(s.DeliveredTo("nobody@example.com")); n != 0 {
		t.Errorf("DeliveredTo(nobody) = %d messages; want 0", n)
	}
	st := s.Stats()
	if st.SendRequests != 1 || st.Accepted != 1 {
		t.Errorf("Stats() = %+v; want 1 send request, 1 accepted", st)
	}
}

func TestLookup(t *testing.T) {
	s := newTestServer(t, Options{})
	for _, k := range []string{"a", "b", "it's"} {
		if r := mustCall(t, s, "POST", "/me/sendMail", sendMailBody(t, k, "x@example.com"), nil); r.status != 202 {
			t.Fatalf("sendMail %s = %d %s", k, r.status, r.body)
		}
	}
	tests := []struct {
		name, path string
		want       []string // internetMessageIds
	}{
		{"ext prop in sentitems", "/me/mailFolders/sentitems/messages?" + keyFilter("b") + "&$select=id,internetMessageId", []string{"<sm.b@securemerge.test>"}},
		{"ext prop with quote", "/me/mailFolders/SentItems/messages?" + keyFilter("it''s"), []string{"<sm.it's@securemerge.test>"}},
		{"ext prop all folders", "/me/messages?" + keyFilter("a"), []string{"<sm.a@securemerge.test>"}},
		{"ext prop unknown key", "/me/messages?" + keyFilter("zzz"), nil},
		{"ext prop in drafts", "/me/mailFolders/drafts/messages?" + keyFilter("a"), nil},
		{"message id sentitems", "/me/mailFolders/sentitems/messages?" + idFilter("<sm.a@securemerge.test>"), []string{"<sm.a@securemerge.test>"}},
		{"message id all folders", "/me/messages?" + idFilter("<sm.b@securemerge.test>"), []string{"<sm.b@securemerge.test>"}},
		{"message id drafts", "/me/mailFolders/drafts/messages?" + idFilter("<sm.b@securemerge.test>"), nil},
		{"case-insensitive keywords", "/me/messages?$filter=" + url.QueryEscape("InternetMessageId EQ '<sm.a@securemerge.test>'"), []string{"<sm.a@securemerge.test>"}},
		{"no filter", "/me/messages?$select=internetMessageId&$top=2", []string{"<sm.it's@securemerge.test>", "<sm.b@securemerge.test>"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vals := listValue(t, mustCall(t, s, "GET", tt.path, nil, nil))
			var got []string
			for _, v := range vals {
				got = append(got, fmt.Sprint(v["internetMessageId"]))
				if v["id"] == nil {
					t.Errorf("message %v has no id", v)
				}
			}
			if strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Errorf("GET %s = %q; want %q", tt.path, got, tt.want)
			}
		})
	}
	t.Run("select limits properties", func(t *testing.T) {
		vals := listValue(t, mustCall(t, s, "GET", "/me/mailFolders/sentitems/messages?"+keyFilter("a")+"&$select=id,internetMessageId", nil, nil))
		if len(vals) != 1 {
			t.Fatalf("got %d messages", len(vals))
		}
		if _, ok := vals[0]["subject"]; ok {
			t.Errorf("$select=id,internetMessageId returned subject: %v", vals[0])
		}
	})
	t.Run("expand extended property", func(t *testing.T) {
		q := "$expand=" + url.QueryEscape("singleValueExtendedProperties($filter=id eq '"+KeyPropertyID+"')")
		vals := listValue(t, mustCall(t, s, "GET", "/me/messages?"+keyFilter("a")+"&"+q, nil, nil))
		props, _ := vals[0]["singleValueExtendedProperties"].([]any)
		if len(props) != 1 || props[0].(map[string]any)["value"] != "a" {
			t.Errorf("expanded properties = %v; want the key a", props)
		}
	})
	t.Run("paging", func(t *testing.T) {
		r := mustCall(t, s, "GET", "/me/messages?$top=2", nil, nil)
		var v map[string]any
		_ = json.Unmarshal(r.body, &v)
		next, _ := v["@odata.nextLink"].(string)
		if next == "" {
			t.Fatalf("3 messages with $top=2 gave no @odata.nextLink: %s", r.body)
		}
		if vals := listValue(t, mustCall(t, s, "GET", next, nil, nil)); len(vals) != 1 {
			t.Errorf("second page has %d messages; want 1", len(vals))
		}
	})
}

func TestUnsupportedFilter(t *testing.T) {
	s := newTestServer(t, Options{})
	filters := []string{
		"subject eq 'x'",
		"internetMessageId ne '<a@b>'",
		"singleValueExtendedProperties/Any(ep: ep/value eq 'k')",
		"singleValueExtendedProperties/Any(ep: ep/id eq 'nonsense' and ep/value eq 'k')",
		"internetMessageId eq '<a@b>' or subject eq 'x'",
		"internetMessageId eq '<a@b",
	}
	for _, f := range filters {
		t.Run(f, func(t *testing.T) {
			r := mustCall(t, s, "GET", "/me/messages?$filter="+url.QueryEscape(f), nil, nil)
			if r.status != 400 || r.errorCode(t) != "ErrorInvalidUrlQueryFilter" {
				t.Errorf("GET $filter=%s = %d %s; want 400 ErrorInvalidUrlQueryFilter", f, r.status, r.body)
			}
		})
	}
}

// mimeMessage is a multipart message with an RFC 2047 subject, a
// quoted-printable HTML part and a base64 attachment.
func mimeMessage(msgID string, attachment []byte) string {
	att := base64.StdEncoding.EncodeToString(attachment)
	return "From: Ada <ada@contoso.test>\r\n" +
		"To: =?utf-8?q?Zo=C3=AB?= <zoe@example.com>, bob@example.com\r\n" +
		"Cc: carol@example.com\r\n" +
		"Subject: =?utf-8?b?" + base64.StdEncoding.EncodeToString([]byte("Café für Zoë")) + "?=\r\n" +
		"Message-ID: " + msgID + "\r\n" +
		"X-Mailer: SecureMerge\r\n" +
		"MIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=OUTER\r\n\r\n" +
		"--OUTER\r\n" +
		"Content-Type: multipart/alternative; boundary=INNER\r\n\r\n" +
		"--INNER\r\n" +
		"Content-Type: text/plain; charset=iso-8859-1\r\n" +
		"Content-Transfer-Encoding: quoted-printable\r\n\r\n" +
		"Caf=E9\r\n" +
		"--INNER\r\n" +
		"Content-Type: text/html; charset=utf-8\r\n" +
		"Content-Transfer-Encoding: quoted-printable\r\n\r\n" +
		"<p>Caf=C3=A9 =3D good</p>\r\n" +
		"--INNER--\r\n" +
		"--OUTER\r\n" +
		"Content-Type: application/pdf; name=\"r.pdf\"\r\n" +
		"Content-Disposition: attachment; filename*=utf-8''r%C3%A9sum%C3%A9.pdf\r\n" +
		"Content-Transfer-Encoding: base64\r\n\r\n" +
		att + "\r\n" +
		"--OUTER--\r\n"
}

func TestSendMailMIME(t *testing.T) {
	s := newTestServer(t, Options{})
	pdf := bytes.Repeat([]byte("%PDF-1.4 "), 100)
	raw := mimeMessage("<sm.m1@securemerge.test>", pdf)
	body := []byte(base64.StdEncoding.EncodeToString([]byte(raw)))
	r := mustCall(t, s, "POST", "/me/sendMail", body, map[string]string{"Content-Type": "text/plain"})
	if r.status != 202 {
		t.Fatalf("POST sendMail (MIME) = %d %s; want 202", r.status, r.body)
	}
	d := s.Delivered()[0]
	sum := sha256.Sum256(pdf)
	checks := []struct{ name, got, want string }{
		{"Subject", d.Subject, "Café für Zoë"},
		{"BodyType", d.BodyType, "html"},
		{"Body", d.Body, "<p>Café = good</p>"},
		{"To", strings.Join(d.To, ","), "zoe@example.com,bob@example.com"},
		{"Cc", strings.Join(d.Cc, ","), "carol@example.com"},
		{"InternetMessageID", d.InternetMessageID, "<sm.m1@securemerge.test>"},
		{"Key", d.Key, "m1"},
		{"MIME", string(d.MIME), raw},
		{"Headers", d.Headers["X-Mailer"], "SecureMerge"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("Delivered MIME %s = %q; want %q", c.name, c.got, c.want)
		}
	}
	if len(d.Attachments) != 1 || d.Attachments[0] != (Attachment{Name: "résumé.pdf", ContentType: "application/pdf", Size: len(pdf), SHA256: hex.EncodeToString(sum[:])}) {
		t.Errorf("Attachments = %+v", d.Attachments)
	}
	vals := listValue(t, mustCall(t, s, "GET", "/me/mailFolders/sentitems/messages?"+idFilter("<sm.m1@securemerge.test>"), nil, nil))
	if len(vals) != 1 {
		t.Fatalf("sentitems lookup by Message-ID found %d messages; want 1", len(vals))
	}
	if vals[0]["subject"] != "Café für Zoë" || vals[0]["hasAttachments"] != true {
		t.Errorf("sent copy = %v", vals[0])
	}
}

func gzipped(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write(b)
	_ = zw.Close()
	return buf.Bytes()
}

func TestBadInput(t *testing.T) {
	s := newTestServer(t, Options{})
	good := sendMailBody(t, "g", "bob@example.com")
	many := make([]string, 501)
	for i := range many {
		many[i] = fmt.Sprintf("r%d@example.com", i)
	}
	withMsg := func(edit func(m map[string]any)) []byte {
		m := graphMessage("e", "bob@example.com")
		edit(m)
		return mustJSON(t, map[string]any{"message": m})
	}
	tests := []struct {
		name       string
		path       string
		body       []byte
		hdr        map[string]string
		wantStatus int
		wantCode   string
	}{
		{"malformed JSON", "/me/sendMail", []byte(`{"message":{`), nil, 400, "BadRequest"},
		{"empty body", "/me/sendMail", []byte{}, nil, 400, "BadRequest"},
		{"not an object", "/me/sendMail", []byte(`[1,2]`), nil, 400, "BadRequest"},
		{"invalid UTF-8", "/me/sendMail", []byte("{\"message\":{\"subject\":\"\xff\"}}"), nil, 400, "BadRequest"},
		{"no message", "/me/sendMail", []byte(`{"saveToSentItems":true}`), nil, 400, "ErrorInvalidParameter"},
		{"wrong content type", "/me/sendMail", good, map[string]string{"Content-Type": "application/xml"}, 400, "BadRequest"},
		{"no content type", "/me/sendMail", good, map[string]string{"Content-Type": ""}, 400, "BadRequest"},
		{"unknown property", "/me/sendMail", withMsg(func(m map[string]any) { m["colour"] = "red" }), nil, 400, "RequestBodyRead"},
		{"wrong type", "/me/sendMail", withMsg(func(m map[string]any) { m["subject"] = 42 }), nil, 400, "RequestBodyRead"},
		{"bad body type", "/me/sendMail", withMsg(func(m map[string]any) { m["body"] = map[string]any{"contentType": "rtf", "content": "x"} }), nil, 400, "BadRequest"},
		{"invalid recipient", "/me/sendMail", withMsg(func(m map[string]any) { m["toRecipients"] = rcpt("not-an-address") }), nil, 400, "ErrorInvalidRecipients"},
		{"recipient without dot", "/me/sendMail", withMsg(func(m map[string]any) { m["ccRecipients"] = rcpt("bob@localhost") }), nil, 400, "ErrorInvalidRecipients"},
		{"no recipients", "/me/sendMail", withMsg(func(m map[string]any) { delete(m, "toRecipients") }), nil, 400, "ErrorInvalidRecipients"},
		{"501 recipients", "/me/sendMail", withMsg(func(m map[string]any) { m["toRecipients"] = rcpt(many...) }), nil, 400, "ErrorInvalidRecipients"},
		{"header not X-", "/me/sendMail", withMsg(func(m map[string]any) {
			m["internetMessageHeaders"] = []map[string]any{{"name": "Reply-By", "value": "x"}}
		}), nil, 400, "InvalidInternetMessageHeader"},
		{"bad extended property id", "/me/sendMail", withMsg(func(m map[string]any) {
			m["singleValueExtendedProperties"] = []map[string]any{{"id": "SecureMergeKey", "value": "x"}}
		}), nil, 400, "ErrorInvalidProperty"},
		{"bad internetMessageId", "/me/sendMail", withMsg(func(m map[string]any) { m["internetMessageId"] = "no-brackets" }), nil, 400, "ErrorInvalidInternetMessageId"},
		{"bad attachment base64", "/me/sendMail", withMsg(func(m map[string]any) {
			m["attachments"] = []map[string]any{{"@odata.type": "#microsoft.graph.fileAttachment", "name": "a", "contentBytes": "!!"}}
		}), nil, 400, "RequestBodyRead"},
		{"item attachment", "/me/sendMail", withMsg(func(m map[string]any) {
			m["attachments"] = []map[string]any{{"@odata.type": "#microsoft.graph.itemAttachment", "name": "a"}}
		}), nil, 400, "BadRequest"},
		{"MIME not base64", "/me/sendMail", []byte("From: a@b.c\r\n\r\nhi"), map[string]string{"Content-Type": "text/plain"}, 400, "ErrorMimeContentInvalidBase64String"},
		{"MIME empty", "/me/sendMail", []byte(""), map[string]string{"Content-Type": "text/plain"}, 400, "ErrorMimeContentInvalidBase64String"},
		{"MIME without headers", "/me/sendMail", []byte(base64.StdEncoding.EncodeToString([]byte("garbage without header end"))), map[string]string{"Content-Type": "text/plain"}, 400, "ErrorMimeContentInvalid"},
		{"MIME broken multipart", "/me/sendMail", []byte(base64.StdEncoding.EncodeToString([]byte("To: a@b.co\r\nContent-Type: multipart/mixed\r\n\r\nx"))), map[string]string{"Content-Type": "text/plain"}, 400, "ErrorMimeContentInvalid"},
		{"body over 4 MB", "/me/sendMail", bytes.Repeat([]byte(" "), 4<<20+1), nil, 413, "RequestEntityTooLarge"},
		{"gzip not gzip", "/me/sendMail", good, map[string]string{"Content-Encoding": "gzip"}, 400, "BadRequest"},
		{"gzip of garbage", "/me/sendMail", gzipped([]byte("not json")), map[string]string{"Content-Encoding": "gzip"}, 400, "BadRequest"},
		{"gzip bomb", "/me/sendMail", gzipped(bytes.Repeat([]byte(" "), 5<<20)), map[string]string{"Content-Encoding": "gzip"}, 413, "RequestEntityTooLarge"},
		{"brotli", "/me/sendMail", good, map[string]string{"Content-Encoding": "br"}, 400, "BadRequest"},
		{"unknown segment", "/me/teleport", nil, nil, 400, "BadRequest"},
		{"unknown root segment", "/beta/me", nil, nil, 400, "BadRequest"},
		{"wrong method", "/me/sendMail", nil, map[string]string{"X-Method": "GET"}, 405, "Request_BadRequest"},
		{"unknown user", "/users/ghost@contoso.test/sendMail", good, nil, 404, "ErrorInvalidUser"},
		{"unknown message", "/me/messages/AAMkNope", nil, map[string]string{"X-Method": "GET"}, 404, "ErrorItemNotFound"},
		{"unknown folder", "/me/mailFolders/attic/messages", nil, map[string]string{"X-Method": "GET"}, 404, "ErrorItemNotFound"},
		{"bad select", "/me/messages?$select=colour", nil, map[string]string{"X-Method": "GET"}, 400, "RequestBroker--ParseUri"},
		{"orderby", "/me/messages?$orderby=subject", nil, map[string]string{"X-Method": "GET"}, 400, "ErrorInvalidUrlQuery"},
		{"bad top", "/me/messages?$top=-1", nil, map[string]string{"X-Method": "GET"}, 400, "BadRequest"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method := "POST"
			hdr := map[string]string{}
			for k, v := range tt.hdr {
				if k == "X-Method" {
					method = v
					continue
				}
				hdr[k] = v
			}
			r := mustCall(t, s, method, tt.path, tt.body, hdr)
			if r.status != tt.wantStatus {
				t.Fatalf("%s %s = %d %s; want %d", method, tt.path, r.status, r.body, tt.wantStatus)
			}
			if code := r.errorCode(t); code != tt.wantCode {
				t.Errorf("%s %s code = %q; want %q (%s)", method, tt.path, code, tt.wantCode, r.body)
			}
		})
	}
	if n := len(s.Delivered()); n != 0 {
		t.Errorf("bad requests delivered %d messages; want 0", n)
	}
}

func TestGzipBodyAccepted(t *testing.T) {
	s := newTestServer(t, Options{})
	r := mustCall(t, s, "POST", "/me/sendMail", gzipped(sendMailBody(t, "z", "bob@example.com")), map[string]string{"Content-Encoding": "gzip"})
	if r.status != 202 {
		t.Fatalf("gzip sendMail = %d %s; want 202", r.status, r.body)
	}
	if got := s.Stats().ContentEncoding["gzip"]; got != 1 {
		t.Errorf("Stats().ContentEncoding[gzip] = %d; want 1", got)
	}
	if d := s.Delivered(); len(d) != 1 || d[0].Key != "z" {
		t.Errorf("Delivered() = %+v; want the message with key z", d)
	}
}

func TestMessageRateLimit(t *testing.T) {
	clock := newClock()
	s := newTestServer(t, Options{Now: clock.Now, PerWindow: 30, Window: 300 * time.Millisecond})
	for i := range 30 {
		if r := mustCall(t, s, "POST", "/me/sendMail", sendMailBody(t, fmt.Sprint(i), "bob@example.com"), nil); r.status != 202 {
			t.Fatalf("message %d = %d %s; want 202", i+1, r.status, r.body)
		}
		clock.Advance(time.Millisecond)
	}
	r := mustCall(t, s, "POST", "/me/sendMail", sendMailBody(t, "31", "bob@example.com"), nil)
	if r.status != 429 || r.errorCode(t) != "ApplicationThrottled" {
		t.Fatalf("31st message = %d %s; want 429 ApplicationThrottled", r.status, r.body)
	}
	if got := r.header.Get("Retry-After"); got != "1" {
		t.Errorf("Retry-After = %q; want 1 (270 ms rounded up to whole seconds)", got)
	}
	if got := r.header.Get("X-Retry-After-Ms"); got != "270" {
		t.Errorf("X-Retry-After-Ms = %q; want 270 (the first message leaves the window then)", got)
	}
	if n := len(s.Delivered()); n != 30 {
		t.Errorf("after a 429, Delivered() = %d; want 30 (nothing accepted)", n)
	}
	if vals := listValue(t, mustCall(t, s, "GET", "/me/messages?"+keyFilter("31"), nil, nil)); len(vals) != 0 {
		t.Errorf("a throttled message is in the mailbox: %v", vals)
	}
	clock.Advance(270 * time.Millisecond)
	if r := mustCall(t, s, "POST", "/me/sendMail", sendMailBody(t, "31", "bob@example.com"), nil); r.status != 202 {
		t.Errorf("after the window moved = %d %s; want 202", r.status, r.body)
	}
	if r := mustCall(t, s, "POST", "/me/sendMail", sendMailBody(t, "32", "bob@example.com"), nil); r.status != 429 {
		t.Errorf("one slot freed, second send = %d; want 429", r.status)
	}
	st := s.Stats()
	if st.Throttled != 2 || st.Accepted != 31 {
		t.Errorf("Stats() Throttled=%d Accepted=%d; want 2 and 31", st.Throttled, st.Accepted)
	}
}

func TestMailboxConcurrency(t *testing.T) {
	s := newTestServer(t, Options{})
	s.SetLatency(400 * time.Millisecond)
	var wg sync.WaitGroup
	replies := make([]reply, 5)
	for i := range replies {
		wg.Go(func() {
			replies[i] = mustCall(t, s, "GET", "/me/messages", nil, nil)
		})
	}
	wg.Wait()
	throttled := 0
	for _, r := range replies {
		switch r.status {
		case 200:
		case 429:
			throttled++
			if r.errorCode(t) != "ApplicationThrottled" || !strings.Contains(string(r.body), "MailboxConcurrency") || r.header.Get("Retry-After") == "" {
				t.Errorf("concurrency 429 = %s %v; want ApplicationThrottled MailboxConcurrency with Retry-After", r.body, r.header)
			}
		default:
			t.Errorf("status %d %s", r.status, r.body)
		}
	}
	if throttled != 1 {
		t.Errorf("5 concurrent requests got %d 429s; want exactly 1", throttled)
	}
	if st := s.Stats(); st.MaxConcurrent != 5 || st.Throttled != 1 {
		t.Errorf("Stats() MaxConcurrent=%d Throttled=%d; want 5 and 1", st.MaxConcurrent, st.Throttled)
	}
	// Another mailbox has its own four slots.
	if st := s.Stats(); st.Requests != 5 {
		t.Errorf("Requests = %d; want 5", st.Requests)
	}
}

func TestDailyRecipients(t *testing.T) {
	clock := newClock()
	s := newTestServer(t, Options{Now: clock.Now, DailyRecipients: 5, DayLength: time.Hour})
	send := func(key string, to ...string) reply {
		return mustCall(t, s, "POST", "/me/sendMail", sendMailBody(t, key, to...), nil)
	}
	if r := send("a", "a@example.com", "b@example.com"); r.status != 202 {
		t.Fatalf("first = %d %s", r.status, r.body)
	}
	clock.Advance(30 * time.Minute)
	if r := send("b", "a@example.com", "b@example.com", "c@example.com"); r.status != 202 {
		t.Fatalf("second = %d %s", r.status, r.body)
	}
	r := send("c", "d@example.com")
	if r.status != 403 || r.errorCode(t) != "ErrorExceededMessageLimit" || !strings.Contains(string(r.body), "recipients per day") {
		t.Fatalf("6th recipient = %d %s; want 403 ErrorExceededMessageLimit", r.status, r.body)
	}
	if n := len(s.Delivered()); n != 2 {
		t.Errorf("Delivered() = %d; want 2", n)
	}
	clock.Advance(30 * time.Minute) // the first two recipients leave the rolling day
	if r := send("c", "d@example.com", "e@example.com"); r.status != 202 {
		t.Errorf("after the day rolled = %d %s; want 202", r.status, r.body)
	}
	if got := s.Stats().QuotaRefused; got != 1 {
		t.Errorf("QuotaRefused = %d; want 1", got)
	}
}

func TestFaults(t *testing.T) {
	tests := []struct {
		fault         Fault
		wantStatus    int // 0: connection error
		wantCode      string
		wantDelivered int
	}{
		{FaultThrottle, 429, "ApplicationThrottled", 0},
		{FaultUnavailable, 503, "ServiceUnavailable", 0},
		{FaultTimeoutAfterAccept, 504, "UnknownError", 1},
		{FaultDropAfterAccept, 0, "", 1},
		{FaultDropBefore, 0, "", 0},
		{FaultUnauthorized, 401, "InvalidAuthenticationToken", 0},
	}
	for _, tt := range tests {
		for _, path := range []string{"sendMail", "draft"} {
			t.Run(tt.fault.String()+"/"+path, func(t *testing.T) {
				s := newTestServer(t, Options{})
				s.SetRetryAfter(1500 * time.Millisecond)
				target := "/me/sendMail"
				body := sendMailBody(t, "f", "bob@example.com")
				if path == "draft" {
					r := mustCall(t, s, "POST", "/me/messages", mustJSON(t, graphMessage("f", "bob@example.com")), nil)
					var m map[string]any
					_ = json.Unmarshal(r.body, &m)
					target, body = "/me/messages/"+fmt.Sprint(m["id"])+"/send", nil
				}
				s.FailNext(1, tt.fault)
				r, err := call(t, s, "POST", target, body, nil)
				if tt.wantStatus == 0 {
					if err == nil {
						t.Fatalf("%v: got %d %s; want a connection error", tt.fault, r.status, r.body)
					}
				} else {
					if err != nil {
						t.Fatalf("%v: %v", tt.fault, err)
					}
					if r.status != tt.wantStatus || r.errorCode(t) != tt.wantCode {
						t.Fatalf("%v: got %d %s; want %d %s", tt.fault, r.status, r.body, tt.wantStatus, tt.wantCode)
					}
					if tt.fault == FaultThrottle || tt.fault == FaultUnavailable {
						if got := r.header.Get("Retry-After"); got != "2" {
							t.Errorf("Retry-After = %q; want 2 (1.5 s rounded up)", got)
						}
					}
				}
				if n := len(s.Delivered()); n != tt.wantDelivered {
					t.Errorf("%v: Delivered() = %d; want %d", tt.fault, n, tt.wantDelivered)
				}
				if got := s.Stats().Injected[tt.fault]; got != 1 {
					t.Errorf("Stats().Injected[%v] = %d; want 1", tt.fault, got)
				}
				// The fault is used up: the next request behaves normally,
				// and for post-accept faults reconciliation finds the message.
				vals := listValue(t, mustCall(t, s, "GET", "/me/mailFolders/sentitems/messages?"+keyFilter("f"), nil, nil))
				if len(vals) != tt.wantDelivered {
					t.Errorf("%v: sentitems lookup found %d; want %d", tt.fault, len(vals), tt.wantDelivered)
				}
				if tt.wantDelivered == 0 {
					if r := mustCall(t, s, "POST", target, body, nil); r.status != 202 {
						t.Errorf("%v: retry = %d %s; want 202", tt.fault, r.status, r.body)
					}
				}
			})
		}
	}
}

func TestPostAcceptFaultWaitsForAcceptedRequest(t *testing.T) {
	s := newTestServer(t, Options{})
	s.FailNext(1, FaultTimeoutAfterAccept)
	bad := mustJSON(t, map[string]any{"message": graphMessage("x", "not an address")})
	if r := mustCall(t, s, "POST", "/me/sendMail", bad, nil); r.status != 400 {
		t.Fatalf("invalid message = %d; want 400", r.status)
	}
	if r := mustCall(t, s, "POST", "/me/sendMail", sendMailBody(t, "y", "bob@example.com"), nil); r.status != 504 {
		t.Errorf("next valid message = %d; want the queued 504", r.status)
	}
}

func TestFaultRate(t *testing.T) {
	s := newTestServer(t, Options{Seed: 7})
	s.SetFaultRate(1, FaultThrottle, FaultUnavailable)
	for i := range 10 {
		r := mustCall(t, s, "POST", "/me/sendMail", sendMailBody(t, fmt.Sprint(i), "bob@example.com"), nil)
		if r.status != 429 && r.status != 503 {
			t.Fatalf("with fault rate 1, send = %d; want 429 or 503", r.status)
		}
	}
	st := s.Stats()
	if st.Injected[FaultThrottle]+st.Injected[FaultUnavailable] != 10 || st.Injected[FaultThrottle] == 0 || st.Injected[FaultUnavailable] == 0 {
		t.Errorf("Injected = %v; want 10 split between both kinds", st.Injected)
	}
	if st.Throttled != 0 {
		t.Errorf("injected throttles counted as limit refusals: Throttled = %d", st.Throttled)
	}
	s.SetFaultRate(0)
	if r := mustCall(t, s, "POST", "/me/sendMail", sendMailBody(t, "ok", "bob@example.com"), nil); r.status != 202 {
		t.Errorf("fault rate 0: send = %d; want 202", r.status)
	}
}

func createDraft(t *testing.T, s *Server, key string) map[string]any {
	t.Helper()
	r := mustCall(t, s, "POST", "/me/messages", mustJSON(t, graphMessage(key, "bob@example.com")), nil)
	if r.status != http.StatusCreated {
		t.Fatalf("POST /me/messages = %d %s; want 201", r.status, r.body)
	}
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestDrafts(t *testing.T) {
	s := newTestServer(t, Options{})
	m := createDraft(t, s, "d1")
	id, _ := m["id"].(string)
	if id == "" || m["isDraft"] != true || m["internetMessageId"] != "<sm.d1@securemerge.test>" {
		t.Fatalf("draft = %v; want id, isDraft true, our internetMessageId", m)
	}
	if n := len(s.Delivered()); n != 0 {
		t.Errorf("a draft was delivered")
	}
	if d := s.Drafts(); len(d) != 1 || d[0].Key != "d1" {
		t.Errorf("Drafts() = %+v; want the draft d1", d)
	}
	vals := listValue(t, mustCall(t, s, "GET", "/me/mailFolders/drafts/messages?"+idFilter("<sm.d1@securemerge.test>"), nil, nil))
	if len(vals) != 1 || vals[0]["id"] != id {
		t.Errorf("drafts lookup = %v; want the draft", vals)
	}
	att := map[string]any{"@odata.type": "#microsoft.graph.fileAttachment", "name": "a.txt", "contentType": "text/plain", "contentBytes": base64.StdEncoding.EncodeToString([]byte("hello"))}
	r := mustCall(t, s, "POST", "/me/messages/"+id+"/attachments", mustJSON(t, att), nil)
	if r.status != 201 || !strings.Contains(string(r.body), `"size":5`) {
		t.Fatalf("POST attachments = %d %s; want 201 with size 5", r.status, r.body)
	}
	big := map[string]any{"@odata.type": "#microsoft.graph.fileAttachment", "name": "big.bin", "contentBytes": base64.StdEncoding.EncodeToString(make([]byte, 3<<20+1))}
	if r := mustCall(t, s, "POST", "/me/messages/"+id+"/attachments", mustJSON(t, big), nil); r.status != 413 {
		t.Errorf("POST attachment over 3 MB = %d; want 413", r.status)
	}
	if r := mustCall(t, s, "POST", "/me/messages/"+id+"/send", nil, nil); r.status != 202 || len(r.body) != 0 {
		t.Fatalf("POST send = %d %s; want 202", r.status, r.body)
	}
	if d := s.Drafts(); len(d) != 0 {
		t.Errorf("after send Drafts() = %d; want 0", len(d))
	}
	d := s.Delivered()
	if len(d) != 1 || d[0].Key != "d1" || len(d[0].Attachments) != 1 || d[0].Attachments[0].Size != 5 {
		t.Fatalf("Delivered() = %+v; want d1 with a 5-byte attachment", d)
	}
	if d[0].ID == id {
		t.Errorf("the sent copy kept the draft's id %s; Exchange gives it a new one", id)
	}
	if r := mustCall(t, s, "POST", "/me/messages/"+id+"/send", nil, nil); r.status != 404 {
		t.Errorf("sending the same draft again = %d; want 404 (it moved to sentitems)", r.status)
	}
	if vals := listValue(t, mustCall(t, s, "GET", "/me/mailFolders/sentitems/messages?"+keyFilter("d1"), nil, nil)); len(vals) != 1 || vals[0]["isDraft"] != false {
		t.Errorf("sentitems lookup = %v; want one sent message", vals)
	}
	if r := mustCall(t, s, "POST", "/me/messages/"+d[0].ID+"/attachments", mustJSON(t, att), nil); r.status != 403 {
		t.Errorf("attachment on a sent message = %d; want 403", r.status)
	}
	m2 := createDraft(t, s, "d2")
	if r := mustCall(t, s, "DELETE", "/me/messages/"+m2["id"].(string), nil, nil); r.status != 204 {
		t.Errorf("DELETE draft = %d; want 204", r.status)
	}
	if n := len(s.Drafts()); n != 0 {
		t.Errorf("deleted draft still in Drafts()")
	}
}

func TestDraftMIME(t *testing.T) {
	s := newTestServer(t, Options{})
	raw := mimeMessage("<sm.dm@securemerge.test>", []byte("x"))
	r := mustCall(t, s, "POST", "/me/messages", []byte(base64.StdEncoding.EncodeToString([]byte(raw))), map[string]string{"Content-Type": "text/plain"})
	if r.status != 201 {
		t.Fatalf("POST /me/messages (MIME) = %d %s", r.status, r.body)
	}
	var m map[string]any
	_ = json.Unmarshal(r.body, &m)
	if m["internetMessageId"] != "<sm.dm@securemerge.test>" || m["subject"] != "Café für Zoë" || m["isDraft"] != true {
		t.Errorf("MIME draft = %v", m)
	}
}

func startUpload(t *testing.T, s *Server, size int) (draftID, uploadURL string) {
	t.Helper()
	m := createDraft(t, s, "u")
	draftID = m["id"].(string)
	req := map[string]any{"AttachmentItem": map[string]any{"attachmentType": "file", "name": "big.bin", "size": size, "contentType": "application/octet-stream"}}
	r := mustCall(t, s, "POST", "/me/messages/"+draftID+"/attachments/createUploadSession", mustJSON(t, req), nil)
	if r.status != 201 {
		t.Fatalf("createUploadSession = %d %s; want 201", r.status, r.body)
	}
	var sess struct {
		UploadURL  string   `json:"uploadUrl"`
		Expiration string   `json:"expirationDateTime"`
		Next       []string `json:"nextExpectedRanges"`
	}
	if err := json.Unmarshal(r.body, &sess); err != nil {
		t.Fatal(err)
	}
	if sess.UploadURL == "" || sess.Expiration == "" || len(sess.Next) != 1 || sess.Next[0] != "0-" {
		t.Fatalf("upload session = %s", r.body)
	}
	return draftID, sess.UploadURL
}

func putChunk(t *testing.T, s *Server, uploadURL string, data []byte, start, total int, hdr map[string]string) reply {
	t.Helper()
	h := map[string]string{"Authorization": "", "Content-Type": "application/octet-stream",
		"Content-Range": fmt.Sprintf("bytes %d-%d/%d", start, start+len(data)-1, total)}
	for k, v := range hdr {
		h[k] = v
	}
	return mustCall(t, s, "PUT", uploadURL, data, h)
}

func TestUploadSession(t *testing.T) {
	s := newTestServer(t, Options{})
	const chunk = 320 << 10
	data := make([]byte, 3*chunk+1234)
	for i := range data {
		data[i] = byte(i * 7)
	}
	draftID, uploadURL := startUpload(t, s, len(data))

	tests := []struct {
		name       string
		body       []byte
		start      int
		hdr        map[string]string
		wantStatus int
	}{
		{"authorization header refused", data[:chunk], 0, map[string]string{"Authorization": "Bearer " + testToken}, 401},
		{"invalid content range", data[:chunk], 0, map[string]string{"Content-Range": "bytes=0-10"}, 400},
		{"missing content range", data[:chunk], 0, map[string]string{"Content-Range": ""}, 400},
		{"wrong total", data[:chunk], 0, map[string]string{"Content-Range": fmt.Sprintf("bytes 0-%d/%d", chunk-1, len(data)+1)}, 400},
		{"body shorter than range", data[:chunk], 0, map[string]string{"Content-Range": fmt.Sprintf("bytes 0-%d/%d", chunk, len(data))}, 400},
		{"out of order", data[chunk : 2*chunk], chunk, nil, 416},
		{"first chunk", data[:chunk], 0, nil, 200},
		{"repeated chunk", data[:chunk], 0, nil, 416},
		{"second chunk", data[chunk : 2*chunk], chunk, nil, 200},
		{"third chunk", data[2*chunk : 3*chunk], 2 * chunk, nil, 200},
		{"last chunk", data[3*chunk:], 3 * chunk, nil, 201},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := putChunk(t, s, uploadURL, tt.body, tt.start, len(data), tt.hdr)
			if r.status != tt.wantStatus {
				t.Fatalf("PUT %s = %d %s; want %d", tt.name, r.status, r.body, tt.wantStatus)
			}
			switch r.status {
			case 200:
				var v struct{ NextExpectedRanges []string }
				_ = json.Unmarshal(r.body, &v)
				if want := fmt.Sprint(tt.start + len(tt.body)); len(v.NextExpectedRanges) != 1 || v.NextExpectedRanges[0] != want {
					t.Errorf("nextExpectedRanges = %v; want [%s]", v.NextExpectedRanges, want)
				}
			case 201:
				if r.header.Get("Location") == "" {
					t.Error("final chunk answer has no Location")
				}
			default:
				r.errorCode(t)
			}
		})
	}
	if r := mustCall(t, s, "POST", "/me/messages/"+draftID+"/send", nil, nil); r.status != 202 {
		t.Fatalf("send = %d %s", r.status, r.body)
	}
	sum := sha256.Sum256(data)
	d := s.Delivered()
	if len(d) != 1 || len(d[0].Attachments) != 1 || d[0].Attachments[0].SHA256 != hex.EncodeToString(sum[:]) || d[0].Attachments[0].Size != len(data) {
		t.Errorf("delivered attachments = %+v; want big.bin with the uploaded bytes", d)
	}
	if r := putChunk(t, s, uploadURL, data[:10], 0, len(data), nil); r.status != 404 {
		t.Errorf("PUT to a finished session = %d; want 404", r.status)
	}
}

func TestUploadSessionLimits(t *testing.T) {
	s := newTestServer(t, Options{})
	_, uploadURL := startUpload(t, s, 10<<20)
	if r := putChunk(t, s, uploadURL, make([]byte, 4<<20+1), 0, 10<<20, nil); r.status != 413 {
		t.Errorf("chunk over 4 MiB = %d; want 413", r.status)
	}
	m := createDraft(t, s, "big")
	req := map[string]any{"AttachmentItem": map[string]any{"attachmentType": "file", "name": "huge", "size": 150<<20 + 1}}
	if r := mustCall(t, s, "POST", "/me/messages/"+m["id"].(string)+"/attachments/createUploadSession", mustJSON(t, req), nil); r.status != 400 {
		t.Errorf("upload session over 150 MB = %d; want 400", r.status)
	}
	if r := mustCall(t, s, "PUT", uploadURL+"x", []byte("a"), map[string]string{"Authorization": "", "Content-Range": "bytes 0-0/1"}); r.status != 401 {
		t.Errorf("PUT with a wrong authtoken = %d; want 401", r.status)
	}
}

func TestUsers(t *testing.T) {
	s := newTestServer(t, Options{})
	search := "/users?$search=" + url.QueryEscape(`"displayName:jo"`)
	r := mustCall(t, s, "GET", search, nil, nil)
	if r.status != 400 || r.errorCode(t) != "Request_UnsupportedQuery" || !strings.Contains(string(r.body), "ConsistencyLevel") {
		t.Fatalf("$search without ConsistencyLevel = %d %s; want 400 Request_UnsupportedQuery", r.status, r.body)
	}
	eventual := map[string]string{"ConsistencyLevel": "eventual"}
	vals := listValue(t, mustCall(t, s, "GET", search+"&$select=id,displayName,mail,userPrincipalName,jobTitle&$top=999", nil, eventual))
	// John ×5, Joanna ×5, Jordan ×5, José ×5, and the Johnsons of the other first names.
	if len(vals) != 26 {
		t.Errorf("$search displayName:jo found %d users; want 26", len(vals))
	}
	for _, v := range vals {
		name := strings.ToLower(fmt.Sprint(v["displayName"]))
		if !strings.HasPrefix(name, "jo") && !strings.Contains(name, " jo") {
			t.Errorf("%q does not match jo", name)
		}
		for _, k := range []string{"id", "displayName", "mail", "userPrincipalName", "jobTitle"} {
			if v[k] == nil {
				t.Errorf("user %v lacks %s", v, k)
			}
		}
	}
	if vals := listValue(t, mustCall(t, s, "GET", search+"&$top=3", nil, eventual)); len(vals) != 3 {
		t.Errorf("$top=3 gave %d users", len(vals))
	}
	if vals := listValue(t, mustCall(t, s, "GET", "/users?$search="+url.QueryEscape(`"mail:zoe" OR "displayName:ada"`), nil, eventual)); len(vals) != 6 {
		t.Errorf("OR search gave %d users; want 6", len(vals))
	}
	if r := mustCall(t, s, "GET", "/users?$search="+url.QueryEscape("displayName:jo"), nil, eventual); r.status != 400 {
		t.Errorf("unquoted $search = %d; want 400", r.status)
	}
	if r := mustCall(t, s, "GET", "/users/john.smith@contoso.test", nil, nil); r.status != 200 || !strings.Contains(string(r.body), "John Smith") {
		t.Errorf("GET /users/{upn} = %d %s", r.status, r.body)
	}
}

func TestSendAsSharedMailbox(t *testing.T) {
	shared := User{ID: "22222222-2222-2222-2222-222222222222", DisplayName: "Sales", Mail: "sales@contoso.test"}
	s := newTestServer(t, Options{Users: []User{shared}})
	if r := mustCall(t, s, "POST", "/users/sales@contoso.test/sendMail", sendMailBody(t, "s1", "bob@example.com"), nil); r.status != 202 {
		t.Fatalf("send-as = %d %s", r.status, r.body)
	}
	d := s.Delivered()[0]
	if d.From != "sales@contoso.test" || d.SendAs != "sales@contoso.test" {
		t.Errorf("send-as From=%q SendAs=%q; want sales@contoso.test", d.From, d.SendAs)
	}
	if vals := listValue(t, mustCall(t, s, "GET", "/users/"+shared.ID+"/mailFolders/sentitems/messages?"+keyFilter("s1"), nil, nil)); len(vals) != 1 {
		t.Errorf("shared mailbox sentitems has %d; want 1", len(vals))
	}
	if vals := listValue(t, mustCall(t, s, "GET", "/me/messages?"+keyFilter("s1"), nil, nil)); len(vals) != 0 {
		t.Errorf("the signed-in mailbox sees the shared mailbox's message")
	}
}

func TestConcurrentClients(t *testing.T) {
	s := newTestServer(t, Options{Concurrency: 100, PerWindow: 1000, Logf: func(string, ...any) {}})
	s.SetFaultRate(0.2, FaultTimeoutAfterAccept, FaultThrottle)
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			key := fmt.Sprint("c", i)
			for attempt := 0; attempt < 20; attempt++ {
				r, err := call(t, s, "POST", "/me/sendMail", sendMailBody(t, key, key+"@example.com"), nil)
				if err != nil {
					t.Error(err)
					return
				}
				if r.status == 202 {
					return
				}
				found, err := call(t, s, "GET", "/me/mailFolders/sentitems/messages?"+keyFilter(key), nil, nil)
				if err == nil && found.status == 200 && strings.Contains(string(found.body), key) {
					return
				}
			}
			t.Errorf("%s never got through", key)
		})
	}
	wg.Wait()
	for i := range 50 {
		addr := fmt.Sprint("c", i, "@example.com")
		if n := len(s.DeliveredTo(addr)); n != 1 {
			t.Errorf("DeliveredTo(%s) = %d; want exactly 1 (reconciled)", addr, n)
		}
	}
	_ = s.Stats()
}

func TestReset(t *testing.T) {
	s := newTestServer(t, Options{})
	mustCall(t, s, "POST", "/me/sendMail", sendMailBody(t, "r", "bob@example.com"), nil)
	s.FailNext(3, FaultThrottle)
	s.Reset()
	if len(s.Delivered()) != 0 || s.Stats().Requests != 0 {
		t.Errorf("Reset kept deliveries or stats")
	}
	if r := mustCall(t, s, "POST", "/me/sendMail", sendMailBody(t, "r", "bob@example.com"), nil); r.status != 202 {
		t.Errorf("after Reset, queued faults still strike: %d", r.status)
	}
}

func TestNewHandler(t *testing.T) {
	s := NewHandler(Options{})
	if s.URL != "" {
		t.Errorf("NewHandler URL = %q; want empty", s.URL)
	}
	req, _ := http.NewRequest("GET", "http://emu.local/v1.0/me", nil)
	req.Header.Set("Authorization", "Bearer x")
	rec := &recorder{header: http.Header{}}
	s.ServeHTTP(rec, req)
	if rec.status != 200 || !strings.Contains(rec.body.String(), "http://emu.local/v1.0/$metadata") {
		t.Errorf("ServeHTTP = %d %s; want 200 with a context on the request host", rec.status, rec.body.String())
	}
}

type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) WriteHeader(code int)        { r.status = code }
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }

// TestSendMailParameterNamesIgnoreCase: Graph matches action parameters
// without regard to case, and msgraph-sdk-go sends "Message".
func TestSendMailParameterNamesIgnoreCase(t *testing.T) {
	s := NewServer(Options{})
	defer s.Close()
	body := mustJSON(t, map[string]any{"Message": graphMessage("k-case", "a@example.com"), "SaveToSentItems": true})
	r := mustCall(t, s, "POST", "/me/sendMail", body, nil)
	if r.status != 202 {
		t.Fatalf("sendMail with capitalised parameters = %d; want 202: %s", r.status, r.body)
	}
	if d := s.Delivered(); len(d) != 1 || d[0].Key != "k-case" {
		t.Errorf("delivered = %+v", d)
	}
}
