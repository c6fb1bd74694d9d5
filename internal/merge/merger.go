package merge

import (
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
)

// Options configures a Merger. The zero value is usable except that a
// sender must come from the Spec or DefaultFrom.
type Options struct {
	// DefaultFrom is the sender when the Spec has no From: the signed-in
	// mailbox or the setting. With neither, NewMerger fails with ErrNoSender.
	DefaultFrom string
	// AttachDir is the folder relative attachment paths are resolved in
	// ("" means the current directory). Paths rendered from data must stay
	// inside it, symbolic links included; a static path written in the
	// template itself may be absolute and point anywhere.
	AttachDir string
	// Footer is appended to every message; nil means none (licensed).
	Footer *Footer
	// CampaignID goes into each message's Key.
	CampaignID string
	// Now gives the Date of each message; nil means time.Now.
	Now func() time.Time
	// Suppressed reports whether an address must not receive mail, and why;
	// nil means no address is suppressed. It is called concurrently.
	Suppressed func(addr string) (reason string, ok bool)
	// MaxRecipients is the most To+Cc+Bcc addresses one message may have;
	// 0 means 500 (Exchange Online's limit).
	MaxRecipients int
	// Language is the user's language (a BCP 47 tag such as "fr" or
	// "pt-BR"), for the day and month names of the date filter when the
	// template has no Language: header. "" or a language the date filter
	// does not write (see DateLanguages) means English.
	Language string
	// Lists names the columns whose cells may hold several addresses
	// separated by "," or ";" (the window's "list" column role), in
	// addition to the template's List: header (Spec.Lists). A {{ }} of any
	// other column in From, To, Cc, Bcc or Reply-To gives exactly one
	// address or one display name: a cell holding more is an error for its
	// row (ErrSeveralAddresses), so that data can never add a recipient the
	// user did not intend. Nil means only the template's declarations.
	Lists []string
}

// maxSubjectRunes is the longest subject accepted, in characters.
const maxSubjectRunes = 255

// FieldError is a template field that cannot be compiled or bound, located
// in the template file. Err is a *SyntaxError, an *UnknownColumnError, or
// wraps ErrAttachmentMissing or ErrNoSender.
type FieldError struct {
	File      string // template file name, "" for a Spec built in code
	Field     string // "To", "Subject", "Body", "Attachment 2"…
	Line, Col int    // 1-based position in the file (or in the field), 0 if unknown
	Err       error
}

func (e *FieldError) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteString(":")
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, "%d:", e.Line)
		if e.Col > 0 {
			fmt.Fprintf(&b, "%d:", e.Col)
		}
	}
	if b.Len() > 0 {
		b.WriteString(" ")
	}
	b.WriteString(e.Field)
	b.WriteString(": ")
	b.WriteString(describeTemplateError(e.Err))
	return b.String()
}

func (e *FieldError) Unwrap() error { return e.Err }

// describeTemplateError is err's message without the position the
// FieldError already gives.
func describeTemplateError(err error) string {
	var se *SyntaxError
	var ue *UnknownColumnError
	switch {
	case errors.As(err, &se):
		return se.Msg
	case errors.As(err, &ue):
		if ue.Suggestion != "" {
			return fmt.Sprintf("unknown column %q (did you mean %q?)", ue.Name, ue.Suggestion)
		}
		return fmt.Sprintf("unknown column %q", ue.Name)
	}
	return err.Error()
}

// RowError is one row that cannot become a message: "row 7, Subject:
// contains a line break". Err wraps one of the row-level sentinels
// (ErrInvalidAddress, ErrHeaderInjection, …). The other rows go on.
type RowError struct {
	Line  int    // row number the user sees
	Field string // "To", "Subject", "Attachment 1"… ("" for the whole message)
	Err   error
}

func (e *RowError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("row %d: %v", e.Line, e.Err)
	}
	return fmt.Sprintf("row %d, %s: %v", e.Line, e.Field, e.Err)
}

