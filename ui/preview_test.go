package ui

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/securemerge/securemerge/internal/campaign"
	"github.com/securemerge/securemerge/internal/merge"
	"github.com/securemerge/securemerge/internal/sheet"
	"github.com/securemerge/securemerge/internal/store"
)

func previewOf(s *campaignScreen) *previewStep { return s.steps[stepPreview].(*previewStep) }

// submit presses Enter in an entry.
func submit(e *entry) { e.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn}) }

func TestPreviewShowsRowAndStepsWithCtrlArrows(t *testing.T) {
	u := newTestApp(t)
	openCampaign(t, u, guests, invitation, stepPreview)
	w := u.Window()
	mustShow(t, w, "Recipient 1 of 3 · spreadsheet row 2",
		"Équipe <equipe@example.org>", "alice@example.org", "Bonjour Alice", "Hello Alice,", "See you in Lyon.")
	mustNotShow(t, w, "**", "{{")

	press(w, ctrl(fyne.KeyRight))
	mustShow(t, w, "Recipient 2 of 3", "bruno@example.org", "Bonjour Bruno", "Hello Bruno,")
	mustNotShow(t, w, "alice@example.org")

	// Wherever the focus is: here in the search field.
	w.Canvas().Focus(previewOf(u.open).search)
	press(w, ctrl(fyne.KeyLeft))
	mustShow(t, w, "Recipient 1 of 3", "alice@example.org")
	press(w, ctrl(fyne.KeyLeft))
	mustShow(t, w, "Recipient 1 of 3", "alice@example.org")

	// Not on another step: there the keys are the editor's.
	u.open.show(stepMessage)
	press(w, ctrl(fyne.KeyRight))
	if u.open.vm.row != 0 {
		t.Errorf("Ctrl+Right on the Message step selected row %d", u.open.vm.row)
	}
}

func TestPreviewBoldAndTextPart(t *testing.T) {
	u := newTestApp(t)
	p := previewOf(openCampaign(t, u, guests, invitation, stepPreview))
	var bold bool
	for _, s := range p.html.Segments {
		if ts, ok := s.(*widget.TextSegment); ok && ts.Text == "Lyon" && ts.Style.TextStyle.Bold {
			bold = true
		}
	}
	if !bold {
		t.Errorf("the HTML part does not show “Lyon” in bold: %s", p.html.String())
	}
	if got := segmentText(p.text.Segments); got != "Hello Alice,\n\nSee you in Lyon." {
		t.Errorf("text part = %q; want the text as sent", got)
	}
}

func TestPreviewJumpToSpreadsheetRow(t *testing.T) {
	u := newTestApp(t)
	p := previewOf(openCampaign(t, u, guests, invitation, stepPreview))
	w := u.Window()
	test.Type(p.jump, "4")
	submit(p.jump)
	mustShow(t, w, "Recipient 3 of 3 · spreadsheet row 4", "chloe@example.org", "Hello Chloé,")

	p.jump.SetText("40")
	submit(p.jump)
	mustShow(t, w, "There is no recipient on row 40.", "chloe@example.org")
	p.jump.SetText("deux")
	submit(p.jump)
	mustShow(t, w, "“deux” is not a row number.")
}

func TestPreviewSearchByNameOrAddress(t *testing.T) {
	u := newTestApp(t)
	p := previewOf(openCampaign(t, u, guests, invitation, stepPreview))
	w := u.Window()
	test.Type(p.search, "BRUNO")
	submit(p.search)
	mustShow(t, w, "Recipient 2 of 3", "bruno@example.org")

	p.search.SetText("example.org")
	test.Tap(button(t, w, "Find next"))
	mustShow(t, w, "Recipient 3 of 3", "chloe@example.org")
	test.Tap(button(t, w, "Find next"))
	mustShow(t, w, "Recipient 1 of 3", "alice@example.org") // from the top again

	p.search.SetText("nantes")
	submit(p.search)
	mustShow(t, w, "Hello Chloé,")
	p.search.SetText("Zoé")
	submit(p.search)
	mustShow(t, w, "No recipient matches “Zoé”.", "Hello Chloé,")
}

