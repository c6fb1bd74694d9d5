package sheet

import (
	"fmt"
	"io"
	"strings"

	"github.com/richardlehane/mscfb"
)

// oleMagic starts every OLE2 compound file: legacy .xls, .doc, and the
// container Office uses for password-protected .xlsx files.
var oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

// classifyOLE tells an encrypted workbook (EncryptionInfo and
// EncryptedPackage streams) from a legacy .xls (Workbook or Book stream)
// and from other compound files. It never returns nil.
func classifyOLE(ra io.ReaderAt) (err error) {
	defer func() {
		// mscfb is not hardened against hostile input; a crash there is a
		// damaged file, not a crash of the app.
		if p := recover(); p != nil {
			err = corrupt(fmt.Errorf("compound file: %v", p))
		}
	}()
	doc, err := mscfb.New(ra)
	if err != nil {
		return corrupt(err)
	}
	var encrypted, workbook bool
	for i := 0; i < 100000; i++ {
		f, err := doc.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return corrupt(err)
		}
		switch strings.ToLower(f.Name) {
		case "encryptioninfo", "encryptedpackage":
			encrypted = true
		case "workbook", "book":
			workbook = true
		}
	}
	switch {
	case encrypted:
		return ErrEncrypted
	case workbook:
		return ErrLegacyXLS
	}
	return errorf(ErrNotSpreadsheet, "%s (it is an older Office document, perhaps Word or PowerPoint)", ErrNotSpreadsheet.Error())
}
