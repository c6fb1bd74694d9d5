package ui

import (
	"context"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

// fakeAccount signs in whoever it is told to; during runs while a device
// code shows (the person typing it on another device).
type fakeAccount struct {
	who    string
	as     string
	during func()
	out    int
}

func (a *fakeAccount) Who(context.Context) string { return a.who }

func (a *fakeAccount) SignIn(ctx context.Context, deviceCode bool, prompt func(DeviceCode)) (string, error) {
	if deviceCode {
		prompt(DeviceCode{Code: "F7KQ-29XD", URL: "https://microsoft.com/devicelogin"})
		if a.during != nil {
			a.during()
		}
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	a.who = a.as
	return a.who, nil
}

func (a *fakeAccount) SignOut(context.Context) error { a.who = ""; a.out++; return nil }

// TestSignInWithACodeShowsTheCodeAndThePage, then the mailbox that sends;
// signing out forgets it.
func TestSignInWithACodeShowsTheCodeAndThePage(t *testing.T) {
	ta := newSettingsApp(t)
	acct := &fakeAccount{as: "ada@contoso.com"}
	ta.deps.Account = acct
	w := ta.Window()
	acct.during = func() {
		mustShow(t, w, "Sign in with a code", "F7KQ-29XD", "<https://microsoft.com/devicelogin>", "[Copy the code]")
	}
	press(w, ctrl(fyne.KeyComma))
	mustShow(t, w, "Not signed in. The outbox works without an account", "[Sign in]")
	test.Tap(button(t, w, "Sign in with a code"))
	mustShow(t, w, "Messages are sent from ada@contoso.com.", "[Sign out]")
	mustNotShow(t, w, "F7KQ-29XD", "[Sign in]")

	test.Tap(button(t, w, "Sign out"))
	if acct.out != 1 {
		t.Errorf("signed out %d times", acct.out)
	}
	mustShow(t, w, "Not signed in.", "[Sign in]")
}

// TestCancelTheCodeStopsTheSignIn: closing the code dialog stops waiting.
func TestCancelTheCodeStopsTheSignIn(t *testing.T) {
	ta := newSettingsApp(t)
	acct := &fakeAccount{as: "ada@contoso.com"}
	ta.deps.Account = acct
	w := ta.Window()
	acct.during = func() { test.Tap(button(t, w, "Cancel")) }
	ta.showSettings()
	test.Tap(button(t, w, "Sign in with a code"))
	mustShow(t, w, "Not signed in.")
	mustNotShow(t, w, "ada@contoso.com", "F7KQ-29XD")
}

// TestSendStepNamesTheMailbox: the Send step says which mailbox sends, so
// nobody sends from the wrong one.
func TestSendStepNamesTheMailbox(t *testing.T) {
	ta := newSendApp(t)
	ta.deps.Account = &fakeAccount{who: "ada@contoso.com"}
	_, step := openSend(t, ta, "Who", recipients(1))
	step.shown()
	step.mode.SetSelected(step.modeText[3])
	mustShow(t, ta.Window(), "From: ada@contoso.com, your signed-in mailbox.")
	ta.deps.Account = &fakeAccount{}
	step.shown()
	mustShow(t, ta.Window(), "Not signed in: sign in to your Microsoft 365 mailbox in Settings")
}
