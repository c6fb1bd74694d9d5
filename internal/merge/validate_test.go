package merge

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sliceSource is a RowSource over rows in memory; rows are numbered from 2
// as in a spreadsheet with a header row. It reuses its slice like a real
// reader does.
type sliceSource struct {
	rows [][]string
	i    int
	buf  []string
}

func (s *sliceSource) Next() ([]string, error) {
	if s.i >= len(s.rows) {
		return nil, io.EOF
	}
	s.buf = append(s.buf[:0], s.rows[s.i]...)
	s.i++
	return s.buf, nil
}

func (s *sliceSource) Line() int { return s.i + 1 }

func newMerger(t *testing.T, spec Spec, cols []string, opt Options) *Merger {
	t.Helper()
	if opt.Now == nil {
		opt.Now = fixedNow
	}
	m, err := NewMerger(&spec, NewHeader(cols), opt)
	if err != nil {
		t.Fatalf("NewMerger: %v", err)
	}
	return m
}

func validate(t *testing.T, m *Merger, rows ...[]string) *Report {
	t.Helper()
	rep, err := Validate(context.Background(), m, &sliceSource{rows: rows})
	if err != nil {
		t.Fatalf("Validate: %v", err)
	}
	return rep
}

// problem finds the only problem with code on row line.
func problem(t *testing.T, rep *Report, line int, code string) Problem {
	t.Helper()
	var found []Problem
	for _, p := range rep.Problems {
		if p.Line == line && p.Code == code {
			found = append(found, p)
		}
	}
	if len(found) != 1 {
		var b bytes.Buffer
		rep.WriteText(&b)
		t.Fatalf("problems %q on row %d: %d; want 1. Report:\n%s", code, line, len(found), b.String())
	}
	return found[0]
}

func TestValidateRules(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "ok.pdf"), []byte("%PDF"), 0o600)
	unreadable := filepath.Join(dir, "locked.pdf")
	os.WriteFile(unreadable, []byte("x"), 0o000)
	cols := []string{"Email", "Name", "Subject", "File"}
	base := Spec{From: "me@example.com", To: "{{ Email }}", Subject: "{{ Subject }}", Body: "Hello {{ Name }}", Attachments: []string{"{{ File }}"}}

	tests := []struct {
		name     string
		row      []string
		opt      Options
		code     string
		severity Severity
		field    string
		msg      string // substring
	}{
		{"empty value with no default", []string{"a@example.com", " ", "s", "ok.pdf"}, Options{AttachDir: dir}, CodeEmptyValue, Warning, "Body", `column "Name" is empty`},
		{"invalid address", []string{"bob@@x.com", "Bob", "s", ""}, Options{}, CodeInvalidAddress, Error, "To", `"bob@@x.com"`},
		{"domain without a dot", []string{"bob@localhost", "Bob", "s", ""}, Options{}, CodeInvalidAddress, Error, "To", "dot"},
		{"header injection", []string{"a@example.com", "A", "Hi\r\nBcc: evil@example.com", ""}, Options{}, CodeHeaderInjection, Error, "Subject", "contains a line break"},
		{"injection in To", []string{"a@example.com\nBcc: evil@example.com", "A", "s", ""}, Options{}, CodeHeaderInjection, Error, "To", "line break"},
		{"subject too long", []string{"a@example.com", "A", strings.Repeat("é", 256), ""}, Options{}, CodeSubjectTooLong, Error, "Subject", "256 characters"},
		{"too many recipients", []string{"a@example.com, b@example.com, c@example.com", "A", "s", ""}, Options{MaxRecipients: 2, Lists: []string{"Email"}}, CodeTooManyRecipients, Error, "", "3 in one message"},
		{"no recipient", []string{"", "A", "s", ""}, Options{}, CodeNoRecipient, Error, "To", "no recipient"},
		{"missing attachment", []string{"a@example.com", "A", "s", "nope.pdf"}, Options{AttachDir: dir}, CodeAttachmentMissing, Error, "Attachment 1", "does not exist"},
		{"attachment escapes with ..", []string{"a@example.com", "A", "s", "../etc/passwd"}, Options{AttachDir: dir}, CodeAttachmentEscapes, Error, "Attachment 1", ".."},
		{"absolute attachment outside", []string{"a@example.com", "A", "s", "/etc/passwd"}, Options{AttachDir: dir}, CodeAttachmentEscapes, Error, "Attachment 1", "outside"},
		{"suppressed", []string{"a@example.com", "A", "s", ""}, Options{Suppressed: func(a string) (string, bool) { return "unsubscribed", a == "a@example.com" }}, CodeSuppressed, Warning, "To", "suppressed: a@example.com: unsubscribed"},
	}
	if os.Geteuid() != 0 { // root reads anything
		tests = append(tests, struct {
			name     string
			row      []string
			opt      Options
			code     string
			severity Severity
			field    string
			msg      string
		}{"unreadable attachment", []string{"a@example.com", "A", "s", "locked.pdf"}, Options{AttachDir: dir}, CodeAttachmentMissing, Error, "Attachment 1", "permission"})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMerger(t, base, cols, tt.opt)
			rep := validate(t, m, tt.row)
			p := problem(t, rep, 2, tt.code)
			if p.Severity != tt.severity || p.Field != tt.field || !strings.Contains(p.Msg, tt.msg) {
				t.Errorf("Validate(%q) problem = %+v; want %v in %q containing %q", tt.row, p, tt.severity, tt.field, tt.msg)
			}
			if tt.severity == Error && (!rep.HasErrors() || rep.Messages != 0) {
				t.Errorf("Validate(%q): HasErrors %v, Messages %d; want true, 0", tt.row, rep.HasErrors(), rep.Messages)
			}
			if tt.code == CodeSuppressed && rep.Skipped != 1 {
				t.Errorf("Validate(%q).Skipped = %d; want 1", tt.row, rep.Skipped)
			}
		})
	}

	t.Run("valid row has no problem", func(t *testing.T) {
		m := newMerger(t, base, cols, Options{AttachDir: dir})
		rep := validate(t, m, []string{"Ann <a@example.com>", "Ann", "Hi", "ok.pdf"})
		if len(rep.Problems) != 0 || rep.Messages != 1 || rep.Recipients != 1 || rep.Addresses != 1 {
			t.Errorf("Validate(valid row) = %+v; want no problem, 1 message to 1 recipient", rep)
		}
	})
}

