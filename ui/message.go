package ui

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/securemerge/securemerge/internal/merge"
)

// previewDelay is how long typing must pause before the live preview is
// rendered again: long enough that a keystroke never waits for it.
const previewDelay = 250 * time.Millisecond

// messageStep is the campaign's Message step: the sender, the subject, the
// body in Markdown, HTML or plain text, the language of its dates, column
// chips that insert tokens, the common attachments, and beside it the
// selected recipient's message as it renders now, with the template's
// mistakes located in the text.
type messageStep struct {
	s  *campaignScreen
	u  *App
	vm *campaignVM

	editor   *fyne.Container // the fields, the chips, the body, the attachments
	frozen   *widget.Label   // shown once sending has started
	from     *entry
	subject  *tokenEntry
	body     *tokenEntry
	format   *widget.Select
	language *widget.Select
	chips    *columnChips
	// last is where a chip types: the Subject or the body, whichever had
	// the focus last (the body until one had it).
	last *tokenEntry

	attachments *fyne.Container // the common files, each with a remove button
	perRow      *widget.Label   // the per-row attachment columns, read-only
	add         *widget.Button
	// listed is the Attachment: lines the list shows (nil: none shown yet).
	listed         *[]string
	listedEditable bool

	errors   *fyne.Container // the template's mistakes, located
	headline *widget.Label   // whose message the preview shows
	subjectP *widget.Label
	rendered *widget.RichText

	render *debouncer
	gen    int // the live preview asked last; older answers are dropped
	// syncing is set while the fields are filled from the campaign, so that
	// doing so is not taken for an edit.
	syncing bool
}

func newMessageStep(s *campaignScreen) *messageStep {
	return &messageStep{s: s, u: s.u, vm: s.vm, render: &debouncer{w: &s.u.work, delay: previewDelay}}
}

// formats are the body formats offered, in order.
var formats = []merge.Format{merge.FormatMarkdown, merge.FormatHTML, merge.FormatText}

func formatLabel(f merge.Format) string {
	switch f {
	case merge.FormatHTML:
		return lang.L("message.format.html")
	case merge.FormatText:
		return lang.L("message.format.text")
	}
	return lang.L("message.format.markdown")
}

// languageCodes are the Language: values offered; "" is the window's.
var languageCodes = []string{"", "en", "fr"}

func languageLabel(code string) string {
	switch code {
	case "":
		return lang.L("message.language.window")
	case "en":
		return lang.L("message.language.en")
	case "fr":
		return lang.L("message.language.fr")
	}
	return code
}

