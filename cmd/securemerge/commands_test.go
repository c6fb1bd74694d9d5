package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"mime"
	"net/mail"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/securemerge/securemerge/internal/store"
)

// fixture writes a CSV of n recipients and a template into a temp folder.
type fixture struct {
	dir, data, tpl, dataDir string
	env                     map[string]string
}

func newFixture(t *testing.T, n int, body string) *fixture {
	t.Helper()
	dir := t.TempDir()
	f := &fixture{dir: dir, data: filepath.Join(dir, "list.csv"), tpl: filepath.Join(dir, "invite.tpl"), dataDir: filepath.Join(dir, "data")}
	var b strings.Builder
	b.WriteString("Prénom;E-mail;Ville\n")
	for i := 1; i <= n; i++ {
		city := "Lyon"
		if i%2 == 0 {
			city = "Paris"
		}
		fmt.Fprintf(&b, "Zoé %d;zoe.%d@example.fr;%s\n", i, i, city)
	}
	if err := os.WriteFile(f.data, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	if body == "" {
		body = "From: Ada <ada@contoso.test>\nTo: {{ Prénom }} <{{ E-mail }}>\nSubject: Bonjour {{ Prénom }}\n\nBonjour {{ Prénom }},\n{% if Ville == 'Lyon' %}À bientôt à Lyon.{% else %}À bientôt.{% endif %}\n"
	}
	if err := os.WriteFile(f.tpl, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	f.env = map[string]string{"SECUREMERGE_DATA_DIR": f.dataDir}
	return f
}

func (f *fixture) run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	return run(t, f.env, args...)
}

func TestInspectJSONContract(t *testing.T) {
	f := newFixture(t, 3, "")
	code, out, errs := f.run(t, "inspect", f.data, "--json")
	if code != exitOK {
		t.Fatalf("inspect exit %d: %s", code, errs)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("inspect --json is not JSON: %v\n%s", err, out)
	}
	for _, k := range []string{"sheet", "sheets", "columns", "rows", "encoding", "delimiter", "warnings"} {
		if _, ok := got[k]; !ok {
			t.Errorf("inspect --json lacks %q: %s", k, out)
		}
	}
	var typed inspectJSON
	_ = json.Unmarshal([]byte(out), &typed)
	if strings.Join(typed.Columns, "|") != "Prénom|E-mail|Ville" || len(typed.Rows) != 3 || typed.Rows[1][1] != "zoe.2@example.fr" || typed.Delimiter != ";" || typed.Encoding != "utf-8" {
		t.Errorf("inspect --json = %+v", typed)
	}
}

func TestInspectBadFileIsLocatedAndNonZero(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "list.xlsx")
	os.WriteFile(bad, []byte("PK\x03\x04 this is not a whole zip"), 0o600)
	code, _, errs := run(t, nil, "inspect", bad)
	if code == exitOK || !strings.Contains(errs, "list.xlsx") {
		t.Errorf("inspect of a broken .xlsx = %d, %q; want a failure naming the file", code, errs)
	}
}

func TestCheckReportsLocatedErrors(t *testing.T) {
	f := newFixture(t, 3, "From: a@contoso.test\nTo: {{ Email }}\nSubject: Hi {{ Prénom }}\n\nHello\n")
	code, out, errs := f.run(t, "check", "--data", f.data, "--template", f.tpl)
	if code != exitProblems {
		t.Fatalf("check exit = %d; want 1\n%s%s", code, out, errs)
	}
	if !strings.Contains(errs+out, `"Email"`) || !strings.Contains(errs+out, `did you mean "E-mail"`) || !strings.Contains(errs+out, "invite.tpl:2:8") {
		t.Errorf("check output lacks a located did-you-mean:\n%s%s", out, errs)
	}
}

