package ui

import (
	"errors"
	"image/color"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/securemerge/securemerge/internal/campaign"
	"github.com/securemerge/securemerge/internal/merge"
	"github.com/securemerge/securemerge/internal/sheet"
)

// dataStep is the campaign's Data step: which file the recipients come
// from (sheet, encoding, delimiter), its rows in a virtualized table, the
// columns that address each message and attach a file, and the rows whose
// message has a problem. Everything it shows comes from the campaignVM;
// every change goes back through it (setData, setSpec, setRow).
type dataStep struct {
	s  *campaignScreen
	u  *App
	vm *campaignVM

	body   *fyne.Container // the empty state or the loaded view
	empty  fyne.CanvasObject
	loaded fyne.CanvasObject

	file, count, frozen, readErr *widget.Label
	change, open                 *widget.Button
	sheetSel, encSel, delimSel   *widget.Select
	sheetBox, csvBox             *fyne.Container
	// bar and side are laid out again after their texts change: the
	// window would do it on its next frame, a test's canvas never does.
	bar, side *fyne.Container

	table     *rowTable
	tableArea *fyne.Container // the table, or why there is none
	waiting   *widget.Label   // "Reading the file…"

	roles                 []*role
	problemCount          *widget.Label
	onlyProblems          *widget.Check
	rowTitle, rowProblems *widget.Label
	warnings              *widget.Label
	warningsTitle         *widget.Label

	// problemRows are the data indexes of the rows with problems, in order.
	problemRows []int
	// updating is set while the step writes its own widgets, so that their
	// OnChanged callbacks do not edit the campaign back.
	updating bool
}

func newDataStep(s *campaignScreen) *dataStep { return &dataStep{s: s, u: s.u, vm: s.vm} }

func (d *dataStep) build() fyne.CanvasObject {
	d.empty = d.buildEmpty()
	d.loaded = d.buildLoaded()
	d.body = container.NewStack(d.empty)
	d.vm.onChange(d.onChange)
	d.refresh()
	return d.body
}

// shown is called each time the tab becomes visible.
func (d *dataStep) shown() {}

// mainAction (Ctrl+Enter) opens a spreadsheet when there is none, and goes
// on to the message once there is.
func (d *dataStep) mainAction() {
	if d.vm.c.Data.Path == "" {
		d.onOpen()
		return
	}
	d.s.show(stepMessage)
}

