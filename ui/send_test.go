package ui

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/securemerge/securemerge/internal/campaign"
	"github.com/securemerge/securemerge/internal/campaign/campaigntest"
	"github.com/securemerge/securemerge/internal/merge"
	"github.com/securemerge/securemerge/internal/outbox"
)

// outboxOnly is the senders of a computer with no account: the real
// outbox, as cmd/securemerge wires it, and no mailbox.
type outboxOnly struct{}

func (outboxOnly) Outbox(dir string, own bool) (campaign.Sender, error) {
	box := outbox.Dir{Path: dir, Batch: true, Mark: own}
	if _, err := box.RemoveTemp(); err != nil && !os.IsNotExist(err) {
		return nil, err
	}
	return outbox.Sender{Dir: box}, nil
}

func (outboxOnly) Mailbox(context.Context) (campaign.Mailbox, error) {
	return nil, campaign.ErrNoMailbox
}

// sendClock is the fixed time of the send tests, so that the results'
// times (and the goldens) do not depend on when the test runs.
var sendClock = time.Date(2026, 12, 1, 14, 5, 0, 0, time.Local)

// newSendApp is a test app whose outbox writes real files, with the home
// folder in its temporary folder (paths show as ~/…).
func newSendApp(t *testing.T) *testApp {
	t.Helper()
	ta := newTestApp(t)
	ta.svc.Senders = outboxOnly{}
	ta.svc.Now = func() time.Time { return sendClock }
	t.Setenv("HOME", ta.dir)
	return ta
}

// recipients is a CSV of n people, Person 1 <p1@example.com>…
func recipients(n int) string {
	var b strings.Builder
	b.WriteString("Name,Email\n")
	for i := 1; i <= n; i++ {
		b.WriteString("Person " + itoa(i) + ",p" + itoa(i) + "@example.com\n")
	}
	return b.String()
}

func itoa(i int) string { return strconv.Itoa(i) }

