package merge

import (
	"bytes"
	"errors"
	"mime"
	"net/mail"
	"strings"
	"testing"
)

// renderOne renders row with spec over cols and returns the message or the
// row error.
func renderOne(t *testing.T, spec Spec, cols, row []string, opt Options) (*Message, error) {
	t.Helper()
	if spec.From == "" {
		spec.From = "me@example.com"
	}
	if spec.Subject == "" {
		spec.Subject = "s"
	}
	if spec.Body == "" {
		spec.Body = "x"
	}
	m := newMerger(t, spec, cols, opt)
	return m.Render(0, 2, row)
}

func addrList(as []mail.Address) string {
	var out []string
	for _, a := range as {
		out = append(out, a.Name+"|"+a.Address)
	}
	return strings.Join(out, " ")
}

func TestOneTokenOneAddress(t *testing.T) {
	cols := []string{"Name", "Email", "Boss", "Cc Emails"}
	tests := []struct {
		name  string
		spec  Spec
		row   []string
		field string // field of the error; "" when the row renders
		col   string // column named by the error
		to    string // addrList(To) when it renders
		cc    string
	}{
		{"comma in an address cell", Spec{To: "{{ Email }}"}, []string{"", "a@x.org, victim@y.org"}, "To", "Email", "", ""},
		{"semicolon in an address cell", Spec{To: "{{ Email }}"}, []string{"", "a@x.org; victim@y.org"}, "To", "Email", "", ""},
		{"address list in a name cell", Spec{To: "{{ Name }} <{{ Email }}>"}, []string{"x <victim@y.org>, y", "a@x.org"}, "To", "Name", "", ""},
		{"angle bracket in the address cell", Spec{To: "{{ Name }} <{{ Email }}>"}, []string{"Ann", "a@x.org>, <victim@y.org"}, "To", "Email", "", ""},
		{"hidden in Bcc", Spec{To: "{{ Email }}", Bcc: "{{ Boss }}"}, []string{"", "a@x.org", "boss@x.org, attacker@evil.example"}, "Bcc", "Boss", "", ""},
		{"list column mixed with text", Spec{To: "x <{{ Cc Emails }}>", Lists: []string{"Cc Emails"}}, []string{"", "", "", "a@x.org, b@y.org"}, "To", "Cc Emails", "", ""},
		{"comma in a display name", Spec{To: "{{ Name }} <{{ Email }}>"}, []string{"Doe, Jane", "jane@x.org"}, "", "", "Doe, Jane|jane@x.org", ""},
		{"quoted template name", Spec{To: `"{{ Name }}" <{{ Email }}>`}, []string{`Doe, "J"`, "jane@x.org"}, "", "", `Doe, "J"|jane@x.org`, ""},
		{"one address with its name in the cell", Spec{To: "{{ Email }}"}, []string{"", "Jane <jane@x.org>"}, "", "", "Jane|jane@x.org", ""},
		{"static recipients beside a token", Spec{To: "{{ Email }}, boss@x.org"}, []string{"", "a@x.org"}, "", "", "|a@x.org |boss@x.org", ""},
		{"declared list", Spec{To: "{{ Email }}", Cc: "{{ Cc Emails }}", Lists: []string{"cc emails"}}, []string{"", "a@x.org", "", "b@y.org; Carl <c@z.org>"}, "", "", "|a@x.org", "|b@y.org Carl|c@z.org"},
		{"empty token gives no address", Spec{To: "{{ Email }}", Cc: "{{ Boss }}"}, []string{"", "a@x.org", " "}, "", "", "|a@x.org", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg, err := renderOne(t, tt.spec, cols, tt.row, Options{})
			if tt.field != "" {
				var re *RowError
				if !errors.As(err, &re) || re.Field != tt.field || re.Line != 2 || !errors.Is(err, ErrSeveralAddresses) || !strings.Contains(err.Error(), `"`+tt.col+`"`) {
					t.Fatalf("Render(%q) = %v, %v; want a row 2 %s error naming column %q (ErrSeveralAddresses)", tt.row, msg, err, tt.field, tt.col)
				}
				return
			}
			if err != nil {
				t.Fatalf("Render(%q): %v", tt.row, err)
			}
			if got := addrList(msg.To); got != tt.to {
				t.Errorf("Render(%q).To = %q; want %q", tt.row, got, tt.to)
			}
			if got := addrList(msg.Cc); got != tt.cc {
				t.Errorf("Render(%q).Cc = %q; want %q", tt.row, got, tt.cc)
			}
		})
	}
}

