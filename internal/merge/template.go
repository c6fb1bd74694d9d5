package merge

import (
	"errors"
	"fmt"
	"strings"
)

// ErrSyntax is what every *SyntaxError unwraps to, for errors.Is.
var ErrSyntax = errors.New("template syntax error")

// ErrUnknownColumn is what every *UnknownColumnError unwraps to, for errors.Is.
var ErrUnknownColumn = errors.New("unknown column")

// SyntaxError is a template that cannot be compiled, located at the 1-based
// line and column (in characters) where the problem starts. Msg says what is
// wrong and what was expected.
type SyntaxError struct {
	Line, Col int
	Msg       string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Col, e.Msg)
}

// Unwrap returns ErrSyntax.
func (e *SyntaxError) Unwrap() error { return ErrSyntax }

// UnknownColumnError is a column reference that matches no column of the
// Header given to Bind. Suggestion is the closest column (Header.Suggest), or
// "" when none is close.
type UnknownColumnError struct {
	Name       string
	Line, Col  int
	Suggestion string
}

func (e *UnknownColumnError) Error() string {
	if e.Suggestion != "" {
		return fmt.Sprintf("line %d, column %d: unknown column %q (did you mean %q?)", e.Line, e.Col, e.Name, e.Suggestion)
	}
	return fmt.Sprintf("line %d, column %d: unknown column %q", e.Line, e.Col, e.Name)
}

// Unwrap returns ErrUnknownColumn.
func (e *UnknownColumnError) Unwrap() error { return ErrUnknownColumn }

// Ref is one column reference in a template, as reported by Template.Refs.
type Ref struct {
	Name       string // as written, without brackets or quotes
	Column     int    // bound column index, -1 before Bind or when unknown
	Line, Col  int    // 1-based position of the reference
	Output     bool   // printed ({{ }}) as opposed to only tested in a condition
	HasDefault bool   // printed through a default filter
	// Guarded is true for a printed reference inside an if/unless branch
	// that is only taken when this same column is not empty (for example
	// {% if Company %}{{ Company }}{% endif %}), so that an empty value
	// is intended and validation need not warn about it.
	Guarded bool
}

// Template is a compiled template: a flat list of segments (literal text,
// outputs with their filters, conditional and unconditional jumps) that
// Render walks without parsing or allocating.
//
// Compile, then Bind to a Header, then Render any number of rows. Bind must
// not run concurrently with Render; after Bind, Render is safe for
// concurrent use.
type Template struct {
	src    string
	segs   []tplSegment
	outs   []tplOutput
	conds  []tplCond
	refs   []Ref
	static bool
}

// tplSegKind is what a segment does when Render reaches it.
type tplSegKind uint8

const (
	tplText        tplSegKind = iota // append text
	tplOut                           // append outs[arg]
	tplJumpIfFalse                   // if !conds[arg] goto target
	tplJumpIfTrue                    // if conds[arg] goto target (unless)
	tplJump                          // goto target
)

type tplSegment struct {
	kind   tplSegKind
	text   string
	arg    int
	target int
}

// tplOutput is one {{ }}: a column (ref >= 0) or a string literal, then
// filters applied in order.
type tplOutput struct {
	ref     int
	lit     string
	filters []tplFilter
	off     int  // offset of its {{ in the source
	link    bool // starts the address of a link or image in HTML (see markLinks)
}

// tplOperand is one side of a comparison: a column (ref >= 0) whose trimmed
// cell is the value, or a literal.
type tplOperand struct {
	ref int
	lit string
}

type tplCmpOp uint8

const (
	tplTruthy tplCmpOp = iota // left alone: not empty after trimming
	tplEq
	tplNe
	tplContains
)

type tplCmp struct {
	op          tplCmpOp
	left, right tplOperand
}

// tplCond is cmps[0] op[0] cmps[1] op[1] … evaluated right to left as in
// Liquid: a and b or c means a and (b or c).
type tplCond struct {
	cmps []tplCmp
	and  []bool // and[i] joins cmps[i] and cmps[i+1]; false means or
}

// MaxTemplateSize is the largest template Compile accepts, in bytes: 1 MiB,
// a hundred times a long letter. It bounds the time and memory a template
// file from someone else can cost before anything is sent.
const MaxTemplateSize = 1 << 20

// Compile parses src. It checks syntax only (column names are resolved by
// Bind); the error, if any, is a *SyntaxError. A template larger than
// MaxTemplateSize is refused, located where it exceeds the limit.
func Compile(src string) (*Template, error) {
	p := newTplParser(src)
	if len(src) > MaxTemplateSize {
		return nil, p.errAt(MaxTemplateSize, "the template is larger than %d KiB", MaxTemplateSize>>10)
	}
	if err := p.parse(); err != nil {
		return nil, err
	}
	return p.t, nil
}

// Source returns the text the template was compiled from.
func (t *Template) Source() string { return t.src }

// IsStatic reports whether the template has no tags and no outputs at all,
// so that it renders to its source whatever the row.
func (t *Template) IsStatic() bool { return t.static }

