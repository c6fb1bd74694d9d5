package ui

import (
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// showSettings opens the settings (Ctrl+,).
func (u *App) showSettings() {
	if u.dialog != nil {
		return
	}
	u.leaveCampaign()
	s := newSettingsScreen(u)
	u.window.SetContent(s.build())
	s.load()
}

// settingsLanguages are the language choices, in the order shown: the
// system's, then each language in its own name.
var settingsLanguages = []string{"", "en", "fr"}

// settingsScreen is the app's settings: language, sending limits and the
// outbox's From, crash reports (off until chosen, with the exact report
// they would send), the licence, and where the data lives. Every setting
// is kept in the database (campaign.Service.SetSetting), never in a
// second preferences file, so `data export` and `data erase` cover them.
type settingsScreen struct {
	u *App

	language *widget.RadioGroup
	langText []string

	from, sendAs, rate, daily *entry
	limitsNote                *widget.Label
	save                      *widget.Button

	crash   *widget.Check
	preview *widget.Label

	plan, address, expires, checked *widget.Label
	licence                         *fyne.Container

	account *accountCard // nil without an Account

	now func() time.Time
}

func newSettingsScreen(u *App) *settingsScreen { return &settingsScreen{u: u, now: time.Now} }

func (s *settingsScreen) build() fyne.CanvasObject {
	back := widget.NewButtonWithIcon(lang.L("settings.back"), theme.NavigateBackIcon(), s.u.showHome)
	back.Importance = widget.LowImportance
	title := widget.NewLabelWithStyle(lang.L("settings.title"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	title.SizeName = theme.SizeNameSubHeadingText

	s.langText = []string{lang.L("settings.language.system"), "English", "Français"}
	s.language = widget.NewRadioGroup(s.langText, nil)
	s.language.Horizontal = true
	s.language.Required = true

	s.from = newEntry(s.u.keys)
	s.from.SetPlaceHolder(lang.L("settings.from.placeholder"))
	s.sendAs = newEntry(s.u.keys)
	s.sendAs.SetPlaceHolder(lang.L("settings.sendas.placeholder"))
	s.rate = newEntry(s.u.keys)
	s.rate.SetPlaceHolder("30")
	s.daily = newEntry(s.u.keys)
	s.daily.SetPlaceHolder("10000")
	s.limitsNote = widget.NewLabel("")
	s.limitsNote.Wrapping = fyne.TextWrapWord
	s.limitsNote.Hide()
	s.save = widget.NewButtonWithIcon(lang.L("settings.save"), theme.DocumentSaveIcon(), s.onSave)
	s.save.Importance = widget.HighImportance
	for _, e := range []*entry{s.from, s.sendAs, s.rate, s.daily} {
		e.OnSubmitted = func(string) { s.onSave() }
	}
	limitsHelp := widget.NewLabel(lang.L("settings.limits.help"))
	limitsHelp.Wrapping = fyne.TextWrapWord
	limits := widget.NewForm(
		widget.NewFormItem(lang.L("settings.from"), s.from),
		widget.NewFormItem(lang.L("settings.sendas"), s.sendAs),
		widget.NewFormItem(lang.L("settings.rate"), s.rate),
		widget.NewFormItem(lang.L("settings.daily"), s.daily),
	)

	s.crash = widget.NewCheck(lang.L("settings.crash.on"), nil)
	crashHelp := widget.NewLabel(lang.L("settings.crash.help"))
	crashHelp.Wrapping = fyne.TextWrapWord
	s.preview = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Monospace: true})
	previewScroll := container.NewScroll(s.preview)
	previewScroll.SetMinSize(fyne.NewSize(0, 180))
	crash := container.NewVBox(s.crash, crashHelp)
	if s.u.deps.Crash != nil {
		crash.Add(widget.NewLabelWithStyle(lang.L("settings.crash.preview"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
		crash.Add(previewScroll)
	}

	s.plan, s.address, s.expires, s.checked = widget.NewLabel(""), widget.NewLabel(""), widget.NewLabel(""), widget.NewLabel("")
	s.licence = container.NewVBox(widget.NewForm(
		widget.NewFormItem(lang.L("settings.licence.plan"), s.plan),
		widget.NewFormItem(lang.L("settings.licence.address"), s.address),
		widget.NewFormItem(lang.L("settings.licence.expires"), s.expires),
		widget.NewFormItem(lang.L("settings.licence.checked"), s.checked),
	))

	folder := widget.NewLabel(displayPath(s.u.deps.DataFolder))
	folder.Truncation = fyne.TextTruncateEllipsis
	openData := widget.NewButtonWithIcon(lang.L("settings.data.open"), theme.FolderOpenIcon(), s.onOpenData)
	dataHelp := widget.NewLabel(lang.L("settings.data.help"))
	dataHelp.Wrapping = fyne.TextWrapWord

	sections := container.NewVBox()
	if s.u.deps.Account != nil {
		s.account = newAccountCard(s.u, s.u.deps.Account)
		sections.Add(widget.NewCard(lang.L("account.title"), "", s.account.build()))
	}
	sections.Objects = append(sections.Objects,
		widget.NewCard(lang.L("settings.language"), "", s.language),
		widget.NewCard(lang.L("settings.limits"), "", container.NewVBox(limitsHelp, limits, s.limitsNote, container.NewHBox(s.save))),
		widget.NewCard(lang.L("settings.crash"), "", crash),
	)
	if s.u.deps.Licence != nil {
		if s.u.deps.Admin != nil {
			seats := widget.NewButtonWithIcon(lang.L("settings.licence.seats"), theme.AccountIcon(), s.u.showAdmin)
			s.licence.Add(container.NewHBox(seats))
		}
		sections.Add(widget.NewCard(lang.L("settings.licence"), "", s.licence))
	}
	sections.Add(widget.NewCard(lang.L("settings.data"), "", container.NewVBox(
		container.NewBorder(nil, nil, nil, openData, folder), dataHelp)))

	bar := container.NewBorder(nil, nil, back, nil, title)
	return container.NewBorder(container.NewVBox(bar, widget.NewSeparator()), nil, nil, nil, container.NewVScroll(container.NewPadded(sections)))
}

// load shows the settings as stored, then fetches the licence and the
// crash-report preview in the background.
func (s *settingsScreen) load() {
	if s.u.deps.Campaigns == nil {
		return
	}
	set := s.u.deps.Campaigns.Settings()
	for i, code := range settingsLanguages {
		if code == set.Language {
			s.language.SetSelected(s.langText[i])
		}
	}
	s.language.OnChanged = func(string) { s.onLanguage() }
	s.from.SetText(set.From)
	s.sendAs.SetText(set.SendAs)
	if set.Rate > 0 {
		s.rate.SetText(strconv.Itoa(set.Rate))
	}
	if set.DailyLimit > 0 {
		s.daily.SetText(strconv.Itoa(set.DailyLimit))
	}
	s.crash.SetChecked(set.CrashReports)
	s.crash.OnChanged = s.onCrash

	if s.account != nil {
		s.account.load()
	}
	ctx := s.u.work.ctx
	if c := s.u.deps.Crash; c != nil {
		s.u.work.run(func() {
			b, err := c.Preview(ctx)
			fyne.Do(func() {
				if err != nil {
					fyne.LogError("crash-report preview", err)
					s.preview.SetText(lang.L("settings.crash.nopreview"))
					return
				}
				s.preview.SetText(string(b))
			})
		})
	}
	if l := s.u.deps.Licence; l != nil {
		s.plan.SetText(lang.L("settings.licence.checking"))
		s.u.work.run(func() {
			st := l.Status(ctx)
			fyne.Do(func() { s.showLicence(st) })
		})
	}
}

// showLicence fills the licence card, as `securemerge license status`
// tells it.
func (s *settingsScreen) showLicence(st LicenceStatus) {
	plan := lang.L("settings.licence.free")
	if st.Licensed {
		plan = lang.L("settings.licence.pro")
	}
	if st.Offline {
		plan += " " + lang.L("settings.licence.offline")
	}
	s.plan.SetText(plan)
	addr := st.Email
	if addr == "" {
		addr = lang.L("settings.licence.nobody")
	}
	s.address.SetText(addr)
	never := lang.L("settings.licence.never")
	expires, checked := never, never
	if st.Licensed && !st.Expires.IsZero() {
		expires = formatWhen(st.Expires, s.now())
	} else if !st.Licensed {
		expires = "—"
	}
	if !st.Checked.IsZero() {
		checked = formatWhen(st.Checked, s.now())
	}
	s.expires.SetText(expires)
	s.checked.SetText(checked)
}

// onLanguage stores the language and rebuilds the window in it.
func (s *settingsScreen) onLanguage() {
	code := ""
	for i, t := range s.langText {
		if t == s.language.Selected {
			code = settingsLanguages[i]
		}
	}
	if err := s.u.deps.Campaigns.SetSetting("language", code); err != nil {
		showError(s.u.window, "set language", err)
		return
	}
	useLanguage(code)
	s.u.window.SetTitle(lang.L("app.title"))
	s.u.home.build()
	s.u.showHome()
}

// onSave checks and stores the From address and the sending limits.
func (s *settingsScreen) onSave() {
	from := strings.TrimSpace(s.from.Text)
	sendAs := strings.TrimSpace(s.sendAs.Text)
	rate := strings.TrimSpace(s.rate.Text)
	daily := strings.TrimSpace(s.daily.Text)
	problem := ""
	if from != "" {
		if _, err := mail.ParseAddress(from); err != nil {
			problem = lang.L("settings.from.invalid")
		}
	}
	if sendAs != "" {
		if _, err := mail.ParseAddress(sendAs); err != nil {
			problem = lang.L("settings.sendas.invalid")
		}
	}
	if n, err := strconv.Atoi(rate); rate != "" && (err != nil || n <= 0 || n > 30) {
		problem = lang.L("settings.rate.invalid")
	}
	if n, err := strconv.Atoi(daily); daily != "" && (err != nil || n <= 0) {
		problem = lang.L("settings.daily.invalid")
	}
	if problem != "" {
		s.showNote(problem, true)
		return
	}
	for _, kv := range [][2]string{{"from", from}, {"send-as", sendAs}, {"rate", rate}, {"daily-limit", daily}} {
		if err := s.u.deps.Campaigns.SetSetting(kv[0], kv[1]); err != nil {
			fyne.LogError("save settings", err)
			s.showNote(lang.L("error.unexpected"), true)
			return
		}
	}
	s.showNote(lang.L("settings.saved"), false)
}

func (s *settingsScreen) showNote(text string, bad bool) {
	s.limitsNote.SetText(text)
	s.limitsNote.Importance = widget.SuccessImportance
	if bad {
		s.limitsNote.Importance = widget.DangerImportance
	}
	s.limitsNote.Show()
	s.limitsNote.Refresh()
}

// onCrash stores the person's choice about crash reports.
func (s *settingsScreen) onCrash(on bool) {
	v := "off"
	if on {
		v = "on"
	}
	if err := s.u.deps.Campaigns.SetSetting("crash-reports", v); err != nil {
		showError(s.u.window, "set crash reports", err)
	}
}

// onOpenData shows the data folder in the file manager.
func (s *settingsScreen) onOpenData() {
	u, err := url.Parse(storage.NewFileURI(s.u.deps.DataFolder).String())
	if err == nil {
		err = fyne.CurrentApp().OpenURL(u)
	}
	if err != nil {
		showError(s.u.window, "open data folder", err)
	}
}