// resultsShown is what the results table shows, one row a line, cells
// separated by " | ": the table's own cell updates, every row (a
// table's cells sit in a scroller the window walk does not reach).
func resultsShown(step *sendStep) string {
	var b strings.Builder
	rows, cols := step.results.size()
	for r := 0; r < rows; r++ {
		for c := 0; c < cols; c++ {
			l := widget.NewLabel("")
			step.results.updateCell(widget.TableCellID{Row: r, Col: c}, l)
			if c > 0 {
				b.WriteString(" | ")
			}
			b.WriteString(l.Text)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// mustList fails unless the results table shows each line.
func mustList(t *testing.T, step *sendStep, lines ...string) {
	t.Helper()
	got := resultsShown(step)
	for _, l := range lines {
		if !strings.Contains(got, l) {
			t.Errorf("the results show:\n%s\nwant a row with %q", got, l)
		}
	}
}

const sendTemplate = "From: Clinic <clinic@example.com>\nTo: {{ Email }}\nSubject: Hello {{ Name }}\n\nDear {{ Name }},\nsee you soon.\n"

// openSend creates a campaign on csv and opens it at its Send step.
func openSend(t *testing.T, ta *testApp, name, csv string) (*campaign.Campaign, *sendStep) {
	t.Helper()
	data := ta.writeFile(t, name+".csv", csv)
	c, err := ta.svc.Create(campaign.Draft{Name: name, Template: sendTemplate, Data: campaign.DataSource{Path: data},
		Settings: campaign.Settings{Mode: campaign.ModeOutbox}})
	if err != nil {
		t.Fatal(err)
	}
	ta.showCampaign(c, stepSend)
	step := ta.open.steps[stepSend].(*sendStep)
	step.results.now = func() time.Time { return sendClock }
	return c, step
}

// waitEnd waits until the step has shown the end of its job.
func waitEnd(t *testing.T, step *sendStep) {
	t.Helper()
	if step.ended == nil {
		t.Fatal("no send was started")
	}
	select {
	case <-step.ended:
	case <-time.After(time.Minute):
		t.Fatal("the send never ended")
	}
}

// emlFiles lists the .eml files in dir.
func emlFiles(t *testing.T, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "*.eml"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestSendToOutboxFromTheKeyboard is the newcomer's path: Ctrl+4, Ctrl+Enter,
// read the confirmation, Enter; the files are in the outbox and the results
// say every recipient was sent.
func TestSendToOutboxFromTheKeyboard(t *testing.T) {
	ta := newSendApp(t)
	c, step := openSend(t, ta, "December", recipients(3))
	w := ta.Window()
	press(w, ctrl(fyne.Key4))
	if step.mode.Selected != "Outbox (.eml files on this computer; no account needed)" {
		t.Errorf("the mode chosen is %q; want the outbox", step.mode.Selected)
	}
	mustShow(t, w, "From: Clinic <clinic@example.com>",
		"~"+string(filepath.Separator)+filepath.Join("outbox", "December"), "[Open folder]")

	press(w, ctrl(fyne.KeyReturn))
	mustShow(t, w, "Write the outbox?", "3 messages, 3 recipients (To, Cc and Bcc)", "Clinic <clinic@example.com>",
		"none", "a few moments", "[Write 3 messages]")
	if got := len(emlFiles(t, ta.svc.OutboxFolder(c))); got != 0 {
		t.Fatalf("%d files written before the confirmation", got)
	}
	golden(t, "send/confirm.en.xml", w)

	pressKey(w, fyne.KeyReturn)
	waitEnd(t, step)
	files := emlFiles(t, ta.svc.OutboxFolder(c))
	if len(files) != 3 {
		t.Fatalf("the outbox holds %d files; want 3", len(files))
	}
	for i := 1; i <= 3; i++ {
		found := false
		for _, f := range files {
			b, _ := os.ReadFile(f)
			found = found || strings.Contains(string(b), "Subject: Hello Person "+itoa(i)+"\r\n")
		}
		if !found {
			t.Errorf("no message to Person %d in the outbox", i)
		}
	}
	mustShow(t, w, "3 sent · 0 failed · 0 skipped · 0 left", "Done: every message is in the outbox folder.")
	mustList(t, step, "2 | p1@example.com | Sent | 14:05 | \n", "3 | p2@example.com | Sent | 14:05 | \n", "4 | p3@example.com | Sent | 14:05 | \n")
	mustNotShow(t, w, "[Write the messages…]", "[Pause]", "[Resume]")
	golden(t, "send/done.en.xml", w)

	got, _ := ta.svc.Campaign(c.ID)
	if got.Status != campaign.StatusDone || got.Counts.Sent != 3 {
		t.Errorf("campaign after the send: %s %+v", got.Status, got.Counts)
	}
}

func TestSendGoldensInFrench(t *testing.T) {
	inFrench(t)
	ta := newSendApp(t)
	_, step := openSend(t, ta, "Décembre", recipients(3))
	w := ta.Window()
	press(w, ctrl(fyne.KeyReturn))
	mustShow(t, w, "Écrire la boîte d’envoi\u202f?", "3 messages, 3 destinataires (À, Cc et Cci)", "[Écrire 3 messages]")
	golden(t, "send/confirm.fr.xml", w)
	pressKey(w, fyne.KeyReturn)
	waitEnd(t, step)
	mustShow(t, w, "3 envoyés · 0 en échec · 0 ignoré · 0 restant")
	mustList(t, step, "2 | p1@example.com | Envoyé | 14:05")
	golden(t, "send/done.fr.xml", w)
}

// TestConfirmationCancelledSendsNothing: Escape on the confirmation writes
// no file.
func TestConfirmationCancelledSendsNothing(t *testing.T) {
	ta := newSendApp(t)
	c, _ := openSend(t, ta, "Quiet", recipients(2))
	w := ta.Window()
	test.Tap(button(t, w, "Write the messages…"))
	mustShow(t, w, "[Write 2 messages]")
	pressKey(w, fyne.KeyEscape)
	mustNotShow(t, w, "Write the outbox?")
	if n := len(emlFiles(t, ta.svc.OutboxFolder(c))); n != 0 {
		t.Errorf("%d files written after the confirmation was closed", n)
	}
	// What was never confirmed is confirmed before it starts.
	mustShow(t, w, "Ready: 2 messages to go.")
	test.Tap(button(t, w, "Resume"))
	mustShow(t, w, "Write the outbox?", "[Write 2 messages]")
}

// TestPauseAndResumeSendEveryoneOnce holds the send mid-way, pauses it,
// then resumes it: every recipient's file is written once.
func TestPauseAndResumeSendEveryoneOnce(t *testing.T) {
	ta := newSendApp(t)
	c, step := openSend(t, ta, "Big", recipients(30))
	var hold *campaigntest.Hold
	step.runner = func(r *campaign.Runner) {
		if hold == nil {
			hold = campaigntest.NewHold(r.Sender, 2)
			r.Sender = hold
		}
	}
	w := ta.Window()
	test.Tap(button(t, w, "Write the messages…"))
	test.Tap(button(t, w, "Write 30 messages"))
	<-hold.Reached
	mustShow(t, w, "[Pause]")
	test.Tap(button(t, w, "Pause"))
	mustShow(t, w, "Pausing: the messages on their way finish first…")
	close(hold.Release)
	waitEnd(t, step)

	mustShow(t, w, "Paused: paused", "[Resume]", "[Cancel campaign…]")
	mustNotShow(t, w, "[Pause]")
	paused, _ := ta.svc.Campaign(c.ID)
	if paused.Status != campaign.StatusPaused || paused.Counts.Sent == 0 || paused.Counts.Sent == 30 {
		t.Fatalf("after the pause: %s %+v; want paused part-way", paused.Status, paused.Counts)
	}
	if n := len(emlFiles(t, ta.svc.OutboxFolder(c))); n != paused.Counts.Sent {
		t.Errorf("%d files for %d rows sent", n, paused.Counts.Sent)
	}
	mustShow(t, w, countsLine(paused.Counts))

	test.Tap(button(t, w, "Resume"))
	waitEnd(t, step)
	if n := len(emlFiles(t, ta.svc.OutboxFolder(c))); n != 30 {
		t.Errorf("after resuming, the outbox holds %d files; want 30", n)
	}
	mustShow(t, w, "30 sent · 0 failed · 0 skipped · 0 left", "Done: every message is in the outbox folder.")
}

// TestRowsWithProblemsBlockUntilSkipped: a row with a bad address stops
// the send with its row named; "Skip 1 row with problems" sends the others
// and records the skipped row with its reason.
func TestRowsWithProblemsBlockUntilSkipped(t *testing.T) {
	ta := newSendApp(t)
	csv := "Name,Email\nAda,ada@example.com\nBob,not-an-address\nCy,cy@example.com\n"
	c, step := openSend(t, ta, "Mixed", csv)
	w := ta.Window()
	press(w, ctrl(fyne.KeyReturn))
	mustShow(t, w, "Some rows have problems: nothing was sent.", "Row 3", "[Skip 1 row with problems]")
	mustNotShow(t, w, "Write the outbox?")
	if n := len(emlFiles(t, ta.svc.OutboxFolder(c))); n != 0 {
		t.Fatalf("%d files written while blocked", n)
	}

	test.Tap(button(t, w, "Skip 1 row with problems"))
	mustShow(t, w, "Write the outbox?", "2 messages", "1 row: 1 with problems")
	pressKey(w, fyne.KeyReturn)
	waitEnd(t, step)
	if n := len(emlFiles(t, ta.svc.OutboxFolder(c))); n != 2 {
		t.Errorf("the outbox holds %d files; want 2", n)
	}
	mustShow(t, w, "2 sent · 0 failed · 1 skipped · 0 left")
	mustList(t, step, "2 | ada@example.com | Sent", "4 | cy@example.com | Sent")
	if got := resultsShown(step); !regexp.MustCompile(`(?m)^3 \|  \| Skipped \| [0-9:]+ \| not sent: .*not-an-address`).MatchString(got) {
		t.Errorf("the skipped row does not say why:\n%s", got)
	}
}

// TestCancelAsksThenSkipsTheRest: cancelling a paused campaign asks first;
// "Keep it" keeps it, "Cancel campaign" skips every row not sent.
func TestCancelAsksThenSkipsTheRest(t *testing.T) {
	ta := newSendApp(t)
	c, step := openSend(t, ta, "Stop", recipients(30))
	var hold *campaigntest.Hold
	step.runner = func(r *campaign.Runner) {
		hold = campaigntest.NewHold(r.Sender, 1)
		r.Sender = hold
	}
	w := ta.Window()
	press(w, ctrl(fyne.KeyReturn))
	pressKey(w, fyne.KeyReturn)
	<-hold.Reached
	test.Tap(button(t, w, "Pause"))
	close(hold.Release)
	waitEnd(t, step)

	test.Tap(button(t, w, "Cancel campaign…"))
	mustShow(t, w, "Cancel this campaign?", "will never be sent")
	test.Tap(button(t, w, "Keep it"))
	if got, _ := ta.svc.Campaign(c.ID); got.Status != campaign.StatusPaused {
		t.Fatalf("Keep it: the campaign is %s", got.Status)
	}
	test.Tap(button(t, w, "Cancel campaign…"))
	test.Tap(button(t, w, "Cancel campaign"))
	got, _ := ta.svc.Campaign(c.ID)
	if got.Status != campaign.StatusCancelled || got.Counts.Pending != 0 || got.Counts.Skipped == 0 {
		t.Errorf("after cancelling: %s %+v", got.Status, got.Counts)
	}
	mustShow(t, w, "Cancelled: the rows not sent will never be sent.")
	mustNotShow(t, w, "[Resume]")
}

// TestResultsFilterAndExport: the filter shows one status; the export
// writes the rows shown as CSV that no spreadsheet runs as a formula.
func TestResultsFilterAndExport(t *testing.T) {
	ta := newSendApp(t)
	csv := "Name,Email\n=HYPERLINK(\"x\"),ada@example.com\nBob,not-an-address\nCy,cy@example.com\n"
	c, step := openSend(t, ta, "Export", csv)
	w := ta.Window()
	press(w, ctrl(fyne.KeyReturn))
	test.Tap(button(t, w, "Skip 1 row with problems"))
	pressKey(w, fyne.KeyReturn)
	waitEnd(t, step)

	step.results.filter.SetSelected("Skipped")
	if got := resultsShown(step); !strings.Contains(got, "not-an-address") || strings.Contains(got, "ada@example.com") {
		t.Errorf("filtered on Skipped, the results show:\n%s", got)
	}

	path := filepath.Join(ta.dir, "skipped.csv")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := step.results.exportTo(f); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	if got := string(b); !strings.HasPrefix(got, "row,to,status,reason,attempts,updated\n") ||
		!strings.Contains(got, "not-an-address") || strings.Contains(got, "ada@example.com") {
		t.Errorf("the export of the skipped rows is:\n%s", got)
	}

	step.results.filter.SetSelected("Every row")
	mustList(t, step, "ada@example.com", "cy@example.com", "not-an-address")
	f, _ = os.Create(path)
	if err := step.results.exportTo(f); err != nil {
		t.Fatal(err)
	}
	b, _ = os.ReadFile(path)
	if lines := strings.Count(string(b), "\n"); lines != 4 {
		t.Errorf("the export of every row has %d lines; want 4:\n%s", lines, b)
	}
	_ = c
}

// TestTestModeWithoutAccountSaysSignIn: a test to myself needs the
// mailbox; with no account the window says so, in words.
func TestTestModeWithoutAccountSaysSignIn(t *testing.T) {
	ta := newSendApp(t)
	_, step := openSend(t, ta, "Test", recipients(2))
	w := ta.Window()
	step.mode.SetSelected(step.modeText[0])
	mustShow(t, w, "Sends row 1, the recipient selected in Preview.")
	test.Tap(button(t, w, "Send the test"))
	mustShow(t, w, "Sign in to your Microsoft 365 mailbox first")
	mustNotShow(t, w, "no mailbox: sign in first")
}

func TestEstimateSend(t *testing.T) {
	for _, tc := range []struct {
		name                                      string
		messages, recipients, rate, daily, sentTo int
		want                                      sendTime
	}{
		{"outbox", 5000, 5000, -1, -1, 0, sendTime{Unpaced: true, Today: 5000}},
		{"fits today", 100, 100, 30, 10000, 0, sendTime{Duration: 200 * time.Second, Today: 100}},
		{"defaults", 60, 60, 0, 0, 0, sendTime{Duration: 2 * time.Minute, Today: 60}},
		{"split", 6000, 6000, 30, 2000, 0, sendTime{Duration: 2000 * 2 * time.Second, Today: 2000, Later: 4000, Days: 2}},
		{"rest tomorrow", 3000, 3000, 30, 2000, 0, sendTime{Duration: 2000 * 2 * time.Second, Today: 2000, Later: 1000, Days: 1}},
		{"budget partly spent", 100, 100, 30, 10000, 9950, sendTime{Duration: 100 * time.Second, Today: 50, Later: 50, Days: 1}},
		{"budget spent", 10, 10, 30, 100, 100, sendTime{Today: 0, Later: 10, Days: 1}},
		{"two recipients a message", 100, 200, 30, 100, 0, sendTime{Duration: 100 * time.Second, Today: 50, Later: 50, Days: 1}},
		{"drafts spend no budget", 20000, 20000, 30, -1, 0, sendTime{Duration: 20000 * 2 * time.Second, Today: 20000}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := estimateSend(tc.messages, tc.recipients, tc.rate, tc.daily, tc.sentTo); got != tc.want {
				t.Errorf("estimateSend(%d, %d, %d, %d, %d) = %+v; want %+v", tc.messages, tc.recipients, tc.rate, tc.daily, tc.sentTo, got, tc.want)
			}
		})
	}
}

func TestEstimateText(t *testing.T) {
	for _, tc := range []struct {
		t    sendTime
		want string
	}{
		{sendTime{Unpaced: true}, "a few moments: the files are written on this computer, no mailbox limit applies"},
		{sendTime{Duration: 30 * time.Second, Today: 10}, "less than a minute"},
		{sendTime{Duration: 200 * time.Minute, Today: 6000}, "about 3 h 20 min"},
		{sendTime{Duration: 200 * time.Minute, Today: 2000, Later: 1000, Days: 1}, "about 3 h 20 min; 2,000 today, the rest tomorrow"},
		{sendTime{Duration: 2 * time.Hour, Today: 2000, Later: 4000, Days: 2}, "about 2 h; 2,000 today, the rest over the next 2 days"},
		{sendTime{Duration: 90 * time.Second, Today: 45}, "about 2 min"},
	} {
		if got := tc.t.text(); got != tc.want {
			t.Errorf("%+v.text() = %q; want %q", tc.t, got, tc.want)
		}
	}
}

// refuse fails the sends to one address as a mailbox refuses a recipient.
type refuse struct {
	campaign.Sender
	address string
}

func (r refuse) Send(ctx context.Context, m *merge.Message) error {
	if len(m.To) > 0 && m.To[0].Address == r.address {
		return &campaign.SendError{Kind: campaign.KindPermanent, Message: "mailbox unavailable"}
	}
	return r.Sender.Send(ctx, m)
}

// TestRetryFailedSendsOnlyThem: a refused recipient shows as failed with
// the mailbox's reason; "Retry failed" queues it again and Resume sends it.
func TestRetryFailedSendsOnlyThem(t *testing.T) {
	ta := newSendApp(t)
	c, step := openSend(t, ta, "Retry", recipients(3))
	first := true
	step.runner = func(r *campaign.Runner) {
		if first {
			first = false
			r.Sender = refuse{Sender: r.Sender, address: "p2@example.com"}
		}
	}
	w := ta.Window()
	press(w, ctrl(fyne.KeyReturn))
	pressKey(w, fyne.KeyReturn)
	waitEnd(t, step)
	mustShow(t, w, "2 sent · 1 failed · 0 skipped · 0 left")
	mustList(t, step, "3 | p2@example.com | Failed | 14:05 | refused by the mailbox: mailbox unavailable")
	if n := len(emlFiles(t, ta.svc.OutboxFolder(c))); n != 2 {
		t.Fatalf("%d files after the first run; want 2", n)
	}

	test.Tap(button(t, w, "Retry failed"))
	mustShow(t, w, "1 failed row is queued again: Resume sends it.", "[Resume]")
	test.Tap(button(t, w, "Resume"))
	waitEnd(t, step)
	mustShow(t, w, "3 sent · 0 failed · 0 skipped · 0 left")
	mustList(t, step, "3 | p2@example.com | Sent")
	if n := len(emlFiles(t, ta.svc.OutboxFolder(c))); n != 3 {
		t.Errorf("%d files after the retry; want 3", n)
	}
}

// TestResultsReadPageByPage: a campaign longer than a page shows every
// row once, in order, each page read when it is needed.
func TestResultsReadPageByPage(t *testing.T) {
	ta := newSendApp(t)
	_, step := openSend(t, ta, "Pages", recipients(2*resultsPage+50))
	w := ta.Window()
	press(w, ctrl(fyne.KeyReturn))
	pressKey(w, fyne.KeyReturn)
	waitEnd(t, step)
	got := strings.Split(strings.TrimSuffix(resultsShown(step), "\n"), "\n")
	if len(got) != 2*resultsPage+50 {
		t.Fatalf("the results show %d rows; want %d", len(got), 2*resultsPage+50)
	}
	for i, line := range got {
		want := itoa(i+2) + " | p" + itoa(i+1) + "@example.com | Sent |"
		if !strings.HasPrefix(line, want) {
			t.Fatalf("row %d reads %q; want %q…", i, line, want)
		}
	}
	if n := len(step.results.pages); n != 3 {
		t.Errorf("%d pages held for 250 rows; want 3", n)
	}
}

// TestClosingDuringASendAsksFirst: closing the window while a send runs
// asks; "Keep sending" keeps the window, "Pause and close" closes it; with
// nothing being sent it closes at once.
func TestClosingDuringASendAsksFirst(t *testing.T) {
	ta := newSendApp(t)
	_, step := openSend(t, ta, "Closing", recipients(30))
	closed := 0
	closeWindow := func() { closed++ }
	ta.confirmClose(closeWindow)
	if closed != 1 {
		t.Fatalf("with nothing being sent, closing asked first")
	}

	var hold *campaigntest.Hold
	step.runner = func(r *campaign.Runner) {
		hold = campaigntest.NewHold(r.Sender, 1)
		r.Sender = hold
	}
	w := ta.Window()
	press(w, ctrl(fyne.KeyReturn))
	pressKey(w, fyne.KeyReturn)
	<-hold.Reached
	ta.confirmClose(closeWindow)
	mustShow(t, w, "A send is running", "messages are still to go", "[Pause and close]", "[Keep sending]")
	test.Tap(button(t, w, "Keep sending"))
	if closed != 1 {
		t.Errorf("Keep sending closed the window")
	}
	ta.confirmClose(closeWindow)
	test.Tap(button(t, w, "Pause and close"))
	if closed != 2 {
		t.Errorf("Pause and close did not close the window")
	}
	test.Tap(button(t, w, "Pause"))
	close(hold.Release)
	waitEnd(t, step)
}

// TestBouncedRowsCountAsSettled: a bounce report turns sent rows into
// bounced ones; the bar still reaches its end and the line says how many.
func TestBouncedRowsCountAsSettled(t *testing.T) {
	inFrench(t)
	got := countsLine(campaign.Counts{Total: 5, Sent: 3, Bounced: 2})
	if want := "3 envoyés · 0 en échec · 2 non distribués · 0 ignoré · 0 restant"; got != want {
		t.Errorf("countsLine = %q; want %q", got, want)
	}
	if stateText(campaign.StateBounced) != "Non distribué" {
		t.Errorf("bounced reads %q", stateText(campaign.StateBounced))
	}
}
