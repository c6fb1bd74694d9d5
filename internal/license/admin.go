package license

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// EnvIDToken names the environment variable holding a Microsoft ID token
// the admin commands use as is (automation and tests; DESIGN.md §7).
const EnvIDToken = "SECUREMERGE_ID_TOKEN"

// Errors of the admin API that callers branch on (and translate).
var (
	ErrNoSeatsLeft = errors.New("no seats left")
	ErrNotAdmin    = errors.New("not an admin of the organization")
	ErrSignedOut   = errors.New("the licence server refused the sign-in")
	ErrNoSuchSeat  = errors.New("no seat is assigned to this user")
)

// Seat is one assigned seat: the user's directory id, display name and
// address, exactly what the server keeps.
type Seat struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
}

// Seats is a tenant's seat count and who holds them.
type Seats struct {
	Total    int    `json:"total"`
	Used     int    `json:"used"`
	Assigned []Seat `json:"assigned"`
}

// Admin calls the admin API (GET/POST /v1/seats, DELETE /v1/seats/{id},
// DELETE /v1/account) with the admin's Microsoft ID token. The zero value
// but IDToken talks to DefaultURL. It is safe for concurrent use.
type Admin struct {
	URL       string        // base URL; "" means DefaultURL; https, or http for a loopback host
	IDToken   string        // the signed-in admin's Microsoft ID token; required
	HTTP      *http.Client  // nil means our own; redirects are never followed
	Timeout   time.Duration // per request; 0 means DefaultTimeout
	UserAgent string        // "" means none
}

// APIError is an error answer of the server; it wraps one of the sentinel
// errors when the code is one callers branch on.
type APIError struct {
	Status  int
	Code    string // e.g. "no_seats_left", "not_admin"
	Message string // the server's English text
}

func (e *APIError) Error() string {
	return fmt.Sprintf("licence server: %s (HTTP %d %s)", e.Message, e.Status, e.Code)
}

// Unwrap maps the code to a sentinel.
func (e *APIError) Unwrap() error {
	switch {
	case e.Code == "no_seats_left":
		return ErrNoSeatsLeft
	case e.Status == http.StatusForbidden:
		return ErrNotAdmin
	case e.Status == http.StatusUnauthorized:
		return ErrSignedOut
	case e.Status == http.StatusNotFound && e.Code == "not_found":
		return ErrNoSuchSeat
	}
	return nil
}

// Seats lists the tenant's seats.
func (a *Admin) Seats(ctx context.Context) (Seats, error) {
	var s Seats
	err := a.do(ctx, http.MethodGet, "/v1/seats", nil, http.StatusOK, &s)
	return s, err
}

// Assign gives a seat to s (idempotent).
func (a *Admin) Assign(ctx context.Context, s Seat) error {
	return a.do(ctx, http.MethodPost, "/v1/seats", s, http.StatusCreated, nil)
}

// Unassign frees the seat of the user with directory id id (or, for a
// seat the operator granted, its address).
func (a *Admin) Unassign(ctx context.Context, id string) error {
	return a.do(ctx, http.MethodDelete, "/v1/seats/"+url.PathEscape(id), nil, http.StatusNoContent, nil)
}

// DeleteAccount asks the server to erase what it keeps about the signed-in
// user.
func (a *Admin) DeleteAccount(ctx context.Context) error {
	return a.do(ctx, http.MethodDelete, "/v1/account", nil, http.StatusAccepted, nil)
}

func (a *Admin) do(ctx context.Context, method, path string, body any, want int, out any) error {
	if strings.TrimSpace(a.IDToken) == "" {
		return ErrSignedOut
	}
	check, err := Endpoint(a.URL)
	if err != nil {
		return err
	}
	endpoint := strings.TrimSuffix(check, CheckPath) + path
	var rd io.Reader
	if body != nil {
		js, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(js)
	}
	timeout := a.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, endpoint, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(a.IDToken))
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if a.UserAgent != "" {
		req.Header.Set("User-Agent", a.UserAgent)
	}
	resp, err := (&Client{HTTP: a.HTTP}).httpClient(timeout).Do(req)
	if err != nil {
		return fmt.Errorf("licence server: %w", cleanErr(err))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return fmt.Errorf("licence server: %w", cleanErr(err))
	}
	if resp.StatusCode != want {
		e := &APIError{Status: resp.StatusCode}
		var eb struct{ Error, Message string }
		if json.Unmarshal(data, &eb) == nil {
			e.Code, e.Message = eb.Error, eb.Message
		}
		if e.Message == "" {
			e.Message = http.StatusText(resp.StatusCode)
		}
		return e
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("licence server: a garbled answer: %w", err)
		}
	}
	return nil
}
