package ui

import (
	"context"
	"errors"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/securemerge/securemerge/internal/campaign"
	"github.com/securemerge/securemerge/internal/merge"
)

// licenceURL says what a licence is; the only address the window adds.
const licenceURL = "https://securemerge.app/licence"

// rendering is one recipient's message as the window shows it, laid out
// off the UI goroutine.
type rendering struct {
	msg  *merge.Message
	body []widget.RichTextSegment // the HTML part as it will look (the text part when there is none)
	text []widget.RichTextSegment // the text part as sent
	// errs say why the message cannot be rendered (the template's mistakes
	// or the row's own problems), in the window's language.
	errs []string
	// footer says the free plan's footer is in the message.
	footer bool
}

// render renders row (0-based) of c exactly as it would be sent, through
// the application layer. It blocks: call it through the worker.
func (u *App) render(ctx context.Context, c *campaign.Campaign, row int) rendering {
	msg, err := u.deps.Campaigns.Preview(ctx, c, campaign.RowRef{Index: row})
	if err != nil {
		return rendering{errs: renderErrorTexts(err, c.Template)}
	}
	r := rendering{msg: msg, text: plainSegments(msg.Text), footer: u.freeFooter() != nil}
	if msg.HTML != "" {
		r.body = richHTML(msg.HTML)
	} else {
		r.body = plainSegments(msg.Text)
	}
	return r
}

// freeFooter is the footer the free plan adds, nil when licensed: the
// application layer's own decision, so the note beside the preview can
// never disagree with the message.
func (u *App) freeFooter() *merge.Footer {
	return u.deps.Campaigns.PlanFooter()
}

// renderErrorTexts says why a message cannot be rendered, in the window's
// language: a template mistake located in the field the person edits, a
// row's own problem, or what went wrong.
func renderErrorTexts(err error, template string) []string {
	var re *campaign.RenderError
	if errors.As(err, &re) {
		var out []string
		for _, p := range merge.TemplateProblems(re.Err) {
			out = append(out, problemText(merge.Problem{Code: p.Code, Field: p.Field, Msg: lang.L("problem.other")}))
		}
		return out
	}
	var fe *merge.FieldError
	var se *merge.SpecError
	if errors.As(err, &fe) || errors.As(err, &se) || errors.Is(err, merge.ErrSyntax) || errors.Is(err, merge.ErrUnknownColumn) {
		return editorErrorTexts(err, template)
	}
	return []string{userText(err)}
}

// editorErrorTexts writes a template's errors located as the person sees
// the text: a line of the body counts from the body's first line, a column
// of the Subject from the Subject's first character — not from the
// template file the fields are saved as.
func editorErrorTexts(err error, template string) []string {
	parsed, _ := merge.ParseDraft(strings.NewReader(template), "")
	ps := merge.TemplateProblems(err)
	each := flatten(err)
	var out []string
	for i, p := range ps {
		e := err
		if len(each) == len(ps) {
			e = each[i]
		}
		out = append(out, templateProblemText(inEditor(p, parsed), e))
	}
	return out
}

// flatten lists the errors of an errors.Join, each once.
func flatten(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, flatten(e)...)
		}
		return out
	}
	return []error{err}
}

func inEditor(p merge.Problem, parsed *merge.Spec) merge.Problem {
	if parsed == nil || p.Field == "" {
		p.TemplateLine, p.TemplateCol = 0, 0
		return p
	}
	if p.Field == "Body" {
		if start := parsed.Lines["Body"]; start > 0 && p.TemplateLine >= start {
			p.TemplateLine = p.TemplateLine - start + 1
		}
		return p
	}
	// A header is one line in a field of its own.
	name, _, _ := strings.Cut(p.Field, " ")
	if off := len(name) + 2; p.TemplateCol > off {
		p.TemplateCol -= off
	}
	p.TemplateLine = 0
	return p
}

// addressList writes addresses as people read them: "Jane Doe
// <jane@example.org>, bob@example.org" (no MIME encoding of names).
func addressList(list []mail.Address) string {
	parts := make([]string, len(list))
	for i, a := range list {
		if a.Name != "" {
			parts[i] = a.Name + " <" + a.Address + ">"
		} else {
			parts[i] = a.Address
		}
	}
	return strings.Join(parts, ", ")
}

