package server

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

func TestErrorLogHidesClientAddresses(t *testing.T) {
	var buf bytes.Buffer
	l := errorLog(slog.New(slog.NewJSONHandler(&buf, nil)))
	l.Printf("http: panic serving 203.0.113.7:51234: boom")
	l.Printf("http: TLS handshake error from [2001:db8::1]:443: EOF")
	out := buf.String()
	for _, ip := range []string{"203.0.113.7", "2001:db8::1", "51234"} {
		if strings.Contains(out, ip) {
			t.Errorf("the log carries %s:\n%s", ip, out)
		}
	}
	if !strings.Contains(out, "panic serving <client>: boom") {
		t.Errorf("the log lost the error itself:\n%s", out)
	}
}
