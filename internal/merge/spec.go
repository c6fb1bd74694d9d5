package merge

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Format is the markup of a template body.
type Format string

// Body formats. The zero Format means FormatMarkdown.
const (
	FormatMarkdown Format = "markdown"
	FormatHTML     Format = "html"
	FormatText     Format = "text"
)

// ErrSpec is wrapped by every error ParseSpec returns for a malformed
// template file.
var ErrSpec = errors.New("invalid template file")

// SpecError is a located problem in a template file:
// `invite.tpl:3: unknown header "Subjet" (did you mean "Subject"?)`.
type SpecError struct {
	File string // name given to ParseSpec
	Line int    // 1-based; 0 when the problem concerns the whole file
	Msg  string
}

func (e *SpecError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// Unwrap returns ErrSpec.
func (e *SpecError) Unwrap() error { return ErrSpec }

// Spec is a template file (DESIGN.md §8): a header block, a blank line, then
// the body. Every header value and every attachment path is template text.
//
// A Spec built in code (not by ParseSpec) has no Lines; located errors then
// count lines within each field.
type Spec struct {
	From, To, Cc, Bcc, ReplyTo, Subject string   // raw template text of each header
	Attachments                         []string // each `Attachment:` line (repeatable), templated paths
	Format                              Format   // "" means FormatMarkdown
	// Language is the `Language:` header: the language of the day and month
	// names the date filter writes (see LookupDateLanguage). "" means the
	// user's language, Options.Language.
	Language string
	Body     string // LF line endings
	// Lists names the columns whose cells may hold several addresses
	// ("a@x.org, b@y.org" or with ";"): the `List:` header, column names
	// separated by commas (`List: Cc Emails, Team`). Any other column's
	// {{ }} in an address header gives one address (Options.Lists).
	Lists []string
	list  string // the List: header as read, split into Lists at the end

	// Name is the file name used in located errors ("invite.tpl").
	Name string
	// Lines maps a field ("From", "To", "Cc", "Bcc", "Reply-To", "Subject",
	// "Attachment 1"…, "Body") to the 1-based file line where its value
	// starts; for "Body", the body's first line. Nil for a Spec built in code.
	Lines map[string]int
	// cols maps a header field to the 1-based file column where its value
	// starts, so that a template error's column points into the file.
	cols map[string]int
}

// maxSpecSize bounds a template file; anything larger is not a hand-written
// template and is refused rather than read into memory.
const maxSpecSize = 8 << 20

// specHeaders are the known header names in file order, as String writes them.
var specHeaders = []string{"From", "To", "Cc", "Bcc", "Reply-To", "Subject", "Attachment", "Format", "Language", "List"}

// ParseSpec reads a template file. Header names are case-insensitive; a line
// starting with a space or a tab continues the previous header (folding);
// CRLF line endings and a UTF-8 byte order mark are accepted. To and Subject
// are required; the body may be empty (Validate warns). Errors are
// *SpecError values located by line and wrap ErrSpec.
func ParseSpec(r io.Reader, name string) (*Spec, error) { return parseSpec(r, name, false) }

// ParseDraft reads a template that is still being written (the window's
// Message step): as ParseSpec, except that To and Subject may be missing
// or empty. Validate then reports them as the row problems they are.
func ParseDraft(r io.Reader, name string) (*Spec, error) { return parseSpec(r, name, true) }

func parseSpec(r io.Reader, name string, draft bool) (*Spec, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxSpecSize+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if len(data) > maxSpecSize {
		return nil, &SpecError{File: name, Msg: fmt.Sprintf("file is larger than %d MB", maxSpecSize>>20)}
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	text := normalizeNewlines(string(data))

	s := &Spec{Name: name, Lines: map[string]int{}, cols: map[string]int{}}
	known := NewHeader(specHeaders)
	seen := map[string]int{}
	var (
		lastKey string // field of the previous header line, for continuations
		lineNo  int
		rest    = text
		hasBody bool
	)
	for rest != "" {
		var line string
		line, rest, hasBody = strings.Cut(rest, "\n")
		lineNo++
		if line == "" {
			break
		}
		if line[0] == ' ' || line[0] == '\t' {
			if lastKey == "" {
				return nil, &SpecError{File: name, Line: lineNo, Msg: "continuation line before any header"}
			}
			s.appendValue(lastKey, strings.TrimSpace(line))
			continue
		}
		key, value, ok := strings.Cut(line, ":")
		if !ok {
			return nil, &SpecError{File: name, Line: lineNo, Msg: fmt.Sprintf("expected \"Header: value\" or a blank line before the body, found %q", clip(line, 40))}
		}
		i, found := known.Lookup(strings.TrimSpace(key))
		if !found {
			msg := fmt.Sprintf("unknown header %q", strings.TrimSpace(key))
			if sug := known.Suggest(key); sug != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", sug)
			}
			return nil, &SpecError{File: name, Line: lineNo, Msg: msg}
		}
		canon := specHeaders[i]
		if canon != "Attachment" {
			if prev, dup := seen[canon]; dup {
				return nil, &SpecError{File: name, Line: lineNo, Msg: fmt.Sprintf("%s: appears twice (first on line %d)", canon, prev)}
			}
		}
		seen[canon] = lineNo
		field := canon
		if canon == "Attachment" {
			s.Attachments = append(s.Attachments, "")
			field = "Attachment " + strconv.Itoa(len(s.Attachments))
		}
		col := len(key) + 2 + len(value) - len(strings.TrimLeft(value, " \t"))
		s.Lines[field], s.cols[field] = lineNo, col
		s.appendValue(field, strings.TrimSpace(value))
		lastKey = field
	}
	if hasBody {
		s.Body = rest
		s.Lines["Body"] = lineNo + 1
	}

	switch f := Format(strings.ToLower(string(s.Format))); f {
	case "", "md":
		s.Format = FormatMarkdown
	case FormatMarkdown, FormatHTML:
		s.Format = f
	case FormatText, "plain":
		s.Format = FormatText
	default:
		return nil, &SpecError{File: name, Line: s.Lines["Format"], Msg: fmt.Sprintf("Format: %q is not markdown, html or text", string(s.Format))}
	}
	if s.Language != "" {
		if _, err := LookupDateLanguage(s.Language); err != nil {
			return nil, &SpecError{File: name, Line: s.Lines["Language"], Msg: "Language: " + strings.TrimPrefix(err.Error(), ErrLanguage.Error()+" ")}
		}
	}
	for _, name := range strings.Split(s.list, ",") {
		if name = strings.TrimSpace(name); name != "" {
			s.Lists = append(s.Lists, name)
		}
	}
	if _, ok := seen["List"]; ok && len(s.Lists) == 0 {
		return nil, &SpecError{File: name, Line: s.Lines["List"], Msg: "List: names no column (write the columns that hold several addresses, separated by commas)"}
	}
	if _, ok := seen["To"]; (!ok || s.To == "") && !draft {
		return nil, &SpecError{File: name, Line: seen["To"], Msg: "missing To: header (who receives each message)"}
	}
	if _, ok := seen["Subject"]; !ok && !draft {
		return nil, &SpecError{File: name, Msg: "missing Subject: header"}
	}
	for i, a := range s.Attachments {
		if a == "" {
			f := "Attachment " + strconv.Itoa(i+1)
			return nil, &SpecError{File: name, Line: s.Lines[f], Msg: "Attachment: is empty"}
		}
	}
	return s, nil
}

// appendValue adds v to field, joining continuation lines with a space.
func (s *Spec) appendValue(field, v string) {
	p := s.fieldPtr(field)
	if p == nil {
		return
	}
	if *p != "" && v != "" {
		*p += " "
	}
	*p += v
}

func (s *Spec) fieldPtr(field string) *string {
	switch field {
	case "From":
		return &s.From
	case "To":
		return &s.To
	case "Cc":
		return &s.Cc
	case "Bcc":
		return &s.Bcc
	case "Reply-To":
		return &s.ReplyTo
	case "Subject":
		return &s.Subject
	case "Format":
		return (*string)(&s.Format)
	case "Language":
		return &s.Language
	case "List":
		return &s.list
	}
	if n, ok := strings.CutPrefix(field, "Attachment "); ok {
		i, err := strconv.Atoi(n)
		if err == nil && i >= 1 && i <= len(s.Attachments) {
			return &s.Attachments[i-1]
		}
	}
	return nil
}

// String serializes s in the template file format; ParseSpec of the result
// gives back the same fields.
func (s *Spec) String() string {
	var b strings.Builder
	w := bufio.NewWriter(&b)
	head := func(k, v string) {
		if v != "" {
			fmt.Fprintf(w, "%s: %s\n", k, v)
		}
	}
	head("From", s.From)
	head("To", s.To)
	head("Cc", s.Cc)
	head("Bcc", s.Bcc)
	head("Reply-To", s.ReplyTo)
	fmt.Fprintf(w, "Subject: %s\n", s.Subject)
	for _, a := range s.Attachments {
		head("Attachment", a)
	}
	head("Format", string(s.Format))
	head("Language", s.Language)
	head("List", strings.Join(s.Lists, ", "))
	w.WriteString("\n")
	w.WriteString(s.Body)
	w.Flush()
	return b.String()
}

// fieldPos returns the file line and column where field's value starts, or
// 0, 0 when unknown.
func (s *Spec) fieldPos(field string) (line, col int) {
	return s.Lines[field], s.cols[field]
}

// normalizeNewlines turns CRLF and lone CR into LF.
func normalizeNewlines(s string) string {
	if !strings.Contains(s, "\r") {
		return s
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\r", "\n")
}

// clip shortens s to n runes for messages.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
