package merge

import (
	"fmt"
	"net/mail"
	"strings"
)

// One token, one address. An address header is parsed from the pieces it
// was rendered from, not from the rendered string: the template's own text
// gives the structure (separators, quotes, angle brackets), and what a
// {{ }} printed is opaque text that fills one slot of it, a display name
// or an address. A cell can therefore never add a recipient by holding a
// separator: "a@x.org, victim@y.org" in an address slot is an error for the
// row (ErrSeveralAddresses), and `x <victim@y.org>, y` in a display-name
// slot stays text (and is refused, as it only makes sense to mislead). Only
// a column declared a list (Spec.Lists, Options.Lists) may give several
// addresses, and then its {{ }} must stand alone between separators.

// addrPiece is a run of a rendered address header: template text, or the
// value one {{ }} printed from column col.
type addrPiece struct {
	text string
	tok  bool // printed by {{ }} from a column
	col  int  // the column, when tok
}

// renderPieces renders t for row like Render (never HTML-escaped) but keeps
// what each {{ }} printed from a column apart from the template's own text.
// Literal outputs ({{ 'x' }}) count as template text.
func (t *Template) renderPieces(dst []addrPiece, row []string) []addrPiece {
	segs := t.segs
	for pc := 0; pc < len(segs); {
		s := &segs[pc]
		switch s.kind {
		case tplText:
			dst = append(dst, addrPiece{text: s.text})
		case tplOut:
			o := &t.outs[s.arg]
			p := addrPiece{text: t.outputValue(o, row)}
			if o.ref >= 0 {
				p.tok, p.col = true, t.refs[o.ref].Column
			}
			dst = append(dst, p)
		default:
			pc = t.branch(s, pc, row)
			continue
		}
		pc++
	}
	return dst
}

// slot says where in an address a {{ }} value landed.
type slot uint8

const (
	slotBare    slot = iota // neither quoted nor in angle brackets: the whole item
	slotName                // display name (inside quotes, or before '<')
	slotSpec                // inside '<' '>': the address itself
	slotComment             // inside a comment: dropped
	slotTrail               // after '>': an error
)

type tokUse struct {
	col  int
	val  string
	slot slot
}

// addrItem is one comma- or semicolon-separated item being scanned.
type addrItem struct {
	raw      strings.Builder // the item as rendered
	name     strings.Builder // display name, quotes removed
	spec     strings.Builder // between '<' and '>'
	angle    bool            // saw '<'
	closed   bool            // saw the matching '>'
	trail    bool            // something other than space after '>'
	badAngle bool            // a stray '>' or a second '<'
	toks     []tokUse
}

// addrScanner holds the lexical state that runs across pieces.
type addrScanner struct {
	quoted, escaped bool
	comment         int
	specQuoted      bool // inside a quoted local part between '<' '>'
	item            addrItem
}

// parseAddressPieces parses one rendered address header. column names a
// column for messages; list reports whether a column may hold several
// addresses. Both may be nil for text that came from no template.
func parseAddressPieces(pieces []addrPiece, column func(int) string, list func(int) bool) ([]mail.Address, error) {
	var (
		out []mail.Address
		sc  addrScanner
	)
	finish := func() error {
		got, err := sc.item.addresses(column, list)
		out = append(out, got...)
		sc.item = addrItem{}
		return err
	}
	for _, p := range pieces {
		if p.tok {
			sc.token(p)
			continue
		}
		s := p.text
		for i := 0; i < len(s); i++ {
			if sc.byte(s[i]) {
				if err := finish(); err != nil {
					return nil, err
				}
			}
		}
	}
	if sc.quoted {
		return nil, fmt.Errorf("%w %q: unclosed quote", ErrInvalidAddress, sc.item.raw.String())
	}
	if err := finish(); err != nil {
		return nil, err
	}
	return out, nil
}

// token adds a value printed by {{ }}: opaque text in the slot the
// template's text put it in.
func (sc *addrScanner) token(p addrPiece) {
	it := &sc.item
	it.raw.WriteString(p.text)
	u := tokUse{col: p.col, val: p.text}
	switch {
	case it.angle && !it.closed:
		u.slot = slotSpec
		it.spec.WriteString(p.text)
	case sc.quoted:
		u.slot = slotName
		it.name.WriteString(p.text)
	case sc.comment > 0:
		u.slot = slotComment
	case it.closed:
		u.slot = slotTrail
		if strings.TrimSpace(p.text) != "" {
			it.trail = true
		}
	default:
		u.slot = slotBare
		it.name.WriteString(p.text)
	}
	it.toks = append(it.toks, u)
}

