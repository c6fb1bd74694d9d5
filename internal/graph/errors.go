package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	abs "github.com/microsoft/kiota-abstractions-go"
	khttp "github.com/microsoft/kiota-http-go"
	"github.com/microsoftgraph/msgraph-sdk-go/models/odataerrors"

	"github.com/securemerge/securemerge/internal/campaign"
)

// maxErrorBody bounds how much of an error response we keep.
const maxErrorBody = 64 << 10

// maxAnswerBody bounds a success body. Our largest answers are a created
// draft echoed back (its body and inline attachments, under Graph's 4 MB
// request limit, JSON-escaped) and short lists; an answer past this is
// broken or hostile and is refused before it can exhaust memory.
const maxAnswerBody = 16 << 20

// maxRetryAfter caps the wait a Retry-After may ask for. Graph asks for
// seconds to a few minutes; a broken or hostile server (or proxy) asking
// for a day would otherwise park the campaign for that long, once per
// throttle. The capped wait is what SendError.RetryAfter carries and what
// the runner shows ("continuing in 5m0s").
const maxRetryAfter = 5 * time.Minute

// errAnswerTooLarge is the read error of a success body past maxAnswerBody.
var errAnswerTooLarge = fmt.Errorf("the answer is larger than %d MB", maxAnswerBody>>20)

// cappedBody fails reads past its limit instead of reading on.
type cappedBody struct {
	rc   io.ReadCloser
	left int64
}

func (b *cappedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// One byte more tells a body of exactly the limit from a longer one.
		var one [1]byte
		if n, _ := b.rc.Read(one[:]); n > 0 {
			return 0, errAnswerTooLarge
		}
		return b.rc.Read(p)
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *cappedBody) Close() error { return b.rc.Close() }

// redirectError is a 3xx answer: Graph never redirects the requests we
// send, so it comes from something in between (a proxy, a captive portal).
// Whether the request reached Graph is unknown: it is ambiguous, never a
// success.
type redirectError struct {
	status   int
	location string
}

func (e *redirectError) Error() string {
	if e.location != "" {
		return fmt.Sprintf("HTTP %d redirect to %s", e.status, e.location)
	}
	return fmt.Sprintf("HTTP %d redirect", e.status)
}

// Graph error codes that mean the mailbox cannot send any more for now: the
// campaign pauses with the reason instead of failing every remaining row.
var quotaCodes = map[string]bool{
	"ErrorExceededMessageLimit":     true, // recipients per day
	"ErrorQuotaExceeded":            true, // mailbox full
	"ErrorSubmissionQuotaExceeded":  true,
	"ErrorMessageSubmissionBlocked": true, // the tenant blocked the sender (spam)
	"ErrorSendAsDenied":             true, // no send-as right on the mailbox: every row would fail the same way
}

// exchange records the status, headers and (for errors) the body of the
// response to one SDK request, so classification does not depend on the
// SDK being able to parse Graph's error body.
type exchange struct {
	status int
	header http.Header
	body   []byte
}

type exchangeKey struct{}

func withExchange(ctx context.Context) (context.Context, *exchange) {
	ex := &exchange{}
	return context.WithValue(ctx, exchangeKey{}, ex), ex
}

// recordMiddleware is the last middleware before the wire: it fills the
// request's *exchange.
type recordMiddleware struct{}

func (recordMiddleware) Intercept(p khttp.Pipeline, i int, req *http.Request) (*http.Response, error) {
	resp, err := p.Next(req, i)
	ex, _ := req.Context().Value(exchangeKey{}).(*exchange)
	if ex == nil || err != nil || resp == nil {
		return resp, err
	}
	ex.status = resp.StatusCode
	ex.header = resp.Header.Clone()
	switch {
	case resp.StatusCode >= 400:
		ex.body = readErrorBody(resp)
		resp.Body = io.NopCloser(bytes.NewReader(ex.body))
	case resp.StatusCode >= 300:
		// kiota takes anything under 400 for success.
		_ = readErrorBody(resp)
		return nil, &redirectError{status: resp.StatusCode, location: resp.Header.Get("Location")}
	default:
		resp.Body = &cappedBody{rc: resp.Body, left: maxAnswerBody}
	}
	return resp, nil
}

func readErrorBody(resp *http.Response) []byte {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	resp.Body.Close()
	return body
}

func newHeaders() *abs.RequestHeaders { return abs.NewRequestHeaders() }

// errorMapping parses Graph's error body for requests we send through the
// adapter ourselves, as the generated builders do.
var errorMapping = abs.ErrorMappings{"XXX": odataerrors.CreateODataErrorFromDiscriminatorValue}

// do runs one SDK request. After a 401 it asks the TokenSource for a silent
// refresh and runs it once more: a 401 means Graph accepted nothing. Every
// failure is a *campaign.SendError.
func (c *Client) do(ctx context.Context, f func(context.Context) error) error {
	return c.doExpect(ctx, 0, f)
}

