package merge

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Severity says whether a Problem stops a send.
type Severity int

const (
	// Warning is listed but does not stop a send.
	Warning Severity = iota + 1
	// Error stops a send.
	Error
)

func (s Severity) String() string {
	switch s {
	case Warning:
		return "warning"
	case Error:
		return "error"
	}
	return fmt.Sprintf("Severity(%d)", int(s))
}

// Problem codes, stable for scripts (`check --json`) and translations.
const (
	CodeSyntax            = "syntax"
	CodeUnknownColumn     = "unknown-column"
	CodeNoSender          = "no-sender"
	CodeEmptyBody         = "empty-body"
	CodeEmptyValue        = "empty-value"
	CodeInvalidAddress    = "invalid-address"
	CodeHeaderInjection   = "header-injection"
	CodeControlCharacter  = "control-character"
	CodeSeveralAddresses  = "several-addresses"
	CodeSeveralRecipients = "several-recipients"
	CodeAttachmentEscapes = "attachment-escapes"
	CodeAttachmentMissing = "attachment-missing"
	CodeTooManyRecipients = "too-many-recipients"
	CodeSubjectTooLong    = "subject-too-long"
	CodeNoRecipient       = "no-recipient"
	CodeDuplicate         = "duplicate"
	CodeSuppressed        = "suppressed"
	CodeLinkFromCell      = "link-from-cell"
	CodeUnsafeLink        = "unsafe-link"
	CodeOther             = "other"
)

// Problem is one thing validation found.
type Problem struct {
	Severity Severity
	// Line is the data row the problem is in, as users number rows; 0 for
	// a problem of the template itself.
	Line  int
	Field string // "To", "Subject", "Body", "Attachment 1"…; "" for the whole message
	// TemplateLine and TemplateCol locate the template text involved, when
	// known (1-based file positions; 0 when unknown).
	TemplateLine, TemplateCol int
	Code                      string // one of the Code… constants
	Msg                       string // for people, in English; does not repeat Line or Field
	// Args are the values Msg is made of, by name ("column", "row",
	// "address", "count"), so a front end can write the problem in its own
	// language from Code and Args. Nil when the problem has none.
	Args map[string]string `json:",omitempty"`
}

// Report is the outcome of Validate.
type Report struct {
	Problems   []Problem
	Rows       int // data rows read
	Messages   int // messages that would be sent
	Recipients int // To+Cc+Bcc over those messages
	Skipped    int // rows deliberately not sent (duplicates, suppressed)
	// Addresses is how many different addresses Recipients are (compared
	// lower-cased with the domain in punycode): the people who would get
	// mail. Rows whose message goes to more than one address are listed as
	// CodeSeveralRecipients warnings.
	Addresses int
}

// Errors returns the problems that stop a send.
func (r *Report) Errors() []Problem { return r.filter(Error) }

// Warnings returns the problems that do not stop a send.
func (r *Report) Warnings() []Problem { return r.filter(Warning) }

// HasErrors reports whether any problem stops a send.
func (r *Report) HasErrors() bool {
	for _, p := range r.Problems {
		if p.Severity == Error {
			return true
		}
	}
	return false
}

func (r *Report) filter(s Severity) []Problem {
	var out []Problem
	for _, p := range r.Problems {
		if p.Severity == s {
			out = append(out, p)
		}
	}
	return out
}

// Validate renders every row of src with m, without writing anything, and
// reports what would stop or change a send: invalid rows (errors),
// duplicate and suppressed recipients (warnings; those rows are skipped),
// and printed columns that are empty with no default (a warning per row).
// Template problems are found earlier, by NewMerger; TemplateProblems turns
// them into Problems. The error is only for reading src or cancellation.
func Validate(ctx context.Context, m *Merger, src RowSource) (*Report, error) {
	return ValidateEach(ctx, m, src, nil)
}