func TestCheckInvalidAddressRow(t *testing.T) {
	f := newFixture(t, 3, "")
	os.WriteFile(f.data, []byte("Prénom;E-mail;Ville\nAnn;ann@example.fr;Lyon\nBob;bob@@example;Paris\n"), 0o600)
	code, out, _ := f.run(t, "check", "--data", f.data, "--template", f.tpl)
	if code != exitProblems || !strings.Contains(out, "row 3") || !strings.Contains(out, "bob@@example") {
		t.Errorf("check = %d:\n%s\nwant exit 1 naming row 3 and the address", code, out)
	}
	code, out, _ = f.run(t, "send", "--data", f.data, "--template", f.tpl, "--outbox", filepath.Join(f.dir, "out"))
	if code != exitProblems {
		t.Errorf("send --outbox with an invalid row = %d; want 1 and nothing written\n%s", code, out)
	}
	if files, _ := os.ReadDir(filepath.Join(f.dir, "out")); len(files) > 0 {
		t.Errorf("send wrote %d files despite a validation error", len(files))
	}
}

func TestPreviewShowsOneRecipient(t *testing.T) {
	f := newFixture(t, 3, "")
	eml := filepath.Join(f.dir, "eml")
	code, out, errs := f.run(t, "preview", "--data", f.data, "--template", f.tpl, "--row", "3", "--eml", eml)
	if code != exitOK {
		t.Fatalf("preview exit %d: %s", code, errs)
	}
	for _, want := range []string{"Zoé 2 <zoe.2@example.fr>", "Subject:  Bonjour Zoé 2", "À bientôt.", "(row 3)"} {
		if !strings.Contains(out, want) {
			t.Errorf("preview lacks %q:\n%s", want, out)
		}
	}
	files, _ := filepath.Glob(filepath.Join(eml, "*.eml"))
	if len(files) != 1 {
		t.Fatalf("preview --eml wrote %v", files)
	}
	raw, _ := os.Open(files[0])
	defer raw.Close()
	msg, err := mail.ReadMessage(raw)
	if err != nil {
		t.Fatalf("the preview .eml does not parse: %v", err)
	}
	dec := new(mimeDecoder)
	if subj, _ := dec.DecodeHeader(msg.Header.Get("Subject")); subj != "Bonjour Zoé 2" {
		t.Errorf("eml Subject = %q", subj)
	}
}

func TestSendDryRunWritesNothing(t *testing.T) {
	f := newFixture(t, 4, "")
	code, out, errs := f.run(t, "send", "--data", f.data, "--template", f.tpl)
	if code != exitOK || !strings.Contains(out, "nothing was sent") {
		t.Errorf("dry run = %d:\n%s%s", code, out, errs)
	}
	if _, err := os.Stat(filepath.Join(f.dataDir, store.FileName)); err == nil {
		db, _ := store.Open(f.dataDir, store.Options{})
		list, _ := db.Campaigns()
		db.Close()
		if len(list) != 0 {
			t.Errorf("a dry run created %d campaigns", len(list))
		}
	}
}

func TestSendOutboxResumesWithoutDuplicates(t *testing.T) {
	f := newFixture(t, 12, "")
	out := filepath.Join(f.dir, "outbox")
	code, stdout, errs := f.run(t, "send", "--data", f.data, "--template", f.tpl, "--outbox", out, "--campaign", "spring", "--limit", "5")
	if code != exitOK {
		t.Fatalf("first send exit %d:\n%s%s", code, stdout, errs)
	}
	if n := countEML(t, out); n != 5 {
		t.Fatalf("--limit 5 wrote %d files", n)
	}
	// The spreadsheet changes after sending started: the frozen rows win.
	os.WriteFile(f.data, []byte("Prénom;E-mail;Ville\nMallory;mallory@evil.test;Lyon\n"), 0o600)
	code, stdout, errs = f.run(t, "send", "--outbox", out, "--campaign", "spring")
	if code != exitOK {
		t.Fatalf("resume exit %d:\n%s%s", code, stdout, errs)
	}
	if n := countEML(t, out); n != 12 {
		t.Errorf("after resume the outbox has %d files; want 12", n)
	}
	all, _ := os.ReadDir(out)
	for _, e := range all {
		b, _ := os.ReadFile(filepath.Join(out, e.Name()))
		if strings.Contains(string(b), "mallory") {
			t.Errorf("%s went to a row added after sending started", e.Name())
		}
		if strings.HasSuffix(e.Name(), ".tmp") || strings.HasPrefix(e.Name(), ".") {
			t.Errorf("half-written file left: %s", e.Name())
		}
	}
	code, stdout, _ = f.run(t, "campaigns", "--json")
	var list []struct {
		Name   string
		Status string
		Counts struct{ Sent, Total int }
	}
	if err := json.Unmarshal([]byte(stdout), &list); err != nil || len(list) != 1 || list[0].Counts.Sent != 12 || list[0].Status != "done" {
		t.Errorf("campaigns --json = %d %s (%v)", code, stdout, err)
	}
	res := filepath.Join(f.dir, "results.csv")
	if code, _, errs := f.run(t, "campaign", "results", "spring", "--csv", res); code != exitOK {
		t.Fatalf("results exit %d: %s", code, errs)
	}
	rf, _ := os.Open(res)
	recs, err := csv.NewReader(rf).ReadAll()
	rf.Close()
	if err != nil || len(recs) != 13 {
		t.Fatalf("results.csv: %d records, %v", len(recs), err)
	}
	for _, r := range recs[1:] {
		if r[2] != "sent" {
			t.Errorf("results row %v; want sent", r)
		}
	}
}