// doExpect is do for a request whose only success is the status want (202
// for a send, 201 for a creation): any other answer that the SDK took for
// success is ambiguous, a KindTransient error to reconcile. want 0 accepts
// any 2xx.
func (c *Client) doExpect(ctx context.Context, want int, f func(context.Context) error) error {
	for attempt := 0; ; attempt++ {
		rctx, ex := withExchange(ctx)
		err := f(rctx)
		if err == nil {
			if want != 0 && ex.status != want {
				return &campaign.SendError{Kind: campaign.KindTransient,
					Message: fmt.Sprintf("unexpected answer from Microsoft Graph (HTTP %d, want %d)", ex.status, want),
					Err:     fmt.Errorf("HTTP %d", ex.status)}
			}
			return nil
		}
		if ex.status == http.StatusUnauthorized && attempt == 0 {
			if _, rerr := c.tokens.Refresh(ctx); rerr != nil {
				return classify(&tokenError{err: rerr}, nil, c.now())
			}
			continue
		}
		return classify(err, ex, c.now())
	}
}

// classify turns an SDK or transport error into a *campaign.SendError.
func classify(err error, ex *exchange, now time.Time) *campaign.SendError {
	var te *tokenError
	var re *redirectError
	switch {
	case errors.As(err, &re):
		return &campaign.SendError{Kind: campaign.KindTransient,
			Message: fmt.Sprintf("Microsoft Graph's address answered with a redirect (HTTP %d), which Graph never sends: a proxy or gateway is in the way", re.status), Err: err}
	case ex != nil && ex.status >= 400:
		code, msg := graphError(ex.body)
		if code == "" {
			code, msg = odataError(err)
		}
		return classifyStatus(ex.status, ex.header, code, msg, err, now)
	case errors.As(err, &te) && errors.Is(err, ErrNotSignedIn):
		return &campaign.SendError{Kind: campaign.KindAuth, Message: "sign in again", Err: err}
	case errors.As(err, &te):
		// The token could not be renewed (network): nothing was sent.
		return &campaign.SendError{Kind: campaign.KindTransient, Message: "could not renew the access token", Err: err}
	case ex != nil && ex.status >= 200 && ex.status < 300 && errors.Is(err, errAnswerTooLarge):
		return &campaign.SendError{Kind: campaign.KindTransient, Message: "Microsoft Graph's answer is too large (over 16 MB); it was not read", Err: err}
	case ex != nil && ex.status >= 200 && ex.status < 300:
		// Graph answered success but we could not read the answer: the
		// request may have been accepted, whatever the body says.
		return &campaign.SendError{Kind: campaign.KindTransient, Message: "unreadable answer from Microsoft Graph", Err: err}
	}
	return &campaign.SendError{Kind: campaign.KindTransient, Message: transportMessage(err), Err: err}
}

// classifyStatus maps an HTTP error status and Graph's code to a kind.
func classifyStatus(status int, h http.Header, code, msg string, err error, now time.Time) *campaign.SendError {
	if msg == "" {
		msg = http.StatusText(status)
	}
	if err == nil {
		err = fmt.Errorf("HTTP %d %s", status, code)
	}
	se := &campaign.SendError{Code: code, Message: msg, Err: err}
	switch {
	case quotaCodes[code]:
		se.Kind = campaign.KindQuota
	case status == http.StatusTooManyRequests:
		se.Kind = campaign.KindThrottled
		se.RetryAfter = retryAfter(h, now)
		if se.RetryAfter > 0 {
			se.Message = fmt.Sprintf("%s (Microsoft 365 asks to wait %s)", msg, se.RetryAfter)
		}
	case status == http.StatusUnauthorized:
		se.Kind = campaign.KindAuth
		se.Message = "sign in again: " + msg
	case status == http.StatusForbidden && code == "ErrorAccessDenied":
		// Missing consent for Mail.Send / Mail.ReadWrite: signing in again
		// (and consenting) is the fix, and every row would fail alike.
		se.Kind = campaign.KindAuth
		se.Message = "sign in again: " + msg
	case status == http.StatusRequestTimeout || status >= 500:
		se.Kind = campaign.KindTransient
		se.RetryAfter = retryAfter(h, now)
	default:
		se.Kind = campaign.KindPermanent
	}
	return se
}

// graphError extracts code and message from Graph's error body
// {"error":{"code":…,"message":…}}.
func graphError(body []byte) (code, msg string) {
	var v struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &v) != nil {
		return "", ""
	}
	return v.Error.Code, v.Error.Message
}

func odataError(err error) (code, msg string) {
	var oe *odataerrors.ODataError
	if errors.As(err, &oe) {
		if me := oe.GetErrorEscaped(); me != nil {
			return deref(me.GetCode()), deref(me.GetMessage())
		}
	}
	return "", ""
}

// retryAfter reads Retry-After as seconds or an HTTP date; 0 when absent or
// unreadable, and at most maxRetryAfter.
func retryAfter(h http.Header, now time.Time) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n <= 0 {
			return 0
		}
		return time.Duration(min(n, int64(maxRetryAfter/time.Second))) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return min(d.Round(time.Second), maxRetryAfter)
		}
	}
	return 0
}

func transportMessage(err error) string {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "Microsoft Graph did not answer in time"
	case errors.Is(err, context.Canceled):
		return "cancelled while talking to Microsoft Graph"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "the connection to Microsoft Graph was closed"
	}
	return "could not reach Microsoft Graph"
}
