package ui

import (
	"errors"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/securemerge/securemerge/internal/campaign"
)

// contactChoice is the dialog's choice of whose contacts.
type contactChoice int

const (
	contactsMine contactChoice = iota
	contactsFolder
	contactsShared
)

// onContacts is "From Outlook contacts": whose contacts (mine, a folder of
// mine, a shared mailbox's) and which Outlook categories, then a draft
// campaign on that "contacts:" data source (campaign.ContactSource, the path
// `--data contacts:…` takes), opened at its Data step. The permission to
// read contacts is asked for here, when the mailbox refuses without it.
func (u *App) onContacts() {
	choices := []string{lang.L("contacts.mine"), lang.L("contacts.folder"), lang.L("contacts.shared")}
	folder := newEntry(u.keys)
	folder.SetPlaceHolder(lang.L("contacts.folder.placeholder"))
	mailbox := newEntry(u.keys)
	mailbox.SetPlaceHolder("shared@contoso.com")
	categories := newEntry(u.keys)
	categories.SetPlaceHolder(lang.L("contacts.categories.placeholder"))
	which := widget.NewRadioGroup(choices, nil)
	which.Required = true
	show := func() {
		c := contactChoice(max(indexOf(choices, which.Selected), 0))
		if c == contactsMine {
			folder.Disable()
		} else {
			folder.Enable()
		}
		if c == contactsShared {
			mailbox.Enable()
		} else {
			mailbox.Disable()
		}
	}
	which.OnChanged = func(string) { show() }
	which.SetSelected(choices[0])
	problem := widget.NewLabel("")
	problem.Importance = widget.DangerImportance
	problem.Wrapping = fyne.TextWrapWord
	problem.Hide()
	hint := widget.NewLabel(lang.L("contacts.categories.hint"))
	hint.Wrapping = fyne.TextWrapWord
	hint.Importance = widget.LowImportance
	form := widget.NewForm(
		widget.NewFormItem(lang.L("contacts.mailbox"), mailbox),
		widget.NewFormItem(lang.L("contacts.folder.label"), folder),
		widget.NewFormItem(lang.L("contacts.categories"), categories),
	)
	var dlg *dialog.CustomDialog
	tell := func(msg string) {
		problem.SetText(msg)
		problem.Hidden = msg == ""
		problem.Refresh()
	}
	var ok *widget.Button
	ok = widget.NewButtonWithIcon(lang.L("contacts.ok"), theme.ConfirmIcon(), func() {
		src, msg := readContactSource(contactChoice(indexOf(choices, which.Selected)), mailbox.Text, folder.Text, categories.Text)
		if msg != "" {
			tell(msg)
			return
		}
		tell(lang.L("contacts.reading"))
		ok.Disable()
		u.createFromContacts(src, func(msg string) {
			ok.Enable()
			if msg != "" {
				tell(msg)
				return
			}
			dlg.Hide()
		})
	})
	ok.Importance = widget.HighImportance
	no := widget.NewButton(lang.L("contacts.cancel"), func() { dlg.Hide() })
	body := container.NewVBox(which, form, hint, problem)
	dlg = dialog.NewCustomWithoutButtons(lang.L("contacts.title"), body, u.window)
	dlg.SetButtons([]fyne.CanvasObject{no, ok})
	dlg.Resize(fyne.NewSize(560, 0))
	u.showDialog(dlg, nil)
}

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}

// readContactSource reads the dialog; msg says what is missing ("" when
// the source is usable).
func readContactSource(c contactChoice, mailbox, folder, categories string) (src campaign.ContactSource, msg string) {
	mailbox, folder = strings.TrimSpace(mailbox), strings.TrimSpace(folder)
	switch c {
	case contactsFolder:
		if folder == "" {
			return src, lang.L("contacts.error.nofolder")
		}
		src.Folder = folder
	case contactsShared:
		if at := strings.Index(mailbox, "@"); at <= 0 || at == len(mailbox)-1 || strings.ContainsAny(mailbox, " /?") {
			return src, lang.L("contacts.error.mailbox")
		}
		src.Mailbox, src.Folder = mailbox, folder
	}
	for _, cat := range strings.Split(categories, ",") {
		if cat = strings.TrimSpace(cat); cat != "" {
			src.Categories = append(src.Categories, cat)
		}
	}
	return src, ""
}

// contactsName is the new campaign's name: whose contacts, and which
// categories.
func contactsName(src campaign.ContactSource) string {
	name := lang.L("contacts.name.mine")
	switch {
	case src.Folder != "":
		name = src.Folder
	case src.Mailbox != "":
		name = src.Mailbox
	}
	if len(src.Categories) > 0 {
		name += " – " + strings.Join(src.Categories, ", ")
	}
	return name
}

// createFromContacts reads the contacts once (asking for the permission
// when the mailbox refuses without it), then creates the draft and opens
// it; done gets "" or what to tell in the dialog.
func (u *App) createFromContacts(src campaign.ContactSource, done func(msg string)) {
	d := campaign.DataSource{Path: src.Path()}
	name := u.home.uniqueName(contactsName(src))
	ctx := u.work.ctx
	u.work.run(func() {
		_, err := u.deps.Campaigns.Table(d)
		if errors.Is(err, campaign.ErrContactsDenied) && u.deps.Contacts != nil {
			if err = u.deps.Contacts.Consent(ctx); err == nil {
				_, err = u.deps.Campaigns.Table(d)
			}
		}
		var c *campaign.Campaign
		if err == nil {
			c, err = u.deps.Campaigns.Create(campaign.Draft{Name: name, Data: d, Settings: campaign.Settings{Mode: campaign.ModeOutbox}})
		}
		fyne.Do(func() {
			if err != nil {
				fyne.LogError("read contacts", err)
				done(contactsError(err, src))
				return
			}
			done("")
			u.showCampaign(c, stepData)
		})
	})
}

// contactsError is why the contacts could not be read, in the window's
// language.
func contactsError(err error, src campaign.ContactSource) string {
	switch {
	case errors.Is(err, campaign.ErrContactsDenied) && src.Mailbox != "":
		return lang.L("contacts.error.denied.shared", map[string]any{"Mailbox": src.Mailbox})
	case errors.Is(err, campaign.ErrContactsDenied):
		return lang.L("contacts.error.denied")
	case errors.Is(err, campaign.ErrNoContactFolder):
		return lang.L("contacts.error.folder", map[string]any{"Folder": src.Folder})
	case errors.Is(err, campaign.ErrNoContacts):
		return lang.L("contacts.error.none")
	}
	return userText(err)
}
