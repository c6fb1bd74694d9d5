package ui

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"github.com/xuri/excelize/v2"

	"github.com/securemerge/securemerge/internal/campaign"
	"github.com/securemerge/securemerge/internal/sheet"
	"github.com/securemerge/securemerge/internal/store"
)

// members is a CSV whose rows 3 (an address that is not one) and 5 (Ada
// again) have problems; line 4 is blank, so the rows are 2, 3, 5 and 6 as
// a spreadsheet program numbers them.
const members = "Name,Email,Cc,File\n" +
	"Ada,ada@example.com,,ada.pdf\n" +
	"Bob,not-an-address,,bob.pdf\n" +
	"\n" +
	"Cy,ada@example.com,,cy.pdf\n" +
	"Dee,dee@example.com,boss@example.com,dee.pdf\n"

// openData opens a spreadsheet (and a template) as the window does, waits
// until the whole file is read and returns the campaign's Data step.
func openData(t testing.TB, u *testApp, data, tpl string) *dataStep {
	t.Helper()
	u.openFile(data, tpl)
	if u.open == nil {
		t.Fatalf("opening %s opened nothing:\n%s", filepath.Base(data), texts(u.Window()))
	}
	settle(t, u)
	return u.open.steps[stepData].(*dataStep)
}

// settle waits for the open campaign's file to be read through and shows
// it, as the vm's follower does in the window.
func settle(t testing.TB, u *testApp) {
	t.Helper()
	vm := u.open.vm
	if vm.table == nil {
		return
	}
	// Asking for a row past the end waits until the reader is done.
	_, _ = vm.table.Find(context.Background(), campaign.RowRef{Index: 1 << 30})
	vm.tableErr = vm.table.Err()
	vm.notify(changedTable)
	vm.check()
}

func dataStepOf(u *testApp) *dataStep { return u.open.steps[stepData].(*dataStep) }

// shown is what the window shows (texts) and the data cells the table
// draws now: test.LaidOutObjects leaves out the cells of a widget.Table,
// which its cell layer keeps in its own renderer.
func shown(u *testApp) string {
	var b strings.Builder
	b.WriteString(texts(u.Window()))
	if u.open == nil {
		return b.String()
	}
	for _, o := range test.LaidOutObjects(u.open.steps[stepData].(*dataStep).table.widget) {
		w, ok := o.(fyne.Widget)
		if !ok || fmt.Sprintf("%T", o) != "*widget.tableCells" {
			continue
		}
		for _, c := range test.WidgetRenderer(w).Objects() {
			if l, ok := c.(*widget.Label); ok && l.Visible() {
				b.WriteString(l.Text + "\n")
			}
		}
	}
	return b.String()
}

// mustSee fails unless the window, table cells included, shows every want.
func mustSee(t *testing.T, u *testApp, want ...string) {
	t.Helper()
	got := shown(u)
	for _, s := range want {
		if !strings.Contains(got, s) {
			t.Errorf("the window shows:\n%s\nwant it to show %q", got, s)
		}
	}
}

// mustNotSee fails when the window, table cells included, shows any of these.
func mustNotSee(t *testing.T, u *testApp, not ...string) {
	t.Helper()
	got := shown(u)
	for _, s := range not {
		if strings.Contains(got, s) {
			t.Errorf("the window shows %q:\n%s", s, got)
		}
	}
}

func TestDataShowsColumnsRowNumbersAndPreselectedTo(t *testing.T) {
	u := newTestApp(t)
	d := openData(t, u, u.writeFile(t, "members.csv", members), "")
	mustSee(t, u, "members.csv", "[Change file…]", "\nName\n", "\nEmail\n", "\nFile\n", "Bob", "dee@example.com", "4 rows")
	got := shown(u)
	for _, line := range []string{"2", "3", "5", "6"} {
		if !strings.Contains(got, "\n"+line+"\n") {
			t.Errorf("row number %s is not shown:\n%s", line, got)
		}
	}
	if strings.Contains(got, "\n4\n") {
		t.Errorf("the blank line 4 is numbered as a row:\n%s", got)
	}
	if d.vm.spec.To != "{{ Email }}" || d.roles[0].sel.Selected != "Email" {
		t.Errorf("To = %q, its Select shows %q; want the Email column preselected", d.vm.spec.To, d.roles[0].sel.Selected)
	}
	mustSee(t, u, "<UTF-8>", "<Comma (,)>")
}

