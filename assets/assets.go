// Package assets holds the files SecureMerge ships inside its binary: the
// icon, the translations, the promotional footer of the free plan and the
// sample campaign the app opens with on first run.
//
// It is data only: it must not import any other package of this module.
package assets

import (
	"embed"
	"io/fs"

	_ "embed" // the footer strings
)

//go:embed icon.png
var Icon []byte

// Translations holds the Fyne translation files in translations/ (en.json,
// fr.json), for lang.AddTranslationsFS(Translations, "translations").
//
//go:embed translations/*.json
var Translations embed.FS

//go:embed sample
var sample embed.FS

// Sample returns the folder of the sample campaign: recipients.csv and
// invitation.tpl, written to the data folder on first run.
func Sample() fs.FS {
	sub, err := fs.Sub(sample, "sample")
	if err != nil {
		panic(err) // the folder is embedded above; this cannot fail at run time
	}
	return sub
}

// FooterText and FooterHTML are the promotional footer the free plan appends
// to each message; a licence removes it.
var (
	//go:embed footer.txt
	FooterText string
	//go:embed footer.html
	FooterHTML string
)
