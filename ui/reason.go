package ui

import (
	"fyne.io/fyne/v2/lang"

	"github.com/securemerge/securemerge/internal/campaign"
)

// reasonText renders a journal or pause reason in the window's language:
// the code picks the sentence ("reason.<code>" in the translations), the
// arguments fill it. The English sentence stored beside the code is for
// the command line and the exports; the window never shows it, except for
// a code this build does not know (a newer database), which falls back to it.
func reasonText(r campaign.Reason, english string) string {
	if r.IsZero() {
		return english
	}
	data := make(map[string]any, len(r.Args)+1)
	for k, v := range r.Args {
		data[k] = v
	}
	if t := r.ResumeAt(); !t.IsZero() {
		data["when"] = t.Local().Format(lang.L("format.datetime"))
	}
	key := "reason." + string(r.Code)
	text := lang.X(key, "\x00", data)
	if text == "\x00" || text == "" {
		return english
	}
	return text
}