func TestDataEmptyStateOpensIntoThisCampaign(t *testing.T) {
	u := newTestApp(t)
	c, err := u.svc.Create(campaign.Draft{Name: "Spring newsletter"})
	if err != nil {
		t.Fatal(err)
	}
	u.showCampaign(c, stepData)
	mustSee(t, u, "Who receives this campaign?", "[Open spreadsheet…]", "or drop a file on this window")

	test.Tap(button(t, u.Window(), "Open spreadsheet…"))
	if u.dialog == nil {
		t.Fatal("Open spreadsheet… showed no file dialog")
	}
	pressKey(u.Window(), fyne.KeyEscape)

	p := u.writeFile(t, "members.csv", members)
	u.onDropped(fyne.NewPos(5, 5), []fyne.URI{storage.NewFileURI(p)})
	settle(t, u)
	if u.open.vm.c.ID != c.ID || u.open.vm.c.Data.Path != p {
		t.Fatalf("the drop made campaign %q on %q; want this campaign on %s", u.open.vm.c.Name, u.open.vm.c.Data.Path, p)
	}
	if got, _ := u.svc.Campaign(c.ID); got.Data.Path != p {
		t.Errorf("the stored campaign reads %q; want %q", got.Data.Path, p)
	}
	if u.deps.Campaigns.Recall("folder") != u.dir {
		t.Errorf("the folder remembered is %q; want %q", u.deps.Campaigns.Recall("folder"), u.dir)
	}
	mustSee(t, u, "members.csv", "4 rows")
	mustNotSee(t, u, "Who receives this campaign?")
}

func TestDataRolesRewriteTheMessage(t *testing.T) {
	u := newTestApp(t)
	tpl := u.writeFile(t, "invite.tpl", "To: {{ Name }} <{{ Email }}>\nSubject: Hello\nAttachment: brochure.pdf\n\nHi {{ Name }}\n")
	d := openData(t, u, u.writeFile(t, "members.csv", members), tpl)
	to, cc, attach := d.roles[0], d.roles[1], d.roles[3]
	if want := "custom: {{ Name }} <{{ Email }}>"; to.sel.Selected != want {
		t.Errorf("a To of two tokens shows %q; want %q", to.sel.Selected, want)
	}
	if d.vm.spec.To != "{{ Name }} <{{ Email }}>" {
		t.Errorf("opening the file changed the template's To to %q", d.vm.spec.To)
	}

	cc.sel.SetSelected("Cc")
	attach.sel.SetSelected("File")
	if d.vm.spec.Cc != "{{ Cc }}" {
		t.Errorf("Cc = %q; want {{ Cc }}", d.vm.spec.Cc)
	}
	if got := strings.Join(d.vm.spec.Attachments, " | "); got != "brochure.pdf | {{ File }}" {
		t.Errorf("attachments = %q; want the common brochure.pdf kept and {{ File }} added", got)
	}
	attach.sel.SetSelected("Name")
	if got := strings.Join(d.vm.spec.Attachments, " | "); got != "brochure.pdf | {{ Name }}" {
		t.Errorf("after another attachment column: %q; want {{ File }} replaced", got)
	}

	// Cells of Cc may hold several addresses; when To takes that column,
	// Cc leaves it and the List: declaration stays with the column.
	cc.list.SetChecked(true)
	if !strings.Contains(d.vm.c.Template, "List: Cc\n") {
		t.Errorf("the list check wrote no List: header:\n%s", d.vm.c.Template)
	}
	to.sel.SetSelected("Cc")
	if d.vm.spec.To != "{{ Cc }}" || d.vm.spec.Cc != "" {
		t.Errorf("To = %q, Cc = %q; want To on the Cc column and Cc empty", d.vm.spec.To, d.vm.spec.Cc)
	}
	if !to.list.Checked || strings.Join(d.vm.spec.Lists, ",") != "Cc" {
		t.Errorf("List = %v, To's list check %v; want the Cc column still a list", d.vm.spec.Lists, to.list.Checked)
	}
	to.sel.SetSelected("Email")
	if d.vm.spec.To != "{{ Email }}" || len(d.vm.spec.Lists) != 0 || to.list.Checked {
		t.Errorf("To = %q, List = %v; want Email, and no List: for a column no field prints", d.vm.spec.To, d.vm.spec.Lists)
	}

	stored, err := u.svc.Campaign(d.vm.c.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"To: {{ Email }}\n", "Attachment: brochure.pdf\n", "Attachment: {{ Name }}\n"} {
		if !strings.Contains(stored.Template, want) {
			t.Errorf("the saved message lacks %q:\n%s", want, stored.Template)
		}
	}
	if strings.Contains(stored.Template, "Cc:") {
		t.Errorf("the saved message still has a Cc:\n%s", stored.Template)
	}
}