func TestListHeader(t *testing.T) {
	spec, err := ParseSpec(strings.NewReader("From: me@x.org\nTo: {{ Email }}\nCc: {{ Team }}\nList: Team, Other People\nSubject: s\n\nbody\n"), "t.tpl")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(spec.Lists, "|"); got != "Team|Other People" {
		t.Fatalf("ParseSpec Lists = %q; want Team|Other People", got)
	}
	again, err := ParseSpec(strings.NewReader(spec.String()), "t.tpl")
	if err != nil || strings.Join(again.Lists, "|") != "Team|Other People" {
		t.Errorf("ParseSpec(String()) Lists = %q, %v; want the same lists", again.Lists, err)
	}
	_, err = NewMerger(spec, NewHeader([]string{"Email", "Team"}), Options{})
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Field != "List" || fe.Line != 4 || !errors.Is(err, ErrUnknownColumn) {
		t.Errorf("NewMerger with an unknown List column = %v; want a FieldError on List, line 4", err)
	}
	if _, err := ParseSpec(strings.NewReader("To: x@y.org\nList:\nSubject: s\n\n"), "t.tpl"); !errors.Is(err, ErrSpec) {
		t.Errorf("ParseSpec with an empty List: = %v; want ErrSpec", err)
	}
}

func TestReportCountsPeople(t *testing.T) {
	m := newMerger(t, Spec{From: "me@x.org", To: "{{ Email }}", Cc: "{{ Team }}", Subject: "s", Body: "x", Lists: []string{"Team"}},
		[]string{"Email", "Team"}, Options{})
	rep := validate(t, m,
		[]string{"a@x.org", ""},
		[]string{"b@x.org", "a@x.org, c@x.org"},
		[]string{"c@x.org", "boss@x.org"},
	)
	if rep.Messages != 3 || rep.Recipients != 6 || rep.Addresses != 4 {
		t.Errorf("Validate = %d messages, %d recipients, %d addresses; want 3, 6, 4", rep.Messages, rep.Recipients, rep.Addresses)
	}
	p := problem(t, rep, 3, CodeSeveralRecipients)
	if p.Severity != Warning || !strings.Contains(p.Msg, "b@x.org, a@x.org, c@x.org") {
		t.Errorf("row 3 problem = %+v; want a warning listing its 3 addresses", p)
	}
	var b bytes.Buffer
	rep.WriteText(&b)
	for _, want := range []string{
		"warning: To, Cc, Bcc: one message to several addresses, rows 3, 4\n",
		"3 messages go to 4 different addresses\n",
		"3 rows: 3 messages to 6 recipients, 0 skipped; 0 errors, 3 warnings\n",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("WriteText =\n%s\nwant a line %q", b.String(), want)
		}
	}
}

func TestHeaderControlCharacters(t *testing.T) {
	cols := []string{"Email", "Subject", "Name"}
	for _, c := range []string{"\x00", "\v", "\f", "\x1b]0;pwned\x07", "\x7f", "\u0085", "\u009b"} {
		for _, f := range []struct{ field, col string }{{"Subject", "Subject"}, {"To", "Name"}} {
			row := []string{"a@x.org", "Hi", "Ann"}
			if f.col == "Subject" {
				row[1] = "Hi" + c + "there"
			} else {
				row[2] = "Ann" + c
			}
			_, err := renderOne(t, Spec{To: "{{ Name }} <{{ Email }}>", Subject: "{{ Subject }}"}, cols, row, Options{})
			var re *RowError
			if !errors.As(err, &re) || re.Field != f.field || !errors.Is(err, ErrControlCharacter) {
				t.Errorf("Render with %q in %s = %v; want a %s error wrapping ErrControlCharacter", c, f.col, err, f.field)
			}
		}
	}
	if _, err := ParseAddress("Ann\u009b31m <a@x.org>"); !errors.Is(err, ErrInvalidAddress) {
		t.Errorf("ParseAddress with a C1 control (CSI) in the display name = %v; want ErrInvalidAddress", err)
	}
	if _, err := renderOne(t, Spec{To: "{{ Email }}", Subject: "{{ Subject }}"}, cols, []string{"a@x.org", "tab\tstays", ""}, Options{}); err != nil {
		t.Errorf("Render with a tab in the subject: %v", err)
	}
}

// headerOf returns the unfolded value of header name in an .eml.
func headerOf(t *testing.T, eml []byte, name string) string {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(eml))
	if err != nil {
		t.Fatalf("ReadMessage: %v", err)
	}
	return msg.Header.Get(name)
}