func TestValidateDuplicates(t *testing.T) {
	m := newMerger(t, Spec{From: "me@example.com", To: "{{ Email }}", Subject: "s", Body: "x", Lists: []string{"Email"}}, []string{"Email"}, Options{})
	rep := validate(t, m,
		[]string{"a@example.com, b@example.com"},
		[]string{"c@example.com"},
		[]string{"B@Example.com; A@example.COM"}, // same set, other order and case
		[]string{"d@example.com; b@example.com"}, // one address already had its message
		[]string{"a@example.com"},
	)
	for line, first := range map[int]string{4: "row 2", 5: "row 2: b@example.com", 6: "row 2 "} {
		p := problem(t, rep, line, CodeDuplicate)
		if p.Severity != Warning || !strings.Contains(p.Msg, "duplicate of "+first) {
			t.Errorf("row %d duplicate problem = %+v; want a warning naming %s", line, p, first)
		}
	}
	if rep.Skipped != 3 || rep.Messages != 2 || rep.HasErrors() {
		t.Errorf("Validate = Skipped %d, Messages %d, errors %v; want 3, 2, none", rep.Skipped, rep.Messages, rep.HasErrors())
	}
}

func TestAttachmentSymlinkEscape(t *testing.T) {
	dir, outside := t.TempDir(), t.TempDir()
	secret := filepath.Join(outside, "secret.txt")
	os.WriteFile(secret, []byte("secret"), 0o600)
	if err := os.Symlink(secret, filepath.Join(dir, "link.txt")); err != nil {
		t.Skipf("symlinks unsupported: %v", err)
	}
	os.Symlink(outside, filepath.Join(dir, "linkdir"))
	m := newMerger(t, Spec{From: "me@example.com", To: "a@example.com", Subject: "s", Body: "x", Attachments: []string{"{{ File }}"}},
		[]string{"File"}, Options{AttachDir: dir})
	for _, p := range []string{"link.txt", "linkdir/secret.txt", `linkdir\secret.txt`} {
		_, err := m.Render(0, 2, []string{p})
		if !errors.Is(err, ErrAttachmentEscapes) {
			t.Errorf("Render(attachment %q) error = %v; want ErrAttachmentEscapes", p, err)
		}
	}
	// A static absolute path written in the template itself is allowed.
	m = newMerger(t, Spec{From: "me@example.com", To: "a@example.com", Subject: "s", Body: "x", Attachments: []string{secret}},
		nil, Options{AttachDir: dir})
	msg, err := m.Render(0, 2, nil)
	if err != nil || len(msg.Attachments) != 1 || msg.Attachments[0].Name != "secret.txt" {
		t.Errorf("Render(static %q) = %v, %v; want the file attached", secret, msg, err)
	}
	// An empty rendered path means no attachment for that row.
	m = newMerger(t, Spec{From: "me@example.com", To: "a@example.com", Subject: "s", Body: "x", Attachments: []string{"{{ File | default: '' }}"}},
		[]string{"File"}, Options{AttachDir: dir})
	if msg, err := m.Render(0, 2, []string{""}); err != nil || len(msg.Attachments) != 0 {
		t.Errorf("Render(empty attachment path) = %v, %v; want no attachment", msg, err)
	}
}