func TestDataProblemsCountFilterAndSelectedRow(t *testing.T) {
	u := newTestApp(t)
	d := openData(t, u, u.writeFile(t, "members.csv", members), "")
	mustSee(t, u, "2 rows with problems", "(Only rows with problems)")
	if got := d.severity(3); got == 0 {
		t.Error("row 3 (not an address) is not marked")
	}
	if got := d.severity(6); got != 0 {
		t.Errorf("row 6 is marked %v; it has no problem", got)
	}

	d.onlyProblems.SetChecked(true)
	got := shown(u)
	if !strings.Contains(got, "Bob") || !strings.Contains(got, "Cy") || strings.Contains(got, "Dee") || strings.Contains(got, "\n6\n") {
		t.Errorf("only rows with problems shows:\n%s\nwant rows 3 and 5 only", got)
	}
	if d.vm.row != 1 {
		t.Errorf("filtering selected recipient %d; want the first row with problems (1)", d.vm.row)
	}
	mustSee(t, u, "Row 3", "To: invalid e-mail address")

	d.table.widget.Select(widget.TableCellID{Row: 1, Col: 0})
	if d.vm.row != 2 {
		t.Errorf("selecting the second row shown selected recipient %d; want 2 (row 5)", d.vm.row)
	}
	mustSee(t, u, "Row 5", "same recipient as row 2")

	d.onlyProblems.SetChecked(false)
	d.table.widget.Select(widget.TableCellID{Row: 3, Col: 1})
	mustSee(t, u, "Dee", "Row 6", "No problem in this row.")
}

func TestDataLongCellIsCutToItsColumn(t *testing.T) {
	u := newTestApp(t)
	long := strings.Repeat("very long note ", 20_000)
	openData(t, u, u.writeFile(t, "notes.csv", "Name,Email,Note\nAda,ada@example.com,"+long+"\n"), "")
	got := shown(u)
	if strings.Contains(got, long[:1000]) {
		t.Errorf("a 300 KB cell is shown whole")
	}
	if !strings.Contains(got, "\nvery long note very…") && !strings.Contains(got, "\nvery long note ver…") {
		t.Errorf("the long cell is not cut with an ellipsis:\n%.2000s", got)
	}
}

func TestDataRowErrorIsLocated(t *testing.T) {
	u := newTestApp(t)
	huge := strings.Repeat("x", 5<<20) // past the reader's 4 MiB cell cap
	d := openData(t, u, u.writeFile(t, "big.csv", "Name,Email\nAda,ada@example.com\nBob,"+huge+"\n"), "")
	if d.vm.tableErr == nil {
		t.Fatal("a 5 MB cell read as a good file")
	}
	mustSee(t, u, "Ada", "Row 3: The file is too large to read.", "The rows are checked once the whole file can be read.")
	mustNotSee(t, u, "big.csv:", "MiB")
}

