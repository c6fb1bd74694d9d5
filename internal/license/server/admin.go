package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
)

// Paths of the admin API (DESIGN.md §7).
const (
	SeatsPath   = "/v1/seats"
	AccountPath = "/v1/account"
)

// maxSeatBody bounds POST /v1/seats: an id, a name and an address.
const maxSeatBody = 4 << 10

// Seat is one assigned seat as the admin API shows it.
type Seat struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
}

// Seats is the answer of GET /v1/seats.
type Seats struct {
	Total    int    `json:"total"`
	Used     int    `json:"used"`
	Assigned []Seat `json:"assigned"`
}

func (s *Server) routeAdmin() {
	s.mux.HandleFunc("GET "+SeatsPath, s.adminOnly(s.listSeats))
	s.mux.HandleFunc("POST "+SeatsPath, s.adminOnly(s.assignSeat))
	s.mux.HandleFunc("DELETE "+SeatsPath+"/{id}", s.adminOnly(s.unassignSeat))
	s.mux.HandleFunc("DELETE "+AccountPath, s.signedIn(s.deleteAccount))
	for _, p := range []string{SeatsPath, SeatsPath + "/{id}", AccountPath} {
		s.mux.HandleFunc(p, func(w http.ResponseWriter, r *http.Request) {
			writeError(w, http.StatusMethodNotAllowed, "method_not_allowed", "method not allowed here")
		})
	}
}

// signedIn verifies the bearer ID token and passes its Identity on.
func (s *Server) signedIn(h func(http.ResponseWriter, *http.Request, Identity)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.opt.Store == nil || s.opt.Verifier == nil {
			writeError(w, http.StatusNotFound, "not_found", "the admin API is not enabled on this server")
			return
		}
		raw, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || strings.TrimSpace(raw) == "" {
			writeError(w, http.StatusUnauthorized, "unauthorized", "sign in: send your Microsoft ID token as Authorization: Bearer")
			return
		}
		id, err := s.opt.Verifier.Verify(r.Context(), strings.TrimSpace(raw))
		if err != nil {
			if errors.Is(err, ErrBadToken) {
				writeError(w, http.StatusUnauthorized, "unauthorized", "the ID token was refused; sign in again")
				return
			}
			s.log.Error("ID token verification unavailable", "err", err.Error())
			writeError(w, http.StatusServiceUnavailable, "unavailable", "the identity provider could not be reached; try again")
			return
		}
		h(w, r, id)
	}
}

// adminOnly is signedIn plus the admin rule: a Global or User
// Administrator of the token's tenant, or an address on that tenant's
// delegated-admin list. The handler acts on id.Tenant only.
func (s *Server) adminOnly(h func(http.ResponseWriter, *http.Request, Identity)) http.HandlerFunc {
	return s.signedIn(func(w http.ResponseWriter, r *http.Request, id Identity) {
		ok := id.RoleAdmin
		if !ok && id.Email != "" {
			var err error
			if ok, err = s.opt.Store.IsAdmin(id.Tenant, id.Email); err != nil {
				s.internal(w, "admin lookup failed", err)
				return
			}
		}
		if !ok {
			writeError(w, http.StatusForbidden, "not_admin", "only your organization's Global or User Administrators, or its delegated admins, manage seats")
			return
		}
		h(w, r, id)
	})
}

func (s *Server) listSeats(w http.ResponseWriter, r *http.Request, id Identity) {
	out := Seats{Assigned: []Seat{}}
	t, used, err := s.opt.Store.Tenant(id.Tenant)
	if err != nil && !errors.Is(err, ErrNoTenant) {
		s.internal(w, "tenant lookup failed", err)
		return
	}
	out.Total, out.Used = t.Seats, used
	ls, err := s.opt.Store.Licences(id.Tenant)
	if err != nil {
		s.internal(w, "licence listing failed", err)
		return
	}
	for _, l := range ls {
		if l.Removed.IsZero() {
			out.Assigned = append(out.Assigned, Seat{ID: l.ID, Name: l.Name, Email: l.Email})
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) assignSeat(w http.ResponseWriter, r *http.Request, id Identity) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxSeatBody))
	if err != nil {
		writeError(w, http.StatusRequestEntityTooLarge, "too_large", "the request body is too large")
		return
	}
	var seat Seat
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&seat); err != nil || dec.More() {
		writeError(w, http.StatusBadRequest, "bad_request", `the body must be {"id": "…", "name": "…", "email": "…"}`)
		return
	}
	addr, err := NormalizeAddress(seat.Email)
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid_email", "not an e-mail address")
		return
	}
	if seat.ID == "" || len(seat.ID) > 64 || strings.ContainsAny(seat.ID, "/ \t\r\n") || len(seat.Name) > 256 {
		writeError(w, http.StatusBadRequest, "bad_request", "id must be the user's directory object id, name at most 256 bytes")
		return
	}
	by := id.Email
	if by == "" {
		by = "oid:" + id.ID
	}
	err = s.opt.Store.Grant(id.Tenant, Licence{ID: seat.ID, Name: seat.Name, Email: addr, AssignedBy: by}, s.opt.Now())
	switch {
	case errors.Is(err, ErrNoSeatsLeft), errors.Is(err, ErrNoTenant):
		writeError(w, http.StatusConflict, "no_seats_left", "all of your organization's seats are assigned; unassign one or buy more")
	case errors.Is(err, ErrOtherTenant):
		writeError(w, http.StatusConflict, "assigned_elsewhere", "this address holds a seat of another organization")
	case err != nil:
		s.internal(w, "grant failed", err)
	default:
		writeJSON(w, http.StatusCreated, Seat{ID: seat.ID, Name: seat.Name, Email: addr})
	}
}

// unassignSeat takes the seat of the user with directory id {id}; a seat
// granted by the operator has no id, and is named by its address instead.
func (s *Server) unassignSeat(w http.ResponseWriter, r *http.Request, id Identity) {
	key := r.PathValue("id")
	err := s.opt.Store.RevokeID(id.Tenant, key, s.opt.Now())
	if errors.Is(err, ErrNotFound) && strings.Contains(key, "@") {
		err = s.opt.Store.Revoke(id.Tenant, key, s.opt.Now())
	}
	switch {
	case errors.Is(err, ErrNotFound), errors.Is(err, ErrInvalidInput):
		writeError(w, http.StatusNotFound, "not_found", "no seat of your organization is assigned to this user")
	case err != nil:
		s.internal(w, "revoke failed", err)
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}

func (s *Server) deleteAccount(w http.ResponseWriter, r *http.Request, id Identity) {
	if _, err := s.opt.Store.DeleteAccount(id.Tenant, id.ID, id.Email); err != nil {
		s.internal(w, "account deletion failed", err)
		return
	}
	writeJSON(w, http.StatusAccepted, struct {
		Status string `json:"status"`
	}{"deleted"})
}

func (s *Server) internal(w http.ResponseWriter, what string, err error) {
	s.log.Error(what, "err", err.Error()) // store errors name no address
	writeError(w, http.StatusInternalServerError, "internal", "the licence server failed; try again")
}
