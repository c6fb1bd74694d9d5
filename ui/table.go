package ui

import (
	"image/color"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/securemerge/securemerge/internal/campaign"
	"github.com/securemerge/securemerge/internal/merge"
)

// rowPage is how many rows the table asks the campaign.Table for at once.
// The cells on screen read their row from a cached page, so scrolling
// through 100,000 rows costs one small copy per page, not one per cell.
const rowPage = 128

// rowPages is how many pages stay cached: a screen and a half of rows
// above and below what is shown.
const rowPages = 4

// Column widths come from the header and the first rows, within bounds, so
// that one long cell does not push every other column off the screen.
const (
	minColumnWidth = 80
	maxColumnWidth = 280
	measuredRows   = 50
	// maxCellRunes bounds what a cell shows: a 1 MB cell would otherwise be
	// measured and laid out whole each time it scrolls by.
	maxCellRunes = 200
)

// rowTable shows a campaign.Table in a widget.Table: the header row holds
// the column names and the header column the rows' numbers as in the
// spreadsheet, marked when the row has problems. Only the cells on screen
// exist (Fyne recycles them); they read the rows a page at a time, so the
// table never copies the file into widgets. The zero value is not usable:
// newRowTable makes one.
type rowTable struct {
	widget *widget.Table

	src  *campaign.Table
	cols []string
	// only, when filtering, are the data indexes shown, in order; nil
	// shows every row.
	only   []int
	filter bool
	pages  [rowPages]rowCache
	next   int // the page slot to fill next
	// fit is how many characters each column shows before "…". Cells cut
	// their text themselves: a Label's own ellipsis reshapes the text on
	// every scroll, several thousand allocations a cell.
	fit []int

	// severity says how a spreadsheet row is marked: 0 (not), merge.Warning
	// or merge.Error.
	severity func(line int) merge.Severity
	// onSelect is told the data index of the row the person selects.
	onSelect func(index int)
	// selected is the table row selected, -1 for none.
	selected int

	errorMark, warningMark fyne.Resource
}

// rowCache is one page of rows; rows is nil when the slot is empty.
type rowCache struct {
	from int
	rows []campaign.SnapshotRow
}

func newRowTable() *rowTable {
	rt := &rowTable{severity: func(int) merge.Severity { return 0 }, onSelect: func(int) {}, selected: -1,
		errorMark:   theme.NewErrorThemedResource(theme.ErrorIcon()),
		warningMark: theme.NewWarningThemedResource(theme.WarningIcon())}
	t := widget.NewTableWithHeaders(rt.length, rt.createCell, rt.updateCell)
	t.CreateHeader = rt.createHeader
	t.UpdateHeader = rt.updateHeader
	t.OnSelected = func(id widget.TableCellID) {
		rt.selected = id.Row
		if i, ok := rt.index(id.Row); ok {
			rt.onSelect(i)
		}
	}
	rt.widget = t
	return rt
}

// setSource shows another table (nil: none) and sizes its columns.
func (rt *rowTable) setSource(t *campaign.Table) {
	rt.src, rt.cols, rt.only = t, nil, nil
	rt.forget()
	if t != nil {
		rt.cols = t.Columns()
		rt.sizeColumns()
	}
	rt.unselect()
	rt.widget.ScrollToTop()
	rt.widget.Refresh()
}

// grew shows the rows read since the last call.
func (rt *rowTable) grew() {
	rt.forget()
	rt.widget.Refresh()
}

// showOnly filters the table to the rows at these data indexes (sorted);
// off shows every row again.
func (rt *rowTable) showOnly(on bool, indexes []int) {
	rt.filter, rt.only = on, indexes
	rt.unselect()
	rt.widget.ScrollToTop()
	rt.widget.Refresh()
}

// show selects the table row that shows data index i, unless it is
// selected already: selecting scrolls to the row, which must not fight the
// person scrolling while the file is still being read.
func (rt *rowTable) show(i int) {
	p := rt.position(i)
	if p < 0 || p == rt.selected {
		return
	}
	if n, _ := rt.length(); p >= n {
		return
	}
	rt.widget.Select(widget.TableCellID{Row: p, Col: 0})
}

