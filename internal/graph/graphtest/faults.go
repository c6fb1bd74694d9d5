package graphtest

import (
	"net/http"
)

// Fault is a failure the emulator can inject into the requests that create
// or send mail: POST sendMail, POST messages/{id}/send, and the creation of
// a message (POST messages, POST mailFolders/{id}/messages). "Accept" means
// delivery for a send and storing the new item for a creation.
type Fault int

const (
	// FaultThrottle answers 429 ApplicationThrottled with Retry-After
	// (SetRetryAfter); nothing is accepted.
	FaultThrottle Fault = iota + 1
	// FaultUnavailable answers 503 ServiceUnavailable with Retry-After;
	// nothing is accepted.
	FaultUnavailable
	// FaultTimeoutAfterAccept accepts and delivers the message, then answers
	// 504 UnknownError: the ambiguous case reconciliation exists for.
	FaultTimeoutAfterAccept
	// FaultDropAfterAccept accepts and delivers the message, then closes the
	// TCP connection without an answer.
	FaultDropAfterAccept
	// FaultDropBefore closes the connection without an answer; nothing is
	// accepted.
	FaultDropBefore
	// FaultUnauthorized answers 401 InvalidAuthenticationToken (expired
	// token); nothing is accepted.
	FaultUnauthorized
	// FaultRedirect answers 302 Found to a sign-in page, as a corporate
	// proxy or a misrouted gateway does; nothing is accepted. A 3xx is
	// never Graph's answer to a send.
	FaultRedirect
)

func (f Fault) String() string {
	switch f {
	case FaultThrottle:
		return "Throttle"
	case FaultUnavailable:
		return "Unavailable"
	case FaultTimeoutAfterAccept:
		return "TimeoutAfterAccept"
	case FaultDropAfterAccept:
		return "DropAfterAccept"
	case FaultDropBefore:
		return "DropBefore"
	case FaultUnauthorized:
		return "Unauthorized"
	case FaultRedirect:
		return "Redirect"
	}
	return "Fault(?)"
}

// afterAccept reports whether f strikes after the message was accepted.
func (f Fault) afterAccept() bool {
	return f == FaultTimeoutAfterAccept || f == FaultDropAfterAccept
}

// ParseFault returns the Fault named name (as printed by String,
// case-sensitive), for command lines.
func ParseFault(name string) (Fault, bool) {
	for f := FaultThrottle; f <= FaultRedirect; f++ {
		if f.String() == name {
			return f, true
		}
	}
	return 0, false
}

// FailNext makes the next n faultable requests (those that create or send
// mail) fail with f, after any faults queued before. Faults that strike
// after acceptance are kept for the next request that is accepted: a
// request refused for another reason does not use them up.
func (s *Server) FailNext(n int, f Fault) { s.queueFaults(n, f, false) }

// FailNextSend is FailNext for sending requests only (POST sendMail and
// POST messages/{id}/send): the creations before them go through.
func (s *Server) FailNextSend(n int, f Fault) { s.queueFaults(n, f, true) }

func (s *Server) queueFaults(n int, f Fault, sendOnly bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.st.faultQueue = append(s.st.faultQueue, queuedFault{f, sendOnly})
	}
}

// queuedFault is a FailNext or FailNextSend fault waiting for its request.
type queuedFault struct {
	fault    Fault
	sendOnly bool
}

// SetFaultRate gives each mail-sending request, with probability p, a fault
// drawn uniformly from fs (the random source is seeded by Options.Seed).
// p <= 0 or no fs turns random faults off. Queued FailNext faults come first.
func (s *Server) SetFaultRate(p float64, fs ...Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.faultRate = p
	s.st.faultKinds = append([]Fault(nil), fs...)
}

// takeFault draws the fault of one faultable request (sending tells a
// sending request from a creation), or 0. A fault from the queue comes
// with its entry, so that it can be put back.
func (s *Server) takeFault(sending bool) (Fault, *queuedFault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, q := range s.st.faultQueue {
		if q.sendOnly && !sending {
			continue
		}
		s.st.faultQueue = append(s.st.faultQueue[:i:i], s.st.faultQueue[i+1:]...)
		return q.fault, &q
	}
	if s.st.faultRate > 0 && len(s.st.faultKinds) > 0 && s.rng.Float64() < s.st.faultRate {
		return s.st.faultKinds[s.rng.IntN(len(s.st.faultKinds))], nil
	}
	return 0, nil
}

// putBack returns an unused queued fault to the head of the queue.
func (s *Server) putBack(q *queuedFault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.faultQueue = append([]queuedFault{*q}, s.st.faultQueue...)
}

func (s *Server) countInjected(f Fault) {
	s.mu.Lock()
	s.st.stats.Injected[f]++
	s.mu.Unlock()
}

// injectBefore turns a pre-accept fault into the error to answer, or
// errHandled when the connection was dropped.
func (s *Server) injectBefore(w http.ResponseWriter, rc *reqCtx, f Fault) *graphError {
	s.countInjected(f)
	s.mu.Lock()
	ra := s.st.retryAfter
	s.mu.Unlock()
	switch f {
	case FaultThrottle:
		e := errf(http.StatusTooManyRequests, "ApplicationThrottled", "Application is over its MailboxConcurrency limit.")
		e.retryAfter = ra
		return e
	case FaultUnavailable:
		e := errf(http.StatusServiceUnavailable, "ServiceUnavailable", "The service is currently unavailable. Please try again later.")
		e.retryAfter = ra
		return e
	case FaultUnauthorized:
		return errf(http.StatusUnauthorized, "InvalidAuthenticationToken", "Access token has expired or is not yet valid.")
	case FaultDropBefore:
		dropConnection(w)
	case FaultRedirect:
		w.Header().Set("Location", "https://login.microsoftonline.com/common/oauth2/authorize")
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(http.StatusFound)
	}
	return errHandled
}

// injectAfter answers a post-accept fault.
func (s *Server) injectAfter(w http.ResponseWriter, rc *reqCtx, f Fault) *graphError {
	s.countInjected(f)
	switch f {
	case FaultTimeoutAfterAccept:
		return errf(http.StatusGatewayTimeout, "UnknownError", "Gateway Timeout: the request took too long to complete.")
	case FaultDropAfterAccept:
		dropConnection(w)
	}
	return errHandled
}

// dropConnection closes the client's connection without an answer. When the
// ResponseWriter cannot be hijacked (HTTP/2, a recorder) it aborts the
// handler, which net/http turns into a reset stream or closed connection.
func dropConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}