func (e *RowError) Unwrap() error { return e.Err }

// field is one compiled header template.
type field struct {
	name string
	t    *Template // nil when the header is absent
}

func (f field) render(buf []byte, row []string) ([]byte, string, error) {
	if f.t == nil {
		return buf, "", nil
	}
	out, err := f.t.Render(buf[:0], row, false)
	if err != nil {
		return out, "", err
	}
	return out, strings.TrimSpace(string(out)), nil
}

// attachField is one Attachment: line, resolved once when static.
type attachField struct {
	name   string // "Attachment 1"
	t      *Template
	static *Attachment
}

// emptyRef is a printed column reference with no default, whose empty value
// deserves a warning.
type emptyRef struct {
	Field             string
	Name              string
	Column            int
	TemplLine, TemplC int
}

// Merger renders the messages of one template for rows of one Header. It is
// built once (compiling and binding every field) and is then safe for
// concurrent Render.
type Merger struct {
	spec    *Spec
	header  *Header
	opt     Options
	now     func() time.Time
	max     int
	dir     attachDir
	from    field
	fixed   *mail.Address // sender when the Spec has no From
	headers []field       // To, Cc, Bcc, Reply-To, Subject
	attach  []attachField
	html    *Template // nil for FormatText
	text    *Template
	wrap    bool // wrap the rendered HTML in a minimal document
	refs    []emptyRef
	links   []Ref        // columns that start a link address in the HTML body
	lists   map[int]bool // columns declared lists of addresses
	bufs    sync.Pool
	pieces  sync.Pool
}

const (
	hTo = iota
	hCc
	hBcc
	hReplyTo
	hSubject
)