// previewStep is the campaign's Preview step: any recipient's exact
// message — its headers, its HTML as it will look and its text part, its
// attachments — with the row's problems beside it, and ways to get to
// another recipient: previous / next (Ctrl+Left / Ctrl+Right), a row
// number, a search by name or address.
type previewStep struct {
	s  *campaignScreen
	u  *App
	vm *campaignVM

	prev, next, find, open *widget.Button
	where                  *widget.Label
	jump, search           *entry
	outcome                *widget.Label // what a jump or a search found

	message                *fyne.Container // headers and parts; hidden when nothing renders
	from, to, cc, subject  *widget.Label
	ccLabel                *widget.Label
	html, text             *widget.RichText
	attachments            *widget.Label
	attachBox              *fyne.Container
	footnote               *fyne.Container
	problems, cannotRender *fyne.Container

	cur rendering
	// cache keeps the messages rendered for this template and data, by
	// row: going back and forth between recipients renders each once, and
	// the next one is rendered ahead while the person reads.
	cache    map[int]rendering
	cacheFor string
	ahead    map[int]bool
	gen      int

	// openURL opens the written .eml in the mail app; tests record it.
	openURL func(*url.URL) error
}

func newPreviewStep(s *campaignScreen) *previewStep {
	return &previewStep{s: s, u: s.u, vm: s.vm, openURL: func(u *url.URL) error { return fyne.CurrentApp().OpenURL(u) }}
}

// maxCached bounds the rendered messages kept.
const maxCached = 256

