package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
)

// AfterCrash is the one-time question after a crash (DESIGN.md §10):
// never asked before SecureMerge has crashed, asked once after, and the
// answer is the crash-reports setting. cmd/securemerge implements it over
// the database; nil means never ask.
type AfterCrash interface {
	// Pending reports a crash since the question was last answered, with
	// crash reports still off.
	Pending() bool
	// Answer records the person's choice and stops asking.
	Answer(on bool) error
}

// askAfterCrash shows the question when a crash is pending.
func (u *App) askAfterCrash() {
	if u.deps.AfterCrash == nil {
		return
	}
	u.work.run(func() {
		if !u.deps.AfterCrash.Pending() {
			return
		}
		fyne.Do(func() {
			u.ask(lang.L("crash.title"), lang.L("crash.question"), lang.L("crash.yes"), lang.L("crash.no"), false, func(on bool) {
				u.work.run(func() {
					if err := u.deps.AfterCrash.Answer(on); err != nil {
						fyne.Do(func() { showError(u.window, "crash reports", err) })
					}
				})
			})
		})
	})
}