// ValidateEach is Validate that also hands each row's Result to each, in
// row order, as it is checked (nil means none): a caller that freezes the
// recipients does it in the same pass, reading and rendering each row once.
// An error from each stops the run and is returned.
func ValidateEach(ctx context.Context, m *Merger, src RowSource, each func(Result) error) (*Report, error) {
	rep := &Report{}
	if strings.TrimSpace(m.spec.Body) == "" {
		rep.Problems = append(rep.Problems, Problem{Severity: Warning, Field: "Body", TemplateLine: m.spec.Lines["Body"],
			Code: CodeEmptyBody, Msg: "the message body is empty"})
	}
	for _, l := range m.links {
		rep.Problems = append(rep.Problems, Problem{Severity: Warning, Field: "Body", TemplateLine: m.spec.Lines["Body"],
			Code: CodeLinkFromCell, Msg: fmt.Sprintf("column %q sets the address of a link: rows whose value is not an http, https or mailto link are refused", l.Name),
			Args: map[string]string{"column": l.Name}})
	}
	var e Engine
	people := map[[16]byte]struct{}{}
	err := e.run(ctx, m, src, func(j *job, r Result) error {
		rep.Rows++
		seen := map[int]bool{}
		for _, ref := range j.out.empties {
			if seen[ref.Column] {
				continue
			}
			seen[ref.Column] = true
			rep.Problems = append(rep.Problems, Problem{Severity: Warning, Line: r.Line, Field: ref.Field,
				TemplateLine: ref.TemplLine, TemplateCol: ref.TemplC, Code: CodeEmptyValue,
				Msg: fmt.Sprintf("column %q is empty and has no default", ref.Name), Args: map[string]string{"column": ref.Name}})
		}
		switch {
		case r.Err != nil:
			for _, e := range unjoin(r.Err) {
				rep.Problems = append(rep.Problems, rowProblem(r.Line, e))
			}
		case r.Skip != "":
			rep.Skipped++
			code := CodeDuplicate
			args := map[string]string{"row": strconv.Itoa(r.DuplicateOf)}
			if r.DuplicateAddress != "" {
				args["address"] = r.DuplicateAddress
			}
			if r.Suppressed != "" {
				code = CodeSuppressed
				args = map[string]string{"detail": r.Suppressed}
			}
			rep.Problems = append(rep.Problems, Problem{Severity: Warning, Line: r.Line, Field: "To", Code: code, Msg: r.Skip + " (skipped)", Args: args})
		default:
			rep.Messages++
			all := r.Msg.Recipients()
			rep.Recipients += len(all)
			names := make([]string, len(all))
			for i, a := range all {
				names[i] = a.Address
				sum := sha256.Sum256([]byte(normalAddress(a.Address)))
				people[[16]byte(sum[:16])] = struct{}{}
			}
			if len(all) > 1 {
				rep.Problems = append(rep.Problems, Problem{Severity: Warning, Line: r.Line, Code: CodeSeveralRecipients,
					Msg:  fmt.Sprintf("one message to %d addresses: %s", len(all), clip(strings.Join(names, ", "), 200)),
					Args: map[string]string{"count": strconv.Itoa(len(all))}})
			}
		}
		if each != nil {
			return each(r)
		}
		return nil
	})
	rep.Addresses = len(people)
	return rep, err
}

// rowProblem turns one row error into a Problem.
func rowProblem(line int, err error) Problem {
	p := Problem{Severity: Error, Line: line, Code: codeOf(err), Msg: err.Error()}
	var re *RowError
	if errors.As(err, &re) {
		p.Field, p.Msg = re.Field, re.Err.Error()
	}
	return p
}

func codeOf(err error) string {
	for _, c := range []struct {
		err  error
		code string
	}{
		{ErrSyntax, CodeSyntax},
		{ErrUnknownColumn, CodeUnknownColumn},
		{ErrNoSender, CodeNoSender},
		{ErrSeveralAddresses, CodeSeveralAddresses},
		{ErrInvalidAddress, CodeInvalidAddress},
		{ErrHeaderInjection, CodeHeaderInjection},
		{ErrControlCharacter, CodeControlCharacter},
		{ErrAttachmentEscapes, CodeAttachmentEscapes},
		{ErrAttachmentMissing, CodeAttachmentMissing},
		{ErrTooManyRecipients, CodeTooManyRecipients},
		{ErrSubjectTooLong, CodeSubjectTooLong},
		{ErrNoRecipient, CodeNoRecipient},
		{ErrSuppressed, CodeSuppressed},
		{ErrUnsafeLink, CodeUnsafeLink},
	} {
		if errors.Is(err, c.err) {
			return c.code
		}
	}
	return CodeOther
}

