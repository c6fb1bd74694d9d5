package ui

import (
	"image/color"
	"io"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/securemerge/securemerge/internal/campaign"
)

// resultsPage is how many journal entries the results table reads at a
// time: the table asks only for the pages it shows, so a campaign of
// 100,000 rows opens as fast as one of 100.
const resultsPage = 100

// maxPages bounds the pages kept in memory; scrolling further reads again.
const maxPages = 200

// resultsFilters are the filter's choices: every row, or one state.
// "pending" shows the rows being sent too.
var resultsFilters = []campaign.State{"", campaign.StateSent, campaign.StateFailed, campaign.StateBounced, campaign.StateSkipped, campaign.StatePending}

// resultsTable is every recipient's result: row, address, status, when,
// and why in the window's language. Unfiltered, it reads pages of the
// journal as they scroll into view; filtered by a state, it holds the
// matching entries. A running send updates the rows it changed. It lives on
// the UI goroutine.
type resultsTable struct {
	d      *sendStep
	table  *widget.Table
	filter *widget.Select
	retry  *widget.Button
	export *widget.Button
	bounce *bounceCheck // "Check for bounces", for a campaign sent live
	empty  *widget.Label
	body   *fyne.Container

	counts   campaign.Counts
	pages    map[int][]campaign.Entry // unfiltered, by page number
	loading  map[int]bool
	state    campaign.State   // the filter; "" shows every row
	filtered []campaign.Entry // the rows matching state
	scanned  time.Time        // when filtered was last read during a send
	gen      int              // bumped by reload: pages read before are dropped
	filling  bool             // inside the table's update of a cell
	now      func() time.Time
}

func newResultsTable(d *sendStep) *resultsTable {
	return &resultsTable{d: d, pages: map[int][]campaign.Entry{}, loading: map[int]bool{}, now: time.Now}
}

