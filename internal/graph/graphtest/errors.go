package graphtest

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"
)

// graphError is an error answer in Graph's shape.
type graphError struct {
	status     int
	code       string
	message    string
	retryAfter time.Duration // > 0 adds Retry-After (and X-Retry-After-Ms)
}

func (e *graphError) Error() string { return fmt.Sprintf("%d %s: %s", e.status, e.code, e.message) }

func errf(status int, code, format string, args ...any) *graphError {
	return &graphError{status: status, code: code, message: fmt.Sprintf(format, args...)}
}

// errHandled tells ServeHTTP that the answer is already written (or the
// connection is gone).
var errHandled = &graphError{}

// Frequently used errors, with the messages Graph really sends.
func errBadRequest(format string, args ...any) *graphError {
	return errf(http.StatusBadRequest, "BadRequest", format, args...)
}

func errNotFound() *graphError {
	return errf(http.StatusNotFound, "ErrorItemNotFound", "The specified object was not found in the store.")
}

func errSegment(seg string) *graphError {
	return errBadRequest("Resource not found for the segment '%s'.", seg)
}

func errMethod() *graphError {
	return errf(http.StatusMethodNotAllowed, "Request_BadRequest", "Specified HTTP method is not allowed for the request uri.")
}

func errTooLarge(format string, args ...any) *graphError {
	return errf(http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", format, args...)
}

func errFilter() *graphError {
	return errf(http.StatusBadRequest, "ErrorInvalidUrlQueryFilter", "The query filter contains one or more invalid nodes.")
}

const jsonContentType = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"

// retryAfterSeconds renders d as Graph does: whole seconds, rounded up, at least 1.
func retryAfterSeconds(d time.Duration) string {
	s := int64(math.Ceil(d.Seconds()))
	if s < 1 {
		s = 1
	}
	return strconv.FormatInt(s, 10)
}

func (s *Server) writeError(w http.ResponseWriter, rc *reqCtx, e *graphError) {
	if e == errHandled {
		return
	}
	if e.retryAfter > 0 {
		w.Header().Set("Retry-After", retryAfterSeconds(e.retryAfter))
		ms := e.retryAfter.Milliseconds()
		if ms < 1 {
			ms = 1
		}
		w.Header().Set("X-Retry-After-Ms", strconv.FormatInt(ms, 10))
	}
	if e.status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"`)
	}
	body := map[string]any{"error": map[string]any{
		"code":    e.code,
		"message": e.message,
		"innerError": map[string]any{
			"date":              rc.now.UTC().Format("2006-01-02T15:04:05"),
			"request-id":        rc.requestID,
			"client-request-id": rc.clientRequestID,
		},
	}}
	s.writeJSON(w, e.status, body)
}

func (s *Server) writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		// Only our own values are marshalled; a failure is a bug in the emulator.
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", jsonContentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
