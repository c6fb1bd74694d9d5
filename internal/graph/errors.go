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
	if resp.StatusCode >= 400 {
		ex.body = readErrorBody(resp)
		resp.Body = io.NopCloser(bytes.NewReader(ex.body))
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
	for attempt := 0; ; attempt++ {
		rctx, ex := withExchange(ctx)
		err := f(rctx)
		if err == nil {
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
	switch {
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
	case ex != nil && ex.status >= 200 && ex.status < 300:
		// Graph answered success but we could not read the answer: the
		// request was accepted, whatever the body says.
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
// unreadable, and at most a day.
func retryAfter(h http.Header, now time.Time) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n <= 0 {
			return 0
		}
		return time.Duration(min(n, 24*3600)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return min(d.Round(time.Second), 24*time.Hour)
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
