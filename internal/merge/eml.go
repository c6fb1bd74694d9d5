package merge

import (
	"bufio"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"
	"time"
	"unicode/utf8"
)

// The MIME writer is our own (mime/multipart, mime/quotedprintable,
// mime.QEncoding) rather than github.com/wneessen/go-mail: go-mail draws
// random boundaries for nested multiparts (a fixed boundary only works for a
// single level), so a message with alternative parts and attachments could
// not be rendered to the same bytes twice, which golden files, the preview
// and the outbox all rely on. Writing it ourselves also keeps rendering free
// of go-mail's per-message allocations.
//
// The .eml written here includes the Bcc header, so that a person opening an
// outbox file sees every recipient; senders that submit these bytes through
// a transport must drop it (Graph takes recipients separately).

// headerLineLimit is the line length (RFC 5322's recommended 78) at which
// long headers are folded.
const headerLineLimit = 78

// WriteEML writes m as an RFC 5322 message with CRLF line endings: Date,
// From, To, Cc, Bcc, Reply-To, Subject (RFC 2047 when not ASCII),
// Message-ID, MIME-Version, then a text/plain part or a multipart/alternative
// of text and HTML, inside a multipart/mixed with base64 attachments when
// there are any. Bodies are quoted-printable. Boundaries derive from Key, so
// the same Message always gives the same bytes.
func (m *Message) WriteEML(w io.Writer) error {
	bw := bufio.NewWriterSize(w, 16<<10)
	hw := headerWriter{w: bw}
	hw.write("Date", m.Date.Format(time.RFC1123Z))
	hw.write("From", formatAddress(m.From))
	hw.addresses("To", m.To)
	hw.addresses("Cc", m.Cc)
	hw.addresses("Bcc", m.Bcc)
	hw.addresses("Reply-To", m.ReplyTo)
	hw.write("Subject", encodeHeaderText(m.Subject))
	if m.MessageID != "" {
		hw.write("Message-ID", m.MessageID)
	}
	hw.write("MIME-Version", "1.0")

	key := m.Key
	if key == "" {
		key = "0"
	}
	altBoundary, mixBoundary := "=_sm_alt_"+key, "=_sm_mix_"+key

	var err error
	if len(m.Attachments) == 0 {
		err = m.writeBody(bw, &hw, nil, altBoundary)
	} else {
		hw.write("Content-Type", `multipart/mixed; boundary="`+mixBoundary+`"`)
		bw.WriteString("\r\n")
		mw := multipart.NewWriter(bw)
		if err = mw.SetBoundary(mixBoundary); err != nil {
			return fmt.Errorf("write message: %w", err)
		}
		err = m.writeBody(bw, nil, mw, altBoundary)
		for i := range m.Attachments {
			if err != nil {
				break
			}
			err = writeAttachment(mw, &m.Attachments[i])
		}
		if err == nil {
			err = mw.Close()
		}
	}
	if err != nil {
		return fmt.Errorf("write message: %w", err)
	}
	if hw.err != nil {
		return fmt.Errorf("write message: %w", hw.err)
	}
	return bw.Flush()
}

// writeBody writes the text or text+HTML body either as the top-level body
// (hw set: its headers end the message header) or as a part of parent.
func (m *Message) writeBody(w io.Writer, hw *headerWriter, parent *multipart.Writer, altBoundary string) error {
	if m.HTML == "" {
		h := textproto.MIMEHeader{
			"Content-Type":              {"text/plain; charset=utf-8"},
			"Content-Transfer-Encoding": {bodyEncoding(m.Text)},
		}
		pw, err := openPart(w, hw, parent, h)
		if err != nil {
			return err
		}
		return writeText(pw, m.Text)
	}
	ct := `multipart/alternative; boundary="` + altBoundary + `"`
	if parent != nil {
		// multipart.Writer does not fold; keep the line short ourselves.
		ct = strings.Replace(ct, "; ", ";\r\n ", 1)
	}
	h := textproto.MIMEHeader{"Content-Type": {ct}}
	pw, err := openPart(w, hw, parent, h)
	if err != nil {
		return err
	}
	alt := multipart.NewWriter(pw)
	if err := alt.SetBoundary(altBoundary); err != nil {
		return err
	}
	for _, p := range []struct{ ct, body string }{
		{"text/plain; charset=utf-8", m.Text},
		{"text/html; charset=utf-8", m.HTML},
	} {
		part, err := alt.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {p.ct},
			"Content-Transfer-Encoding": {bodyEncoding(p.body)},
		})
		if err != nil {
			return err
		}
		if err := writeText(part, p.body); err != nil {
			return err
		}
	}
	return alt.Close()
}