func TestPreviewOpenInMailAppWritesTheOutboxBytes(t *testing.T) {
	u := newTestApp(t)
	s := openCampaign(t, u, guests, invitation, stepPreview)
	p := previewOf(s)
	var opened []*url.URL
	p.openURL = func(u *url.URL) error { opened = append(opened, u); return nil }
	press(u.Window(), ctrl(fyne.KeyRight))
	test.Tap(button(t, u.Window(), "Open in my mail app"))

	msg, err := u.svc.Preview(context.Background(), s.vm.current(), campaign.RowRef{Index: 1})
	if err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	if err := msg.WriteEML(&want); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(u.dir, "preview", msg.FileName())
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("Open in my mail app wrote no %s: %v", path, err)
	}
	// The Service's clock dates it, as it dates what the outbox writes.
	if !bytes.HasPrefix(got, []byte("Date: Tue, 01 Dec 2026 09:30:00 +0000\r\n")) {
		t.Errorf("the .eml starts %q; want the Service's clock as its Date", got[:min(len(got), 40)])
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Errorf("the .eml opened differs from what the outbox writes:\n%s\nwant:\n%s", got, want.Bytes())
	}
	if len(opened) != 1 || opened[0].Scheme != "file" || filepath.Clean(opened[0].Path) != path {
		t.Errorf("opened %v; want file://%s", opened, path)
	}
}

func TestPreviewFreePlanFooter(t *testing.T) {
	for _, free := range []bool{true, false} {
		t.Run(fmt.Sprint("free=", free), func(t *testing.T) {
			u := newTestApp(t)
			if free {
				u.svc.Footer = func() *merge.Footer {
					return &merge.Footer{Text: "Sent with SecureMerge (free plan).", HTML: "<p>Sent with SecureMerge (free plan).</p>"}
				}
			}
			openCampaign(t, u, guests, invitation, stepPreview)
			footer := []string{"Sent with SecureMerge (free plan).", "free plan’s footer", "<What is a licence?>"}
			if free {
				mustShow(t, u.Window(), footer...)
			} else {
				mustNotShow(t, u.Window(), footer...)
			}
		})
	}
}

func TestPreviewShowsRowProblems(t *testing.T) {
	u := newTestApp(t)
	data := guests + "Dan,not-an-address,Brest\n" + "Alice again,alice@example.org,Lyon\n"
	p := previewOf(openCampaign(t, u, data, invitation, stepPreview))
	w := u.Window()
	mustShow(t, w, "No problem found in this row.")
	u.open.vm.setRow(3)
	mustShow(t, w, "To: invalid e-mail address", "Prénom: Dan · Email: not-an-address · Ville: Brest")
	mustNotShow(t, w, "not-an-address>")
	u.open.vm.setRow(4)
	mustShow(t, w, "same recipient as row 2", "Alice again")
	if p.cur.msg == nil {
		t.Error("a duplicate row should still show its message")
	}
}

func TestPreviewTemplateMistake(t *testing.T) {
	inFrench(t)
	u := newTestApp(t)
	openCampaign(t, u, guests, strings.Replace(invitation, "Hello {{ Prénom }}", "Hello {{ Prenom }}", 1), stepPreview)
	mustShow(t, u.Window(), "ligne 1", "colonne 10", "vouliez-vous dire « Prénom »")
}

func TestPreviewGolden(t *testing.T) {
	for _, l := range []string{"en", "fr"} {
		t.Run(l, func(t *testing.T) {
			if l == "fr" {
				inFrench(t)
			}
			u := newTestApp(t)
			openCampaign(t, u, guests, invitation, stepPreview)
			golden(t, "preview/row1."+l+".xml", u.Window())
		})
	}
}