func TestNewMergerErrors(t *testing.T) {
	src := "From: me@example.com\nTo: {{ Emial }}\nSubject: Hello {{ Nmae }}\nAttachment: missing.pdf\n\nLine one\nHi {{ Name }} {% if %}\n"
	spec, err := ParseSpec(strings.NewReader(src), "invite.tpl")
	if err != nil {
		t.Fatal(err)
	}
	_, err = NewMerger(spec, NewHeader([]string{"Email", "Name"}), Options{AttachDir: t.TempDir()})
	if err == nil {
		t.Fatal("NewMerger: no error; want unknown columns, a missing attachment and a syntax error")
	}
	want := []struct {
		field     string
		line, col int
		is        error
		msg       string
	}{
		{"To", 2, 8, ErrUnknownColumn, `invite.tpl:2:8: To: unknown column "Emial" (did you mean "Email"?)`},
		{"Subject", 3, 19, ErrUnknownColumn, `invite.tpl:3:19: Subject: unknown column "Nmae" (did you mean "Name"?)`},
		{"Attachment 1", 4, 0, ErrAttachmentMissing, "missing.pdf"},
		{"Body", 7, 0, ErrSyntax, "invite.tpl:7:"},
	}
	errs := unjoin(err)
	if len(errs) != len(want) {
		t.Fatalf("NewMerger errors = %q; want %d", errs, len(want))
	}
	for i, w := range want {
		var fe *FieldError
		if !errors.As(errs[i], &fe) || fe.Field != w.field || fe.Line != w.line || (w.col != 0 && fe.Col != w.col) || !errors.Is(fe, w.is) || !strings.Contains(fe.Error(), w.msg) {
			t.Errorf("error %d = %#v (%v); want %s at %d:%d wrapping %v containing %q", i, fe, errs[i], w.field, w.line, w.col, w.is, w.msg)
		}
	}
	probs := TemplateProblems(err)
	if len(probs) != 4 || probs[0].Code != CodeUnknownColumn || probs[0].TemplateLine != 2 || probs[2].Code != CodeAttachmentMissing {
		t.Errorf("TemplateProblems = %+v; want 4 located problems", probs)
	}

	_, err = NewMerger(&Spec{To: "a@example.com", Subject: "s"}, NewHeader(nil), Options{})
	if !errors.Is(err, ErrNoSender) || !strings.Contains(err.Error(), "no sender: add a From: line or set one") {
		t.Errorf("NewMerger(no From, no default) error = %v; want ErrNoSender", err)
	}
	m, err := NewMerger(&Spec{To: "a@example.com", Subject: "s"}, NewHeader(nil), Options{DefaultFrom: "Me <me@example.org>"})
	if err != nil {
		t.Fatal(err)
	}
	if msg, err := m.Render(0, 2, nil); err != nil || msg.From.Address != "me@example.org" || msg.MessageID != "<sm."+msg.Key+"@example.org>" {
		t.Errorf("Render with DefaultFrom = %+v, %v; want From me@example.org", msg, err)
	}
}

func TestReportWriteText(t *testing.T) {
	m := newMerger(t, Spec{From: "me@example.com", To: "{{ Email }}", Subject: "s", Body: "Hi {{ Name }} from {{ City | default: 'here' }}"},
		[]string{"Email", "Name", "City"}, Options{})
	var rows [][]string
	for i := range 60 {
		rows = append(rows, []string{fmt.Sprintf("u%d@example.com", i), "", ""})
	}
	rows[10][0] = "bob@@x"
	rep := validate(t, m, rows...)
	var b bytes.Buffer
	if err := rep.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		`error: row 12, To: invalid address "bob@@x"`,
		`warning: Body: column "Name" is empty and has no default, rows 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21 and 40 more`,
		"60 rows: 59 messages to 59 recipients, 0 skipped; 1 error, 60 warnings",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("WriteText() =\n%s\nwant it to contain %q", out, want)
		}
	}
	if strings.Count(out, `"Name"`) != 1 || strings.Contains(out, `"City"`) {
		t.Errorf("WriteText() =\n%s\nwant one collapsed line for Name and none for City (it has a default)", out)
	}
}
