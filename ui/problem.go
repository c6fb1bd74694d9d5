package ui

import (
	"errors"
	"strconv"
	"strings"

	"fyne.io/fyne/v2/lang"

	"github.com/securemerge/securemerge/internal/merge"
)

// problemCodes are the validation problems the window writes in its own
// language ("problem.<code>"); the English Msg beside them is for the
// command line. A test checks that both languages have every one.
var problemCodes = []string{
	merge.CodeSyntax, merge.CodeUnknownColumn, merge.CodeNoSender, merge.CodeEmptyBody,
	merge.CodeEmptyValue, merge.CodeInvalidAddress, merge.CodeHeaderInjection,
	merge.CodeControlCharacter, merge.CodeSeveralAddresses, merge.CodeSeveralRecipients,
	merge.CodeAttachmentEscapes, merge.CodeAttachmentMissing, merge.CodeTooManyRecipients,
	merge.CodeSubjectTooLong, merge.CodeNoRecipient, merge.CodeDuplicate, merge.CodeSuppressed,
	merge.CodeLinkFromCell, merge.CodeUnsafeLink, merge.CodeOther, "data",
	"data.empty-header", "data.duplicate-header", "data.extra-value", "data.extra-values", "data.encoding-fallback", "data.encoding-fallback-row", "data.number-format-numerals", "data.number-format-hijri", "data.more-warnings",
}

// fieldNames are the message fields a problem may name ("field.<name>").
var fieldNames = []string{"From", "To", "Cc", "Bcc", "Reply-To", "Subject", "Body", "Attachment", "Language", "Format", "List"}

// fieldText is a field's name in the window's language: "Subject" is
// "Objet" in French; "Attachment 2" is "Pièce jointe 2".
func fieldText(f string) string {
	if f == "" {
		return ""
	}
	name, n, _ := strings.Cut(f, " ")
	key := "field." + name
	t := lang.X(key, "\x00")
	if t == "\x00" {
		return f
	}
	if n != "" {
		t += " " + n
	}
	return t
}

// problemText writes a validation problem in the window's language, with
// the field it is in ("To: invalid address"); the row is shown beside it
// by the caller. A problem whose code this build does not know, or the
// source's own remarks ("data"), keep their message.
func problemText(p merge.Problem) string {
	data := map[string]any{}
	for k, v := range p.Args {
		data[k] = v
	}
	text := lang.X("problem."+p.Code, "\x00", data)
	if text == "\x00" || p.Code == "data" || p.Code == merge.CodeOther {
		text = p.Msg
	}
	if f := fieldText(p.Field); f != "" {
		text = lang.L("problem.infield", map[string]any{"Field": f, "Text": text})
	}
	return text
}

// templateErrorTexts writes the template's errors (from Service.Spec or
// Merger) in the window's language, each located: "Body, line 3, column
// 12: unknown column “Prenom” (did you mean “Prénom”?)".
func templateErrorTexts(err error) []string {
	var out []string
	for _, p := range merge.TemplateProblems(err) {
		out = append(out, templateProblemText(p, err))
	}
	return out
}

func templateProblemText(p merge.Problem, err error) string {
	var text string
	var ue *merge.UnknownColumnError
	switch {
	case p.Code == merge.CodeUnknownColumn && errors.As(err, &ue) && ue.Suggestion != "":
		text = lang.L("problem.unknown-column.suggest", map[string]any{"column": ue.Name, "suggestion": ue.Suggestion})
	case p.Code == merge.CodeUnknownColumn && errors.As(err, &ue):
		text = lang.L("problem.unknown-column", map[string]any{"column": ue.Name})
	default:
		text = problemText(merge.Problem{Code: p.Code, Msg: p.Msg, Args: p.Args})
		if p.Code == merge.CodeSyntax || p.Code == merge.CodeOther {
			// A syntax error's detail is English; the window says where it
			// is and what kind of mistake, and the Message step shows the
			// text around it.
			text = lang.L("problem.syntax")
		}
	}
	var where []string
	if f := fieldText(p.Field); f != "" {
		where = append(where, f)
	}
	if p.TemplateLine > 0 {
		where = append(where, lang.L("problem.line", map[string]any{"Line": strconv.Itoa(p.TemplateLine)}))
	}
	if p.TemplateCol > 0 {
		where = append(where, lang.L("problem.column", map[string]any{"Column": strconv.Itoa(p.TemplateCol)}))
	}
	if len(where) == 0 {
		return text
	}
	return lang.L("problem.located", map[string]any{"Where": strings.Join(where, ", "), "Text": text})
}
