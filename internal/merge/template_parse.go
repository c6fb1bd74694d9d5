package merge

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// tplParser compiles template source into a Template in one pass.
type tplParser struct {
	src string
	t   *Template

	stack []*tplBlock
	// trimNext is set by a -}} or -%}: the next literal text loses its
	// leading white space.
	trimNext bool
	// text is literal text not yet emitted as a segment: consecutive
	// pieces (around comments, raw blocks) become one segment.
	text []string

	// guarded counts, by normalized name, the open branches in which that
	// column is known not to be empty.
	guarded map[string]int

	// posOff, posLine and posCol remember the last position computed, so
	// that locating every reference costs O(len(src)) in all.
	posOff, posLine, posCol int
}

// tplBlock is an open {% if %} or {% unless %}.
type tplBlock struct {
	tag     string // "if" or "unless"
	off     int    // offset of the opening {%
	pending int    // index of the conditional jump to patch to the next branch, -1 after else
	ends    []int  // jumps to patch to the end of the block
	sawElse bool
	last    tplBranchCond // condition of the latest branch
	// prior holds the columns known non-empty because earlier branches were
	// not taken, cur those known non-empty because the current one was.
	// Both are counted in tplParser.guarded while the block is open.
	prior, cur []string
}

type tplBranchCond struct {
	cond   int
	negate bool // unless: the branch is taken when the condition is false
}

func newTplParser(src string) *tplParser {
	return &tplParser{src: src, t: &Template{src: src, static: true}, posLine: 1, posCol: 1, guarded: map[string]int{}}
}

// addGuards adds (delta 1) or removes (delta -1) names from p.guarded.
func (p *tplParser) addGuards(names []string, delta int) {
	for _, n := range names {
		p.guarded[n] += delta
	}
}

// nextBranch is an elsif (cond >= 0) or an else (cond < 0) of b: the
// previous branch was not taken.
func (p *tplParser) nextBranch(b *tplBlock, cond int) {
	p.addGuards(b.cur, -1)
	notTaken := p.implied(&p.t.conds[b.last.cond], 0, b.last.negate)
	p.addGuards(notTaken, 1)
	b.prior = append(b.prior, notTaken...)
	b.cur = nil
	if cond >= 0 {
		b.last = tplBranchCond{cond: cond}
		b.cur = p.implied(&p.t.conds[cond], 0, true)
		p.addGuards(b.cur, 1)
	}
}

// errAt returns a *SyntaxError located at byte offset off of the source.
func (p *tplParser) errAt(off int, format string, args ...any) error {
	line, col := p.position(off)
	return &SyntaxError{Line: line, Col: col, Msg: fmt.Sprintf(format, args...)}
}

// position converts a byte offset into a 1-based line and column, the
// column counted in characters. Offsets usually grow as parsing goes on,
// so it counts lines from the last offset asked for.
func (p *tplParser) position(off int) (line, col int) {
	off = max(0, min(off, len(p.src)))
	if off < p.posOff {
		p.posOff, p.posLine, p.posCol = 0, 1, 1
	}
	seg := p.src[p.posOff:off]
	if n := strings.Count(seg, "\n"); n > 0 {
		p.posLine += n
		p.posCol = 1 + utf8.RuneCountInString(seg[strings.LastIndexByte(seg, '\n')+1:])
	} else {
		p.posCol += utf8.RuneCountInString(seg)
	}
	p.posOff = off
	return p.posLine, p.posCol
}

func tplIsSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

func (p *tplParser) parse() error {
	src := p.src
	pos := 0
	for pos < len(src) {
		i := tplNextDelim(src, pos)
		if i < 0 {
			p.emitText(src[pos:], false)
			break
		}
		p.t.static = false
		lstrip := i+2 < len(src) && src[i+2] == '-'
		p.emitText(src[pos:i], lstrip)
		var err error
		if src[i+1] == '{' {
			pos, err = p.parseOutput(i)
		} else {
			pos, err = p.parseTag(i)
		}
		if err != nil {
			return err
		}
	}
	p.flushText()
	if n := len(p.stack); n > 0 {
		b := p.stack[n-1]
		return p.errAt(b.off, "unclosed {%% %s %%}: expected {%% end%s %%}", b.tag, b.tag)
	}
	return nil
}