func (d *dataStep) buildEmpty() fyne.CanvasObject {
	title := widget.NewLabelWithStyle(lang.L("data.empty.title"), fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	title.SizeName = theme.SizeNameSubHeadingText
	help := widget.NewLabelWithStyle(lang.L("data.empty.help"), fyne.TextAlignCenter, fyne.TextStyle{})
	help.Wrapping = fyne.TextWrapWord
	d.open = widget.NewButtonWithIcon(lang.L("data.open"), theme.FolderOpenIcon(), d.onOpen)
	d.open.Importance = widget.HighImportance
	drop := widget.NewLabelWithStyle(lang.L("data.empty.drop"), fyne.TextAlignCenter, fyne.TextStyle{Italic: true})
	measure := canvas.NewRectangle(color.Transparent)
	measure.SetMinSize(fyne.NewSize(520, 0))
	return container.NewCenter(container.NewStack(measure, container.NewVBox(
		container.NewCenter(widget.NewIcon(theme.GridIcon())),
		title, help, container.NewCenter(d.open), drop)))
}

func (d *dataStep) buildLoaded() fyne.CanvasObject {
	d.file = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	d.file.Truncation = fyne.TextTruncateEllipsis
	d.change = widget.NewButtonWithIcon(lang.L("data.change"), theme.FolderOpenIcon(), d.onOpen)

	d.sheetSel = widget.NewSelect(nil, d.onSheet)
	d.sheetBox = container.NewHBox(widget.NewLabel(lang.L("data.sheet")), d.sheetSel)
	d.encSel = widget.NewSelect(nil, d.onEncoding)
	d.delimSel = widget.NewSelect(nil, d.onDelimiter)
	d.csvBox = container.NewHBox(widget.NewLabel(lang.L("data.encoding")), d.encSel,
		widget.NewLabel(lang.L("data.delimiter")), d.delimSel)

	d.count = widget.NewLabel("")
	d.count.Importance = widget.LowImportance

	d.frozen = widget.NewLabel(lang.L("data.frozen"))
	d.frozen.Wrapping = fyne.TextWrapWord
	d.frozen.Importance = widget.WarningImportance
	d.readErr = widget.NewLabel("")
	d.readErr.Wrapping = fyne.TextWrapWord
	d.readErr.Importance = widget.DangerImportance

	left := container.NewHBox(widget.NewIcon(theme.FileIcon()))
	d.bar = container.NewBorder(nil, nil, left, container.NewHBox(d.sheetBox, d.csvBox, d.count, d.change), d.file)

	d.table = newRowTable()
	d.table.severity = d.severity
	d.table.onSelect = d.vm.setRow
	d.waiting = widget.NewLabelWithStyle(lang.L("data.reading"), fyne.TextAlignCenter, fyne.TextStyle{Italic: true})
	d.tableArea = container.NewStack(d.table.widget)

	side := d.buildSide()
	split := container.NewHSplit(d.tableArea, side)
	split.Offset = 0.68
	return container.NewBorder(container.NewVBox(d.bar, d.frozen, d.readErr), nil, nil, nil, split)
}

// buildSide is the panel beside the table: the column roles, the rows with
// problems, the selected row's problems and the file's own warnings.
func (d *dataStep) buildSide() fyne.CanvasObject {
	heading := func(key string) *widget.Label {
		return widget.NewLabelWithStyle(lang.L(key), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	}
	d.roles = []*role{
		newRole(d, "To", func(s *merge.Spec) *string { return &s.To }),
		newRole(d, "Cc", func(s *merge.Spec) *string { return &s.Cc }),
		newRole(d, "Bcc", func(s *merge.Spec) *string { return &s.Bcc }),
		newRole(d, "Attachment", nil),
	}
	form := widget.NewForm()
	for _, r := range d.roles {
		// In a box even alone: a Form greys the label of a widget that
		// was disabled when added, and never again looks.
		w := container.NewVBox(r.sel)
		if r.list != nil {
			w.Add(r.list)
		}
		form.Append(fieldText(r.name), w)
	}
	rolesHelp := widget.NewLabel(lang.L("data.roles.help"))
	rolesHelp.Wrapping = fyne.TextWrapWord
	rolesHelp.Importance = widget.LowImportance

	d.problemCount = widget.NewLabel("")
	d.problemCount.Wrapping = fyne.TextWrapWord
	d.onlyProblems = widget.NewCheck(lang.L("data.problems.only"), d.onOnlyProblems)
	d.rowTitle = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	d.rowProblems = widget.NewLabel("")
	d.rowProblems.Wrapping = fyne.TextWrapWord
	d.warningsTitle = heading("data.warnings")
	d.warnings = widget.NewLabel("")
	d.warnings.Wrapping = fyne.TextWrapWord
	d.warnings.Importance = widget.WarningImportance

	d.side = container.NewVBox(
		heading("data.roles"), rolesHelp, form,
		widget.NewSeparator(),
		heading("data.problems"), d.problemCount, d.onlyProblems,
		d.rowTitle, d.rowProblems,
		widget.NewSeparator(),
		d.warningsTitle, d.warnings)
	return container.NewVScroll(d.side)
}

// onChange follows the campaign as the other steps and the background
// work change it.
func (d *dataStep) onChange(what change) {
	if what&(changedTable|changedCampaign) != 0 {
		d.refresh()
		return
	}
	if what&changedTemplate != 0 {
		d.showRoles()
	}
	if what&changedProblems != 0 {
		d.showProblems()
	}
	if what&changedRow != 0 {
		d.showRow()
	}
}

// refresh shows the data source as the vm has it now.
func (d *dataStep) refresh() {
	vm := d.vm
	if vm.c.Data.Path == "" {
		d.open.Enable()
		if !vm.editable() {
			d.open.Disable()
		}
		d.setBody(d.empty)
		return
	}
	d.setBody(d.loaded)
	d.file.SetText(dataName(vm.c.Data))
	if vm.editable() {
		d.frozen.Hide()
	} else {
		d.frozen.Show()
	}
	t := vm.table
	d.showSource()
	d.showCount()
	if vm.tableErr != nil {
		d.readErr.SetText(readErrorText(vm.tableErr))
		d.readErr.Show()
	} else {
		d.readErr.Hide()
	}
	switch {
	case t != nil:
		d.tableArea.Objects = []fyne.CanvasObject{d.table.widget}
	case vm.tableErr != nil:
		d.tableArea.Objects = nil
	default:
		d.tableArea.Objects = []fyne.CanvasObject{container.NewCenter(d.waiting)}
	}
	d.tableArea.Refresh()
	// The table draws its cells when refreshed at its size: after it is
	// laid out in its place.
	if t != d.table.src {
		d.table.setSource(t)
		d.problemRows = nil
		d.onlyProblems.Checked = false
		d.onlyProblems.Refresh()
	} else if t != nil {
		d.table.grew()
	}
	d.showRoles()
	d.showProblems()
	d.showWarnings()
	d.bar.Refresh()
	d.side.Refresh()
}

func (d *dataStep) setBody(o fyne.CanvasObject) {
	if len(d.body.Objects) == 1 && d.body.Objects[0] == o {
		return
	}
	d.body.Objects = []fyne.CanvasObject{o}
	d.body.Refresh()
}

// readErrorText says why the file cannot be read, with the row when the
// reader knows it ("Row 57: the file is damaged…").
func readErrorText(err error) string {
	text := userText(err)
	var se *sheet.Error
	if errors.As(err, &se) && se.Row > 0 {
		text = lang.L("data.error.row", map[string]any{"Row": strconv.Itoa(se.Row), "Text": text})
	}
	return text
}

// showSource fills the sheet picker, and for CSV the encoding and delimiter
// found (or chosen).
func (d *dataStep) showSource() {
	d.updating = true
	defer func() { d.updating = false }()
	t := d.vm.table
	src := d.vm.c.Data
	info := campaign.SourceInfo{Encoding: src.Encoding, Delimiter: src.Delimiter}
	if src.Delimiter == "tab" {
		info.Delimiter = "\t"
	}
	if t != nil {
		info = t.Source()
	}
	switch {
	case t == nil && src.Encoding == "" && src.Delimiter == "":
		d.sheetBox.Hide()
		d.csvBox.Hide()
	case t == nil || info.Format == "csv":
		// An override may be why a file cannot be read: it stays
		// changeable even then.
		d.sheetBox.Hide()
		d.csvBox.Show()
	default:
		d.sheetBox.Show()
		d.csvBox.Hide()
	}
	d.sheetSel.Options = info.Sheets
	d.sheetSel.Selected = info.Sheet
	d.sheetSel.Refresh()

	d.encSel.Options = []string{lang.L("data.automatic")}
	for _, e := range encodings {
		d.encSel.Options = append(d.encSel.Options, e.label)
	}
	d.encSel.Selected = encodingLabel(info.Encoding)
	d.encSel.Refresh()
	d.delimSel.Options = []string{lang.L("data.automatic")}
	for _, dl := range delimiters() {
		d.delimSel.Options = append(d.delimSel.Options, dl.label)
	}
	d.delimSel.Selected = delimiterLabel(info.Delimiter)
	d.delimSel.Refresh()
	d.enableSource()
}

func (d *dataStep) enableSource() {
	for _, w := range []fyne.Disableable{d.change, d.sheetSel, d.encSel, d.delimSel} {
		if d.vm.editable() {
			w.Enable()
		} else {
			w.Disable()
		}
	}
}

// showCount says how many rows there are, or have been read so far.
func (d *dataStep) showCount() {
	t := d.vm.table
	if t == nil {
		d.count.SetText("")
		return
	}
	n, done := t.Len()
	args := map[string]any{"Count": formatCount(n)}
	switch {
	case t.Truncated():
		d.count.SetText(lang.N("data.rows.truncated", n, args))
	case done:
		d.count.SetText(lang.N("data.rows", n, args))
	default:
		d.count.SetText(lang.N("data.rows.reading", n, args))
	}
}

// The encodings a CSV file may be read as (internal/sheet's names).
var encodings = []struct{ name, label string }{
	{"utf-8", "UTF-8"},
	{"utf-16le", "UTF-16 LE"},
	{"utf-16be", "UTF-16 BE"},
	{"windows-1252", "Windows-1252"},
}

func encodingLabel(name string) string {
	for _, e := range encodings {
		if e.name == name {
			return e.label
		}
	}
	return name
}

type delimiter struct{ value, label string }

// delimiters are the CSV delimiters, named in the window's language.
func delimiters() []delimiter {
	return []delimiter{
		{",", lang.L("data.delimiter.comma")},
		{";", lang.L("data.delimiter.semicolon")},
		{"\t", lang.L("data.delimiter.tab")},
		{"|", lang.L("data.delimiter.pipe")},
	}
}

func delimiterLabel(v string) string {
	for _, dl := range delimiters() {
		if dl.value == v {
			return dl.label
		}
	}
	return v
}

// onOpen asks for a spreadsheet and makes it this campaign's data.
func (d *dataStep) onOpen() {
	if !d.vm.editable() {
		return
	}
	dlg := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil {
			showError(d.u.window, "open spreadsheet", err)
			return
		}
		if r == nil {
			return
		}
		path := r.URI().Path()
		_ = r.Close()
		d.useFile(path)
	}, d.u.window)
	dlg.SetFilter(storage.NewExtensionFileFilter(spreadsheetExts))
	if dir := d.u.deps.Campaigns.Recall("folder"); dir != "" {
		if l, err := storage.ListerForURI(storage.NewFileURI(dir)); err == nil {
			dlg.SetLocation(l)
		}
	}
	dlg.Resize(fyne.NewSize(800, 560))
	d.u.showDialog(dlg, nil)
}

