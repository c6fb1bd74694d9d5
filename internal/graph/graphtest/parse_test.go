package graphtest

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestParseMessageFilter(t *testing.T) {
	key := normalizePropID(KeyPropertyID)
	tests := []struct {
		in      string
		want    messageFilter
		wantErr bool
	}{
		{in: "internetMessageId eq '<a@b>'", want: messageFilter{messageID: "<a@b>"}},
		{in: "  internetmessageid   EQ   '<it''s@b>' ", want: messageFilter{messageID: "<it's@b>"}},
		{in: "singleValueExtendedProperties/Any(ep: ep/id eq '" + KeyPropertyID + "' and ep/value eq 'K1')", want: messageFilter{propID: key, value: "K1", hasValue: true}},
		{in: "singleValueExtendedProperties/any(x:x/value eq 'K1' AND x/id eq 'string {8D2C5F1E-4B7A-4C3E-9F6D-1A2B3C4D5E6F} name SecureMergeKey')", want: messageFilter{propID: key, value: "K1", hasValue: true}},
		{in: "singleValueExtendedProperties/Any(ep: ep/id eq '" + KeyPropertyID + "')", want: messageFilter{propID: key}},
		{in: "", wantErr: true},
		{in: "subject eq 'x'", wantErr: true},
		{in: "internetMessageId eq '<a@b>' and subject eq 'x'", wantErr: true},
		{in: "internetMessageId eq <a@b>", wantErr: true},
		{in: "internetMessageId eq '<a@b>", wantErr: true},
		{in: "singleValueExtendedProperties/Any(ep: ep/value eq 'K1')", wantErr: true},
		{in: "singleValueExtendedProperties/Any(ep: other/id eq '" + KeyPropertyID + "')", wantErr: true},
		{in: "singleValueExtendedProperties/Any(ep: ep/id eq '" + KeyPropertyID + "' and ep/id eq '" + KeyPropertyID + "')", wantErr: true},
		{in: "singleValueExtendedProperties/Any(ep: ep/id eq '" + KeyPropertyID + "' or ep/value eq 'K')", wantErr: true},
		{in: "singleValueExtendedProperties/Any(ep: ep/id eq '" + KeyPropertyID + "'", wantErr: true},
		{in: "singleValueExtendedProperties/Any(ep: ep/id eq 'Name SecureMergeKey')", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseMessageFilter(tt.in)
			if tt.wantErr {
				if err == nil {
					t.Errorf("parseMessageFilter(%q) = %+v; want an error", tt.in, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseMessageFilter(%q): %v", tt.in, err)
			}
			if *got != tt.want {
				t.Errorf("parseMessageFilter(%q) = %+v; want %+v", tt.in, *got, tt.want)
			}
		})
	}
}

func TestParseContentRange(t *testing.T) {
	tests := []struct {
		in                string
		start, end, total int64
		ok                bool
	}{
		{"bytes 0-327679/1000000", 0, 327679, 1000000, true},
		{"bytes 999999-999999/1000000", 999999, 999999, 1000000, true},
		{"bytes 10-5/100", 0, 0, 0, false},
		{"bytes 0-100/100", 0, 0, 0, false},
		{"bytes=0-1/2", 0, 0, 0, false},
		{"bytes 0-1/*", 0, 0, 0, false},
		{"bytes -1-2/3", 0, 0, 0, false},
		{"", 0, 0, 0, false},
		{"bytes 0-99999999999999999999/1", 0, 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			s, e, n, ok := parseContentRange(tt.in)
			if s != tt.start || e != tt.end || n != tt.total || ok != tt.ok {
				t.Errorf("parseContentRange(%q) = %d, %d, %d, %v; want %d, %d, %d, %v", tt.in, s, e, n, ok, tt.start, tt.end, tt.total, tt.ok)
			}
		})
	}
}