// openPart starts a part: the rest of the message header when top-level,
// else a new part of parent.
func openPart(w io.Writer, hw *headerWriter, parent *multipart.Writer, h textproto.MIMEHeader) (io.Writer, error) {
	if parent != nil {
		return parent.CreatePart(h)
	}
	for _, k := range []string{"Content-Type", "Content-Transfer-Encoding"} {
		if v := h.Get(k); v != "" {
			hw.write(k, v)
		}
	}
	if hw.err != nil {
		return nil, hw.err
	}
	_, err := io.WriteString(w, "\r\n")
	return w, err
}

// bodyEncoding is quoted-printable, which keeps Latin text readable in the
// raw file, unless most of s is outside ASCII (CJK, Cyrillic…), where base64
// is about half the size.
func bodyEncoding(s string) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			n++
		}
	}
	if n*3 > len(s) {
		return "base64"
	}
	return "quoted-printable"
}

// writeText writes s with CRLF line endings in the encoding bodyEncoding
// chose.
func writeText(w io.Writer, s string) error {
	s = normalizeNewlines(s)
	if bodyEncoding(s) == "base64" {
		lw := &lineWrapper{w: w}
		enc := base64.NewEncoder(base64.StdEncoding, lw)
		if _, err := io.WriteString(enc, strings.ReplaceAll(s, "\n", "\r\n")); err != nil {
			return err
		}
		if err := enc.Close(); err != nil {
			return err
		}
		if lw.n > 0 {
			_, err := io.WriteString(w, "\r\n")
			return err
		}
		return nil
	}
	qp := quotedprintable.NewWriter(w)
	if _, err := io.WriteString(qp, normalizeNewlines(s)); err != nil {
		return err
	}
	return qp.Close()
}

func writeAttachment(mw *multipart.Writer, a *Attachment) error {
	f, _, err := openRegular(a.Path)
	if err != nil {
		return fmt.Errorf("attachment %q: %w", a.Name, err)
	}
	defer f.Close()
	ct, params, err := mime.ParseMediaType(a.ContentType)
	if err != nil {
		ct, params = "application/octet-stream", map[string]string{}
	}
	params["name"] = a.Name
	part, err := mw.CreatePart(textproto.MIMEHeader{
		"Content-Type":              {mime.FormatMediaType(ct, params)},
		"Content-Disposition":       {mime.FormatMediaType("attachment", map[string]string{"filename": a.Name})},
		"Content-Transfer-Encoding": {"base64"},
	})
	if err != nil {
		return err
	}
	lw := &lineWrapper{w: part}
	enc := base64.NewEncoder(base64.StdEncoding, lw)
	if _, err := io.Copy(enc, f); err != nil {
		return fmt.Errorf("attachment %q: %w", a.Name, err)
	}
	if err := enc.Close(); err != nil {
		return err
	}
	if lw.n > 0 {
		_, err = io.WriteString(part, "\r\n")
	}
	return err
}

// lineWrapper breaks base64 output into 76-character lines.
type lineWrapper struct {
	w io.Writer
	n int // characters on the current line
}

func (l *lineWrapper) Write(p []byte) (int, error) {
	written := 0
	for len(p) > 0 {
		chunk := min(len(p), 76-l.n)
		if _, err := l.w.Write(p[:chunk]); err != nil {
			return written, err
		}
		written += chunk
		l.n += chunk
		p = p[chunk:]
		if l.n == 76 {
			if _, err := io.WriteString(l.w, "\r\n"); err != nil {
				return written, err
			}
			l.n = 0
		}
	}
	return written, nil
}