func (r *resultsTable) build() fyne.CanvasObject {
	title := widget.NewLabelWithStyle(lang.L("results.heading"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	names := make([]string, len(resultsFilters))
	for i, s := range resultsFilters {
		names[i] = filterName(s)
	}
	r.filter = widget.NewSelect(names, func(string) { r.onFilter() })
	r.filter.SetSelectedIndex(0)
	r.retry = widget.NewButtonWithIcon(lang.L("results.retry"), theme.ViewRefreshIcon(), r.onRetry)
	r.export = widget.NewButtonWithIcon(lang.L("results.export"), theme.DocumentSaveIcon(), r.onExport)
	r.bounce = newBounceCheck(r.d)

	r.table = widget.NewTableWithHeaders(r.size, func() fyne.CanvasObject {
		l := widget.NewLabel("")
		l.Truncation = fyne.TextTruncateEllipsis
		return l
	}, r.updateCell)
	r.table.ShowHeaderColumn = false
	r.table.CreateHeader = func() fyne.CanvasObject {
		return widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	}
	r.table.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		if id.Row < 0 && id.Col >= 0 && id.Col < len(resultsColumns) {
			o.(*widget.Label).SetText(lang.L(resultsColumns[id.Col]))
		}
	}
	for i, w := range []float32{70, 260, 110, 110, 420} {
		r.table.SetColumnWidth(i, w)
	}
	r.empty = widget.NewLabelWithStyle(lang.L("results.empty"), fyne.TextAlignCenter, fyne.TextStyle{Italic: true})
	r.body = container.NewStack(r.table)
	// A Select is as wide as its placeholder: hold it at its options' width.
	wide := canvas.NewRectangle(color.Transparent)
	wide.SetMinSize(fyne.NewSize(200, 0))
	bar := container.NewBorder(nil, nil, title, container.NewHBox(container.NewStack(wide, r.filter), r.retry, r.export, r.bounce.check, r.bounce.suppress))
	r.showButtons()
	return container.NewBorder(bar, nil, nil, nil, r.body)
}

// resultsColumns are the headers' translation keys.
var resultsColumns = []string{"results.col.row", "results.col.to", "results.col.status", "results.col.time", "results.col.reason"}

func filterName(s campaign.State) string {
	if s == "" {
		return lang.L("results.filter.all")
	}
	return stateText(s)
}

// stateText is a journal state in the window's language.
func stateText(s campaign.State) string {
	switch s {
	case campaign.StateSent:
		return lang.L("results.state.sent")
	case campaign.StateFailed:
		return lang.L("results.state.failed")
	case campaign.StateSkipped:
		return lang.L("results.state.skipped")
	case campaign.StateBounced:
		return lang.L("results.state.bounced")
	case campaign.StateSending:
		return lang.L("results.state.sending")
	}
	return lang.L("results.state.pending")
}

func (r *resultsTable) size() (int, int) {
	if r.state != "" {
		return len(r.filtered), len(resultsColumns)
	}
	return r.counts.Total, len(resultsColumns)
}

func (r *resultsTable) updateCell(id widget.TableCellID, o fyne.CanvasObject) {
	l := o.(*widget.Label)
	r.filling = true
	e, ok := r.entry(id.Row)
	r.filling = false
	if !ok {
		l.SetText("…")
		return
	}
	l.Importance = widget.MediumImportance
	switch id.Col {
	case 0:
		line := e.Line
		if line == 0 {
			line = e.Index + 1
		}
		l.SetText(formatCount(line))
	case 1:
		l.SetText(e.To)
	case 2:
		l.SetText(stateText(e.State))
		switch e.State {
		case campaign.StateFailed, campaign.StateBounced:
			l.Importance = widget.DangerImportance
		case campaign.StateSent:
			l.Importance = widget.SuccessImportance
		}
	case 3:
		l.SetText(formatWhen(e.Updated, r.now()))
	case 4:
		l.SetText(reasonText(e.Why, e.Reason))
	}
}

// entry is the row-th entry shown, reading its page when it is not held.
func (r *resultsTable) entry(row int) (campaign.Entry, bool) {
	if r.state != "" {
		if row < len(r.filtered) {
			return r.filtered[row], true
		}
		return campaign.Entry{}, false
	}
	p := row / resultsPage
	page, ok := r.pages[p]
	if !ok {
		r.load(p)
		if page, ok = r.pages[p]; !ok { // read at once when work runs inline
			return campaign.Entry{}, false
		}
	}
	i := row - p*resultsPage
	if i < len(page) {
		return page[i], true
	}
	return campaign.Entry{}, false
}

// load reads page p in the background.
func (r *resultsTable) load(p int) {
	if r.loading[p] {
		return
	}
	r.loading[p] = true
	id, gen := r.d.vm.c.ID, r.gen
	r.d.u.work.run(func() {
		es, _, err := r.d.u.deps.Campaigns.Results(id, p*resultsPage, resultsPage)
		fyne.Do(func() {
			if gen != r.gen {
				return
			}
			delete(r.loading, p)
			if err != nil {
				fyne.LogError("read results", err)
				return
			}
			if len(r.pages) >= maxPages {
				r.pages = map[int][]campaign.Entry{}
			}
			r.pages[p] = es
			if !r.filling {
				r.table.Refresh()
			}
		})
	})
}

// reload reads the counts (and the filtered rows) again and drops every
// page held.
func (r *resultsTable) reload() {
	if r.table == nil {
		return
	}
	r.gen++
	gen, id, state := r.gen, r.d.vm.c.ID, r.state
	r.pages, r.loading = map[int][]campaign.Entry{}, map[int]bool{}
	r.d.u.work.run(func() {
		_, n, err := r.d.u.deps.Campaigns.Results(id, 0, 0)
		var rows []campaign.Entry
		if err == nil && state != "" {
			rows, err = r.matching(id, state)
		}
		fyne.Do(func() {
			if gen != r.gen {
				return
			}
			if err != nil {
				fyne.LogError("read results", err)
			}
			r.counts, r.filtered = n, rows
			r.show()
		})
	})
}

// matching reads every entry in state (pending: and sending).
func (r *resultsTable) matching(id string, state campaign.State) ([]campaign.Entry, error) {
	var out []campaign.Entry
	err := r.each(id, func(e campaign.Entry) {
		if e.State == state || (state == campaign.StatePending && e.State == campaign.StateSending) {
			out = append(out, e)
		}
	})
	return out, err
}

// each calls f for every journal entry, reading it in pages.
func (r *resultsTable) each(id string, f func(campaign.Entry)) error {
	const n = resultsPage * 20
	for from := 0; ; from += n {
		es, _, err := r.d.u.deps.Campaigns.Results(id, from, n)
		if err != nil {
			return err
		}
		for _, e := range es {
			f(e)
		}
		if len(es) < n {
			return nil
		}
	}
}

func (r *resultsTable) show() {
	rows, _ := r.size()
	if rows == 0 {
		r.body.Objects = []fyne.CanvasObject{container.NewCenter(r.empty)}
	} else {
		r.body.Objects = []fyne.CanvasObject{r.table}
	}
	r.body.Refresh()
	r.table.Refresh()
	r.showButtons()
}

func (r *resultsTable) showButtons() {
	running := r.d.job != nil
	if r.counts.Failed > 0 && !running {
		r.retry.Enable()
	} else {
		r.retry.Disable()
	}
	if r.counts.Total > 0 {
		r.export.Enable()
	} else {
		r.export.Disable()
	}
	r.bounce.show()
}

// update takes a running send's report: the counts, and the rows that
// changed since the last one.
func (r *resultsTable) update(n campaign.Counts, rows map[int]campaign.Entry) {
	if r.table == nil {
		return
	}
	grew := n.Total != r.counts.Total
	r.counts = n
	if r.state != "" {
		// A filtered view is read again at most once a second while sending.
		if now := time.Now(); now.Sub(r.scanned) > time.Second {
			r.scanned = now
			r.reload()
		}
		return
	}
	for _, e := range rows {
		page := r.pages[e.Index/resultsPage]
		for i := range page {
			if page[i].Index == e.Index {
				page[i] = e
				break
			}
		}
	}
	if grew {
		r.show()
		return
	}
	r.table.Refresh()
	r.showButtons()
}

func (r *resultsTable) onFilter() {
	if r.table == nil {
		return
	}
	r.state = resultsFilters[max(r.filter.SelectedIndex(), 0)]
	r.table.ScrollToTop()
	r.reload()
}

// onRetry queues the failed rows again; Resume sends them.
func (r *resultsTable) onRetry() {
	id := r.d.vm.c.ID
	r.d.u.work.run(func() {
		n, err := r.d.u.deps.Campaigns.Retry(id)
		fyne.Do(func() {
			if err != nil {
				showError(r.d.u.window, "retry failed rows", err)
				return
			}
			r.d.setNote(lang.N("results.retried", n, map[string]any{"Count": formatCount(n)}))
			r.d.reload()
		})
	})
}

// onExport saves the rows shown (every row, or the filter's) as CSV, with
// the command line's columns and its formula-injection guard.
func (r *resultsTable) onExport() {
	dlg := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil {
			showError(r.d.u.window, "export results", err)
			return
		}
		if w == nil {
			return
		}
		r.d.u.work.run(func() {
			err := r.exportTo(w)
			fyne.Do(func() {
				if err != nil {
					showError(r.d.u.window, "export results", err)
					return
				}
				r.d.setNote(lang.L("results.exported", map[string]any{"File": displayPath(w.URI().Path())}))
			})
		})
	}, r.d.u.window)
	dlg.SetFileName(safeFileName(r.d.vm.c.Name) + " - " + lang.L("results.file") + ".csv")
	dlg.SetFilter(storage.NewExtensionFileFilter([]string{".csv"}))
	dlg.Resize(fyne.NewSize(800, 560))
	r.d.u.showDialog(dlg, nil)
}

// exportTo writes the rows shown to w as CSV and closes it.
func (r *resultsTable) exportTo(w io.WriteCloser) error {
	id, state := r.d.vm.c.ID, r.state
	var rows []campaign.Entry
	var err error
	if state != "" {
		rows, err = r.matching(id, state)
	} else {
		err = r.each(id, func(e campaign.Entry) { rows = append(rows, e) })
	}
	if err == nil {
		err = campaign.WriteResultsCSV(w, rows)
	}
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	return err
}

// safeFileName keeps a campaign name usable in a file name.
func safeFileName(name string) string {
	out := []rune(name)
	for i, c := range out {
		switch c {
		case '/', '\\', ':', '*', '?', '"', '<', '>', '|':
			out[i] = '_'
		}
	}
	return string(out)
}