// NewMerger compiles every field of spec and binds it to h. Template
// problems come back together as errors.Join of *FieldError located in the
// file; a missing sender is a *FieldError wrapping ErrNoSender.
func NewMerger(spec *Spec, h *Header, opt Options) (*Merger, error) {
	m := &Merger{spec: spec, header: h, opt: opt, now: opt.Now, max: opt.MaxRecipients}
	if m.now == nil {
		m.now = time.Now
	}
	if m.max <= 0 {
		m.max = 500
	}
	m.bufs.New = func() any { b := make([]byte, 0, 4096); return &b }
	m.pieces.New = func() any { p := make([]addrPiece, 0, 16); return &p }
	var errs []error
	fail := func(fieldName string, tplLine, tplCol int, err error) {
		fe := &FieldError{File: spec.Name, Field: fieldName, Err: err}
		fe.Line, fe.Col = m.filePos(fieldName, tplLine, tplCol)
		errs = append(errs, fe)
	}
	lang := spec.Language
	if lang == "" {
		var err error
		if lang, err = LookupDateLanguage(opt.Language); err != nil {
			lang = "en"
		}
	} else if _, err := LookupDateLanguage(lang); err != nil {
		fail("Language", 0, 0, err)
		lang = "en"
	}
	compile := func(name, src string) *Template {
		t, err := Compile(src)
		if err != nil {
			var se *SyntaxError
			if errors.As(err, &se) {
				fail(name, se.Line, se.Col, err)
			} else {
				fail(name, 0, 0, err)
			}
			return nil
		}
		if err := t.Bind(h); err != nil {
			for _, e := range unjoin(err) {
				var ue *UnknownColumnError
				if errors.As(e, &ue) {
					fail(name, ue.Line, ue.Col, e)
				} else {
					fail(name, 0, 0, e)
				}
			}
			return nil
		}
		m.addRefs(name, t)
		t.SetLanguage(lang) // checked below
		return t
	}

	for _, name := range append(append([]string(nil), spec.Lists...), opt.Lists...) {
		i, ok := h.Lookup(name)
		if !ok {
			fail("List", 0, 0, &UnknownColumnError{Name: name, Suggestion: h.Suggest(name)})
			continue
		}
		if m.lists == nil {
			m.lists = map[int]bool{}
		}
		m.lists[i] = true
	}

	var err error
	if m.dir, err = newAttachDir(opt.AttachDir); err != nil {
		return nil, err
	}
	if strings.TrimSpace(spec.From) != "" {
		m.from = field{name: "From", t: compile("From", spec.From)}
	} else if strings.TrimSpace(opt.DefaultFrom) != "" {
		a, err := ParseAddress(opt.DefaultFrom)
		if err != nil {
			fail("From", 0, 0, fmt.Errorf("default sender: %w", err))
		} else {
			m.fixed = &a
		}
	} else {
		fail("From", 0, 0, ErrNoSender)
	}
	for _, hd := range []struct{ name, src string }{
		{"To", spec.To}, {"Cc", spec.Cc}, {"Bcc", spec.Bcc}, {"Reply-To", spec.ReplyTo}, {"Subject", spec.Subject},
	} {
		f := field{name: hd.name}
		if hd.src != "" {
			f.t = compile(hd.name, hd.src)
		}
		m.headers = append(m.headers, f)
	}
	for i, src := range spec.Attachments {
		name := "Attachment " + strconv.Itoa(i+1)
		af := attachField{name: name, t: compile(name, src)}
		if af.t != nil && af.t.IsStatic() {
			a, err := m.dir.resolveStatic(src)
			if err != nil {
				fail(name, 0, 0, err)
			}
			af.static = &a
		}
		m.attach = append(m.attach, af)
	}

	body := compile("Body", spec.Body)
	if body != nil {
		switch spec.Format {
		case FormatText:
			m.text = body
		case FormatHTML:
			m.html = body
			m.wrap = !hasHTMLDocument(spec.Body)
			m.text = m.derived("Body", htmlTextTemplate(spec.Body), &errs)
		default: // "" and FormatMarkdown
			hs, ts, err := markdownTemplates(spec.Body)
			if err != nil {
				var se *SyntaxError
				if errors.As(err, &se) {
					fail("Body", se.Line, se.Col, err)
				} else {
					fail("Body", 0, 0, err)
				}
				break
			}
			m.wrap = true
			m.html = m.derived("Body", hs, &errs)
			m.text = m.derived("Body", ts, &errs)
		}
	}
	if m.html != nil {
		m.html, m.links = m.safeLinks(m.html, &errs)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return m, nil
}

// derived compiles a template generated from the body (the HTML of a
// Markdown body, a text part). The body itself compiled, so a failure here
// is our bug or an exotic construct split by Markdown; it is reported
// against the body without position.
func (m *Merger) derived(name, src string, errs *[]error) *Template {
	t, err := Compile(src)
	if err == nil {
		err = t.Bind(m.header)
	}
	if err != nil {
		*errs = append(*errs, &FieldError{File: m.spec.Name, Field: name, Line: m.spec.Lines["Body"],
			Err: fmt.Errorf("the body cannot be converted (put block tags such as {%% if %%} on lines of their own): %w", err)})
		return nil
	}
	return t
}

// filePos maps a position inside a field's template to the file.
func (m *Merger) filePos(fieldName string, line, col int) (int, int) {
	fl, fc := m.spec.fieldPos(fieldName)
	if fl == 0 || line == 0 {
		if fl != 0 {
			return fl, 0
		}
		return line, col
	}
	if line == 1 && fc > 0 {
		return fl, fc + col - 1
	}
	return fl + line - 1, col
}

func (m *Merger) addRefs(fieldName string, t *Template) {
	for _, r := range t.Refs() {
		if !r.Output || r.HasDefault || r.Guarded || r.Column < 0 {
			continue
		}
		l, c := m.filePos(fieldName, r.Line, r.Col)
		m.refs = append(m.refs, emptyRef{Field: fieldName, Name: r.Name, Column: r.Column, TemplLine: l, TemplC: c})
	}
}

// columnName names column i for row errors.
func (m *Merger) columnName(i int) string {
	if i >= 0 && i < len(m.header.columns) {
		return m.header.columns[i]
	}
	return fmt.Sprintf("column %d", i+1)
}

// isList reports whether column i is declared a list of addresses.
func (m *Merger) isList(i int) bool { return m.lists[i] }

// checkHeaderText refuses what must never reach a header: a line break
// (ErrHeaderInjection) or any other control character (ErrControlCharacter:
// NUL, VT, FF, ESC, DEL, the C1 range…), tab excepted.
func checkHeaderText(s string) error {
	if strings.ContainsAny(s, "\r\n") {
		return ErrHeaderInjection
	}
	for i, r := range s {
		if r != '\t' && unicode.IsControl(r) {
			return fmt.Errorf("%w (U+%04X at byte %d)", ErrControlCharacter, r, i)
		}
	}
	return nil
}

// Header returns the Header the Merger was bound to.
func (m *Merger) Header() *Header { return m.header }

// Spec returns the template file the Merger renders.
func (m *Merger) Spec() *Spec { return m.spec }

// unjoin flattens errors.Join trees.
func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, unjoin(e)...)
		}
		return out
	}
	return []error{err}
}