// headerWriter writes folded header fields and remembers the first error.
type headerWriter struct {
	w   *bufio.Writer
	err error
}

// maxHeaderLine is RFC 5322's limit on a line, CRLF excluded.
const maxHeaderLine = 998

// write writes "Name: value" folded at spaces to stay within
// headerLineLimit where possible. A word that would make a line longer than
// maxHeaderLine is an error rather than a message servers may cut or
// refuse (values are encoded in foldable words before they get here).
func (h *headerWriter) write(name, value string) {
	if h.err != nil {
		return
	}
	if longestWord(value)+len(name)+2 > maxHeaderLine {
		h.err = fmt.Errorf("header %s: a line would be longer than %d characters", name, maxHeaderLine)
		return
	}
	line := len(name) + 1
	h.w.WriteString(name)
	h.w.WriteString(":")
	for i, word := range strings.Split(value, " ") {
		if i > 0 && line+1+len(word) > headerLineLimit && line > len(name)+1 {
			h.w.WriteString("\r\n")
			line = 0
		}
		h.w.WriteString(" ")
		h.w.WriteString(word)
		line += 1 + len(word)
	}
	_, h.err = h.w.WriteString("\r\n")
}

func (h *headerWriter) addresses(name string, list []mail.Address) {
	if len(list) == 0 {
		return
	}
	parts := make([]string, len(list))
	for i, a := range list {
		parts[i] = formatAddress(a)
	}
	h.write(name, strings.Join(parts, ", "))
}

// formatAddress formats a for a header: display name quoted or RFC 2047
// encoded, domain in punycode. A name that looks like an encoded word
// ("=?utf-8?q?…?=") is encoded itself, so that mail programs show the text
// the cell held instead of decoding it; so is a name with a run too long to
// fold.
func formatAddress(a mail.Address) string {
	a.Address = asciiAddress(a.Address)
	if a.Name != "" && (strings.Contains(a.Name, "=?") || longestWord(a.Name) > maxPlainWord) {
		return encodeWords(a.Name) + " <" + a.Address + ">"
	}
	return a.String()
}

// maxPlainWord is the longest run without a space written as is in a
// header; longer runs are encoded in words that can be folded, so that no
// line reaches RFC 5322's 998 characters.
const maxPlainWord = 200

func longestWord(s string) int {
	n := 0
	for _, w := range strings.Fields(s) {
		n = max(n, len(w))
	}
	return n
}

// encodeWords encodes s as RFC 2047 base64 words of at most 75 characters,
// separated by spaces (where headerWriter folds), never splitting a
// character. Unlike mime.BEncoding it always encodes, plain ASCII too.
func encodeWords(s string) string {
	const chunk = 45 // bytes per word: base64 makes 60, plus "=?utf-8?b??=" is 72
	var b strings.Builder
	for len(s) > 0 {
		n := min(len(s), chunk)
		for n < len(s) && n > 0 && !utf8.RuneStart(s[n]) {
			n--
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString("=?utf-8?b?")
		b.WriteString(base64.StdEncoding.EncodeToString([]byte(s[:n])))
		b.WriteString("?=")
		s = s[n:]
	}
	return b.String()
}

// encodeHeaderText encodes unstructured header text (the Subject) with
// RFC 2047 when it is not plain ASCII: base64 words when most of it is
// outside ASCII (CJK), quoted-printable words otherwise (accents), whichever
// reads better in raw form and stays shorter. Text holding "=?" (which a
// mail program would take for an encoded word and decode) or a run too long
// to fold is always encoded, so the recipient reads exactly the text.
func encodeHeaderText(s string) string {
	if strings.Contains(s, "=?") || longestWord(s) > maxPlainWord {
		return encodeWords(s)
	}
	nonASCII := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			nonASCII++
		}
	}
	if nonASCII == 0 {
		return s
	}
	if nonASCII*3 > len(s) {
		return mime.BEncoding.Encode("utf-8", s)
	}
	return mime.QEncoding.Encode("utf-8", s)
}