// useFile makes path this campaign's data, read with what it detects.
func (d *dataStep) useFile(path string) {
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	_ = d.u.deps.Campaigns.Remember("folder", filepath.Dir(path))
	d.vm.setData(campaign.DataSource{Path: path})
}

// takeDrop makes a dropped spreadsheet this campaign's data when it has
// none yet; false leaves the drop to the window (a new campaign).
func (d *dataStep) takeDrop(path string) bool {
	if d.vm.c.Data.Path != "" || !d.vm.editable() || !isSpreadsheet(path) {
		return false
	}
	d.useFile(path)
	return true
}

func (d *dataStep) onSheet(name string) {
	if d.updating || d.vm.table == nil || name == d.vm.table.Source().Sheet {
		return
	}
	src := d.vm.c.Data
	src.Sheet = name
	d.vm.setData(src)
}

func (d *dataStep) onEncoding(label string) {
	if d.updating {
		return
	}
	src := d.vm.c.Data
	src.Encoding = ""
	for _, e := range encodings {
		if e.label == label {
			src.Encoding = e.name
		}
	}
	if src != d.vm.c.Data {
		d.vm.setData(src)
	}
}

func (d *dataStep) onDelimiter(label string) {
	if d.updating {
		return
	}
	src := d.vm.c.Data
	src.Delimiter = ""
	for _, dl := range delimiters() {
		if dl.label == label {
			src.Delimiter = dl.value
			if dl.value == "\t" {
				src.Delimiter = "tab"
			}
		}
	}
	if src != d.vm.c.Data {
		d.vm.setData(src)
	}
}