func TestNormalizePropID(t *testing.T) {
	tests := []struct{ in, want string }{
		{KeyPropertyID, "string {8d2c5f1e-4b7a-4c3e-9f6d-1a2b3c4d5e6f} name SecureMergeKey"},
		{"STRING {8D2C5F1E-4B7A-4C3E-9F6D-1A2B3C4D5E6F} NAME SecureMergeKey", "string {8d2c5f1e-4b7a-4c3e-9f6d-1a2b3c4d5e6f} name SecureMergeKey"},
		{"String 0x007D", "string 0x007d"},
		{"String {not-a-guid} Name X", ""},
		{"SecureMergeKey", ""},
	}
	for _, tt := range tests {
		if got := normalizePropID(tt.in); got != tt.want {
			t.Errorf("normalizePropID(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzParseMessageFilter(f *testing.F) {
	f.Add("internetMessageId eq '<a@b>'")
	f.Add("singleValueExtendedProperties/Any(ep: ep/id eq '" + KeyPropertyID + "' and ep/value eq 'K1')")
	f.Add("singleValueExtendedProperties/Any(ep: ep/id eq 'x'")
	f.Add("'''")
	f.Fuzz(func(t *testing.T, in string) {
		mf, err := parseMessageFilter(in)
		if err != nil {
			return
		}
		head := strings.ToLower(strings.TrimSpace(in))
		switch {
		case mf.propID != "" && !strings.HasPrefix(head, "singlevalueextendedproperties"):
			t.Errorf("parseMessageFilter(%q) = extended-property filter for another form", in)
		case mf.propID == "" && !strings.HasPrefix(head, "internetmessageid"):
			t.Errorf("parseMessageFilter(%q) = internetMessageId filter for another form", in)
		}
	})
}

func FuzzParseMIMEMessage(f *testing.F) {
	f.Add([]byte(mimeMessage("<sm.f@x.test>", []byte("pdf"))))
	f.Add([]byte("To: a@b.co\r\nSubject: =?utf-8?q?x?=\r\n\r\nbody"))
	f.Add([]byte("Content-Type: multipart/mixed; boundary=a\r\n\r\n--a\r\nContent-Type: multipart/mixed; boundary=a\r\n\r\n--a--\r\n"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		m, e := parseMIMEMessage(raw)
		if e == nil && m == nil {
			t.Fatal("parseMIMEMessage returned neither message nor error")
		}
		if e != nil && e.status != http.StatusBadRequest && e.status != 0 {
			t.Errorf("parseMIMEMessage error status %d; want 400", e.status)
		}
	})
}

func FuzzSendMailBody(f *testing.F) {
	f.Add([]byte(`{"message":{"subject":"x","toRecipients":[{"emailAddress":{"address":"a@b.co"}}]}}`), false)
	f.Add([]byte(base64.StdEncoding.EncodeToString([]byte("To: a@b.co\r\n\r\nhi"))), true)
	s := NewHandler(Options{PerWindow: 1 << 30, DailyRecipients: 1 << 30})
	f.Fuzz(func(t *testing.T, body []byte, asMIME bool) {
		req, _ := http.NewRequest("POST", "http://emu.test/v1.0/me/sendMail", strings.NewReader(string(body)))
		req.Header.Set("Authorization", "Bearer x")
		if asMIME {
			req.Header.Set("Content-Type", "text/plain")
		} else {
			req.Header.Set("Content-Type", "application/json")
		}
		rec := &recorder{header: http.Header{}}
		s.ServeHTTP(rec, req)
		if rec.status != http.StatusAccepted && (rec.status < 400 || rec.status > 499) {
			t.Errorf("sendMail(%q) = %d; want 202 or 4xx", body, rec.status)
		}
	})
}

func BenchmarkSendMailJSON(b *testing.B) {
	s := NewServer(Options{PerWindow: 1 << 30, DailyRecipients: 1 << 30})
	defer s.Close()
	client := &http.Client{}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		body := fmt.Sprintf(`{"message":{"subject":"s","body":{"contentType":"HTML","content":"<p>x</p>"},"toRecipients":[{"emailAddress":{"address":"r%d@example.com"}}],"singleValueExtendedProperties":[{"id":%q,"value":"k%d"}]}}`, i, KeyPropertyID, i)
		req, _ := http.NewRequest("POST", s.URL+"/me/sendMail", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer x")
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
}

// BenchmarkLookupByKey measures a reconciliation lookup in a mailbox of
// 1,000 sent messages.
func BenchmarkLookupByKey(b *testing.B) {
	s := NewServer(Options{PerWindow: 1 << 30, DailyRecipients: 1 << 30})
	defer s.Close()
	do := func(method, path, body string) int {
		req, _ := http.NewRequest(method, s.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer x")
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for i := range 1000 {
		do("POST", "/me/sendMail", fmt.Sprintf(`{"message":{"toRecipients":[{"emailAddress":{"address":"r@example.com"}}],"singleValueExtendedProperties":[{"id":%q,"value":"k%d"}]}}`, KeyPropertyID, i))
	}
	path := "/me/mailFolders/sentitems/messages?$select=id,internetMessageId&$filter=" + url.QueryEscape(fmt.Sprintf("singleValueExtendedProperties/Any(ep: ep/id eq '%s' and ep/value eq 'k500')", KeyPropertyID))
	b.ReportAllocs()
	for b.Loop() {
		if st := do("GET", path, ""); st != 200 {
			b.Fatalf("status %d", st)
		}
	}
}