func TestDataProblemCountPlural(t *testing.T) {
	u := newTestApp(t)
	openData(t, u, u.writeFile(t, "one.csv", "Name,Email\nAda,ada@example.com\nBob,bob\n"), "")
	mustSee(t, u, "1 row with problems")
}

func TestDataSourceWarningsBesideTheTable(t *testing.T) {
	for _, l := range []string{"en", "fr"} {
		t.Run(l, func(t *testing.T) {
			if l == "fr" {
				inFrench(t)
			}
			u := newTestApp(t)
			openData(t, u, u.writeFile(t, "dup.csv", "Name,Email,Email,\nAda,ada@example.com,x,,dropped\n"), "")
			want := map[string][]string{
				"en": {"About the file", "Row 1, column C: duplicate header “Email” renamed “Email (2)”",
					"Row 2, column D: a value to the right of the last column was ignored"},
				"fr": {"À propos du fichier", "Ligne 1, colonne C\u202f: en-tête en double «\u202fEmail\u202f» renommé «\u202fEmail (2)\u202f»",
					"Ligne 2, colonne D\u202f: une valeur à droite de la dernière colonne a été ignorée"},
			}[l]
			mustSee(t, u, want...)
			mustNotSee(t, u, `renamed "Email (2)"`, "duplicate header \"")
		})
	}
}

func writeWorkbook(t testing.TB, path string, sheets map[string][][]any, order []string) {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, name := range order {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", name); err != nil {
				t.Fatal(err)
			}
		} else if _, err := f.NewSheet(name); err != nil {
			t.Fatal(err)
		}
		for r, row := range sheets[name] {
			cell, _ := excelize.CoordinatesToCellName(1, r+1)
			if err := f.SetSheetRow(name, cell, &row); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
}

func TestDataSheetPickerSwitchesSheets(t *testing.T) {
	u := newTestApp(t)
	p := filepath.Join(u.dir, "people.xlsx")
	writeWorkbook(t, p, map[string][][]any{
		"Members": {{"Name", "Courriel"}, {"Ada", "ada@example.com"}, {"Bob", "bob@example.com"}},
		"Staff":   {{"Who", "Team", "E-mail"}, {"Cy", "Sales", "cy@example.com"}},
	}, []string{"Members", "Staff"})
	d := openData(t, u, p, "")
	mustSee(t, u, "<Members>", "\nCourriel\n", "Bob", "2 rows")
	mustNotSee(t, u, "<UTF-8>")
	if d.vm.spec.To != "{{ Courriel }}" {
		t.Errorf("To = %q; want the Courriel column preselected", d.vm.spec.To)
	}
	if got := d.sheetSel.Options; len(got) != 2 || got[1] != "Staff" {
		t.Errorf("the sheet picker offers %q; want Members and Staff", got)
	}

	d.sheetSel.SetSelected("Staff")
	settle(t, u)
	if d.vm.c.Data.Sheet != "Staff" {
		t.Errorf("the campaign reads sheet %q; want Staff", d.vm.c.Data.Sheet)
	}
	mustSee(t, u, "<Staff>", "\nTeam\n", "Sales", "1 row")
	mustNotSee(t, u, "Bob")
}

func TestDataDelimiterOverride(t *testing.T) {
	u := newTestApp(t)
	d := openData(t, u, u.writeFile(t, "fr.csv", "Nom;Courriel\nAda;ada@example.com\n"), "")
	mustSee(t, u, "<Semicolon (;)>", "\nNom\n", "\nCourriel\n")

	d.delimSel.SetSelected("Comma (,)")
	settle(t, u)
	if d.vm.c.Data.Delimiter != "," {
		t.Errorf("the campaign's delimiter is %q; want ,", d.vm.c.Data.Delimiter)
	}
	mustSee(t, u, "<Comma (,)>", "\nNom;Courriel\n")

	d.delimSel.SetSelected("Automatic")
	settle(t, u)
	mustSee(t, u, "<Semicolon (;)>", "\nCourriel\n")
	if d.vm.c.Data.Delimiter != "" {
		t.Errorf("Automatic left delimiter %q", d.vm.c.Data.Delimiter)
	}
}