// severity is how a spreadsheet row is marked in the table.
func (d *dataStep) severity(line int) merge.Severity {
	var s merge.Severity
	for _, p := range d.vm.problems[line] {
		if isRowProblem(p) && p.Severity > s {
			s = p.Severity
		}
	}
	return s
}

// isRowProblem tells a problem of a recipient's message from a remark
// about the file (listed beside the table, not counted as a row's).
func isRowProblem(p merge.Problem) bool {
	return p.Code != "data" && !strings.HasPrefix(p.Code, "data.")
}

// showProblems counts the rows with problems and refilters the table.
func (d *dataStep) showProblems() {
	vm := d.vm
	var lines []int
	for line, ps := range vm.problems {
		for _, p := range ps {
			if isRowProblem(p) {
				lines = append(lines, line)
				break
			}
		}
	}
	sort.Ints(lines)
	rows := problemIndexes(vm.table, lines)
	same := slices.Equal(rows, d.problemRows)
	d.problemRows = rows
	n := len(rows)
	switch {
	case vm.table == nil:
		d.problemCount.SetText("")
	case vm.tableErr != nil:
		d.problemCount.SetText(lang.L("data.problems.unreadable"))
	case vm.reportErr != nil:
		d.problemCount.SetText(lang.L("data.problems.template"))
	case vm.report == nil:
		d.problemCount.SetText(lang.L("data.problems.checking"))
	case n == 0:
		d.problemCount.SetText(lang.L("data.problems.none"))
	default:
		d.problemCount.SetText(lang.N("data.problems.count", n, map[string]any{"Count": formatCount(n)}))
	}
	if n == 0 && !d.onlyProblems.Checked {
		d.onlyProblems.Disable()
	} else if vm.table != nil {
		d.onlyProblems.Enable()
	}
	if d.onlyProblems.Checked && !same {
		// Refiltered only when the rows changed: the file read on or a
		// check that found the same rows keeps the table where it is.
		d.table.showOnly(true, d.problemRows)
	} else {
		d.table.widget.Refresh()
	}
	d.showRow()
}

