package license

import "time"

// Status is the licence as the app sees it now: what decides the footer,
// and what `securemerge license status` and the Settings screen show.
type Status struct {
	Plan    Plan      // Free unless a valid pro token is held
	Email   string    // the address the status is for; "" when nobody is signed in
	Expires time.Time // when the held token expires; zero when none is held
	Checked time.Time // when the server issued the held token (the last successful check); zero when never
	// Offline is true when this status comes from the cache (or is the
	// free plan) because the last attempt to ask the server failed.
	Offline bool
	// Message says, in one short English sentence for the person, why the
	// plan is free or the status is offline; "" when there is nothing to
	// say. The window shows its own translated text for the error.
	Message string
}

// Licensed reports whether the plan removes the footer.
func (s Status) Licensed() bool { return s.Plan == Pro }

// FooterApplies reports whether messages carry the promotional footer: on
// every plan but a licensed one. This is the one licence decision the
// application layer asks for (free → merge.Footer from assets; pro → nil).
func (s Status) FooterApplies() bool { return !s.Licensed() }

// fromToken is the status a valid token gives.
func fromToken(t Token) Status {
	return Status{Plan: t.Plan, Email: t.Email, Expires: t.Expires, Checked: t.IssuedAt}
}