// tplNextDelim returns the offset of the next {{ or {% at or after pos, or -1.
func tplNextDelim(src string, pos int) int {
	for {
		j := strings.IndexByte(src[pos:], '{')
		if j < 0 {
			return -1
		}
		i := pos + j
		if i+1 < len(src) && (src[i+1] == '{' || src[i+1] == '%') {
			return i
		}
		pos = i + 1
	}
}

// emitText appends literal text, honouring whitespace control on both sides.
func (p *tplParser) emitText(s string, trimRight bool) {
	if p.trimNext {
		s = strings.TrimLeft(s, " \t\n\r\v\f")
		p.trimNext = false
	}
	if trimRight {
		s = strings.TrimRight(s, " \t\n\r\v\f")
	}
	if s != "" {
		p.text = append(p.text, s)
	}
}

// flushText turns the pending literal text into one segment.
func (p *tplParser) flushText() {
	switch len(p.text) {
	case 0:
		return
	case 1:
		p.t.segs = append(p.t.segs, tplSegment{kind: tplText, text: p.text[0]})
	default:
		p.t.segs = append(p.t.segs, tplSegment{kind: tplText, text: strings.Join(p.text, "")})
	}
	p.text = p.text[:0]
}

func (p *tplParser) emit(s tplSegment) int {
	p.flushText()
	p.t.segs = append(p.t.segs, s)
	return len(p.t.segs) - 1
}

// label points the jump at segment index j to the next segment to come.
func (p *tplParser) label(j int) {
	p.flushText()
	p.t.segs[j].target = len(p.t.segs)
}

// markupEnd finds the end of the {{ or {% at off: it returns the offsets of
// the markup between the delimiters (without whitespace-control dashes),
// the offset just past the closing delimiter, and whether the closing
// delimiter had a dash.
func (p *tplParser) markupEnd(off int, closer string) (start, end, next int, rstrip bool, err error) {
	opener := p.src[off : off+2]
	start = off + 2
	if start < len(p.src) && p.src[start] == '-' {
		start++
	}
	j := strings.Index(p.src[start:], closer)
	if j < 0 {
		return 0, 0, 0, false, p.errAt(off, "unclosed %s: expected %s", opener, closer)
	}
	end = start + j
	// A {{ or {% before the closer is most likely a forgotten closer, unless
	// it is quoted, as in {{ '{{' }}.
	if k := tplNextDelim(p.src[:end], start); k >= 0 && (k == start || p.src[k-1] != '\'' && p.src[k-1] != '"') {
		return 0, 0, 0, false, p.errAt(off, "unclosed %s: expected %s before the next %s", opener, closer, p.src[k:k+2])
	}
	next = end + 2
	if end > start && p.src[end-1] == '-' {
		end--
		rstrip = true
	}
	return start, end, next, rstrip, nil
}

// parseOutput compiles the {{ … }} at off and returns the offset after it.
func (p *tplParser) parseOutput(off int) (int, error) {
	start, end, next, rstrip, err := p.markupEnd(off, "}}")
	if err != nil {
		return 0, err
	}
	c := &tplCursor{p: p, s: p.src, pos: start, end: end}
	c.skipSpace()
	if c.done() {
		return 0, p.errAt(off, "empty {{ }}: expected a column name, as in {{ FirstName }}")
	}
	out := tplOutput{ref: -1, off: off}
	var ref *Ref
	switch ch := c.peek(); {
	case ch == '[':
		name, namePos, err := c.bracketName()
		if err != nil {
			return 0, err
		}
		out.ref = p.addRef(name, namePos, true)
	case ch == '\'' || ch == '"':
		lit, err := c.str()
		if err != nil {
			return 0, err
		}
		out.lit = lit
	case ch == '|':
		return 0, p.errAt(c.pos, "expected a column name before |")
	default:
		nameEnd := end
		if k := strings.IndexByte(p.src[c.pos:end], '|'); k >= 0 {
			nameEnd = c.pos + k
		}
		name := strings.TrimRight(p.src[c.pos:nameEnd], " \t\n\r\v\f")
		out.ref = p.addRef(name, c.pos, true)
		c.pos = nameEnd
	}
	if out.ref >= 0 {
		ref = &p.t.refs[out.ref]
	}
	for {
		c.skipSpace()
		if c.done() {
			break
		}
		if c.peek() != '|' {
			return 0, p.errAt(c.pos, "unexpected %q: expected | and a filter, or }}", c.rest())
		}
		c.pos++
		f, err := c.filter()
		if err != nil {
			return 0, err
		}
		if f.kind == tplFilterDefault && ref != nil {
			ref.HasDefault = true
		}
		out.filters = append(out.filters, f)
	}
	p.t.outs = append(p.t.outs, out)
	p.emit(tplSegment{kind: tplOut, arg: len(p.t.outs) - 1})
	p.trimNext = rstrip
	return next, nil
}

