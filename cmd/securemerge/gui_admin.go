package main

import (
	"context"
	"errors"
	"strings"

	"github.com/securemerge/securemerge/internal/graph"
	"github.com/securemerge/securemerge/internal/license"
	"github.com/securemerge/securemerge/ui"
)

// guiAdmin is the window's seat management over the same calls as
// `securemerge license seats|assign|unassign`: the licence server's admin
// API with the admin's ID token, the directory through their mailbox.
type guiAdmin struct {
	m       *Main
	dataDir string
}

var _ ui.Admin = guiAdmin{}

func (g guiAdmin) admin(ctx context.Context) (*license.Admin, error) {
	a, err := g.m.licenseAdmin(ctx, g.dataDir)
	if errors.Is(err, errNoIDToken) {
		return nil, ui.ErrAdminSignIn
	}
	return a, err
}

func (g guiAdmin) Seats(ctx context.Context) (ui.SeatList, error) {
	a, err := g.admin(ctx)
	if err != nil {
		return ui.SeatList{}, err
	}
	s, err := a.Seats(ctx)
	if err != nil {
		return ui.SeatList{}, adminError(err)
	}
	out := ui.SeatList{Total: s.Total, Used: s.Used}
	for _, x := range s.Assigned {
		out.Assigned = append(out.Assigned, ui.Person{ID: x.ID, Name: x.Name, Email: x.Email})
	}
	return out, nil
}

// Search asks the directory: one page of at most 25 colleagues.
func (g guiAdmin) Search(ctx context.Context, q string) ([]ui.Person, error) {
	mb, err := g.m.connect(ctx, g.dataDir)
	if err != nil {
		return nil, ui.ErrAdminOffline
	}
	p, err := mb.client.SearchDirectory(ctx, q, 25, "")
	if err != nil {
		return nil, adminError(err)
	}
	out := make([]ui.Person, 0, len(p.Users))
	for _, u := range p.Users {
		if a := u.Address(); a != "" {
			out = append(out, ui.Person{ID: u.ID, Name: u.DisplayName, Email: a})
		}
	}
	return out, nil
}

func (g guiAdmin) Assign(ctx context.Context, p ui.Person) error {
	a, err := g.admin(ctx)
	if err != nil {
		return err
	}
	if p.ID == "" { // typed, not found: the directory names the person
		mb, err := g.m.connect(ctx, g.dataDir)
		if err != nil {
			return ui.ErrAdminOffline
		}
		u, err := mb.client.LookupUser(ctx, p.Email)
		if err != nil {
			return adminError(err)
		}
		p = ui.Person{ID: u.ID, Name: u.DisplayName, Email: u.Address()}
	}
	return adminError(a.Assign(ctx, license.Seat{ID: p.ID, Name: p.Name, Email: p.Email}))
}

func (g guiAdmin) Unassign(ctx context.Context, p ui.Person) error {
	a, err := g.admin(ctx)
	if err != nil {
		return err
	}
	id := p.ID
	if id == "" { // granted by the operator: named by its address
		id = strings.TrimSpace(p.Email)
	}
	return adminError(a.Unassign(ctx, id))
}

// adminError turns the licence server's and the directory's errors into
// the ones the window explains.
func adminError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, license.ErrNoSeatsLeft):
		return errors.Join(ui.ErrNoSeatsLeft, err)
	case errors.Is(err, license.ErrNotAdmin):
		return errors.Join(ui.ErrNotAdmin, err)
	case errors.Is(err, license.ErrSignedOut):
		return errors.Join(ui.ErrAdminRefused, err)
	case errors.Is(err, license.ErrNoSuchSeat):
		return errors.Join(ui.ErrAdminNoSeat, err)
	case errors.Is(err, graph.ErrUserNotFound):
		return errors.Join(ui.ErrNotInDirectory, err)
	case errors.Is(err, context.Canceled):
		return err
	}
	var api *license.APIError
	if errors.As(err, &api) {
		return err
	}
	return errors.Join(ui.ErrAdminOffline, err)
}
