package graph

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	absauth "github.com/microsoft/kiota-abstractions-go/authentication"
)

var fixedNow = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func mustURL(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func mustHosts(t *testing.T, hosts ...string) *absauth.AllowedHostsValidator {
	t.Helper()
	v, err := absauth.NewAllowedHostsValidatorErrorCheck(hosts)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestRetryAfter(t *testing.T) {
	tests := []struct {
		name, value string
		want        time.Duration
	}{
		{"absent", "", 0},
		{"seconds", "5", 5 * time.Second},
		{"spaces", " 12 ", 12 * time.Second},
		{"zero", "0", 0},
		{"negative", "-3", 0},
		{"http date", fixedNow.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{"date in the past", fixedNow.Add(-time.Minute).Format(http.TimeFormat), 0},
		{"garbage", "soon", 0},
		{"a day", "86400", 5 * time.Minute},
		{"huge", "99999999999", 5 * time.Minute},
		{"date next week", fixedNow.Add(7 * 24 * time.Hour).Format(http.TimeFormat), 5 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			if tt.value != "" {
				h.Set("Retry-After", tt.value)
			}
			if got := retryAfter(h, fixedNow); got != tt.want {
				t.Errorf("retryAfter(%q) = %v; want %v", tt.value, got, tt.want)
			}
		})
	}
}

func TestGraphError(t *testing.T) {
	tests := []struct {
		name, body, code, msg string
	}{
		{"graph", `{"error":{"code":"ErrorInvalidRecipients","message":"At least one recipient is not valid.","innerError":{"date":"2025-03-01T12:00:00","request-id":"r"}}}`, "ErrorInvalidRecipients", "At least one recipient is not valid."},
		{"html", `<html>502 Bad Gateway</html>`, "", ""},
		{"empty", ``, "", ""},
		{"other json", `{"message":"x"}`, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, msg := graphError([]byte(tt.body))
			if code != tt.code || msg != tt.msg {
				t.Errorf("graphError(%q) = %q, %q; want %q, %q", tt.body, code, msg, tt.code, tt.msg)
			}
		})
	}
}

func FuzzGraphError(f *testing.F) {
	f.Add([]byte(`{"error":{"code":"ErrorInvalidRecipients","message":"m"}}`))
	f.Add([]byte(`{"error":null}`))
	f.Add([]byte(`[1,2]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		code, msg := graphError(body)
		se := classifyStatus(400, http.Header{}, code, msg, nil, fixedNow)
		if se == nil || se.Message == "" {
			t.Fatalf("classifyStatus(400, %q) = %+v; want a message", code, se)
		}
	})
}

func FuzzRetryAfter(f *testing.F) {
	f.Add("5")
	f.Add("Sat, 01 Mar 2025 12:01:00 GMT")
	f.Add("-1")
	f.Fuzz(func(t *testing.T, v string) {
		h := http.Header{}
		h.Set("Retry-After", v)
		if d := retryAfter(h, fixedNow); d < 0 || d > 24*time.Hour {
			t.Fatalf("retryAfter(%q) = %v; want within [0, 24h]", v, d)
		}
	})
}