var htmlDocRE = regexp.MustCompile(`(?i)<html[\s>]`)

func hasHTMLDocument(s string) bool { return htmlDocRE.MatchString(s) }

// outcome is everything rendering one row produced, including what
// validation needs beyond the Message.
type outcome struct {
	msg        *Message
	err        error      // RowError or errors.Join of them
	suppressed string     // reason, when a recipient is suppressed
	empties    []emptyRef // printed references whose cell was empty
}

// Render renders row (the index-th data row, shown to users as line) into a
// message. A row that cannot be sent gives a *RowError (or errors.Join of
// several) wrapping the sentinels of this package; a row with a suppressed
// recipient gives a *RowError wrapping ErrSuppressed.
func (m *Merger) Render(index, line int, row []string) (*Message, error) {
	o := m.render(index, line, row)
	if o.err != nil {
		return nil, o.err
	}
	if o.suppressed != "" {
		return nil, &RowError{Line: line, Err: fmt.Errorf("%w: %s", ErrSuppressed, o.suppressed)}
	}
	return o.msg, nil
}

func (m *Merger) render(index, line int, row []string) outcome {
	bp := m.bufs.Get().(*[]byte)
	buf := *bp
	defer func() { *bp = buf[:0]; m.bufs.Put(bp) }()

	var o outcome
	var errs []error
	rowErr := func(f string, err error) { errs = append(errs, &RowError{Line: line, Field: f, Err: err}) }
	for _, r := range m.refs {
		if r.Column < len(row) && strings.TrimSpace(row[r.Column]) != "" {
			continue
		}
		o.empties = append(o.empties, r)
	}

	msg := &Message{Index: index, Line: line}
	var err error
	var s string
	// Headers: a line break is injection whatever the field, and no other
	// control character belongs in one either.
	hdr := func(f field) (string, bool) {
		buf, s, err = f.render(buf, row)
		if err != nil {
			rowErr(f.name, err)
			return "", false
		}
		if err := checkHeaderText(s); err != nil {
			rowErr(f.name, err)
			return "", false
		}
		return s, true
	}
	pp := m.pieces.Get().(*[]addrPiece)
	defer func() { clear(*pp); *pp = (*pp)[:0]; m.pieces.Put(pp) }()
	addrs := func(f field) ([]mail.Address, bool) {
		if f.t == nil {
			return nil, true
		}
		if _, ok := hdr(f); !ok {
			return nil, false
		}
		*pp = f.t.renderPieces((*pp)[:0], row)
		list, err := parseAddressPieces(*pp, m.columnName, m.isList)
		if err != nil {
			rowErr(f.name, err)
			return nil, false
		}
		return list, true
	}
	if m.fixed != nil {
		msg.From = *m.fixed
	} else if list, ok := addrs(m.from); ok {
		if len(list) != 1 {
			rowErr("From", fmt.Errorf("%w: From needs exactly one address, got %q", ErrInvalidAddress, strings.TrimSpace(string(buf))))
		} else {
			msg.From = list[0]
		}
	}
	lists := []*[]mail.Address{&msg.To, &msg.Cc, &msg.Bcc, &msg.ReplyTo}
	for i, f := range m.headers {
		if i != hSubject {
			if list, ok := addrs(f); ok {
				*lists[i] = list
			}
			continue
		}
		s, ok := hdr(f)
		if !ok {
			continue
		}
		if n := utf8.RuneCountInString(s); n > maxSubjectRunes {
			rowErr(f.name, fmt.Errorf("%w: %d characters (at most %d)", ErrSubjectTooLong, n, maxSubjectRunes))
		}
		msg.Subject = s
	}
	n := len(msg.To) + len(msg.Cc) + len(msg.Bcc)
	if n == 0 && len(errs) == 0 {
		rowErr("To", ErrNoRecipient)
	}
	if n > m.max {
		rowErr("", fmt.Errorf("%w: %d in one message (at most %d)", ErrTooManyRecipients, n, m.max))
	}

	for _, af := range m.attach {
		if af.static != nil {
			msg.Attachments = append(msg.Attachments, *af.static)
			continue
		}
		var p string
		buf, p, err = field{name: af.name, t: af.t}.render(buf, row)
		if err != nil {
			rowErr(af.name, err)
			continue
		}
		if p == "" {
			continue // an empty path means no attachment for this row
		}
		a, err := m.dir.resolveData(p)
		if err != nil {
			rowErr(af.name, err)
			continue
		}
		msg.Attachments = append(msg.Attachments, a)
	}

	if len(errs) > 0 {
		o.err = errs[0]
		if len(errs) > 1 {
			o.err = errors.Join(errs...)
		}
		return o
	}

	if m.html != nil {
		if buf, err = m.html.Render(buf[:0], row, true); err != nil {
			o.err = &RowError{Line: line, Field: "Body", Err: err}
			return o
		}
		h := string(buf)
		if m.wrap {
			h = "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n</head>\n<body>\n" + h + "\n</body>\n</html>\n"
		}
		msg.HTML = m.opt.Footer.appendHTML(h)
	}
	if buf, err = m.text.Render(buf[:0], row, false); err != nil {
		o.err = &RowError{Line: line, Field: "Body", Err: err}
		return o
	}
	text := string(buf)
	if m.html != nil {
		text = tidyText(text)
	}
	msg.Text = m.opt.Footer.appendText(text)

	msg.Date = m.now()
	msg.Key = messageKey(m.opt.CampaignID, index, msg.To)
	domain := "securemerge.invalid"
	if at := strings.LastIndexByte(msg.From.Address, '@'); at >= 0 {
		domain = normalAddress(msg.From.Address[at+1:])
	}
	msg.MessageID = "<sm." + msg.Key + "@" + domain + ">"
	o.msg = msg

	if m.opt.Suppressed != nil {
		for _, a := range msg.Recipients() {
			if reason, ok := m.opt.Suppressed(a.Address); ok {
				o.suppressed = a.Address + ": " + reason
				break
			}
		}
	}
	return o
}

var blankLinesRE = regexp.MustCompile(`\n[ \t]*\n(?:[ \t]*\n)+`)

// tidyText collapses the blank lines left by false conditions in a derived
// text part.
func tidyText(s string) string {
	if strings.Contains(s, "\n\n\n") || strings.Contains(s, "\n \n") {
		s = blankLinesRE.ReplaceAllString(s, "\n\n")
	}
	return strings.TrimLeft(s, "\n")
}