func countEML(t *testing.T, dir string) int {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
	return len(files)
}

func TestSecondProcessFailsFast(t *testing.T) {
	f := newFixture(t, 1, "")
	db, err := store.Open(f.dataDir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	code, _, errs := f.run(t, "campaigns")
	if code != exitFailure || !strings.Contains(errs, "SecureMerge is already running") {
		t.Errorf("campaigns with the database held = %d, %q", code, errs)
	}
}

func TestDataExportThenEraseLeavesNothing(t *testing.T) {
	f := newFixture(t, 3, "")
	userOutbox := filepath.Join(f.dir, "my-outbox")
	if code, out, errs := f.run(t, "send", "--data", f.data, "--template", f.tpl, "--outbox", userOutbox, "--campaign", "c1"); code != exitOK {
		t.Fatalf("send: %d %s%s", code, out, errs)
	}
	export := filepath.Join(f.dir, "export.json")
	if code, _, errs := f.run(t, "data", "export", export); code != exitOK {
		t.Fatalf("export: %d %s", code, errs)
	}
	b, _ := os.ReadFile(export)
	var doc struct {
		Format    string
		Campaigns []struct {
			Name    string
			Journal []json.RawMessage
		}
	}
	if err := json.Unmarshal(b, &doc); err != nil || doc.Format != "securemerge-export" || len(doc.Campaigns) != 1 || len(doc.Campaigns[0].Journal) != 3 {
		t.Fatalf("export = %+v (%v)", doc, err)
	}
	if code, out, errs := f.run(t, "data", "erase", "--yes"); code != exitOK {
		t.Fatalf("erase: %d %s%s", code, out, errs)
	}
	var left []string
	filepath.Walk(f.dataDir, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			left = append(left, p)
		}
		return nil
	})
	sort.Strings(left)
	if len(left) > 0 {
		t.Errorf("erase left user data behind: %v", left)
	}
	if countEML(t, userOutbox) != 3 {
		t.Errorf("erase touched the outbox folder the user chose")
	}
}

type mimeDecoder = mime.WordDecoder