// addRef records a column reference at byte offset off and returns its index.
func (p *tplParser) addRef(name string, off int, output bool) int {
	line, col := p.position(off)
	r := Ref{Name: name, Column: -1, Line: line, Col: col, Output: output}
	if output {
		r.Guarded = p.guarded[NormalizeName(name)] > 0
	}
	p.t.refs = append(p.t.refs, r)
	return len(p.t.refs) - 1
}

// tplTags lists the supported tags, for messages.
const tplTags = "if, elsif, else, endif, unless, endunless, raw, endraw, comment or endcomment"

// tplUnsupportedTags are Liquid tags that users may know but that mail
// merge does not offer.
var tplUnsupportedTags = map[string]bool{
	"for": true, "endfor": true, "assign": true, "capture": true, "endcapture": true,
	"case": true, "when": true, "endcase": true, "include": true, "render": true,
	"cycle": true, "increment": true, "decrement": true, "tablerow": true,
	"endtablerow": true, "break": true, "continue": true, "echo": true, "liquid": true,
}

// parseTag compiles the {% … %} at off and returns the offset after it.
func (p *tplParser) parseTag(off int) (int, error) {
	start, end, next, rstrip, err := p.markupEnd(off, "%}")
	if err != nil {
		return 0, err
	}
	c := &tplCursor{p: p, s: p.src, pos: start, end: end}
	c.skipSpace()
	if c.done() {
		return 0, p.errAt(off, "empty tag {%% %%}: expected a tag name such as if")
	}
	if c.peek() == '#' { // inline comment, as in Liquid 5
		p.trimNext = rstrip
		return next, nil
	}
	name := c.word()
	if name == "" {
		return 0, p.errAt(c.pos, "unexpected %q: expected a tag name such as if", c.rest())
	}
	c.skipSpace()
	noArgs := func() error {
		if !c.done() {
			return p.errAt(c.pos, "unexpected %q after {%% %s: expected %%}", c.rest(), name)
		}
		return nil
	}
	switch name {
	case "if", "unless":
		cond, guards, err := p.parseCondition(c, off, name)
		if err != nil {
			return 0, err
		}
		kind := tplJumpIfFalse
		if name == "unless" {
			kind = tplJumpIfTrue
		}
		b := &tplBlock{tag: name, off: off, last: tplBranchCond{cond: cond, negate: name == "unless"}, cur: guards}
		p.addGuards(guards, 1)
		p.stack = append(p.stack, b)
		b.pending = p.emit(tplSegment{kind: kind, arg: cond})
	case "elsif":
		b, err := p.top(off, name)
		if err != nil {
			return 0, err
		}
		if b.sawElse {
			return 0, p.errAt(off, "{%% elsif %%} after {%% else %%}: expected {%% end%s %%}", b.tag)
		}
		cond, _, err := p.parseCondition(c, off, name)
		if err != nil {
			return 0, err
		}
		b.ends = append(b.ends, p.emit(tplSegment{kind: tplJump}))
		p.label(b.pending)
		b.pending = p.emit(tplSegment{kind: tplJumpIfFalse, arg: cond})
		p.nextBranch(b, cond)
	case "else":
		b, err := p.top(off, name)
		if err != nil {
			return 0, err
		}
		if b.sawElse {
			return 0, p.errAt(off, "second {%% else %%} in {%% %s %%}: expected {%% end%s %%}", b.tag, b.tag)
		}
		if err := noArgs(); err != nil {
			return 0, err
		}
		b.sawElse = true
		b.ends = append(b.ends, p.emit(tplSegment{kind: tplJump}))
		p.label(b.pending)
		b.pending = -1
		p.nextBranch(b, -1)
	case "endif", "endunless":
		tag := strings.TrimPrefix(name, "end")
		n := len(p.stack)
		if n == 0 {
			return 0, p.errAt(off, "{%% %s %%} without {%% %s %%}", name, tag)
		}
		b := p.stack[n-1]
		if b.tag != tag {
			line, col := p.position(b.off)
			return 0, p.errAt(off, "{%% %s %%} closes the {%% %s %%} of line %d, column %d: expected {%% end%s %%}", name, b.tag, line, col, b.tag)
		}
		if err := noArgs(); err != nil {
			return 0, err
		}
		if b.pending >= 0 {
			p.label(b.pending)
		}
		for _, j := range b.ends {
			p.label(j)
		}
		p.addGuards(b.cur, -1)
		p.addGuards(b.prior, -1)
		p.stack = p.stack[:n-1]
	case "raw", "comment":
		if err := noArgs(); err != nil {
			return 0, err
		}
		return p.parseRawOrComment(off, name, next)
	case "endraw", "endcomment":
		return 0, p.errAt(off, "{%% %s %%} without {%% %s %%}", name, strings.TrimPrefix(name, "end"))
	default:
		if tplUnsupportedTags[name] {
			return 0, p.errAt(off, "{%% %s %%} is not supported: expected %s", name, tplTags)
		}
		return 0, p.errAt(off, "unknown tag {%% %s %%}: expected %s", name, tplTags)
	}
	p.trimNext = rstrip
	return next, nil
}

