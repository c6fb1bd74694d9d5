package ui

import (
	"context"
	"errors"
	"io/fs"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"

	"github.com/securemerge/securemerge/internal/campaign"
	"github.com/securemerge/securemerge/internal/merge"
	"github.com/securemerge/securemerge/internal/sheet"
)

// errorKeys maps the errors people meet to the sentence that explains
// them (a translation key). The window never shows a raw Go error: an
// error not listed reads as error.unexpected, and the detail goes to the
// log, which stays on this computer.
var errorKeys = []struct {
	err error
	key string
}{
	{fs.ErrNotExist, "error.file.missing"},
	{fs.ErrPermission, "error.file.permission"},
	{sheet.ErrEncrypted, "error.sheet.encrypted"},
	{sheet.ErrLegacyXLS, "error.sheet.xls"},
	{sheet.ErrNotSpreadsheet, "error.sheet.notsheet"},
	{sheet.ErrCorrupt, "error.sheet.corrupt"},
	{sheet.ErrEmpty, "error.sheet.empty"},
	{sheet.ErrTooLarge, "error.sheet.toolarge"},
	{sheet.ErrNoSuchSheet, "error.sheet.nosheet"},
	{sheet.ErrTooManyColumns, "error.sheet.columns"},
	{campaign.ErrNotFound, "error.campaign.missing"},
	{campaign.ErrNoSource, "error.campaign.incomplete"},
	{campaign.ErrJobRunning, "error.campaign.running"},
	{campaign.ErrModeFixed, "error.campaign.modefixed"},
	{campaign.ErrNoMailbox, "error.mailbox.signin"},
	{campaign.ErrInvalid, "error.campaign.invalid"},
	{campaign.ErrClosed, "error.closing"},
	{campaign.ErrNoRow, "error.row.missing"},
	{campaign.ErrAlreadyRunning, "error.store.locked"},
	{merge.ErrSpec, "error.template"},
	{merge.ErrSyntax, "error.template"},
	{merge.ErrUnknownColumn, "error.template"},
	{context.Canceled, "error.cancelled"},
}

// userText is the sentence the window shows for err, in its language.
func userText(err error) string {
	if err == nil {
		return ""
	}
	var ce *campaign.ConnectError
	if errors.As(err, &ce) && !errors.Is(err, campaign.ErrNoMailbox) {
		return lang.L("error.mailbox.offline")
	}
	for _, e := range errorKeys {
		if errors.Is(err, e.err) {
			return lang.L(e.key)
		}
	}
	return lang.L("error.unexpected")
}

// showError tells the person what went wrong, in a dialog, and logs the
// detail.
func showError(w fyne.Window, what string, err error) {
	fyne.LogError(what, err)
	dialog.ShowInformation(lang.L("error.title"), userText(err), w)
}
