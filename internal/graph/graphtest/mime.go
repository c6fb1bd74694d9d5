package graphtest

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/http"
	"net/mail"
	"net/textproto"
	"strings"

	"golang.org/x/text/encoding/htmlindex"
)

// Bounds of the MIME walk, so that hostile input cannot make it hang.
const (
	maxMIMEDepth = 16
	maxMIMEParts = 500
)

func sha256Hex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// decodeMIMEBody decodes the base64 body of a "send mail in MIME format"
// request. Line breaks and spaces between base64 lines are tolerated.
func decodeMIMEBody(body []byte) ([]byte, *graphError) {
	clean := bytes.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\r', '\n':
			return -1
		}
		return r
	}, body)
	if len(clean) == 0 {
		return nil, errf(http.StatusBadRequest, "ErrorMimeContentInvalidBase64String", "Invalid base64 string for MIME content.")
	}
	raw, err := base64.StdEncoding.DecodeString(string(clean))
	if err != nil {
		return nil, errf(http.StatusBadRequest, "ErrorMimeContentInvalidBase64String", "Invalid base64 string for MIME content.")
	}
	return raw, nil
}

func errMIME(format string, args ...any) *graphError {
	return errf(http.StatusBadRequest, "ErrorMimeContentInvalid", "The MIME content is not valid: "+format, args...)
}

var wordDecoder = &mime.WordDecoder{CharsetReader: charsetReader}

func charsetReader(charset string, input io.Reader) (io.Reader, error) {
	enc, err := htmlindex.Get(charset)
	if err != nil {
		return nil, fmt.Errorf("unknown charset %q", charset)
	}
	return enc.NewDecoder().Reader(input), nil
}

func decodeWords(s string) string {
	d, err := wordDecoder.DecodeHeader(s)
	if err != nil {
		return s
	}
	return d
}

// parseMIMEMessage turns an RFC 5322 message into a message, decoding
// RFC 2047 headers, transfer encodings and charsets, and describing the
// attachments.
func parseMIMEMessage(raw []byte) (*message, *graphError) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return nil, errMIME("%v", err)
	}
	m := &message{mime: raw, importance: "normal", bodyType: "text"}
	m.subject = decodeWords(msg.Header.Get("Subject"))
	ap := mail.AddressParser{WordDecoder: wordDecoder}
	for _, f := range []struct {
		name string
		dst  *[]recipient
	}{{"To", &m.to}, {"Cc", &m.cc}, {"Bcc", &m.bcc}, {"Reply-To", &m.replyTo}} {
		v := msg.Header.Get(f.name)
		if strings.TrimSpace(v) == "" {
			continue
		}
		list, err := ap.ParseList(v)
		if err != nil {
			return nil, errf(http.StatusBadRequest, "ErrorInvalidRecipients", "At least one recipient is not valid., The %s header cannot be parsed: %v", f.name, err)
		}
		for _, a := range list {
			*f.dst = append(*f.dst, recipient{Name: a.Name, Address: a.Address})
		}
	}
	if id := strings.TrimSpace(msg.Header.Get("Message-Id")); id != "" {
		if !validMessageID(id) {
			return nil, errMIME("the Message-ID %q must look like <local@domain>", id)
		}
		m.internetMessageID = id
	}
	switch strings.ToLower(strings.TrimSpace(msg.Header.Get("Importance"))) {
	case "high", "low":
		m.importance = strings.ToLower(strings.TrimSpace(msg.Header.Get("Importance")))
	}
	for k, vs := range msg.Header {
		if len(k) > 2 && strings.EqualFold(k[:2], "x-") && len(vs) > 0 {
			m.headers = append(m.headers, header{Name: k, Value: decodeWords(vs[0])})
		}
	}
	w := &mimeWalk{}
	if err := w.part(textproto.MIMEHeader(msg.Header), msg.Body, 0); err != nil {
		return nil, errMIME("%v", err)
	}
	switch {
	case w.html != nil:
		m.bodyType, m.body = "html", *w.html
	case w.text != nil:
		m.bodyType, m.body = "text", *w.text
	}
	m.attachments = w.attachments
	return m, nil
}

type mimeWalk struct {
	parts       int
	html, text  *string
	attachments []*attachment
}

func (w *mimeWalk) part(h textproto.MIMEHeader, body io.Reader, depth int) error {
	w.parts++
	if w.parts > maxMIMEParts {
		return fmt.Errorf("more than %d MIME parts", maxMIMEParts)
	}
	if depth > maxMIMEDepth {
		return fmt.Errorf("MIME parts nested deeper than %d levels", maxMIMEDepth)
	}
	ctype, params := "text/plain", map[string]string{"charset": "us-ascii"}
	if v := h.Get("Content-Type"); v != "" {
		t, p, err := mime.ParseMediaType(v)
		if err != nil && !errors.Is(err, mime.ErrInvalidMediaParameter) {
			return fmt.Errorf("Content-Type %q: %v", v, err)
		}
		ctype, params = t, p
	}
	if strings.HasPrefix(ctype, "multipart/") {
		boundary := params["boundary"]
		if boundary == "" {
			return fmt.Errorf("%s part without a boundary", ctype)
		}
		mr := multipart.NewReader(body, boundary)
		for {
			p, err := mr.NextPart() // decodes quoted-printable itself
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return fmt.Errorf("%s: %v", ctype, err)
			}
			if err := w.part(p.Header, p, depth+1); err != nil {
				return err
			}
		}
	}
	var r io.Reader = body
	switch strings.ToLower(strings.TrimSpace(h.Get("Content-Transfer-Encoding"))) {
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, body) // skips CR and LF
	case "quoted-printable":
		r = quotedprintable.NewReader(body)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return fmt.Errorf("%s part: %v", ctype, err)
	}
	disp, dparams, _ := mime.ParseMediaType(h.Get("Content-Disposition"))
	name := dparams["filename"]
	if name == "" {
		name = params["name"]
	}
	name = decodeWords(name)
	isBody := disp != "attachment" && name == "" && (ctype == "text/html" || ctype == "text/plain")
	if isBody {
		text := decodeCharset(data, params["charset"])
		if ctype == "text/html" && w.html == nil {
			w.html = &text
		} else if ctype == "text/plain" && w.text == nil {
			w.text = &text
		}
		return nil
	}
	if name == "" {
		name = "attachment"
	}
	w.attachments = append(w.attachments, &attachment{
		id:   fmt.Sprintf("AAMkMime%03d%s", len(w.attachments), randomID("", 12)),
		name: name, contentType: ctype, size: len(data), sha256: sha256Hex(data),
		isInline: disp == "inline", contentID: strings.Trim(h.Get("Content-Id"), "<>"),
	})
	return nil
}

// decodeCharset converts data from charset to UTF-8; unknown charsets and
// ASCII/UTF-8 are returned as they are.
func decodeCharset(data []byte, charset string) string {
	switch strings.ToLower(charset) {
	case "", "utf-8", "utf8", "us-ascii", "ascii":
		return string(data)
	}
	enc, err := htmlindex.Get(charset)
	if err != nil {
		return string(data)
	}
	out, err := enc.NewDecoder().Bytes(data)
	if err != nil {
		return string(data)
	}
	return string(out)
}