func (d *dataStep) onOnlyProblems(on bool) {
	d.table.showOnly(on, d.problemRows)
	if on && len(d.problemRows) > 0 {
		d.vm.setRow(d.problemRows[0])
	}
	d.showRow()
}

// showRow lists the selected recipient's problems.
func (d *dataStep) showRow() {
	vm := d.vm
	if vm.table == nil {
		d.rowTitle.Hide()
		d.rowProblems.Hide()
		return
	}
	rows := vm.table.Rows(vm.row, 1)
	if len(rows) == 0 {
		d.rowTitle.Hide()
		d.rowProblems.Hide()
		return
	}
	r := rows[0]
	d.rowTitle.SetText(lang.L("data.row", map[string]any{"Row": strconv.Itoa(r.Line)}))
	d.rowTitle.Show()
	var lines []string
	for _, p := range vm.problems[r.Line] {
		lines = append(lines, "• "+problemText(p))
	}
	switch {
	case len(lines) > 0:
		d.rowProblems.SetText(strings.Join(lines, "\n"))
		d.rowProblems.Importance = widget.DangerImportance
	case vm.report != nil:
		d.rowProblems.SetText(lang.L("data.row.fine"))
		d.rowProblems.Importance = widget.SuccessImportance
	default:
		d.rowProblems.SetText("")
	}
	d.rowProblems.Show()
	d.side.Refresh()
	d.table.show(vm.row)
}

// showWarnings lists what the reader fixed or dropped in the file.
func (d *dataStep) showWarnings() {
	var ws []merge.Problem
	if d.vm.table != nil {
		ws = d.vm.table.Warnings()
	}
	if len(ws) == 0 {
		d.warningsTitle.Hide()
		d.warnings.Hide()
		return
	}
	lines := make([]string, len(ws))
	for i, w := range ws {
		lines[i] = "• " + sourceWarningText(w)
	}
	d.warnings.SetText(strings.Join(lines, "\n"))
	d.warningsTitle.Show()
	d.warnings.Show()
}