func TestEncodedWordsStayText(t *testing.T) {
	cols := []string{"Email", "Subject", "Name"}
	evil := "=?utf-8?q?Ann=0D=0ABcc:_x@evil.example?="
	msg, err := renderOne(t, Spec{To: "{{ Name }} <{{ Email }}>", Subject: "{{ Subject }}"}, cols, []string{"a@x.org", evil, evil}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if msg.To[0].Name != evil {
		t.Errorf("To name = %q; want the cell's text %q (it is what Graph receives)", msg.To[0].Name, evil)
	}
	word := "=?utf-8?q?Ann=0D=0Ax?=" // net/mail would decode it to "Ann\r\nx"
	cellName, err := renderOne(t, Spec{To: "{{ Email }}"}, cols, []string{word + " <a@x.org>", "", ""}, Options{})
	if err != nil || cellName.To[0].Name != word {
		t.Errorf("name inside an address cell = %v, %v; want %q, not decoded", cellName, err, word)
	}
	var b bytes.Buffer
	if err := msg.WriteEML(&b); err != nil {
		t.Fatal(err)
	}
	dec := new(mime.WordDecoder)
	subj, err := dec.DecodeHeader(headerOf(t, b.Bytes(), "Subject"))
	if err != nil || subj != evil {
		t.Errorf("Subject as a mail program reads it = %q, %v; want %q", subj, err, evil)
	}
	to, err := mail.ParseAddress(headerOf(t, b.Bytes(), "To"))
	if err != nil || to.Name != evil || to.Address != "a@x.org" {
		t.Errorf("To as a mail program reads it = %+v, %v; want name %q", to, err, evil)
	}
}

func TestAddressLimits(t *testing.T) {
	long := strings.Repeat("a", 64)
	domain := strings.Repeat("d", 60) + "." + strings.Repeat("e", 60) + "." + strings.Repeat("f", 60) + ".example"
	for _, tt := range []struct {
		addr string
		ok   bool
	}{
		{long + "@x.org", true},
		{long + "b@x.org", false},             // local part of 65
		{long + "@" + domain, false},          // 64+1+190 = 255 characters
		{"zero\u200bwidth@x.org", false},      // invisible character
		{"\"soft\u00adhyphen\"@x.org", false}, // format character, quoted
		{"ok@bu\u0308cher.example", true},
	} {
		_, err := ParseAddress(tt.addr)
		if (err == nil) != tt.ok {
			t.Errorf("ParseAddress(%q) error = %v; want ok %v", tt.addr, err, tt.ok)
		}
	}
	// The boundary: 254 characters in all passes, 255 does not.
	for _, n := range []int{254, 255} {
		d := strings.Repeat("d", 63) + "." + strings.Repeat("e", 63) + "." + strings.Repeat("f", n-65-63-63-2-4) + ".org"
		_, err := ParseAddress(long + "@" + d)
		if (err == nil) != (n == 254) {
			t.Errorf("ParseAddress of a %d-character address: %v", n, err)
		}
	}
}

func TestLongDisplayNameFolds(t *testing.T) {
	name := strings.Repeat("N", 3000)
	msg, err := renderOne(t, Spec{To: "{{ Name }} <{{ Email }}>", Subject: "{{ Subject }}"}, []string{"Email", "Subject", "Name"},
		[]string{"a@x.org", "s", name}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := msg.WriteEML(&b); err != nil {
		t.Fatal(err)
	}
	for i, line := range strings.Split(b.String(), "\r\n") {
		if len(line) > 998 {
			t.Fatalf("line %d is %d characters; RFC 5322 allows 998", i+1, len(line))
		}
	}
	to, err := mail.ParseAddress(headerOf(t, b.Bytes(), "To"))
	if err != nil || to.Name != name {
		t.Errorf("To read back = %d-character name, %v; want the 3000-character name", len(to.Name), err)
	}
}

// FuzzOneTokenOneAddress checks the rule whatever the cells hold: a
// template with one address slot per header gives at most one address per
// header, and no display name carries a line break.
func FuzzOneTokenOneAddress(f *testing.F) {
	for _, s := range []string{"a@x.org, b@y.org", "x <v@y.org>, y", `"a, b" <c@d.org>`, "a@x.org (", "=?utf-8?q?a=0D=0Ab?= <a@x.org>", "a@x.org>, <b@y.org"} {
		f.Add(s, "b@y.org")
	}
	cols := []string{"Name", "Email"}
	specs := []Spec{
		{From: "me@x.org", To: "{{ Email }}", Cc: "{{ Name }}", Subject: "s", Body: "x"},
		{From: "me@x.org", To: "{{ Name }} <{{ Email }}>", Bcc: `"{{ Email }}" <{{ Name }}>`, Subject: "s", Body: "x"},
		{From: "{{ Name }} <{{ Email }}>", To: "{{ Name }}{{ Email }}", Subject: "s", Body: "x"},
	}
	var ms []*Merger
	for _, s := range specs {
		m, err := NewMerger(&s, NewHeader(cols), Options{Now: fixedNow})
		if err != nil {
			f.Fatal(err)
		}
		ms = append(ms, m)
	}
	f.Fuzz(func(t *testing.T, name, email string) {
		for i, m := range ms {
			msg, err := m.Render(0, 2, []string{name, email})
			if err != nil {
				continue
			}
			for h, list := range map[string][]mail.Address{"To": msg.To, "Cc": msg.Cc, "Bcc": msg.Bcc} {
				if len(list) > 1 {
					t.Fatalf("template %d: cells %q, %q gave %s %q", i, name, email, h, addrList(list))
				}
				for _, a := range list {
					if strings.ContainsAny(a.Name, "\r\n") {
						t.Fatalf("template %d: display name %q", i, a.Name)
					}
				}
			}
		}
	})
}