func (p *previewStep) build() fyne.CanvasObject {
	p.prev = widget.NewButtonWithIcon(lang.L("preview.prev"), theme.NavigateBackIcon(), p.onPrev)
	p.next = widget.NewButtonWithIcon(lang.L("preview.next"), theme.NavigateNextIcon(), p.onNext)
	p.next.IconPlacement = widget.ButtonIconTrailingText
	p.where = widget.NewLabel("")
	p.jump = newEntry(p.u.keys)
	p.jump.SetPlaceHolder(lang.L("preview.jump.placeholder"))
	p.jump.OnSubmitted = func(string) { p.onJump() }
	p.search = newEntry(p.u.keys)
	p.search.SetPlaceHolder(lang.L("preview.search.placeholder"))
	p.search.OnSubmitted = func(string) { p.onFind() }
	p.find = widget.NewButtonWithIcon(lang.L("preview.search.next"), theme.SearchIcon(), p.onFind)
	p.outcome = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Italic: true})
	p.outcome.Hide()
	p.open = widget.NewButtonWithIcon(lang.L("preview.open"), theme.MailComposeIcon(), p.onOpen)

	head := func(key string) *widget.Label {
		return widget.NewLabelWithStyle(key, fyne.TextAlignTrailing, fyne.TextStyle{Bold: true})
	}
	value := func() *widget.Label {
		l := widget.NewLabel("")
		l.Wrapping = fyne.TextWrapWord
		return l
	}
	p.from, p.to, p.cc, p.subject = value(), value(), value(), value()
	p.ccLabel = head(lang.L("field.Cc"))
	headers := container.New(layout.NewFormLayout(),
		head(lang.L("field.From")), p.from,
		head(lang.L("field.To")), p.to,
		p.ccLabel, p.cc,
		head(lang.L("field.Subject")), p.subject)

	p.html = widget.NewRichText()
	p.html.Wrapping = fyne.TextWrapWord
	p.text = widget.NewRichText()
	p.text.Wrapping = fyne.TextWrapWord
	parts := container.NewAppTabs(
		container.NewTabItem(lang.L("preview.looks"), container.NewVScroll(p.html)),
		container.NewTabItem(lang.L("preview.textpart"), container.NewVScroll(p.text)))

	p.attachments = widget.NewLabel("")
	p.attachments.Wrapping = fyne.TextWrapWord
	p.attachBox = container.NewBorder(nil, nil, widget.NewIcon(theme.FileIcon()), nil, p.attachments)
	link, _ := url.Parse(licenceURL)
	footNote := widget.NewLabelWithStyle(lang.L("preview.footer"), fyne.TextAlignLeading, fyne.TextStyle{Italic: true})
	footNote.Wrapping = fyne.TextWrapWord
	p.footnote = container.NewBorder(nil, nil, widget.NewIcon(theme.InfoIcon()),
		widget.NewHyperlink(lang.L("preview.footer.link"), link), footNote)
	p.footnote.Hide()

	p.message = container.NewBorder(container.NewVBox(headers, widget.NewSeparator()),
		container.NewVBox(p.attachBox, p.footnote), nil, nil, parts)
	p.cannotRender = container.NewVBox()

	p.problems = container.NewVBox()
	side := container.NewBorder(
		widget.NewLabelWithStyle(lang.L("preview.problems"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		nil, nil, nil, container.NewVScroll(p.problems))

	// In reading order, for Tab: previous, next, open, the row, the search.
	steps := container.NewHBox(p.prev, p.next)
	nav := container.NewVBox(
		container.New(layout.NewBorderLayout(nil, nil, steps, p.open), steps, p.where, p.open),
		container.NewGridWithColumns(2, p.jump, container.NewBorder(nil, nil, nil, p.find, p.search)))
	body := container.NewHSplit(container.NewBorder(p.cannotRender, nil, nil, nil, p.message), side)
	body.SetOffset(0.72)

	p.u.keys.on(ctrl(fyne.KeyRight), func() {
		if p.active() {
			p.onNext()
		}
	})
	p.u.keys.on(ctrl(fyne.KeyLeft), func() {
		if p.active() {
			p.onPrev()
		}
	})
	p.vm.onChange(func(what change) {
		if !p.visible() {
			return
		}
		if what&(changedTemplate|changedTable|changedRow) != 0 {
			p.refresh()
		} else if what&changedProblems != 0 {
			p.showProblems()
		}
	})
	return container.NewPadded(stacked(container.NewVBox(nav, p.outcome, widget.NewSeparator()), body, nil))
}

// visible reports whether this is the open campaign's step shown.
func (p *previewStep) visible() bool {
	return p.u.open == p.s && p.s.tabs != nil && p.s.tabs.SelectedIndex() == stepPreview
}

// active reports whether the Preview keys act: the step is shown and no
// dialog is over it.
func (p *previewStep) active() bool { return p.visible() && p.u.dialog == nil }

// shown renders afresh: the attachments or the licence may have changed
// while another step was shown.
func (p *previewStep) shown() {
	p.cache, p.cacheFor = nil, ""
	p.refresh()
}

// mainAction goes on to the Send step (Ctrl+Enter).
func (p *previewStep) mainAction() { p.s.show(stepSend) }

func (p *previewStep) onPrev() { p.vm.setRow(p.vm.row - 1) }

func (p *previewStep) onNext() {
	if n, done := p.rows(); done && p.vm.row+1 >= n {
		return
	}
	p.vm.setRow(p.vm.row + 1)
}

// rows is how many recipients are read, and whether that is all of them.
func (p *previewStep) rows() (int, bool) {
	if p.vm.table == nil {
		return 0, true
	}
	return p.vm.table.Len()
}

// line is the spreadsheet row number of recipient i, 0 when not read yet.
func (p *previewStep) line(i int) int {
	if p.vm.table == nil {
		return 0
	}
	if r := p.vm.table.Rows(i, 1); len(r) == 1 {
		return r[0].Line
	}
	return 0
}

// cells writes row i's values with their columns ("Email: x · Ville: y"),
// so that a row that cannot be written shows what it holds.
func (p *previewStep) cells(i int) string {
	if p.vm.table == nil {
		return ""
	}
	rows := p.vm.table.Rows(i, 1)
	if len(rows) != 1 {
		return ""
	}
	cols := p.vm.table.Columns()
	var parts []string
	for j, v := range rows[0].Values {
		if j < len(cols) && strings.TrimSpace(v) != "" {
			parts = append(parts, cols[j]+": "+v)
		}
	}
	return strings.Join(parts, " · ")
}

// notReady says why no message can be shown yet, "" when one can.
func (p *previewStep) notReady() string {
	switch {
	case p.vm.specErr != nil:
		return specErrorText(p.vm.specErr, templateLabel(p.vm.c))
	case p.vm.tableErr != nil:
		return userText(p.vm.tableErr)
	case p.vm.table == nil:
		return lang.L("message.nodata")
	case strings.TrimSpace(p.vm.spec.To) == "":
		return lang.L("message.noto")
	}
	if n, done := p.rows(); done && n == 0 {
		return lang.L("error.sheet.empty")
	}
	return ""
}

// refresh shows the selected recipient: at once when it was rendered
// before, else once the worker has rendered it.
func (p *previewStep) refresh() {
	p.showWhere()
	if text := p.notReady(); text != "" {
		p.display(rendering{errs: []string{text}})
		return
	}
	c := p.vm.current()
	key := c.Template + "\x00" + c.Data.Path + "\x00" + c.Data.Sheet + "\x00" + c.Data.Encoding + "\x00" + c.Data.Delimiter
	if key != p.cacheFor || p.cache == nil {
		p.cache, p.ahead, p.cacheFor = map[int]rendering{}, map[int]bool{}, key
	}
	row := p.vm.row
	if r, ok := p.cache[row]; ok {
		p.gen++
		p.display(r)
		p.renderAhead(c, key, row+1)
		return
	}
	p.gen++
	gen := p.gen
	ctx := p.u.work.ctx
	p.u.work.run(func() {
		r := p.u.render(ctx, c, row)
		fyne.Do(func() {
			p.keep(key, row, r)
			if gen != p.gen {
				return
			}
			p.display(r)
			p.renderAhead(c, key, row+1)
		})
	})
}

// keep caches a rendering made for key.
func (p *previewStep) keep(key string, row int, r rendering) {
	if key != p.cacheFor {
		return
	}
	if len(p.cache) >= maxCached {
		p.cache = map[int]rendering{}
	}
	p.cache[row] = r
}

// renderAhead renders the next recipient while the person reads this one,
// so that Ctrl+Right shows it at once.
func (p *previewStep) renderAhead(c *campaign.Campaign, key string, row int) {
	if n, _ := p.rows(); row >= n || p.ahead[row] {
		return
	}
	if _, ok := p.cache[row]; ok {
		return
	}
	p.ahead[row] = true
	ctx := p.u.work.ctx
	p.u.work.run(func() {
		r := p.u.render(ctx, c, row)
		fyne.Do(func() {
			if key == p.cacheFor {
				delete(p.ahead, row)
			}
			p.keep(key, row, r)
		})
	})
}

// showWhere says which recipient this is, and enables the buttons that
// lead somewhere.
func (p *previewStep) showWhere() {
	n, done := p.rows()
	total := formatCount(n)
	if !done {
		total += "+"
	}
	row := p.vm.row
	if n == 0 {
		p.where.SetText("")
	} else {
		p.where.SetText(lang.L("preview.where", map[string]any{
			"N": formatCount(row + 1), "Total": total, "Line": formatCount(p.line(row))}))
	}
	enable := func(b *widget.Button, ok bool) {
		if ok {
			b.Enable()
		} else {
			b.Disable()
		}
	}
	enable(p.prev, row > 0)
	enable(p.next, n > 0 && (!done || row+1 < n))
	enable(p.find, n > 0)
}

// display shows a rendering: the message, or why there is none.
func (p *previewStep) display(r rendering) {
	p.cur = r
	objs := make([]fyne.CanvasObject, 0, len(r.errs))
	for _, t := range r.errs {
		l := widget.NewLabel(t)
		l.Wrapping = fyne.TextWrapWord
		l.Importance = widget.DangerImportance
		objs = append(objs, container.NewBorder(nil, nil, widget.NewIcon(theme.ErrorIcon()), nil, l))
	}
	if len(r.errs) > 0 && r.msg == nil {
		if cells := p.cells(p.vm.row); cells != "" {
			l := widget.NewLabelWithStyle(cells, fyne.TextAlignLeading, fyne.TextStyle{Italic: true})
			l.Wrapping = fyne.TextWrapWord
			objs = append(objs, l)
		}
	}
	p.cannotRender.Objects = objs
	p.cannotRender.Refresh()
	p.showProblems()
	if r.msg == nil {
		p.message.Hide()
		p.open.Disable()
		return
	}
	msg := r.msg
	p.from.SetText(addressList([]mail.Address{msg.From}))
	p.to.SetText(addressList(msg.To))
	p.cc.SetText(addressList(msg.Cc))
	p.cc.Hidden, p.ccLabel.Hidden = len(msg.Cc) == 0, len(msg.Cc) == 0
	p.subject.SetText(msg.Subject)
	p.html.Segments = r.body
	p.html.Refresh()
	p.text.Segments = r.text
	p.text.Refresh()
	var files []string
	for _, a := range msg.Attachments {
		files = append(files, lang.L("preview.attachment", map[string]any{"Name": a.Name, "Size": formatSize(a.Size)}))
	}
	p.attachments.SetText(strings.Join(files, "\n"))
	p.attachBox.Hidden = len(files) == 0
	p.footnote.Hidden = !r.footer
	p.message.Show()
	p.message.Refresh()
	p.open.Enable()
}

// showProblems lists the selected row's problems found by validation.
func (p *previewStep) showProblems() {
	line := p.line(p.vm.row)
	if p.cur.msg != nil {
		line = p.cur.msg.Line
	}
	var objs []fyne.CanvasObject
	for _, pr := range p.vm.problems[line] {
		icon := theme.WarningIcon()
		if pr.Severity == merge.Error {
			icon = theme.ErrorIcon()
		}
		l := widget.NewLabel(problemText(pr))
		l.Wrapping = fyne.TextWrapWord
		objs = append(objs, container.NewBorder(nil, nil, widget.NewIcon(icon), nil, l))
	}
	if len(objs) == 0 {
		none := widget.NewLabelWithStyle(lang.L("preview.problems.none"), fyne.TextAlignLeading, fyne.TextStyle{Italic: true})
		none.Wrapping = fyne.TextWrapWord
		objs = append(objs, none)
	}
	p.problems.Objects = objs
	p.problems.Refresh()
}

// say shows what a jump or a search found ("" hides it).
func (p *previewStep) say(text string) {
	p.outcome.SetText(text)
	p.outcome.Hidden = text == ""
	p.outcome.Refresh()
}

// onJump shows the recipient on the spreadsheet row typed.
func (p *previewStep) onJump() {
	text := strings.TrimSpace(p.jump.Text)
	n, err := strconv.Atoi(text)
	if err != nil || n <= 0 {
		p.say(lang.L("preview.jump.bad", map[string]any{"Text": text}))
		return
	}
	t := p.vm.table
	if t == nil {
		return
	}
	ctx := p.u.work.ctx
	p.u.work.run(func() {
		row, err := t.Find(ctx, campaign.RowRef{Line: n})
		fyne.Do(func() {
			if p.vm.table != t {
				return
			}
			if err != nil {
				p.say(lang.L("preview.jump.none", map[string]any{"Line": formatCount(n)}))
				return
			}
			p.say("")
			p.vm.setRow(row.Index)
		})
	})
}

// searchPage is how many rows a search reads at a time.
const searchPage = 1000

// onFind shows the next recipient, after the one shown, with a cell that
// holds the text searched for, ignoring case; past the last row it goes
// on from the first.
func (p *previewStep) onFind() {
	query := strings.ToLower(strings.TrimSpace(p.search.Text))
	t := p.vm.table
	if query == "" || t == nil {
		return
	}
	from := p.vm.row + 1
	ctx := p.u.work.ctx
	p.u.work.run(func() {
		found := findRow(ctx, t, query, from)
		fyne.Do(func() {
			if p.vm.table != t {
				return
			}
			if found < 0 {
				p.say(lang.L("preview.search.none", map[string]any{"Query": strings.TrimSpace(p.search.Text)}))
				return
			}
			p.say("")
			p.vm.setRow(found)
		})
	})
}

// findRow is the index of the first row from index from on (then from the
// start) with a cell holding query (lower-cased), or -1.
func findRow(ctx context.Context, t *campaign.Table, query string, from int) int {
	n, _ := t.Len()
	if from >= n {
		from = 0
	}
	scan := func(start, end int) int {
		for i := start; i < end; i += searchPage {
			if ctx.Err() != nil {
				return -1
			}
			for _, r := range t.Rows(i, min(searchPage, end-i)) {
				for _, v := range r.Values {
					if strings.Contains(strings.ToLower(v), query) {
						return r.Index
					}
				}
			}
		}
		return -1
	}
	if i := scan(from, n); i >= 0 {
		return i
	}
	return scan(0, from)
}

// onOpen writes the message shown to the data folder's preview area and
// opens it in the person's mail program: the same bytes the outbox writes.
func (p *previewStep) onOpen() {
	msg := p.cur.msg
	if msg == nil {
		return
	}
	dir := filepath.Join(p.u.deps.DataFolder, "preview")
	p.u.work.run(func() {
		path, err := writeEML(dir, msg)
		fyne.Do(func() {
			if err != nil {
				showError(p.u.window, "write preview", err)
				return
			}
			u, err := url.Parse(storage.NewFileURI(path).String())
			if err == nil {
				err = p.openURL(u)
			}
			if err != nil {
				showError(p.u.window, "open preview", err)
			}
		})
	})
}

// writeEML writes msg into dir as its outbox file name, replacing a file
// of that name only once the new one is complete.
func writeEML(dir string, msg *merge.Message) (string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	f, err := os.CreateTemp(dir, ".preview-*.eml")
	if err != nil {
		return "", err
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if err := msg.WriteEML(f); err != nil {
		f.Close()
		return "", err
	}
	if err := f.Close(); err != nil {
		return "", err
	}
	path := filepath.Join(dir, msg.FileName())
	if err := os.Rename(tmp, path); err != nil {
		return "", err
	}
	return path, nil
}
