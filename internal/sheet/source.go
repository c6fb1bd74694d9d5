package sheet

import (
	"fmt"
	"strings"

	"github.com/securemerge/securemerge/internal/campaign"
	"github.com/securemerge/securemerge/internal/merge"
)

// Sources opens campaign data sources with this package: the adapter the
// application layer reads spreadsheets through (campaign.Sources).
type Sources struct {
	// Locale is a BCP 47 tag for dates and numbers; "" means from the
	// environment (Options.Locale).
	Locale string
}

var _ campaign.Sources = Sources{}

// Open opens d's file as its sheet, encoding and delimiter say.
func (s Sources) Open(d campaign.DataSource) (campaign.Rows, error) {
	delim, err := ParseDelimiter(d.Delimiter)
	if err != nil {
		return nil, err
	}
	r, err := Open(d.Path, Options{Sheet: d.Sheet, Encoding: d.Encoding, Delimiter: delim, Locale: s.Locale})
	if err != nil {
		return nil, err
	}
	return rows{r}, nil
}

// ParseDelimiter reads a delimiter as people write it: , ; tab or | (or
// their names), or "" to detect it.
func ParseDelimiter(s string) (rune, error) {
	switch strings.ToLower(s) {
	case "":
		return 0, nil
	case ",", "comma":
		return ',', nil
	case ";", "semicolon":
		return ';', nil
	case "tab", "\\t", "\t":
		return '\t', nil
	case "|", "pipe":
		return '|', nil
	}
	return 0, fmt.Errorf("delimiter %q: use , ; tab or |", s)
}

// rows is a Reader as campaign.Rows.
type rows struct{ *Reader }

// Warnings are the reader's warnings as validation warnings: Code "data."
// and the Warning's Code ("data.empty-header"), its Args, and the column's
// letters as Args "letter" when the warning is in one column.
func (r rows) Warnings() []merge.Problem {
	ws := r.Info().Warnings
	out := make([]merge.Problem, len(ws))
	for i, w := range ws {
		out[i] = problemOf(w)
	}
	return out
}

func problemOf(w Warning) merge.Problem {
	p := merge.Problem{Severity: merge.Warning, Line: w.Row, Code: "data", Msg: w.Message}
	if w.Code != "" {
		p.Code = "data." + w.Code
	}
	if len(w.Args) > 0 || w.Column > 0 {
		p.Args = make(map[string]string, len(w.Args)+1)
		for k, v := range w.Args {
			p.Args[k] = v
		}
		if w.Column > 0 {
			p.Args["letter"] = ColumnName(w.Column)
		}
	}
	return p
}

// Source describes the file as it was read: the Data screen's sheet
// picker and the encoding and delimiter found.
func (r rows) Source() campaign.SourceInfo {
	i := r.Info()
	return campaign.SourceInfo{Format: i.Format, Sheet: i.Sheet, Sheets: i.Sheets, Encoding: i.Encoding, Delimiter: i.Delimiter}
}
