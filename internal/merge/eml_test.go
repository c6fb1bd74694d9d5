package merge

import (
	"bytes"
	"flag"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// emlCase is one golden message.
type emlCase struct {
	name string
	spec Spec
	cols []string
	row  []string
	opt  Options
}

func emlCases() []emlCase {
	cols := []string{"Name", "Email", "City", "File"}
	foot := &Footer{Text: "Sent with SecureMerge — private mail merge from your own mailbox. securemerge.app",
		HTML: `<p style="color:#777777;font-size:12px;">Sent with SecureMerge — private mail merge from your own mailbox. <a href="https://securemerge.app">securemerge.app</a></p>`}
	return []emlCase{
		{
			name: "markdown",
			spec: Spec{From: "Events <events@example.com>", To: "{{ Name }} <{{ Email }}>", Subject: "Invitation for {{ Name }}",
				Body: "# Hello {{ Name }}\n\nWe meet in **{{ City }}** on Friday.\n\n- Coffee at 9\n- [Agenda](https://example.com/agenda)\n\nSee you,  \nThe team\n"},
			cols: cols, row: []string{"Jane Doe", "jane.doe@example.com", "Lyon", ""},
		},
		{
			name: "html",
			spec: Spec{From: "events@example.com", To: "{{ Email }}", Cc: "boss@example.com", ReplyTo: "rsvp@example.com", Subject: "Hi {{ Name }}", Format: FormatHTML,
				Body: "<p>Hello <b>{{ Name }}</b>,</p>\n<p>A very long line of text that goes on and on so that quoted-printable has to wrap it somewhere past seventy-six characters.</p>\n"},
			cols: cols, row: []string{"Tom & <Jerry>", "tom@example.com", "", ""},
		},
		{
			name: "text",
			spec: Spec{From: "events@example.com", To: "{{ Email }}", Bcc: "archive@example.com", Subject: "Plain", Format: FormatText,
				Body: "Hello {{ Name }},\n\nTabs\tand = signs and trailing spaces   \nstay intact.\n"},
			cols: cols, row: []string{"Bob", "bob@example.com", "", ""},
		},
		{
			name: "accents",
			spec: Spec{From: "Équipe Événements <equipe@exämple.fr>", To: "{{ Name }} <{{ Email }}>", Subject: "Invitation à {{ City }} — été 2025, réservez votre journée dès maintenant s'il vous plaît",
				Body: "Bonjour {{ Name }},\n\nÀ bientôt à **{{ City }}** !\n"},
			cols: cols, row: []string{"Zoé Lefèvre", "zoe@exämple.fr", "Besançon", ""},
		},
		{
			name: "cjk",
			spec: Spec{From: "info@example.jp", To: "{{ Name }} <{{ Email }}>", Subject: "{{ Name }}様、東京でのイベントへのご招待です。ぜひご参加ください。",
				Body: "{{ Name }}様\n\n{{ City }}でお会いしましょう。\n"},
			cols: cols, row: []string{"山田太郎", "taro@example.jp", "東京", ""},
		},
		{
			name: "attachments",
			spec: Spec{From: "events@example.com", To: "{{ Email }}", Subject: "Your documents",
				Attachments: []string{"agenda.txt", "{{ File }}"}, Body: "Two files attached.\n"},
			cols: cols, row: []string{"Ann", "ann@example.com", "", `sub\données.bin`},
			opt: Options{AttachDir: "testdata/attach"},
		},
		{
			name: "footer",
			spec: Spec{From: "events@example.com", To: "{{ Email }}", Subject: "Free plan", Body: "Hello {{ Name }}!\n"},
			cols: cols, row: []string{"Free", "free@example.com", "", ""},
			opt: Options{Footer: foot},
		},
	}
}

func renderCase(t *testing.T, c emlCase) *Message {
	t.Helper()
	c.opt.Now = fixedNow
	c.opt.CampaignID = "golden"
	spec := c.spec
	m, err := NewMerger(&spec, NewHeader(c.cols), c.opt)
	if err != nil {
		t.Fatalf("NewMerger: %v", err)
	}
	msg, err := m.Render(41, 43, c.row)
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	return msg
}

func TestWriteEMLGolden(t *testing.T) {
	for _, c := range emlCases() {
		t.Run(c.name, func(t *testing.T) {
			msg := renderCase(t, c)
			var buf bytes.Buffer
			if err := msg.WriteEML(&buf); err != nil {
				t.Fatalf("WriteEML: %v", err)
			}
			golden := filepath.Join("testdata", "golden", c.name+".eml")
			if *update {
				if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("read golden file (run go test -update): %v", err)
			}
			if !bytes.Equal(buf.Bytes(), want) {
				t.Errorf("WriteEML(%s) differs from %s:\n%s", c.name, golden, buf.String())
			}
			var again bytes.Buffer
			msg.WriteEML(&again)
			if !bytes.Equal(buf.Bytes(), again.Bytes()) {
				t.Errorf("WriteEML(%s) is not deterministic", c.name)
			}
			checkEML(t, msg, buf.Bytes())
		})
	}
}

// checkEML parses raw back with net/mail and mime/multipart and compares
// with msg: headers decode to the same Unicode, parts to the same text,
// attachments to the same bytes; every line ends in CRLF and fits 998.
func checkEML(t *testing.T, msg *Message, raw []byte) {
	t.Helper()
	for i, line := range bytes.Split(raw, []byte("\r\n")) {
		if bytes.IndexByte(line, '\n') >= 0 || bytes.IndexByte(line, '\r') >= 0 {
			t.Fatalf("line %d has a bare CR or LF: %q", i+1, line)
		}
		if len(line) > 998 {
			t.Errorf("line %d is %d bytes long", i+1, len(line))
		}
	}
	pm, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("mail.ReadMessage: %v", err)
	}
	dec := new(mime.WordDecoder)
	subject, err := dec.DecodeHeader(pm.Header.Get("Subject"))
	if err != nil || subject != msg.Subject {
		t.Errorf("Subject decodes to %q (%v); want %q", subject, err, msg.Subject)
	}
	if got := pm.Header.Get("Message-ID"); got != msg.MessageID {
		t.Errorf("Message-ID = %q; want %q", got, msg.MessageID)
	}
	if d, err := pm.Header.Date(); err != nil || !d.Equal(msg.Date) {
		t.Errorf("Date = %v (%v); want %v", d, err, msg.Date)
	}
	for _, h := range []struct {
		name string
		want []mail.Address
	}{{"From", []mail.Address{msg.From}}, {"To", msg.To}, {"Cc", msg.Cc}, {"Bcc", msg.Bcc}, {"Reply-To", msg.ReplyTo}} {
		if len(h.want) == 0 {
			if pm.Header.Get(h.name) != "" {
				t.Errorf("%s header present; want none", h.name)
			}
			continue
		}
		got, err := pm.Header.AddressList(h.name)
		if err != nil || len(got) != len(h.want) {
			t.Errorf("%s = %v (%v); want %v", h.name, got, err, h.want)
			continue
		}
		for i := range got {
			if got[i].Name != h.want[i].Name || got[i].Address != asciiAddress(h.want[i].Address) {
				t.Errorf("%s[%d] = %q <%s>; want %q <%s>", h.name, i, got[i].Name, got[i].Address, h.want[i].Name, asciiAddress(h.want[i].Address))
			}
		}
	}

	var texts, htmls []string
	var files []*multipart.Part
	var fileData [][]byte
	var walk func(ct string, body io.Reader, cte string, isFile bool)
	walk = func(ct string, body io.Reader, cte string, isFile bool) {
		mt, params, err := mime.ParseMediaType(ct)
		if err != nil {
			t.Fatalf("Content-Type %q: %v", ct, err)
		}
		if strings.HasPrefix(mt, "multipart/") {
			mr := multipart.NewReader(body, params["boundary"])
			for {
				p, err := mr.NextPart()
				if err == io.EOF {
					return
				}
				if err != nil {
					t.Fatalf("NextPart: %v", err)
				}
				walk(p.Header.Get("Content-Type"), p, p.Header.Get("Content-Transfer-Encoding"), p.FileName() != "")
				if p.FileName() != "" {
					files = append(files, p)
				}
			}
		}
		data, err := io.ReadAll(body)
		if err != nil {
			t.Fatalf("read part: %v", err)
		}
		if strings.EqualFold(cte, "quoted-printable") {
			// Only the top-level part reaches here still encoded.
			t.Fatalf("part left quoted-printable encoded")
		}
		if strings.EqualFold(cte, "base64") {
			data = decodeBase64(t, data)
		}
		switch {
		case isFile:
			fileData = append(fileData, data)
		case mt == "text/plain":
			texts = append(texts, strings.ReplaceAll(string(data), "\r\n", "\n"))
		case mt == "text/html":
			htmls = append(htmls, strings.ReplaceAll(string(data), "\r\n", "\n"))
		}
	}
	body := io.Reader(pm.Body)
	cte := pm.Header.Get("Content-Transfer-Encoding")
	if strings.EqualFold(cte, "quoted-printable") {
		body, cte = quotedPrintableReader(pm.Body), ""
	}
	walk(pm.Header.Get("Content-Type"), body, cte, false)

	if len(texts) != 1 || texts[0] != msg.Text {
		t.Errorf("text parts = %q; want [%q]", texts, msg.Text)
	}
	if msg.HTML == "" && len(htmls) != 0 || msg.HTML != "" && (len(htmls) != 1 || htmls[0] != msg.HTML) {
		t.Errorf("html parts = %q; want %q", htmls, msg.HTML)
	}
	if len(fileData) != len(msg.Attachments) {
		t.Fatalf("%d attachments in the message; want %d", len(fileData), len(msg.Attachments))
	}
	for i, a := range msg.Attachments {
		want, err := os.ReadFile(a.Path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(fileData[i], want) {
			t.Errorf("attachment %q differs from %s", a.Name, a.Path)
		}
		if files[i].FileName() != a.Name {
			t.Errorf("attachment file name = %q; want %q", files[i].FileName(), a.Name)
		}
	}
}
