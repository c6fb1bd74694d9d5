package ui

import (
	"context"
	"net/url"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// accountCard is the Settings card of the Microsoft 365 account: which
// mailbox sends, sign in (in the browser, or with a code on another
// device), sign out. Without an account the outbox still works; the card
// says so. It lives on the UI goroutine; sign-in runs in the background.
type accountCard struct {
	u       *App
	acct    Account
	who     *widget.Label
	signIn  *widget.Button
	code    *widget.Button
	signOut *widget.Button
	// stop cancels a sign-in that waits for the person.
	stop context.CancelFunc
}

func newAccountCard(u *App, a Account) *accountCard { return &accountCard{u: u, acct: a} }

func (a *accountCard) build() fyne.CanvasObject {
	a.who = widget.NewLabel(lang.L("account.checking"))
	a.who.Wrapping = fyne.TextWrapWord
	a.signIn = widget.NewButtonWithIcon(lang.L("account.signin"), theme.LoginIcon(), func() { a.onSignIn(false) })
	a.signIn.Importance = widget.HighImportance
	a.code = widget.NewButton(lang.L("account.signin.code"), func() { a.onSignIn(true) })
	a.signOut = widget.NewButtonWithIcon(lang.L("account.signout"), theme.LogoutIcon(), a.onSignOut)
	a.signOut.Hide()
	help := widget.NewLabel(lang.L("account.help"))
	help.Wrapping = fyne.TextWrapWord
	return container.NewVBox(a.who, help, container.NewHBox(a.signIn, a.code, a.signOut))
}

// load asks who is signed in.
func (a *accountCard) load() {
	ctx := a.u.work.ctx
	a.u.work.run(func() {
		who := a.acct.Who(ctx)
		fyne.Do(func() { a.show(who) })
	})
}

func (a *accountCard) show(who string) {
	if who == "" {
		a.who.SetText(lang.L("account.none"))
		a.signIn.Show()
		a.code.Show()
		a.signOut.Hide()
		return
	}
	a.who.SetText(lang.L("account.who", map[string]any{"Address": who}))
	a.signIn.Hide()
	a.code.Hide()
	a.signOut.Show()
}

// onSignIn signs in; with deviceCode the code and its page show in a
// dialog until the person has typed it (or cancels).
func (a *accountCard) onSignIn(deviceCode bool) {
	ctx, cancel := context.WithCancel(a.u.work.ctx)
	a.stop = cancel
	a.signIn.Disable()
	a.code.Disable()
	a.who.SetText(lang.L("account.waiting"))
	var shown dialog.Dialog
	prompt := func(dc DeviceCode) {
		fyne.Do(func() { shown = a.showCode(dc, cancel) })
	}
	a.u.work.run(func() {
		who, err := a.acct.SignIn(ctx, deviceCode, prompt)
		cancelled := ctx.Err() != nil
		cancel()
		fyne.Do(func() {
			if shown != nil {
				shown.Hide()
			}
			a.signIn.Enable()
			a.code.Enable()
			switch {
			case err == nil:
				a.show(who)
			case cancelled: // the person closed the code, or the window closes
				a.load()
			default:
				fyne.LogError("sign in", err)
				a.show("")
				a.who.SetText(lang.L("account.failed"))
			}
		})
	})
}

// showCode shows the device code and the page to type it on.
func (a *accountCard) showCode(dc DeviceCode, cancel context.CancelFunc) dialog.Dialog {
	body := container.NewVBox(widget.NewLabel(lang.L("account.code.help")))
	if dc.URL != "" {
		if u, err := url.Parse(dc.URL); err == nil {
			body.Add(widget.NewHyperlink(dc.URL, u))
		}
	}
	code := widget.NewLabelWithStyle(dc.Code, fyne.TextAlignCenter, fyne.TextStyle{Monospace: true})
	code.SizeName = theme.SizeNameHeadingText
	code.Selectable = true
	body.Add(code)
	copyBtn := widget.NewButtonWithIcon(lang.L("account.code.copy"), theme.ContentCopyIcon(), func() {
		fyne.CurrentApp().Clipboard().SetContent(dc.Code)
	})
	body.Add(container.NewCenter(copyBtn))
	d := dialog.NewCustom(lang.L("account.code.title"), lang.L("dialog.cancel"), body, a.u.window)
	d.SetOnClosed(cancel)
	a.u.showDialog(d, nil)
	return d
}

// onSignOut removes the saved tokens.
func (a *accountCard) onSignOut() {
	ctx := a.u.work.ctx
	a.u.work.run(func() {
		err := a.acct.SignOut(ctx)
		fyne.Do(func() {
			if err != nil {
				showError(a.u.window, "sign out", err)
			}
			a.load()
		})
	})
}