// top returns the innermost open block for an elsif or else at off.
func (p *tplParser) top(off int, name string) (*tplBlock, error) {
	if len(p.stack) == 0 {
		return nil, p.errAt(off, "{%% %s %%} without {%% if %%}", name)
	}
	return p.stack[len(p.stack)-1], nil
}

// parseRawOrComment skips to the matching {% endraw %} or {% endcomment %}
// the way Liquid does: the text after the tag is cut into Liquid's tokens
// (tplLiquidToken); a raw block ends at the first token that ends with an
// endraw tag, even after a stray {% or {{ (which stay text); a comment ends
// at the endcomment that closes every comment opened inside it, and a raw
// block inside a comment is part of it. The whitespace control of the
// opening tag's -%} and of the closing tag's {%- applies outside only: it
// never trims the raw text, as in Liquid.
func (p *tplParser) parseRawOrComment(off int, name string, bodyStart int) (int, error) {
	unclosed := func(tag string) error {
		return p.errAt(off, "unclosed {%% %s %%}: expected {%% end%s %%}", tag, tag)
	}
	if name == "raw" {
		cut, next, rstrip, ok := tplSkipRaw(p.src, bodyStart)
		if !ok {
			return 0, unclosed("raw")
		}
		p.trimNext = false
		p.emitText(p.src[bodyStart:cut], false)
		p.trimNext = rstrip
		return next, nil
	}
	depth := 1
	for pos := bodyStart; pos < len(p.src); {
		end := tplLiquidToken(p.src, pos)
		tag := tplTokenTagName(p.src[pos:end])
		next := end
		switch tag {
		case "raw":
			_, n, _, ok := tplSkipRaw(p.src, end)
			if !ok {
				return 0, unclosed("raw")
			}
			next = n
		case "comment":
			depth++
		case "endcomment":
			depth--
		}
		if depth == 0 {
			p.trimNext = strings.HasSuffix(p.src[pos:end], "-%}")
			return end, nil
		}
		pos = next
	}
	return 0, unclosed("comment")
}

// tplSkipRaw finds the end of a raw block whose text starts at pos: cut is
// where the text ends (at the last {% of the token that holds the endraw),
// next is the offset after that token, rstrip whether it ends with -%}.
func tplSkipRaw(src string, pos int) (cut, next int, rstrip, ok bool) {
	for pos < len(src) {
		end := tplLiquidToken(src, pos)
		if k := tplEndrawAt(src[pos:end]); k >= 0 {
			return pos + k, end, strings.HasSuffix(src[pos:end], "-%}"), true
		}
		pos = end
	}
	return 0, 0, false, false
}