// sourceWarningText writes a remark about the file with where it is: "Row
// 1, column C: empty header named “Column C”".
func sourceWarningText(p merge.Problem) string {
	text := problemText(p)
	var where []string
	if p.Line > 0 {
		where = append(where, lang.L("data.where.row", map[string]any{"Row": strconv.Itoa(p.Line)}))
	}
	if c := p.Args["letter"]; c != "" {
		where = append(where, lang.L("data.where.column", map[string]any{"Column": c}))
	}
	if len(where) == 0 {
		return text
	}
	return lang.L("data.located", map[string]any{"Where": strings.Join(where, ", "), "Text": text})
}

// showRoles shows which column each role uses, as the message says.
func (d *dataStep) showRoles() {
	var cols []string
	if d.vm.table != nil {
		cols = d.vm.table.Columns()
	}
	d.updating = true
	defer func() { d.updating = false }()
	for _, r := range d.roles {
		r.show(cols)
	}
}

// role is one way the message uses a column: the address header To, Cc or
// Bcc (field) or the per-row attachment (field nil). Its Select offers
// "none" and every column; a field written by hand that is not one
// column's token shows as "custom: …" and is kept until a column is
// chosen. An address role's check says the column's cells may hold several
// addresses (the template's List: header).
type role struct {
	d     *dataStep
	name  string // the message field: "To", "Cc", "Bcc", "Attachment"
	field func(*merge.Spec) *string
	sel   *widget.Select
	list  *widget.Check
	cols  []string // the columns offered, after "none"
}

func newRole(d *dataStep, name string, field func(*merge.Spec) *string) *role {
	r := &role{d: d, name: name, field: field}
	r.sel = widget.NewSelect(nil, r.onSelect)
	if field != nil {
		r.list = widget.NewCheck(lang.L("data.role.list"), r.onList)
	}
	return r
}

// current is the column the message uses for this role ("" for none), and
// the field's text when it is not one column's token.
func (r *role) current(h *merge.Header) (col, custom string) {
	s := r.d.vm.spec
	if r.field == nil {
		var per []string
		for _, a := range s.Attachments {
			if isTemplated(a) {
				per = append(per, a)
			}
		}
		if len(per) == 0 {
			return "", ""
		}
		if len(per) == 1 {
			if c := tokenColumn(per[0], h); c != "" {
				return c, ""
			}
		}
		return "", strings.Join(per, ", ")
	}
	text := strings.TrimSpace(*r.field(s))
	if text == "" {
		return "", ""
	}
	if c := tokenColumn(text, h); c != "" {
		return c, ""
	}
	return "", text
}

// show selects what the message says, without editing it.
func (r *role) show(cols []string) {
	h := merge.NewHeader(cols)
	col, custom := r.current(h)
	r.cols = cols
	r.sel.Options = append([]string{lang.L("data.role.none")}, cols...)
	switch {
	case custom != "":
		label := lang.L("data.role.custom", map[string]any{"Text": custom})
		r.sel.Options = append(r.sel.Options, label)
		r.sel.Selected = label
	case col != "":
		r.sel.Selected = col
	default:
		r.sel.Selected = r.sel.Options[0]
	}
	if r.d.vm.editable() && len(cols) > 0 {
		r.sel.Enable()
	} else {
		r.sel.Disable()
	}
	r.sel.Refresh()
	if r.list != nil {
		r.list.Checked = col != "" && inLists(r.d.vm.spec, col)
		if col != "" && r.d.vm.editable() {
			r.list.Enable()
		} else {
			r.list.Disable()
		}
		r.list.Refresh()
	}
}

func (r *role) onSelect(label string) {
	if r.d.updating {
		return
	}
	col := ""
	for _, c := range r.cols {
		if c == label {
			col = c
		}
	}
	if col == "" && label != lang.L("data.role.none") {
		return // the custom text, chosen again: keep it
	}
	h := merge.NewHeader(r.cols)
	old, _ := r.current(h)
	if r.field == nil {
		r.d.vm.setSpec(func(s *merge.Spec) { setAttachmentColumn(s, col) })
		return
	}
	r.d.vm.setSpec(func(s *merge.Spec) { setAddressColumn(s, r.name, old, col, h) })
}