// byte scans one byte of template text and reports whether it ends the
// item (a ',' or ';' outside quotes, comments and angle brackets).
func (sc *addrScanner) byte(c byte) bool {
	it := &sc.item
	if (c == ',' || c == ';') && !sc.quoted && sc.comment == 0 && !sc.escaped && (!it.angle || it.closed) {
		return true
	}
	it.raw.WriteByte(c)
	switch {
	case it.angle && !it.closed:
		switch {
		case sc.escaped:
			sc.escaped = false
		case c == '\\' && sc.specQuoted:
			sc.escaped = true
		case c == '"':
			sc.specQuoted = !sc.specQuoted
		case c == '>' && !sc.specQuoted:
			it.closed = true
			return false
		}
		it.spec.WriteByte(c)
	case sc.escaped:
		sc.escaped = false
		if sc.quoted {
			it.name.WriteByte(c)
		}
	case sc.quoted:
		switch c {
		case '\\':
			sc.escaped = true
		case '"':
			sc.quoted = false
		default:
			it.name.WriteByte(c)
		}
	case sc.comment > 0:
		switch c {
		case '\\':
			sc.escaped = true
		case '(':
			sc.comment++
		case ')':
			sc.comment--
		}
	case c == '(':
		sc.comment++
	case it.closed:
		if c == '<' || c == '>' || c == '"' {
			it.badAngle = true
		} else if c != ' ' && c != '\t' {
			it.trail = true
		}
	case c == '"':
		sc.quoted = true
	case c == '<':
		it.angle = true
	case c == '>':
		it.badAngle = true
	default:
		it.name.WriteByte(c)
	}
	return false
}

// addresses turns a scanned item into its address (none for an empty
// item; several only for a list column standing alone).
func (it *addrItem) addresses(column func(int) string, list func(int) bool) ([]mail.Address, error) {
	raw := strings.TrimSpace(it.raw.String())
	if raw == "" {
		return nil, nil
	}
	colName := func(c int) string {
		if column == nil {
			return fmt.Sprintf("column %d", c+1)
		}
		return column(c)
	}
	if it.angle {
		// Text before the '<' was the display name after all.
		for i := range it.toks {
			if it.toks[i].slot == slotBare {
				it.toks[i].slot = slotName
			}
		}
	}
	for _, u := range it.toks {
		if list == nil || !list(u.col) {
			continue
		}
		if len(it.toks) != 1 || u.slot != slotBare || strings.TrimSpace(u.val) != raw {
			return nil, fmt.Errorf("%w: column %q is a list of addresses: write its {{ }} alone between commas", ErrSeveralAddresses, colName(u.col))
		}
		var out []mail.Address
		for _, item := range splitAddressList(u.val) {
			a, err := parseSingle(item)
			if err != nil {
				return nil, fmt.Errorf("column %q: %w", colName(u.col), err)
			}
			out = append(out, a)
		}
		return out, nil
	}
	for _, u := range it.toks {
		switch u.slot {
		case slotBare, slotSpec:
			if n := len(splitAddressList(u.val)); n > 1 {
				return nil, fmt.Errorf("%w: column %q holds %d addresses (%q); one cell gives one address unless the template says \"List: %s\"",
					ErrSeveralAddresses, colName(u.col), n, clip(strings.TrimSpace(u.val), 60), colName(u.col))
			}
		case slotName:
			if strings.ContainsAny(u.val, "<>") {
				return nil, fmt.Errorf("%w: column %q gives a display name that holds an address (%q)",
					ErrSeveralAddresses, colName(u.col), clip(strings.TrimSpace(u.val), 60))
			}
		}
	}
	if it.badAngle || it.trail || (it.angle && !it.closed) {
		return nil, fmt.Errorf("%w %q: not an e-mail address", ErrInvalidAddress, raw)
	}
	if !it.angle {
		a, err := parseSingle(raw)
		if err != nil {
			return nil, err
		}
		return []mail.Address{a}, nil
	}
	a, err := parseSingle("<" + strings.TrimSpace(it.spec.String()) + ">")
	if err != nil {
		return nil, err
	}
	a.Name = strings.TrimSpace(it.name.String())
	return []mail.Address{a}, nil
}
