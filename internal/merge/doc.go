// Package merge is the heart of SecureMerge: the template language,
// recipients, validation, the concurrent render engine and MIME messages.
//
// # Template language
//
// Compile parses a template once into a flat list of segments (literal text,
// outputs with their filters, conditional jumps); Template.Bind resolves its
// column references against a Header; Template.Render then appends one
// row's output to a buffer without parsing and, for most templates, without
// allocating. The language is the Liquid subset that SecureMailMerge users
// know:
//
//	{{ FirstName }}                 the cell of column FirstName
//	{{ First Name }} {{ E-mail }}   bare names: everything up to | or }}, trimmed
//	{{ ["Date RDV"] }} {{ ['x'] }}  bracketed names, for anything else
//	{{ 'text' }}                    a literal, e.g. {{ '{{' }}
//	{{ X | f | g: 'a', 2 }}         filters, applied left to right
//	{% if X %}…{% elsif Y == 'a' %}…{% else %}…{% endif %}
//	{% unless X %}…{% endunless %}
//	{% raw %}…{% endraw %}  {% comment %}…{% endcomment %}  {% # note %}
//	{{- -}} {%- -%}                 strip white space (newlines too) on that side
//
// Column names match case-insensitively, with surrounding and repeated white
// space ignored and Unicode NFC (see NormalizeName): {{ first   name }}
// reads the column "First Name". Matching ignores nothing else: {{ email }}
// does not read "E-mail", but Bind's error suggests it (Header.Suggest is
// punctuation- and accent-insensitive and tolerates typos).
//
// Filters: default: 'v' (when the cell is empty or only white space),
// upcase and downcase (with Unicode's full case mapping, as Ruby's: straße
// is STRASSE), capitalize (first character title-cased, the rest lower, as
// Ruby's String#capitalize for Liquid), strip, truncate: n [, 'ellipsis'] (n counts the ellipsis, default
// "..."; n defaults to 50), replace: 'a' [, 'b'], date: '%d/%m/%Y'. The date
// filter reads ISO dates first, then day-first dates (02/01/2006 is 2
// January), month-first only when day-first is impossible (01/13/2006), then
// dates in English or French words ("2 January 2006", "2 janvier 2006"), and
// the words now and today; it formats with %d %e %m %Y %y %H %I %M %S %p %B
// %b %A %a %j %% (%-d drops the padding), with day and month names in the
// template's language (Template.SetLanguage, the Language: header or
// Options.Language; English, as in Liquid, by default; see DateLanguages). A
// value that is not a date is printed unchanged: filters never fail at
// render time. Filter arguments are quoted strings or numbers.
//
// Conditions: a column alone is true when its cell is not empty after
// trimming; ==, != (or <>) and contains compare a column, a quoted string, a
// number (compared as written) or empty/blank (the empty string). Cells and
// quoted literals are both trimmed before comparing (a documented
// difference from Liquid); comparisons are case-sensitive, as in Liquid. and/or have no precedence and no parentheses:
// as in Liquid they group from the right, so a or b and c is a or (b and c)
// and a and b or c is a and (b or c). A bare column name in a condition runs
// up to an operator, and, or, or contains (lower case, as in Liquid); bracket
// names that contain those words, start with a quote or are a number:
// {% if ["Tom and Jerry"] %}, {% if ["2024"] %}.
//
// and, or and contains end where Liquid's lexer ends a word: x contains'a'
// and x and'a' hold operators.
//
// Raw blocks and comments are cut into tokens as Liquid cuts them: a stray
// {% or {{ inside {% raw %} is text, {%- raw -%} trims outside the block
// only, and a {% raw %} inside a {% comment %} is part of the comment.
// Liquid's own tests for this subset are data in testdata/liquid, with the
// documented differences listed there.
//
// Delimiters are found as in Liquid: an output ends at the first }}, a tag
// at the first %}, even inside quotes, so write {% raw %}}}{% endraw %} for
// a literal }}. Errors are *SyntaxError with a line and a column (in
// characters) and say what was expected; unknown columns are
// *UnknownColumnError with a suggestion.
//
// # Links from cells
//
// In an HTML body (written in HTML or derived from Markdown), a value that
// starts the address of a link or image ([x]({{ V }}), href="{{ V }}",
// src=…) may only be an http, https or mailto URL, or a bare e-mail
// address, which gets mailto: in front; anything else (javascript:,
// data:, file:, a relative address) is an *UnsafeLinkError for that row.
// An address whose scheme the template writes (href="https://x/{{ V }}")
// is not checked. An unquoted attribute value that holds an output is
// quoted, and a Markdown autolink <{{ V }}> links to its value. Validate
// warns (CodeLinkFromCell) about every column that starts a link.
//
// # Imports
//
// merge is the domain: it imports the standard library, golang.org/x/* and
// goldmark (Markdown) only, never fyne, bbolt, excelize, msgraph, sentry or
// any other adapter, and it reads no environment variable.
package merge