func (r *role) onList(on bool) {
	if r.d.updating {
		return
	}
	col, _ := r.current(merge.NewHeader(r.cols))
	if col == "" {
		return
	}
	r.d.vm.setSpec(func(s *merge.Spec) { setList(s, col, on) })
}

// setAddressColumn makes column col ("" for none) the recipients of field
// ("To", "Cc" or "Bcc"), replacing old. The List: header follows the
// columns, not the role: a column declared a list stays one while a field
// prints it and leaves List: when none does; the new column is not made a
// list by taking old's place, since a list cell may add recipients and
// only the person should decide that. A To taking the Cc or Bcc column
// leaves that role: one address would otherwise get the message twice.
func setAddressColumn(s *merge.Spec, field, old, col string, h *merge.Header) {
	text := ""
	if col != "" {
		text = token(col)
	}
	fields := map[string]*string{"To": &s.To, "Cc": &s.Cc, "Bcc": &s.Bcc}
	*fields[field] = text
	if field == "To" && col != "" {
		for _, other := range []*string{&s.Cc, &s.Bcc} {
			if c := tokenColumn(*other, h); c != "" && merge.NormalizeName(c) == merge.NormalizeName(col) {
				*other = ""
			}
		}
	}
	if old != "" && !usesColumn(s, old) {
		setList(s, old, false)
	}
}

// setAttachmentColumn replaces the per-row attachment lines (the ones with
// tokens) by col's token; the common attachments, plain paths, stay.
func setAttachmentColumn(s *merge.Spec, col string) {
	var keep []string
	for _, a := range s.Attachments {
		if !isTemplated(a) {
			keep = append(keep, a)
		}
	}
	if col != "" {
		keep = append(keep, token(col))
	}
	s.Attachments = keep
}

// setList declares col a list (its cells may hold several addresses), or
// not.
func setList(s *merge.Spec, col string, on bool) {
	var out []string
	for _, l := range s.Lists {
		if merge.NormalizeName(l) != merge.NormalizeName(col) {
			out = append(out, l)
		}
	}
	if on {
		out = append(out, col)
	}
	s.Lists = out
}

func inLists(s *merge.Spec, col string) bool {
	for _, l := range s.Lists {
		if merge.NormalizeName(l) == merge.NormalizeName(col) {
			return true
		}
	}
	return false
}

// usesColumn reports whether an address field prints col.
func usesColumn(s *merge.Spec, col string) bool {
	for _, f := range []string{s.To, s.Cc, s.Bcc} {
		t, err := merge.Compile(f)
		if err != nil {
			continue
		}
		for _, ref := range t.Refs() {
			if merge.NormalizeName(ref.Name) == merge.NormalizeName(col) {
				return true
			}
		}
	}
	return false
}

// isTemplated reports whether an attachment line depends on the row.
func isTemplated(a string) bool { return strings.Contains(a, "{{") || strings.Contains(a, "{%") }

// tokenColumn is the column text prints when it is exactly one column's
// token ({{ Email }}, {{ "E-mail" }}, {{ ["E-mail"] }}) and that column
// exists; "" otherwise.
func tokenColumn(text string, h *merge.Header) string {
	text = strings.TrimSpace(text)
	if !strings.HasPrefix(text, "{{") || !strings.HasSuffix(text, "}}") ||
		strings.Count(text, "{{") != 1 || strings.Contains(text, "|") || strings.Contains(text, "{%") {
		return ""
	}
	t, err := merge.Compile(text)
	if err != nil {
		return ""
	}
	refs := t.Refs()
	if len(refs) != 1 || !refs[0].Output {
		return ""
	}
	i, ok := h.Lookup(refs[0].Name)
	if !ok {
		return ""
	}
	return h.Columns()[i]
}
