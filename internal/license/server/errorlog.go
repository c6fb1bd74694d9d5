package server

import (
	"context"
	"log"
	"log/slog"
	"regexp"
	"strings"
)

// clientAddr matches the IPv4 and bracketed IPv6 client addresses (with a
// port) that net/http puts in its own error lines ("http: panic serving
// 203.0.113.7:51234: …").
var clientAddr = regexp.MustCompile(`\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b|\[[0-9A-Fa-f:.%a-z]+\](?::\d+)?`)

// errorLog is http.Server's ErrorLog: net/http's own lines go to the
// structured log as warnings, with client addresses replaced, so the logs
// keep their promise of carrying no client IP.
func errorLog(l *slog.Logger) *log.Logger {
	return log.New(redactingWriter{l}, "", 0)
}

type redactingWriter struct{ l *slog.Logger }

func (w redactingWriter) Write(p []byte) (int, error) {
	msg := clientAddr.ReplaceAllString(strings.TrimSpace(string(p)), "<client>")
	w.l.Log(context.Background(), slog.LevelWarn, "http server", "detail", msg)
	return len(p), nil
}