// TemplateProblems turns the error of ParseSpec or NewMerger into
// template-level Problems (Line 0), one per *FieldError or *SpecError, so
// that `check` reports them with the row problems.
func TemplateProblems(err error) []Problem {
	if err == nil {
		return nil
	}
	var out []Problem
	for _, e := range unjoin(err) {
		p := Problem{Severity: Error, Code: codeOf(e), Msg: e.Error()}
		var fe *FieldError
		var se *SpecError
		switch {
		case errors.As(e, &fe):
			p.Field, p.TemplateLine, p.TemplateCol = fe.Field, fe.Line, fe.Col
		case errors.As(e, &se):
			p.TemplateLine, p.Code = se.Line, CodeSyntax
		}
		out = append(out, p)
	}
	return out
}

// maxListedRows is how many row numbers a collapsed line lists.
const maxListedRows = 20

// WriteText writes the report for people: one line per problem ("row 12,
// To: invalid address …"), except that empty values are collapsed into one
// line per column listing the rows ("rows 2, 5, 9 … and 37 more") and rows
// with several recipients into one line, then, when there are messages,
// how many different addresses they go to ("3 messages go to 4 different
// addresses"), then a summary line.
func (r *Report) WriteText(w io.Writer) error {
	type group struct {
		first Problem
		rows  []int
	}
	groups := map[string]*group{}
	var b strings.Builder
	var order []any // Problem or *group, in first-seen order
	for _, p := range r.Problems {
		if p.Code == CodeSeveralRecipients && p.Line > 0 {
			g := groups[p.Code]
			if g == nil {
				g = &group{first: Problem{Severity: p.Severity, Field: "To, Cc, Bcc", Msg: "one message to several addresses"}}
				groups[p.Code] = g
				order = append(order, g)
			}
			g.rows = append(g.rows, p.Line)
			continue
		}
		if p.Code == CodeEmptyValue && p.Line > 0 {
			g := groups[p.Msg]
			if g == nil {
				g = &group{first: p}
				groups[p.Msg] = g
				order = append(order, g)
			}
			g.rows = append(g.rows, p.Line)
			continue
		}
		order = append(order, p)
	}
	for _, o := range order {
		switch o := o.(type) {
		case Problem:
			b.WriteString(o.Severity.String())
			b.WriteString(": ")
			switch {
			case o.Line > 0 && o.Field != "":
				fmt.Fprintf(&b, "row %d, %s: %s", o.Line, o.Field, o.Msg)
			case o.Line > 0:
				fmt.Fprintf(&b, "row %d: %s", o.Line, o.Msg)
			default:
				b.WriteString(o.Msg)
			}
		case *group:
			fmt.Fprintf(&b, "%s: %s: %s, %s", o.first.Severity, o.first.Field, o.first.Msg, rowList(o.rows))
		}
		b.WriteString("\n")
	}
	if r.Messages > 0 {
		fmt.Fprintf(&b, "%d %s to %d different %s\n", r.Messages, plural(r.Messages, "message goes", "messages go"),
			r.Addresses, plural(r.Addresses, "address", "addresses"))
	}
	nErr, nWarn := len(r.Errors()), len(r.Warnings())
	fmt.Fprintf(&b, "%d %s: %d %s to %d %s, %d skipped; %d %s, %d %s\n",
		r.Rows, plural(r.Rows, "row", "rows"), r.Messages, plural(r.Messages, "message", "messages"),
		r.Recipients, plural(r.Recipients, "recipient", "recipients"), r.Skipped,
		nErr, plural(nErr, "error", "errors"), nWarn, plural(nWarn, "warning", "warnings"))
	_, err := io.WriteString(w, b.String())
	return err
}

// rowList formats "row 3" or "rows 2, 5, 9 and 37 more".
func rowList(rows []int) string {
	if len(rows) == 1 {
		return fmt.Sprintf("row %d", rows[0])
	}
	var b strings.Builder
	b.WriteString("rows ")
	for i, n := range rows[:min(len(rows), maxListedRows)] {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprint(&b, n)
	}
	if more := len(rows) - maxListedRows; more > 0 {
		fmt.Fprintf(&b, " and %d more", more)
	}
	return b.String()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