func (rt *rowTable) unselect() {
	rt.widget.UnselectAll()
	rt.selected = -1
}

// forget drops the cached pages: a page read while the file was still
// being read may have been short.
func (rt *rowTable) forget() {
	for i := range rt.pages {
		rt.pages[i] = rowCache{}
	}
}

func (rt *rowTable) length() (int, int) {
	if rt.src == nil {
		return 0, 0
	}
	if rt.filter {
		return len(rt.only), len(rt.cols)
	}
	n, _ := rt.src.Len()
	return n, len(rt.cols)
}

// index is the data index of the table's row r.
func (rt *rowTable) index(r int) (int, bool) {
	if r < 0 {
		return 0, false
	}
	if rt.filter {
		if r >= len(rt.only) {
			return 0, false
		}
		return rt.only[r], true
	}
	return r, true
}

// position is the table row that shows data index i, or -1.
func (rt *rowTable) position(i int) int {
	if !rt.filter {
		return i
	}
	p := sort.SearchInts(rt.only, i)
	if p < len(rt.only) && rt.only[p] == i {
		return p
	}
	return -1
}

// row returns the row at the table's position r from the page cache.
func (rt *rowTable) row(r int) (*campaign.SnapshotRow, bool) {
	i, ok := rt.index(r)
	if !ok || rt.src == nil {
		return nil, false
	}
	from := i - i%rowPage
	for k := range rt.pages {
		p := &rt.pages[k]
		if p.rows != nil && p.from == from && i-from < len(p.rows) {
			return &p.rows[i-from], true
		}
	}
	rows := rt.src.Rows(from, rowPage)
	if i-from >= len(rows) {
		return nil, false
	}
	rt.pages[rt.next] = rowCache{from: from, rows: rows}
	p := &rt.pages[rt.next]
	rt.next = (rt.next + 1) % rowPages
	return &p.rows[i-from], true
}

func (rt *rowTable) createCell() fyne.CanvasObject { return widget.NewLabel("") }

func (rt *rowTable) updateCell(id widget.TableCellID, o fyne.CanvasObject) {
	l := o.(*widget.Label)
	r, ok := rt.row(id.Row)
	if !ok || id.Col >= len(r.Values) {
		l.SetText("…")
		return
	}
	l.SetText(fitText(cellText(r.Values[id.Col]), rt.fitOf(id.Col)))
}

func (rt *rowTable) fitOf(col int) int {
	if col < len(rt.fit) {
		return rt.fit[col]
	}
	return maxCellRunes
}

// fitText cuts v to n characters, the last one an ellipsis.
func fitText(v string, n int) string {
	if n < 1 || utf8.RuneCountInString(v) <= n {
		return v
	}
	return string([]rune(v)[:n-1]) + "…"
}

// cellText is a value as one line of bounded length.
func cellText(v string) string {
	if len(v) > maxCellRunes*utf8.UTFMax {
		v = v[:maxCellRunes*utf8.UTFMax]
	}
	if utf8.RuneCountInString(v) > maxCellRunes {
		v = string([]rune(v)[:maxCellRunes]) + "…"
	}
	if strings.ContainsAny(v, "\r\n\t") {
		v = strings.NewReplacer("\r\n", " ", "\r", " ", "\n", " ", "\t", " ").Replace(v)
	}
	return v
}

// rowHeader is a header cell: the column's name, or the row's number with
// its problem mark.
type rowHeader struct {
	widget.BaseWidget
	mark  *widget.Icon
	label *widget.Label
}

// CreateRenderer implements fyne.Widget. The header is as wide as a row
// number up to 1,048,576 (Excel's last row) and its mark: the table sizes
// its header column from it.
func (h *rowHeader) CreateRenderer() fyne.WidgetRenderer {
	bold := fyne.TextStyle{Bold: true}
	w := fyne.MeasureText("1048576", theme.TextSize(), bold).Width + 2*theme.InnerPadding() + theme.IconInlineSize() + theme.Padding()
	room := canvas.NewRectangle(color.Transparent)
	room.SetMinSize(fyne.NewSize(w, 0))
	return widget.NewSimpleRenderer(container.NewStack(room, container.NewBorder(nil, nil, h.mark, nil, h.label)))
}