func TestSuppressedRecipientIsSkippedWithReason(t *testing.T) {
	f := newFixture(t, 3, "")
	if code, out, errs := f.run(t, "suppress", "add", "zoe.2@example.fr", "--reason", "unsubscribed on 2026-11-02"); code != exitOK {
		t.Fatalf("suppress add = %d %s%s", code, out, errs)
	}
	code, out, _ := f.run(t, "check", "--data", f.data, "--template", f.tpl)
	if code != exitOK || !strings.Contains(out, "unsubscribed on 2026-11-02") || !strings.Contains(out, "row 3") {
		t.Errorf("check with a suppressed row = %d:\n%s\nwant the row and the reason", code, out)
	}
	box := filepath.Join(f.dir, "out")
	if code, out, errs := f.run(t, "send", "--data", f.data, "--template", f.tpl, "--outbox", box); code != exitOK {
		t.Fatalf("send = %d %s%s", code, out, errs)
	}
	if n := countEML(t, box); n != 2 {
		t.Errorf("%d messages written; want 2 (one suppressed)", n)
	}
	if _, err := os.Stat(filepath.Join(box, "00002-zoe.2@example.fr.eml")); err == nil {
		t.Errorf("the suppressed address got a message")
	}
	exp := filepath.Join(f.dir, "supp.csv")
	f.run(t, "suppress", "export", exp)
	b, _ := os.ReadFile(exp)
	if !strings.Contains(string(b), "zoe.2@example.fr") {
		t.Errorf("export = %q", b)
	}
	if code, _, _ := f.run(t, "suppress", "remove", "zoe.2@example.fr"); code != exitOK {
		t.Errorf("remove failed")
	}
	code, out, _ = f.run(t, "suppress", "list")
	if code != exitOK || !strings.Contains(out, "empty") {
		t.Errorf("list after remove = %d %q", code, out)
	}
	os.WriteFile(exp, []byte("email,reason\nzoe.1@example.fr,bounced\nnot-an-address,x\n"), 0o600)
	code, out, errs := f.run(t, "suppress", "import", exp)
	if code != exitProblems || !strings.Contains(errs, "supp.csv:3") || !strings.Contains(out, "1 addresses suppressed") {
		t.Errorf("import with a bad line = %d %q %q", code, out, errs)
	}
}

func TestCampaignCancelDuplicateRename(t *testing.T) {
	f := newFixture(t, 6, "")
	out := filepath.Join(f.dir, "outbox")
	if code, o, e := f.run(t, "send", "--data", f.data, "--template", f.tpl, "--outbox", out, "--campaign", "autumn", "--limit", "2"); code != exitOK {
		t.Fatalf("send: %d %s%s", code, o, e)
	}
	if code, o, _ := f.run(t, "campaign", "cancel", "autumn"); code != exitOK || !strings.Contains(o, "4 rows not sent") {
		t.Fatalf("cancel = %d %q", code, o)
	}
	if code, _, e := f.run(t, "campaign", "resume", "autumn", "--yes"); code != exitProblems || !strings.Contains(e, "cancelled") {
		t.Errorf("resume of a cancelled campaign = %d %q; want a refusal", code, e)
	}
	if countEML(t, out) != 2 {
		t.Errorf("cancel let more messages out")
	}
	if code, o, e := f.run(t, "campaign", "duplicate", "autumn", "autumn again"); code != exitOK {
		t.Fatalf("duplicate = %d %s%s", code, o, e)
	}
	if code, o, e := f.run(t, "campaign", "rename", "autumn again", "winter"); code != exitOK {
		t.Fatalf("rename = %d %s%s", code, o, e)
	}
	if code, o, e := f.run(t, "campaign", "resume", "winter", "--yes"); code != exitOK {
		t.Fatalf("sending the duplicate = %d %s%s", code, o, e)
	}
	// The duplicate is a new campaign with its own keys: everyone gets its message.
	if n := countEML(t, out); n < 6 {
		t.Errorf("after sending the duplicate the outbox has %d files; want all 6 recipients covered", n)
	}
}

// TestInspectFilesFromARealSpreadsheetProgram runs inspect on files that
// LibreOffice wrote (internal/sheet/testdata), as a user would.
func TestInspectFilesFromARealSpreadsheetProgram(t *testing.T) {
	for _, tc := range []struct{ file, want string }{
		{"lo-utf16-tab.csv", "utf-16le, delimiter tab"},
		{"lo-utf8-semicolon.csv", "utf-8, delimiter ';'"},
		{"lo-cp1252-comma.csv", "windows-1252, delimiter ','"},
		{"libreoffice.ods", `sheet "Contacts"`},
		{"libreoffice.xlsx", `sheet "Contacts"`},
	} {
		t.Run(tc.file, func(t *testing.T) {
			code, out, errs := run(t, nil, "inspect", filepath.Join("..", "..", "internal", "sheet", "testdata", tc.file))
			if code != exitOK {
				t.Fatalf("inspect %s = %d: %s", tc.file, code, errs)
			}
			for _, want := range []string{tc.want, "Zoë", "zoe2@example.fr", "line one⏎line"} {
				if !strings.Contains(out, want) {
					t.Errorf("inspect %s lacks %q:\n%s", tc.file, want, out)
				}
			}
		})
	}
}