func TestDataEncodingOverride(t *testing.T) {
	u := newTestApp(t)
	// "Zoé" in Windows-1252: not UTF-8, read with a fallback.
	d := openData(t, u, u.writeFile(t, "latin.csv", "Name,Email\nZo\xe9,zoe@example.com\n"), "")
	mustSee(t, u, "<Windows-1252>", "Zoé")
	d.encSel.SetSelected("UTF-8")
	settle(t, u)
	if d.vm.c.Data.Encoding != "utf-8" {
		t.Errorf("the campaign's encoding is %q; want utf-8", d.vm.c.Data.Encoding)
	}
	mustSee(t, u, "<UTF-8>")
}

func TestDataDamagedFile(t *testing.T) {
	for _, l := range []string{"en", "fr"} {
		t.Run(l, func(t *testing.T) {
			if l == "fr" {
				inFrench(t)
			}
			u := newTestApp(t)
			c, err := u.svc.Create(campaign.Draft{Name: "Broken", Data: campaign.DataSource{Path: u.writeFile(t, "list.xlsx", "PK\x03\x04 this is not a workbook")}})
			if err != nil {
				t.Fatal(err)
			}
			u.showCampaign(c, stepData)
			want := map[string]string{"en": "The file is damaged or incomplete", "fr": "Le fichier est endommagé ou incomplet"}[l]
			mustSee(t, u, want, "list.xlsx")
			mustNotSee(t, u, "zip:", "PK")
		})
	}
}

func TestDataFrozenOnceSendingStarted(t *testing.T) {
	u := newTestApp(t)
	d := openData(t, u, u.writeFile(t, "members.csv", members), "")
	d.vm.c.Status = campaign.StatusSending
	d.vm.notify(changedCampaign)
	mustSee(t, u, "the recipients are frozen")
	if !d.change.Disabled() || !d.roles[0].sel.Disabled() || !d.delimSel.Disabled() {
		t.Error("the data controls stay enabled once sending started")
	}
}

func TestDataGoldens(t *testing.T) {
	for _, l := range []string{"en", "fr"} {
		t.Run(l, func(t *testing.T) {
			if l == "fr" {
				inFrench(t)
			}
			u := newTestApp(t)
			openData(t, u, u.writeFile(t, "members.csv", members), "")
			golden(t, "data/loaded."+l+".xml", u.Window())
		})
	}
}