func (m *messageStep) build() fyne.CanvasObject {
	k := m.u.keys
	// Ctrl+Left/Right move by word while writing; in Preview they change
	// the recipient.
	words := map[string]bool{ctrl(fyne.KeyLeft).ShortcutName(): true, ctrl(fyne.KeyRight).ShortcutName(): true}

	m.frozen = widget.NewLabelWithStyle(lang.L("message.frozen"), fyne.TextAlignLeading, fyne.TextStyle{Italic: true})
	m.frozen.Wrapping = fyne.TextWrapWord
	m.frozen.Hide()

	m.from = newEntry(k)
	m.from.own = words
	m.from.SetPlaceHolder(lang.L("message.from.placeholder.none"))
	m.from.OnChanged = func(t string) { m.edit(func(s *merge.Spec) { s.From = t }) }

	focused := func(e *tokenEntry) { m.last = e }
	m.subject = newTokenEntry(k, false, focused)
	m.subject.own = words
	m.subject.SetPlaceHolder(lang.L("message.subject.placeholder"))
	m.subject.OnChanged = func(t string) { m.edit(func(s *merge.Spec) { s.Subject = t }) }

	m.body = newTokenEntry(k, true, focused)
	m.body.own = words
	m.body.SetMinRowsVisible(8)
	m.body.SetPlaceHolder(lang.L("message.body.placeholder"))
	m.body.OnChanged = func(t string) { m.edit(func(s *merge.Spec) { s.Body = t }) }
	m.last = m.body

	labels := make([]string, len(formats))
	for i, f := range formats {
		labels[i] = formatLabel(f)
	}
	m.format = widget.NewSelect(labels, func(l string) {
		for _, f := range formats {
			if formatLabel(f) == l {
				m.edit(func(s *merge.Spec) { s.Format = f })
			}
		}
	})
	m.language = widget.NewSelect(nil, func(l string) {
		code := l
		for _, c := range languageCodes {
			if languageLabel(c) == l {
				code = c
			}
		}
		m.edit(func(s *merge.Spec) { s.Language = code })
	})

	m.chips = newColumnChips(m.onChip)

	m.attachments = container.NewVBox()
	m.perRow = widget.NewLabel("")
	m.perRow.Wrapping = fyne.TextWrapWord
	m.perRow.Hide()
	m.add = widget.NewButtonWithIcon(lang.L("message.attach.add"), theme.ContentAddIcon(), m.onAddFile)

	m.errors = container.NewVBox()
	m.headline = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Italic: true})
	m.headline.Wrapping = fyne.TextWrapWord
	m.subjectP = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	m.subjectP.Wrapping = fyne.TextWrapWord
	m.rendered = widget.NewRichText()
	m.rendered.Wrapping = fyne.TextWrapWord

	form := container.New(layout.NewFormLayout(),
		widget.NewLabel(lang.L("message.from")), m.from,
		widget.NewLabel(lang.L("message.subject")), m.subject,
		widget.NewLabel(lang.L("message.format")), container.NewGridWithColumns(2, m.format, layout.NewSpacer()),
		widget.NewLabel(lang.L("message.language")), container.NewGridWithColumns(2, m.language, layout.NewSpacer()))
	chipsBox := container.NewVBox(widget.NewLabelWithStyle(lang.L("message.chips"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), m.chips.view)
	attach := container.NewVBox(
		widget.NewLabelWithStyle(lang.L("message.attach"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		m.attachments, m.perRow, container.NewHBox(m.add))
	m.editor = stacked(container.NewVBox(m.frozen, form, chipsBox), m.body, attach)

	previewTitle := widget.NewLabelWithStyle(lang.L("message.preview"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	side := container.NewBorder(container.NewVBox(previewTitle, m.errors, m.headline, m.subjectP, widget.NewSeparator()), nil, nil, nil,
		container.NewVScroll(m.rendered))

	split := container.NewHSplit(container.NewPadded(m.editor), container.NewPadded(side))
	split.SetOffset(0.55)

	m.vm.onChange(func(what change) {
		if what&(changedTemplate|changedCampaign) != 0 {
			m.fill()
		}
		if what&changedTable != 0 {
			m.fillChips()
		}
		if what&(changedTemplate|changedTable|changedRow) != 0 && m.visible() {
			m.render.call(m.renderNow)
		}
	})
	m.fill()
	m.fillChips()
	m.loadSender()
	return split
}

// loadSender says in the From placeholder who sends when it is left
// empty: the signed-in mailbox when sending through it, else the app's
// From setting.
func (m *messageStep) loadSender() {
	m.u.work.run(func() {
		from := m.u.deps.Campaigns.Settings().From
		fyne.Do(func() {
			if from != "" {
				m.from.SetPlaceHolder(lang.L("message.from.placeholder", map[string]any{"From": from}))
			}
		})
	})
}

// visible reports whether this is the open campaign's step shown: the
// live preview renders only then.
func (m *messageStep) visible() bool {
	return m.u.open == m.s && m.s.tabs != nil && m.s.tabs.SelectedIndex() == stepMessage
}

func (m *messageStep) shown() {
	m.render.stop()
	m.renderNow()
}

// mainAction goes on to the Preview step (Ctrl+Enter).
func (m *messageStep) mainAction() { m.s.show(stepPreview) }

// edit changes the message as the person typed it.
func (m *messageStep) edit(f func(*merge.Spec)) {
	if m.syncing {
		return
	}
	m.vm.setSpec(f)
}

// fill shows the campaign's message in the fields, without moving the
// cursor of a field that already holds it.
func (m *messageStep) fill() {
	m.syncing = true
	defer func() { m.syncing = false }()
	sp := m.vm.spec
	set := func(e *widget.Entry, t string) {
		if e.Text != t {
			e.SetText(t)
		}
	}
	set(&m.from.Entry, sp.From)
	set(&m.subject.Entry, sp.Subject)
	set(&m.body.Entry, sp.Body)
	f := sp.Format
	if f == "" {
		f = merge.FormatMarkdown
	}
	m.format.SetSelected(formatLabel(f))
	opts := make([]string, 0, len(languageCodes)+1)
	for _, c := range languageCodes {
		opts = append(opts, languageLabel(c))
	}
	if !isOffered(sp.Language) {
		opts = append(opts, sp.Language)
	}
	m.language.SetOptions(opts)
	m.language.SetSelected(languageLabel(sp.Language))
	m.fillAttachments()

	editable := m.vm.editable()
	m.frozen.Hidden = editable
	m.frozen.Refresh()
	for _, w := range []fyne.Disableable{m.from, m.subject, m.body, m.format, m.language, m.add} {
		if editable {
			w.Enable()
		} else {
			w.Disable()
		}
	}
}

func isOffered(code string) bool {
	for _, c := range languageCodes {
		if c == code {
			return true
		}
	}
	return false
}

func (m *messageStep) fillChips() {
	var cols []string
	if m.vm.table != nil {
		cols = m.vm.table.Columns()
	}
	m.chips.setColumns(cols, m.vm.editable())
	if m.editor != nil {
		m.editor.Refresh() // the chips' line has its height now
	}
}

// onChip types the column's token where the person was writing.
func (m *messageStep) onChip(col string) {
	e := m.last
	if e == nil || e.Disabled() {
		return
	}
	e.insert(token(col))
	m.u.window.Canvas().Focus(e)
}

// columnToken matches an attachment that is one column: a per-row file.
var columnToken = regexp.MustCompile(`^\{\{-?\s*(?:\[\s*)?"?(.*?)"?(?:\s*\])?\s*-?\}\}$`)

// isStaticPath reports whether an Attachment: line is a plain file (a
// common attachment) rather than template text that varies per row.
func isStaticPath(a string) bool { return !strings.Contains(a, "{{") && !strings.Contains(a, "{%") }

// fillAttachments lists the common files, each with a remove button, and
// says which column names each row's own file.
func (m *messageStep) fillAttachments() {
	editable := m.vm.editable()
	if m.listed != nil && slices.Equal(*m.listed, m.vm.spec.Attachments) && editable == m.listedEditable {
		return // typing elsewhere in the message
	}
	listed := slices.Clone(m.vm.spec.Attachments)
	m.listed, m.listedEditable = &listed, editable
	var rows []fyne.CanvasObject
	var perRow []string
	for i, a := range m.vm.spec.Attachments {
		if !isStaticPath(a) {
			if mm := columnToken.FindStringSubmatch(strings.TrimSpace(a)); mm != nil {
				perRow = append(perRow, lang.L("message.attach.column", map[string]any{"Column": strings.TrimSpace(mm[1])}))
			} else {
				perRow = append(perRow, lang.L("message.attach.template", map[string]any{"Path": a}))
			}
			continue
		}
		name := widget.NewLabel(filepath.Base(a))
		name.Truncation = fyne.TextTruncateEllipsis
		remove := widget.NewButtonWithIcon(lang.L("message.attach.remove"), theme.ContentRemoveIcon(), func() { m.removeAttachment(i) })
		remove.Importance = widget.LowImportance
		if !editable {
			remove.Hide()
		}
		rows = append(rows, container.NewBorder(nil, nil, widget.NewIcon(theme.FileIcon()), remove, name))
	}
	if len(rows) == 0 {
		none := widget.NewLabelWithStyle(lang.L("message.attach.none"), fyne.TextAlignLeading, fyne.TextStyle{Italic: true})
		rows = append(rows, none)
	}
	m.attachments.Objects = rows
	m.attachments.Refresh()
	m.perRow.SetText(strings.Join(perRow, "\n"))
	m.perRow.Hidden = len(perRow) == 0
	m.perRow.Refresh()
}

func (m *messageStep) removeAttachment(i int) {
	m.vm.setSpec(func(s *merge.Spec) {
		if i < len(s.Attachments) {
			s.Attachments = append(s.Attachments[:i:i], s.Attachments[i+1:]...)
		}
	})
}

// onAddFile asks for a file every recipient gets.
func (m *messageStep) onAddFile() {
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil {
			showError(m.u.window, "choose attachment", err)
			return
		}
		if r == nil {
			return
		}
		path := r.URI().Path()
		_ = r.Close()
		m.addAttachment(path)
	}, m.u.window)
	if dir := m.u.deps.Campaigns.Recall("attachfolder"); dir != "" {
		if l, err := storage.ListerForURI(storage.NewFileURI(dir)); err == nil {
			d.SetLocation(l)
		}
	}
	d.Resize(fyne.NewSize(800, 560))
	m.u.showDialog(d, nil)
}

// addAttachment adds a common file by its absolute path, so the campaign
// finds it whatever folder it runs from.
func (m *messageStep) addAttachment(path string) {
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	if fi, err := os.Stat(path); err != nil || !fi.Mode().IsRegular() {
		if err == nil {
			err = os.ErrNotExist
		}
		showError(m.u.window, "add attachment", err)
		return
	}
	_ = m.u.deps.Campaigns.Remember("attachfolder", filepath.Dir(path))
	m.vm.setSpec(func(s *merge.Spec) { s.Attachments = append(s.Attachments, path) })
}

// renderNow renders the selected recipient's message in the background;
// an answer that comes back after a newer question is dropped.
func (m *messageStep) renderNow() {
	m.gen++
	gen := m.gen
	if text := m.notReady(); text != "" {
		m.showProblems([]string{text})
		m.headline.SetText("")
		m.subjectP.SetText("")
		m.rendered.Segments = nil
		m.rendered.Refresh()
		return
	}
	c, row := m.vm.current(), m.vm.row
	ctx := m.u.work.ctx
	m.u.work.run(func() {
		r := m.u.render(ctx, c, row)
		fyne.Do(func() {
			if gen != m.gen {
				return
			}
			m.show(r)
		})
	})
}

// notReady says why no message can be rendered yet, "" when one can.
func (m *messageStep) notReady() string {
	switch {
	case m.vm.specErr != nil:
		return specErrorText(m.vm.specErr, templateLabel(m.vm.c))
	case m.vm.tableErr != nil:
		return userText(m.vm.tableErr)
	case m.vm.table == nil:
		return lang.L("message.nodata")
	case strings.TrimSpace(m.vm.spec.To) == "":
		return lang.L("message.noto")
	}
	return ""
}

func (m *messageStep) show(r rendering) {
	m.showProblems(r.errs)
	if r.msg == nil {
		m.headline.SetText("")
		m.subjectP.SetText("")
		m.rendered.Segments = nil
		m.rendered.Refresh()
		return
	}
	m.headline.SetText(lang.L("message.preview.for", map[string]any{
		"Line": strconv.Itoa(r.msg.Line), "To": addressList(r.msg.To)}))
	m.subjectP.SetText(r.msg.Subject)
	m.rendered.Segments = r.body
	m.rendered.Refresh()
}

// showProblems lists the template's mistakes beside the text.
func (m *messageStep) showProblems(texts []string) {
	objs := make([]fyne.CanvasObject, 0, len(texts))
	for _, t := range texts {
		l := widget.NewLabel(t)
		l.Wrapping = fyne.TextWrapWord
		l.Importance = widget.DangerImportance
		objs = append(objs, container.NewBorder(nil, nil, widget.NewIcon(theme.ErrorIcon()), nil, l))
	}
	m.errors.Objects = objs
	m.errors.Refresh()
}

// specErrorText says that the stored template (a file written by hand)
// could not be read as the fields of this step, and what to do.
func specErrorText(err error, name string) string {
	line := 0
	var se *merge.SpecError
	if errors.As(err, &se) {
		line = se.Line
	}
	return lang.L("message.specerr", map[string]any{"Name": filepath.Base(name), "Line": strconv.Itoa(line)})
}

// stacked lays top, center and bottom out as container.NewBorder does, but
// keeps them in reading order, so that Tab goes from top to bottom
// (NewBorder puts the centre first). Any of them may be nil.
func stacked(top, center, bottom fyne.CanvasObject) *fyne.Container {
	var objs []fyne.CanvasObject
	for _, o := range []fyne.CanvasObject{top, center, bottom} {
		if o != nil {
			objs = append(objs, o)
		}
	}
	return container.New(layout.NewBorderLayout(top, bottom, nil, nil), objs...)
}