func TestRichHTML(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{"paragraphs", "<p>One  \n two</p><p>Three</p>", "One two\n\nThree"},
		{"break", "a<br>b", "a\nb"},
		{"break after a paragraph", "<p>Date.</p>\n<p>Best regards,<br>\nClaire</p>", "Date.\n\nBest regards,\nClaire"},
		{"skips head and style", "<html><head><title>T</title><style>p{}</style></head><body><p>Hi</p><script>x()</script></body></html>", "Hi"},
		{"head left open", "<html><head><meta charset=utf-8><title>T</title><body><p>Shown</p>", "Shown"},
		{"list", "<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n<p>after</p>", "one\ntwo\n\nafter"},
		{"entities", "<p>Caf&eacute; &amp; &lt;b&gt;</p>", "Café & <b>"},
		{"unknown tags keep text", "<blink>on</blink> <custom-x>off</custom-x>", "on off"},
		{"heading", "<h1>Title</h1><p>x</p>", "Title\n\nx"},
		{"unclosed", "<ul><li>a<li>b", "a\nb"},
		{"stray end tags", "</b></ul></li>x</a>", "x"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := segmentText(richHTML(tc.in))
			if got != tc.want {
				t.Errorf("richHTML(%q) = %q; want %q", tc.in, got, tc.want)
			}
		})
	}

	segs := richHTML(`<p>Go <a href="https://example.org/x">there</a>, not <a href="javascript:alert(1)">here</a></p><ol><li><b>bold</b> <i>it</i></li></ol><blockquote>quoted</blockquote>`)
	var link *widget.HyperlinkSegment
	var list *widget.ListSegment
	var quote bool
	for _, s := range segs {
		switch v := s.(type) {
		case *widget.HyperlinkSegment:
			if link != nil {
				t.Errorf("a javascript: link became a link: %+v", v)
			}
			link = v
		case *widget.ListSegment:
			list = v
		case *widget.TextSegment:
			quote = quote || (v.Text == "quoted" && v.Style == widget.RichTextStyleBlockquote)
		}
	}
	if link == nil || link.Text != "there" || link.URL.String() != "https://example.org/x" {
		t.Errorf("link = %+v; want “there” to https://example.org/x", link)
	}
	if list == nil || !list.Ordered || len(list.Items) != 1 {
		t.Fatalf("list = %+v; want one ordered item", list)
	}
	item := list.Items[0].(*widget.ParagraphSegment)
	if b, ok := item.Texts[0].(*widget.TextSegment); !ok || b.Text != "bold" || !b.Style.TextStyle.Bold {
		t.Errorf("list item starts with %+v; want bold “bold”", item.Texts[0])
	}
	if !quote {
		t.Errorf("no quote in %s", segmentText(segs))
	}
}

// segmentText is what the segments read as: lines joined by "\n".
func segmentText(segs []widget.RichTextSegment) string {
	var b strings.Builder
	var walk func([]widget.RichTextSegment)
	walk = func(segs []widget.RichTextSegment) {
		for _, s := range segs {
			switch v := s.(type) {
			case *widget.ListSegment:
				for _, it := range v.Items {
					walk([]widget.RichTextSegment{it})
					b.WriteString("\n")
				}
				continue
			case *widget.ParagraphSegment:
				walk(v.Texts)
				continue
			}
			b.WriteString(s.Textual())
			if !s.Inline() {
				b.WriteString("\n")
			}
		}
	}
	walk(segs)
	return strings.TrimRight(b.String(), "\n")
}

func FuzzRichHTML(f *testing.F) {
	for _, s := range []string{
		"", "plain text", "<p>a<b>b<i>c</b>d</i></p>", "<ul><li><ol><li>x</ul>", "<a href='http://x'>l<br>k</a>",
		"<h1><a href=https://e.org>t</a></h1>", "<blockquote><ul><li>q</blockquote>", "<pre>  a\n\tb</pre>",
		"<table><tr><td>1<td>2</table>", "<!-- c --><![CDATA[x]]><?php ?>", "<style>", "<img alt=x>", "&#0;&#xD800;\x00",
		strings.Repeat("<ul><li>", 50),
	} {
		f.Add(s)
	}
	test.NewTempApp(f)
	f.Fuzz(func(t *testing.T, doc string) {
		segs := richHTML(doc)
		text := segmentText(segs)
		if !strings.ContainsAny(doc, "<&") && utf8.ValidString(doc) {
			want := strings.TrimSpace(collapseSpace(doc))
			if got := strings.TrimSpace(text); got != want {
				t.Fatalf("richHTML(%q) reads %q; want the text %q", doc, got, want)
			}
		}
		rt := widget.NewRichText(segs...)
		rt.Wrapping = fyne.TextWrapWord
		w := test.NewWindow(rt)
		defer w.Close()
		w.Resize(fyne.NewSize(300, 200))
		_ = rt.MinSize()
	})
}

