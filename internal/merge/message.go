package merge

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/mail"
	"strconv"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Message is one recipient's rendered message, exactly as it will be sent.
// A Message is not modified after Render returns it and may be shared
// between goroutines.
type Message struct {
	Index, Line int // 0-based data row; row number the user sees
	// Key identifies the message in the mailbox later: the first 32 hex
	// characters of a SHA-256 over (campaign, row index, lower-cased To
	// addresses). Stable across re-runs of the same campaign and data.
	Key string
	// MessageID is "<sm.KEY@DOMAIN>", DOMAIN being the From address's.
	MessageID string
	Date      time.Time
	From      mail.Address
	To        []mail.Address
	Cc        []mail.Address
	Bcc       []mail.Address
	ReplyTo   []mail.Address
	Subject   string
	// Text is the plain-text body; HTML is "" for FormatText. The footer,
	// when set, is already appended to both.
	Text, HTML  string
	Attachments []Attachment
}

// Attachment is a file attached to a message. Path is absolute and has been
// checked to exist and be readable when the message was rendered; WriteEML
// reads it.
type Attachment struct {
	Name        string // file name shown to the recipient
	Path        string
	ContentType string
	Size        int64
}

// Recipients returns To, Cc and Bcc in that order.
func (m *Message) Recipients() []mail.Address {
	out := make([]mail.Address, 0, len(m.To)+len(m.Cc)+len(m.Bcc))
	out = append(out, m.To...)
	out = append(out, m.Cc...)
	return append(out, m.Bcc...)
}

// messageKey is the Key of a message: see Message.Key.
func messageKey(campaign string, index int, to []mail.Address) string {
	h := sha256.New()
	h.Write([]byte(campaign))
	h.Write([]byte{0})
	h.Write([]byte(strconv.Itoa(index)))
	for _, a := range to {
		h.Write([]byte{0})
		h.Write([]byte(normalAddress(a.Address)))
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// maxFileNameAddress bounds the address part of a file name; with the row
// number and extension the name stays far below every OS's 255-byte limit.
const maxFileNameAddress = 80

// FileName returns the message's stable, readable outbox file name:
// "00042-jane.doe@example.com.eml": the row index + 1, zero-padded to 5
// digits, then the first recipient's address with every character that
// Windows, macOS or Linux refuses in a file name replaced by "_".
func (m *Message) FileName() string {
	var addr string
	if r := m.Recipients(); len(r) > 0 {
		addr = r[0].Address
	}
	name := sanitizeFileName(addr)
	if name == "" {
		return fmt.Sprintf("%05d.eml", m.Index+1)
	}
	return fmt.Sprintf("%05d-%s.eml", m.Index+1, name)
}

func sanitizeFileName(s string) string {
	s = norm.NFC.String(strings.ToLower(s))
	var b strings.Builder
	n := 0
	for _, r := range s {
		if n >= maxFileNameAddress {
			break
		}
		switch {
		case r < 0x80 && (r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || strings.ContainsRune(".@-_+", r)):
			b.WriteRune(r)
		case r >= 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
		n++
	}
	return strings.Trim(b.String(), ". ")
}