// newAppOn is newTestApp for a benchmark, or over other sources.
func newAppOn(tb testing.TB, src campaign.Sources) *testApp {
	tb.Helper()
	a := test.NewTempApp(tb)
	dir := tb.TempDir()
	db, err := store.Open(dir, store.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	svc := &campaign.Service{Store: db, Sources: src, OutboxDir: filepath.Join(dir, "outbox")}
	tb.Cleanup(func() { svc.Close(); db.Close() })
	u := New(a, Deps{Campaigns: svc, DataFolder: dir})
	u.work.spawn = func(f func()) { f() }
	u.Window().Resize(fyne.NewSize(1100, 720))
	return &testApp{App: u, svc: svc, dir: dir}
}

// gatedSources reads files with internal/sheet, but the first reader it
// opens (the Table's) stops after its first rows until open is closed: a
// file still being read, at a moment the test chooses. Later readers (the
// check of every row) read through.
type gatedSources struct {
	after  int
	open   chan struct{}
	opened *atomic.Int32
}

func (g gatedSources) Open(d campaign.DataSource) (campaign.Rows, error) {
	r, err := sheet.Sources{Locale: "en-GB"}.Open(d)
	if err != nil {
		return nil, err
	}
	return &gatedRows{Rows: r, g: g, gated: g.opened.Add(1) == 1}, nil
}

type gatedRows struct {
	campaign.Rows
	g     gatedSources
	gated bool
	n     int
}

func (r *gatedRows) Next() ([]string, error) {
	if r.gated && r.n == r.g.after {
		<-r.g.open
	}
	r.n++
	return r.Rows.Next()
}

func (r *gatedRows) Source() campaign.SourceInfo {
	return r.Rows.(interface{ Source() campaign.SourceInfo }).Source()
}

func TestDataShowsFirstRowsBeforeTheFileIsRead(t *testing.T) {
	g := gatedSources{after: campaign.FirstRows, open: make(chan struct{}), opened: new(atomic.Int32)}
	t.Cleanup(func() {
		select {
		case <-g.open:
		default:
			close(g.open) // the reader must not outlive a failed test
		}
	})
	u := newAppOn(t, g)
	var sb strings.Builder
	sb.WriteString("Name,Email\n")
	for i := range 2500 {
		fmt.Fprintf(&sb, "Person %d,p%d@example.com\n", i, i)
	}
	p := u.writeFile(t, "big.csv", sb.String())
	u.openFile(p, "")
	mustSee(t, u, "100 rows read so far…", "\nPerson 0\n", "p3@example.com")
	// The person scrolls while the rest is read: more rows coming in must
	// not bring the table back to the selected row.
	dataStepOf(u).table.widget.ScrollToOffset(fyne.NewPos(0, 1500))
	mustNotSee(t, u, "\nPerson 0\n")
	u.open.vm.notify(changedTable)
	mustNotSee(t, u, "\nPerson 0\n")
	close(g.open)
	settle(t, u)
	mustSee(t, u, "2,500 rows")
	mustNotSee(t, u, "read so far")
}

// BenchmarkDataTable100k opens a 100,000-row CSV on the Data step and
// scrolls its table through the file, a screen at a time: the allocations
// per scroll are what the window pays per frame.
func BenchmarkDataTable100k(b *testing.B) {
	u := newAppOn(b, sheet.Sources{Locale: "en-GB"})
	var sb strings.Builder
	sb.WriteString("Name,Email,City,Amount\n")
	for i := range 100_000 {
		fmt.Fprintf(&sb, "Person %d,person%d@example.com,Lyon,%d.50\n", i, i, i%1000)
	}
	p := filepath.Join(u.dir, "big.csv")
	if err := os.WriteFile(p, []byte(sb.String()), 0o600); err != nil {
		b.Fatal(err)
	}
	d := openData(b, u, p, "")
	if n, done := d.vm.table.Len(); n != 100_000 || !done {
		b.Fatalf("the table holds %d rows (done %v); want 100,000", n, done)
	}
	t := d.table.widget
	b.ReportAllocs()
	b.ResetTimer()
	y := float32(0)
	for b.Loop() {
		y += 600
		if y > 3_500_000 {
			y = 0
		}
		t.ScrollToOffset(fyne.NewPos(0, y))
	}
}

func TestDataMainAction(t *testing.T) {
	u := newTestApp(t)
	c, err := u.svc.Create(campaign.Draft{Name: "Empty"})
	if err != nil {
		t.Fatal(err)
	}
	u.showCampaign(c, stepData)
	press(u.Window(), ctrl(fyne.KeyReturn))
	if u.dialog == nil {
		t.Error("Ctrl+Enter on a Data step with no file showed no file dialog")
	}
	pressKey(u.Window(), fyne.KeyEscape)

	openData(t, u, u.writeFile(t, "members.csv", members), "")
	press(u.Window(), ctrl(fyne.KeyReturn))
	if got := u.open.tabs.SelectedIndex(); got != stepMessage {
		t.Errorf("Ctrl+Enter on the Data step shows step %d; want the Message step", got)
	}
}