// Refs returns every column reference in source order, outputs and
// conditions alike. The slice is a copy.
func (t *Template) Refs() []Ref {
	return append([]Ref(nil), t.refs...)
}

// Bind resolves every column reference against h. References to unknown
// columns are reported together, in source order, as errors.Join of
// *UnknownColumnError; they render as empty values. Bind may be called again
// with another Header, but not while Render runs.
func (t *Template) Bind(h *Header) error {
	var errs []error
	for i := range t.refs {
		r := &t.refs[i]
		col, ok := -1, false
		if h != nil {
			col, ok = h.Lookup(r.Name)
		}
		if !ok {
			r.Column = -1
			errs = append(errs, &UnknownColumnError{Name: r.Name, Line: r.Line, Col: r.Col, Suggestion: h.Suggest(r.Name)})
			continue
		}
		r.Column = col
	}
	return errors.Join(errs...)
}

// Render appends the template rendered for row to dst and returns the
// extended buffer. row is indexed by the columns of the Header given to Bind;
// cells past the end of a short row read as "". With html, every value
// printed by {{ }} is HTML-escaped; literal template text never is.
//
// Render does not allocate when dst has room and no allocating filter
// (upcase, downcase, capitalize, replace, date, a cutting truncate) is used.
// Filters never fail: a value that is not a date stays as it is. The error
// is an *UnsafeLinkError, only with html, when a value that starts the
// address of a link or image (see markLinks) is not an http, https or
// mailto URL; a bare e-mail address there gets mailto: in front.
func (t *Template) Render(dst []byte, row []string, html bool) ([]byte, error) {
	segs := t.segs
	for pc := 0; pc < len(segs); {
		s := &segs[pc]
		switch s.kind {
		case tplText:
			dst = append(dst, s.text...)
		case tplOut:
			o := &t.outs[s.arg]
			v := t.outputValue(o, row)
			if html {
				if o.link {
					var err error
					if v, err = t.linkValue(o, v); err != nil {
						return dst, err
					}
					if v != "" && !strings.Contains(v, ":") {
						dst = append(dst, "mailto:"...)
					}
				}
				dst = tplAppendHTML(dst, v)
			} else {
				dst = append(dst, v...)
			}
		default:
			pc = t.branch(s, pc, row)
			continue
		}
		pc++
	}
	return dst, nil
}

// branch returns where the control segment s at pc sends execution for
// row: its target when the jump is taken, else the next segment. Render and
// renderPieces share it, so conditions run the same way in both.
func (t *Template) branch(s *tplSegment, pc int, row []string) int {
	switch s.kind {
	case tplJumpIfFalse:
		if !t.evalCond(&t.conds[s.arg], row) {
			return s.target
		}
	case tplJumpIfTrue:
		if t.evalCond(&t.conds[s.arg], row) {
			return s.target
		}
	case tplJump:
		return s.target
	}
	return pc + 1
}

// cell returns row[col], or "" for an unbound column or a short row.
func (t *Template) cell(ref int, row []string) string {
	col := t.refs[ref].Column
	if col < 0 || col >= len(row) {
		return ""
	}
	return row[col]
}

func (t *Template) outputValue(o *tplOutput, row []string) string {
	v := o.lit
	if o.ref >= 0 {
		v = t.cell(o.ref, row)
	}
	for i := range o.filters {
		v = o.filters[i].apply(v)
	}
	return v
}

func (t *Template) operand(o *tplOperand, row []string) string {
	if o.ref >= 0 {
		return strings.TrimSpace(t.cell(o.ref, row))
	}
	return o.lit
}

func (t *Template) evalCmp(c *tplCmp, row []string) bool {
	l := t.operand(&c.left, row)
	switch c.op {
	case tplEq:
		return l == t.operand(&c.right, row)
	case tplNe:
		return l != t.operand(&c.right, row)
	case tplContains:
		return strings.Contains(l, t.operand(&c.right, row))
	default:
		return l != ""
	}
}

func (t *Template) evalCond(c *tplCond, row []string) bool {
	n := len(c.cmps)
	res := t.evalCmp(&c.cmps[n-1], row)
	for i := n - 2; i >= 0; i-- {
		v := t.evalCmp(&c.cmps[i], row)
		if c.and[i] {
			res = v && res
		} else {
			res = v || res
		}
	}
	return res
}

// tplAppendHTML appends s with &, <, >, " and ' escaped as
// html.EscapeString does, without allocating.
func tplAppendHTML(dst []byte, s string) []byte {
	last := 0
	for i := 0; i < len(s); i++ {
		var esc string
		switch s[i] {
		case '&':
			esc = "&amp;"
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		case '"':
			esc = "&#34;"
		case '\'':
			esc = "&#39;"
		default:
			continue
		}
		dst = append(dst, s[last:i]...)
		dst = append(dst, esc...)
		last = i + 1
	}
	return append(dst, s[last:]...)
}
