package ui

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"
)

// shortcutKeys are the window's shortcuts as the help lists them.
var shortcutKeys = []struct{ keys, what string }{
	{"Ctrl+N", "help.key.new"},
	{"Ctrl+O", "help.key.open"},
	{"Ctrl+1 … Ctrl+4", "help.key.steps"},
	{"Ctrl+→ / Ctrl+←", "help.key.next"},
	{"Ctrl+Enter", "help.key.main"},
	{"Ctrl+,", "help.key.settings"},
	{"Escape", "help.key.escape"},
	{"F1", "help.key.help"},
}

// showHelp (F1) says how the app works in four steps and lists the keys.
func (u *App) showHelp() {
	if u.dialog != nil {
		return
	}
	steps := widget.NewLabel(lang.L("help.steps"))
	steps.Wrapping = fyne.TextWrapWord
	keys := container.NewGridWithColumns(2)
	for _, k := range shortcutKeys {
		name := k.keys
		if fyne.KeyModifierShortcutDefault == fyne.KeyModifierSuper {
			name = strings.ReplaceAll(name, "Ctrl", "⌘")
		}
		keys.Add(widget.NewLabelWithStyle(name, fyne.TextAlignLeading, fyne.TextStyle{Monospace: true}))
		keys.Add(widget.NewLabel(lang.L(k.what)))
	}
	privacy := widget.NewLabel(lang.L("help.privacy"))
	privacy.Wrapping = fyne.TextWrapWord
	body := container.NewVBox(steps, widget.NewSeparator(), keys, widget.NewSeparator(), privacy)
	d := dialog.NewCustom(lang.L("help.title"), lang.L("dialog.close"), container.NewVScroll(body), u.window)
	d.Resize(fyne.NewSize(620, 560))
	u.showDialog(d, nil)
}