// tplEndrawAt is Liquid's FullTokenPossiblyInvalid match for endraw: when
// token ends with %} and its last {% followed by a word opens an endraw
// tag, it returns the offset of that {%; otherwise -1.
func tplEndrawAt(token string) int {
	if !strings.HasSuffix(token, "%}") {
		return -1
	}
	for k := strings.LastIndex(token, "{%"); k >= 0; k = strings.LastIndex(token[:k], "{%") {
		if k+2 > len(token)-2 {
			continue
		}
		if w, found := tplTagWord(token[k+2 : len(token)-2]); found {
			if w == "endraw" {
				return k
			}
			return -1
		}
	}
	return -1
}

// tplTagWord reads an optional -, white space and a word (ASCII letters,
// digits, _) at the start of s; found is false when no word is there.
func tplTagWord(s string) (string, bool) {
	s = strings.TrimPrefix(s, "-")
	s = strings.TrimLeft(s, " \t\n\r\v\f")
	n := 0
	for n < len(s) && (s[n] == '_' || s[n] >= 'a' && s[n] <= 'z' || s[n] >= 'A' && s[n] <= 'Z' || s[n] >= '0' && s[n] <= '9') {
		n++
	}
	return s[:n], n > 0
}

// tplTokenTagName is the name of the tag token (Liquid's FullToken): the
// word right after {% (and an optional -), or "" for text, outputs and
// tokens that do not end with %}.
func tplTokenTagName(token string) string {
	if !strings.HasPrefix(token, "{%") || len(token) < 4 || !strings.HasSuffix(token, "%}") {
		return ""
	}
	w, _ := tplTagWord(token[2 : len(token)-2])
	return w
}

// tplLiquidToken returns the end of the token that starts at pos, cut as
// Liquid's tokenizer cuts a template: text up to the next {{ or {%; a tag
// from {% to the first %}; an output from {{ to the first }} (or a lone },
// or the first %} when a {% comes first). An unclosed {% is a token of
// two bytes; an unclosed {{ takes the rest of the template.
func tplLiquidToken(src string, pos int) int {
	if !strings.HasPrefix(src[pos:], "{%") && !strings.HasPrefix(src[pos:], "{{") {
		if i := tplNextDelim(src, pos); i >= 0 {
			return i
		}
		return len(src)
	}
	if src[pos+1] == '%' {
		if j := strings.Index(src[pos+2:], "%}"); j >= 0 {
			return pos + 2 + j + 2
		}
		return pos + 2
	}
	for i := pos + 2; i < len(src); i++ {
		switch src[i] {
		case '}':
			if i+1 < len(src) && src[i+1] == '}' {
				return i + 2
			}
			return i + 1
		case '{':
			if i+1 < len(src) && src[i+1] == '%' {
				if j := strings.Index(src[i+2:], "%}"); j >= 0 {
					return i + 2 + j + 2
				}
				return i + 2
			}
		}
	}
	return len(src)
}

// parseCondition compiles the condition of an if, elsif or unless tag and
// returns its index and the normalized names of the columns it guarantees
// non-empty in the branch it guards.
func (p *tplParser) parseCondition(c *tplCursor, tagOff int, tag string) (int, []string, error) {
	if c.done() {
		return 0, nil, p.errAt(tagOff, "{%% %s %%} needs a condition, as in {%% %s Company %%}", tag, tag)
	}
	var cond tplCond
	for {
		cmp, err := p.parseComparison(c)
		if err != nil {
			return 0, nil, err
		}
		cond.cmps = append(cond.cmps, cmp)
		c.skipSpace()
		if c.done() {
			break
		}
		at := c.pos
		w := c.keyword("and", "or")
		if w == "" {
			if cmp.op == tplTruthy {
				return 0, nil, p.errAt(at, "unexpected %q: expected ==, !=, contains, and, or, or %%}", c.rest())
			}
			return 0, nil, p.errAt(at, "unexpected %q: expected and, or, or %%}", c.rest())
		}
		cond.and = append(cond.and, w == "and")
		c.skipSpace()
		if c.done() {
			return 0, nil, p.errAt(at, "expected a condition after %s", w)
		}
	}
	p.t.conds = append(p.t.conds, cond)
	idx := len(p.t.conds) - 1
	guards := p.implied(&cond, 0, tag != "unless")
	return idx, guards, nil
}