// BenchmarkPreviewNext measures Ctrl+Right on the Preview step of a
// 10,000-row spreadsheet: from the key to the next recipient's message on
// screen (the following one is rendered ahead, as the window does while
// the person reads).
func BenchmarkPreviewNext(b *testing.B) {
	a := test.NewTempApp(b)
	dir := b.TempDir()
	db, err := store.Open(dir, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	svc := &campaign.Service{Store: db, Sources: sheet.Sources{Locale: "en-GB"}, OutboxDir: filepath.Join(dir, "outbox")}
	b.Cleanup(func() { svc.Close(); db.Close() })
	u := New(a, Deps{Campaigns: svc, DataFolder: dir})
	u.work.spawn = func(f func()) { f() }
	u.Window().Resize(fyne.NewSize(1100, 720))

	var data strings.Builder
	data.WriteString("Prénom,Email,Ville\n")
	for i := range 10000 {
		fmt.Fprintf(&data, "Person %d,person%d@example.org,City %d\n", i, i, i%97)
	}
	path := filepath.Join(dir, "big.csv")
	if err := os.WriteFile(path, []byte(data.String()), 0o600); err != nil {
		b.Fatal(err)
	}
	c, err := svc.Create(campaign.Draft{Name: "Big", Template: invitation, Data: campaign.DataSource{Path: path}})
	if err != nil {
		b.Fatal(err)
	}
	u.showCampaign(c, stepPreview)
	s := u.open
	if n, done := s.vm.table.Len(); n != 10000 || !done {
		b.Fatalf("table has %d rows (done %v)", n, done)
	}
	p := previewOf(s)
	w := u.Window()
	for b.Loop() {
		if s.vm.row >= 9990 {
			s.vm.setRow(0)
		}
		press(w, ctrl(fyne.KeyRight))
	}
	b.StopTimer()
	if p.cur.msg == nil || p.cur.msg.Index != s.vm.row {
		b.Fatalf("the preview shows %+v; want row %d", p.cur.msg, s.vm.row)
	}
}

func TestPreviewAttachmentsWithSizes(t *testing.T) {
	u := newTestApp(t)
	plan := u.writeFile(t, "plan.pdf", strings.Repeat("p", 2500))
	u.writeFile(t, "a.pdf", strings.Repeat("a", 1200))
	tpl := "From: me@example.org\nTo: {{ Email }}\nSubject: Hi\nAttachment: " + plan + "\nAttachment: {{ Badge }}\n\nHello"
	openCampaign(t, u, "Email,Badge\na@example.org,a.pdf\n", tpl, stepPreview)
	mustShow(t, u.Window(), "plan.pdf (2.5\u00a0KB)", "a.pdf (1.2\u00a0KB)")
	mustNotShow(t, u.Window(), u.dir)
}

func TestPreviewTabOrderFollowsTheScreen(t *testing.T) {
	u := newTestApp(t)
	p := previewOf(openCampaign(t, u, guests, invitation, stepPreview))
	c := u.Window().Canvas()
	c.Focus(p.next)
	for _, want := range []fyne.Focusable{p.open, p.jump, p.search, p.find} {
		test.FocusNext(c)
		if c.Focused() != want {
			t.Fatalf("Tab went to %T; want %T", c.Focused(), want)
		}
	}
}

func TestPreviewShowsTheLastRecipientAskedFor(t *testing.T) {
	u := newTestApp(t)
	openCampaign(t, u, guests, invitation, stepPreview)
	w := u.Window()
	var queue []func()
	u.work.spawn = func(f func()) { queue = append(queue, f) }
	// Renderings made ahead are dropped too, so nothing is cached: each
	// step asks the worker.
	previewOf(u.open).cache = nil
	press(w, ctrl(fyne.KeyRight))
	press(w, ctrl(fyne.KeyRight))
	mustShow(t, w, "Recipient 3 of 3")
	for len(queue) > 0 { // newest first; renderings ahead may queue more
		f := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		f()
	}
	mustShow(t, w, "chloe@example.org", "Hello Chloé,")
	mustNotShow(t, w, "bruno@example.org")
}
