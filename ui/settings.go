package ui

import "fyne.io/fyne/v2/widget"

// showSettings opens the settings (Ctrl+,). (Being built: see the issue.)
func (u *App) showSettings() {
	u.leaveCampaign()
	u.window.SetContent(widget.NewButton("Settings", u.showHome))
}