func (rt *rowTable) createHeader() fyne.CanvasObject {
	mark := widget.NewIcon(rt.errorMark)
	mark.Hide()
	l := widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	h := &rowHeader{mark: mark, label: l}
	h.ExtendBaseWidget(h)
	return h
}

func (rt *rowTable) updateHeader(id widget.TableCellID, o fyne.CanvasObject) {
	h := o.(*rowHeader)
	switch {
	case id.Row < 0 && id.Col >= 0 && id.Col < len(rt.cols):
		h.mark.Hide()
		h.label.Importance = widget.MediumImportance
		h.label.SetText(fitText(rt.cols[id.Col], rt.fitOf(id.Col)))
	case id.Col < 0 && id.Row >= 0:
		r, ok := rt.row(id.Row)
		if !ok {
			h.mark.Hide()
			h.label.SetText("")
			return
		}
		switch rt.severity(r.Line) {
		case merge.Error:
			h.mark.SetResource(rt.errorMark)
			h.mark.Show()
			h.label.Importance = widget.DangerImportance
		case merge.Warning:
			h.mark.SetResource(rt.warningMark)
			h.mark.Show()
			h.label.Importance = widget.WarningImportance
		default:
			h.mark.Hide()
			h.label.Importance = widget.LowImportance
		}
		h.label.SetText(strconv.Itoa(r.Line))
	default:
		h.mark.Hide()
		h.label.SetText("")
	}
}

// sizeColumns sets each column's width from its name and the first rows'
// values, within [minColumnWidth, maxColumnWidth], and the row numbers'
// column from the largest number it may show.
func (rt *rowTable) sizeColumns() {
	size := theme.TextSize()
	pad := 2*theme.InnerPadding() + 4
	bold := fyne.TextStyle{Bold: true}
	rows := rt.src.Rows(0, measuredRows)
	// The widest letter, bold as the headers are: a column shows as many
	// characters as that many of it fit in.
	wide := fyne.MeasureText("W", size, bold).Width
	rt.fit = make([]int, len(rt.cols))
	for c, name := range rt.cols {
		texts := []string{name}
		for _, r := range rows {
			if c < len(r.Values) {
				texts = append(texts, cellText(r.Values[c]))
			}
		}
		widths := make([]float32, len(texts))
		w := float32(0)
		for i, text := range texts {
			style := fyne.TextStyle{}
			if i == 0 {
				style = bold
			}
			widths[i] = fyne.MeasureText(text, size, style).Width
			w = max(w, widths[i])
		}
		width := min(max(w+pad, minColumnWidth), maxColumnWidth)
		rt.widget.SetColumnWidth(c, width)
		// As many characters as the longest text measured that fits, or
		// as many of the widest letter: what a later row shows fits too.
		n := max(int((width-pad)/wide), 3)
		for i, text := range texts {
			if widths[i] <= width-pad {
				n = max(n, utf8.RuneCountInString(text))
			}
		}
		rt.fit[c] = n
	}
}

// problemIndexes returns the data indexes, in order, of the rows whose
// spreadsheet row number is in lines (sorted), among the rows t holds now.
// It reads the rows a few thousand at a time: a 100,000-row file costs a
// few dozen short copies, done when the problems change, not per frame.
func problemIndexes(t *campaign.Table, lines []int) []int {
	if t == nil || len(lines) == 0 {
		return nil
	}
	const chunk = 4096
	var out []int
	k := 0
	for from := 0; k < len(lines); from += chunk {
		rows := t.Rows(from, chunk)
		if len(rows) == 0 {
			break
		}
		for _, r := range rows {
			for k < len(lines) && lines[k] < r.Line {
				k++
			}
			if k < len(lines) && lines[k] == r.Line {
				out = append(out, r.Index)
				k++
			}
		}
	}
	return out
}
