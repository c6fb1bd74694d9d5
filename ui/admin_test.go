package ui

import (
	"context"
	"strings"
	"sync"
	"testing"

	"fyne.io/fyne/v2/test"
)

// seatBook is an organization's seats as the licence server keeps them,
// with a directory beside it; the real server and directory are driven
// through the same adapter in cmd/securemerge's tests.
type seatBook struct {
	mu        sync.Mutex
	total     int
	held      []Person
	directory []Person
	fail      error
}

func (b *seatBook) Seats(context.Context) (SeatList, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.fail != nil {
		return SeatList{}, b.fail
	}
	return SeatList{Total: b.total, Used: len(b.held), Assigned: append([]Person(nil), b.held...)}, nil
}

func (b *seatBook) Search(_ context.Context, q string) ([]Person, error) {
	var out []Person
	for _, p := range b.directory {
		if strings.Contains(strings.ToLower(p.Name+" "+p.Email), strings.ToLower(q)) {
			out = append(out, p)
		}
	}
	return out, nil
}

func (b *seatBook) Assign(_ context.Context, p Person) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.held) >= b.total {
		return ErrNoSeatsLeft
	}
	b.held = append(b.held, p)
	return nil
}

func (b *seatBook) Unassign(_ context.Context, p Person) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	for i, s := range b.held {
		if s.ID == p.ID {
			b.held = append(b.held[:i], b.held[i+1:]...)
			return nil
		}
	}
	return ErrAdminNoSeat
}

func TestAdminAssignsAndUnassignsSeats(t *testing.T) {
	u := newTestApp(t)
	book := &seatBook{total: 1, directory: []Person{
		{ID: "m1", Name: "Marie Dupont", Email: "marie.dupont@contoso.test"},
		{ID: "j1", Name: "John Smith", Email: "john.smith@contoso.test"},
	}}
	u.deps.Admin = book
	u.showAdmin()
	mustShow(t, u.Window(), "0 of 1 seats assigned")

	var s *entry
	for _, o := range test.LaidOutObjects(u.Window().Content()) {
		if e, ok := o.(*entry); ok {
			s = e
		}
	}
	test.Type(s, "marie")
	mustShow(t, u.Window(), "Marie Dupont", "marie.dupont@contoso.test")
	mustNotShow(t, u.Window(), "John Smith")
	test.Tap(button(t, u.Window(), "Assign"))
	mustShow(t, u.Window(), "1 of 1 seats assigned", "[Has a seat]")

	s.SetText("john")
	test.Tap(button(t, u.Window(), "Assign"))
	mustShow(t, u.Window(), "No seats left")

	test.Tap(button(t, u.Window(), "Unassign"))
	mustShow(t, u.Window(), "Take back the seat of Marie Dupont?")
	test.Tap(button(t, u.Window(), "Unassign")) // the dialog's, shown above the list
	mustShow(t, u.Window(), "0 of 1 seats assigned")
	if len(book.held) != 0 {
		t.Errorf("after Unassign the organization still holds %v", book.held)
	}
}

func TestAdminProblemsAreSentences(t *testing.T) {
	inFrench(t)
	u := newTestApp(t)
	u.deps.Admin = &seatBook{fail: ErrNotAdmin}
	u.showAdmin()
	mustShow(t, u.Window(), "Vous n’êtes pas administrateur de votre organisation")
}

func TestSeatsAreReachedFromSettings(t *testing.T) {
	u := newTestApp(t)
	u.deps.Admin = &seatBook{total: 3}
	u.deps.Licence = nil
	u.showSettings()
	mustNotShow(t, u.Window(), "[Manage your organization’s seats…]") // no licence part, no seats

	u.deps.Licence = fixedLicence{Licensed: true, Email: "ada@example.com"}
	u.showSettings()
	test.Tap(button(t, u.Window(), "Manage your organization’s seats…"))
	mustShow(t, u.Window(), "0 of 3 seats assigned")
}