// parseComparison reads operand [op operand].
func (p *tplParser) parseComparison(c *tplCursor) (tplCmp, error) {
	left, err := p.parseOperand(c)
	if err != nil {
		return tplCmp{}, err
	}
	cmp := tplCmp{left: left, right: tplOperand{ref: -1}}
	c.skipSpace()
	if c.done() {
		return cmp, nil
	}
	at := c.pos
	op := c.operator()
	switch op {
	case "==":
		cmp.op = tplEq
	case "!=", "<>":
		cmp.op = tplNe
	case "contains":
		cmp.op = tplContains
	case "":
		c.pos = at
		return cmp, nil // and, or, or an error for the caller
	default:
		return tplCmp{}, p.errAt(at, "operator %q is not supported: expected ==, !=, contains, and, or", op)
	}
	c.skipSpace()
	if c.done() {
		return tplCmp{}, p.errAt(at, "expected a value after %s", op)
	}
	cmp.right, err = p.parseOperand(c)
	return cmp, err
}

// parseOperand reads a quoted string, a number, empty/blank, a bracketed
// column name or a bare column name (words up to an operator, and, or).
func (p *tplParser) parseOperand(c *tplCursor) (tplOperand, error) {
	switch ch := c.peek(); {
	case ch == '\'' || ch == '"':
		s, err := c.str()
		return tplOperand{ref: -1, lit: strings.TrimSpace(s)}, err // trimmed as cells are
	case ch == '[':
		name, namePos, err := c.bracketName()
		if err != nil {
			return tplOperand{}, err
		}
		return tplOperand{ref: p.addRef(name, namePos, false)}, nil
	}
	start, last := c.pos, c.pos
	words := 0
	for !c.done() {
		at := c.pos
		if c.keyword("and", "or", "contains") != "" {
			c.pos = at
			break
		}
		w := c.word()
		if w == "" {
			c.pos = at
			break
		}
		words++
		last = c.pos
		c.skipSpace()
	}
	c.pos = last
	if words == 0 {
		return tplOperand{}, p.errAt(start, "unexpected %q: expected a column name or a quoted value", c.rest())
	}
	name := p.src[start:last]
	if words == 1 {
		if name == "empty" || name == "blank" {
			return tplOperand{ref: -1}, nil
		}
		if _, err := strconv.ParseFloat(name, 64); err == nil && name[0] != '+' && !strings.ContainsAny(name, "eEnNiI_xX") {
			return tplOperand{ref: -1, lit: name}, nil
		}
	}
	return tplOperand{ref: p.addRef(name, start, false)}, nil
}

// implied returns the normalized names of the columns that are surely not
// empty when cmps[i:] of c evaluates to want.
// It walks the comparisons from the right, as they group, so that a long
// chain costs time in proportion to its length.
func (p *tplParser) implied(c *tplCond, i int, want bool) []string {
	n := len(c.cmps)
	rest := p.leafImplied(&c.cmps[n-1], want)
	for k := n - 2; k >= i; k-- {
		leaf := p.leafImplied(&c.cmps[k], want)
		if c.and[k] == want { // a and b true, or a or b false: both hold
			rest = append(rest, leaf...)
			continue
		}
		var both []string // either may hold: only what both imply (a leaf implies at most one)
		for _, a := range leaf {
			if slices.Contains(rest, a) {
				both = append(both, a)
			}
		}
		rest = both
	}
	return rest
}

func (p *tplParser) leafImplied(c *tplCmp, want bool) []string {
	var col, lit *tplOperand
	switch {
	case c.left.ref >= 0 && (c.op == tplTruthy || c.right.ref < 0):
		col, lit = &c.left, &c.right
	case c.op != tplContains && c.left.ref < 0 && c.right.ref >= 0:
		col, lit = &c.right, &c.left
	default:
		return nil
	}
	blankLit := strings.TrimSpace(lit.lit) == ""
	var nonEmpty bool
	switch c.op {
	case tplTruthy:
		nonEmpty = want
	case tplEq:
		nonEmpty = want != blankLit
	case tplNe:
		nonEmpty = want == blankLit
	case tplContains:
		nonEmpty = want && lit.lit != ""
	}
	if !nonEmpty {
		return nil
	}
	return []string{NormalizeName(p.t.refs[col.ref].Name)}
}
