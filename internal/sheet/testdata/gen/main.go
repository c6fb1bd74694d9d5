// Command gen writes the small test corpus of internal/sheet into
// internal/sheet/testdata: workbooks made with excelize, hand-written
// OOXML for cases excelize cannot write (cached formula values, inline
// strings, the 1904 date system, too many columns), CSV files in every
// supported encoding, and broken files. The LibreOffice files
// (libreoffice.xlsx, libreoffice.ods, legacy.xls) come from lo.fods:
//
//	soffice --headless --convert-to xlsx lo.fods (and ods, xls)
//
// Run it from the repository root: go run ./internal/sheet/testdata/gen
package main

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"log"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"
)

var dir = "internal/sheet/testdata"

func main() {
	if len(os.Args) > 1 {
		dir = os.Args[1]
	}
	must(excelizeWorkbook())
	must(rawWorkbook())
	must(wide(16384, "wide16384.xlsx"))
	must(wide(16385, "wide16385.xlsx"))
	must(bigCell())
	must(bomb())
	must(brokenFiles())
	must(encrypted())
	must(csvFiles())
}

func must(err error) {
	if err != nil {
		log.Fatal(err)
	}
}

func write(name string, data []byte) error {
	return os.WriteFile(filepath.Join(dir, name), data, 0o644)
}

func excelizeWorkbook() error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", "Blank"); err != nil {
		return err
	}
	if _, err := f.NewSheet("Contacts"); err != nil {
		return err
	}
	if _, err := f.NewSheet("Merged"); err != nil {
		return err
	}
	style := func(s *excelize.Style) int {
		id, err := f.NewStyle(s)
		must(err)
		return id
	}
	code := func(c string) int { return style(&excelize.Style{CustomNumFmt: &c}) }
	iso, short, dmy, hm := code("yyyy-mm-dd"), style(&excelize.Style{NumFmt: 14}), style(&excelize.Style{NumFmt: 15}), style(&excelize.Style{NumFmt: 20})
	pct, pct1, money, grouped := style(&excelize.Style{NumFmt: 9}), code("0.0%"), style(&excelize.Style{NumFmt: 2}), style(&excelize.Style{NumFmt: 3})
	phone := code("00 00 00 00 00")
	header := []any{"  First \n Name ", "Email", nil, "email", "Born", "Short", "Dmy", "Time", "Share", "Share1", "Amount", "Float", "Active", "Phone", "Grouped"}
	if err := f.SetSheetRow("Contacts", "A1", &header); err != nil {
		return err
	}
	born := time.Date(2020, 1, 2, 0, 0, 0, 0, time.UTC)
	rows := [][]any{
		{"Zoë", "zoe@example.fr", nil, "zoe@perso.fr", born, born, born, 0.5, 0.25, 0.125, 1234.5, 0.1 + 0.2, true, 612345678, 1234567},
		{"李小龙", "lee@example.cn", nil, nil, time.Date(1999, 7, 14, 0, 0, 0, 0, time.UTC), nil, nil, 0.75, 1, 0.0005, -3.14159, 1e-3, false, nil, -1000},
		{"Line\nBreak", "multi@example.com"},
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if i == 2 {
			cell = "A7" // rows 4-6 are left empty: a gap
		}
		if err := f.SetSheetRow("Contacts", cell, &r); err != nil {
			return err
		}
	}
	for _, row := range []int{2, 3} {
		for col, st := range map[string]int{"E": iso, "F": short, "G": dmy, "H": hm, "I": pct, "J": pct1, "K": money, "N": phone, "O": grouped} {
			c := fmt.Sprintf("%s%d", col, row)
			if err := f.SetCellStyle("Contacts", c, c, st); err != nil {
				return err
			}
		}
	}
	// Merged header: "Person" spans A1:B1.
	for cell, v := range map[string]any{"A1": "Person", "C1": "City", "A2": "Ana", "B2": "Silva", "C2": "Lyon"} {
		if err := f.SetCellValue("Merged", cell, v); err != nil {
			return err
		}
	}
	if err := f.MergeCell("Merged", "A1", "B1"); err != nil {
		return err
	}
	return f.SaveAs(filepath.Join(dir, "excelize.xlsx"))
}

// zipParts writes an .xlsx from part name -> content.
func zipParts(parts map[string]string) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	names := []string{"[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels"}
	for n := range parts {
		if !strings.HasPrefix(n, "[") && n != "_rels/.rels" && n != "xl/workbook.xml" && n != "xl/_rels/workbook.xml.rels" {
			names = append(names, n)
		}
	}
	for _, n := range names {
		body, ok := parts[n]
		if !ok {
			continue
		}
		w, err := zw.Create(n)
		must(err)
		_, err = w.Write([]byte(body))
		must(err)
	}
	must(zw.Close())
	return buf.Bytes()
}

const contentTypes = `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>`
const rootRels = `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`

func workbookParts(workbookPr string, sheet string, sst string, styles string) map[string]string {
	rels := `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>`
	if sst != "" {
		rels += `<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>`
	}
	if styles != "" {
		rels += `<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="/xl/styles.xml"/>`
	}
	rels += `</Relationships>`
	p := map[string]string{
		"[Content_Types].xml":        contentTypes,
		"_rels/.rels":                rootRels,
		"xl/_rels/workbook.xml.rels": rels,
		"xl/workbook.xml": `<?xml version="1.0" encoding="UTF-8"?><x:workbook xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">` +
			workbookPr + `<x:sheets><x:sheet name="Données" sheetId="1" r:id="rId1"/></x:sheets></x:workbook>`,
		"xl/worksheets/sheet1.xml": sheet,
	}
	if sst != "" {
		p["xl/sharedStrings.xml"] = sst
	}
	if styles != "" {
		p["xl/styles.xml"] = styles
	}
	return p
}

// rawWorkbook is written by hand in the way other producers (.NET's
// OpenXML SDK, Google Sheets, Excel itself) write what excelize does not:
// a namespace prefix, cached formula values, inline strings, error cells,
// rows and cells without references, phonetic runs, _xHHHH_ escapes and
// the 1904 date system.
func rawWorkbook() error {
	sst := `<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="5" uniqueCount="5">` +
		`<si><t>Name</t></si><si><t xml:space="preserve"> Total </t></si><si><r><t>Mi</t></r><r><rPr><b/></rPr><t>xed &amp; bold</t></r></si>` +
		`<si><t>東京</t><rPh sb="0" eb="2"><t>トウキョウ</t></rPh></si><si><t>a_x000D_b_x005F_x</t></si></sst>`
	styles := `<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">` +
		`<numFmts count="3"><numFmt numFmtId="164" formatCode="dd/mm/yyyy\ hh:mm"/><numFmt numFmtId="165" formatCode="&quot;€&quot;\ #,##0.00;[Red]\-&quot;€&quot;\ #,##0.00"/><numFmt numFmtId="166" formatCode="[$-F800]dddd\,\ mmmm\ dd\,\ yyyy"/></numFmts>` +
		`<cellXfs count="5"><xf numFmtId="0"/><xf numFmtId="164" applyNumberFormat="1"/><xf numFmtId="165" applyNumberFormat="1"/><xf numFmtId="14" applyNumberFormat="1"/><xf numFmtId="10" applyNumberFormat="1"/></cellXfs></styleSheet>`
	sheet := `<?xml version="1.0" encoding="UTF-8"?><x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:dimension ref="A1:F4"/><x:sheetData>` +
		`<x:row r="2"><x:c r="A2" t="s"><x:v>0</x:v></x:c><x:c r="B2" t="s"><x:v>1</x:v></x:c><x:c t="inlineStr"><x:is><x:t>When</x:t></x:is></x:c><x:c t="inlineStr"><x:is><x:t>Price</x:t></x:is></x:c><x:c t="inlineStr"><x:is><x:t>Ok</x:t></x:is></x:c><x:c r="F2" t="inlineStr"><x:is><x:t>Rate</x:t></x:is></x:c></x:row>` +
		`<x:row r="3"><x:c r="A3" t="s"><x:v>2</x:v></x:c><x:c r="B3"><x:f>SUM(1,2)</x:f><x:v>3</x:v></x:c><x:c r="C3" s="1"><x:v>43830.5</x:v></x:c><x:c r="D3" s="2"><x:v>-1234.5</x:v></x:c><x:c r="E3" t="b"><x:f>TRUE()</x:f><x:v>1</x:v></x:c><x:c r="F3" s="4"><x:v>0.0125</x:v></x:c></x:row>` +
		`<x:row><x:c r="A4" t="s"><x:v>3</x:v></x:c><x:c r="B4" t="e"><x:f>NA()</x:f><x:v>#N/A</x:v></x:c><x:c r="C4" s="3"><x:v>0</x:v></x:c><x:c r="D4" t="str"><x:f>"x"&amp;"y"</x:f><x:v>xy</x:v></x:c><x:c r="F4"/></x:row>` +
		`<x:row r="9" spans="1:6"/>` +
		`<x:row r="12"><x:c r="A12" t="s"><x:v>4</x:v></x:c><x:c r="B12" t="inlineStr"><x:is><x:t>bad ` + "\xff" + ` byte</x:t></x:is></x:c><x:c r="C12" s="1"/><x:c r="D12" s="2"><x:v>0</x:v></x:c></x:row>` +
		`</x:sheetData><x:mergeCells count="0"/></x:worksheet>`
	return write("raw1904.xlsx", zipParts(workbookParts(`<x:workbookPr date1904="1"/>`, sheet, sst, styles)))
}

func wide(cols int, name string) error {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">`)
	for c := 1; c <= cols; c++ {
		fmt.Fprintf(&b, `<c><v>%d</v></c>`, c) // cells without a reference follow each other
	}
	b.WriteString(`</row><row r="2">`)
	ref, _ := excelize.ColumnNumberToName(cols)
	fmt.Fprintf(&b, `<c r="A2"><v>1</v></c><c r="%s2"><v>2</v></c></row></sheetData></worksheet>`, ref)
	return write(name, zipParts(workbookParts("", b.String(), "", "")))
}

// bigCell holds a 1 MB inline string (excelize caps cells at 32,767
// characters, Excel's limit for typing; other programs write more).
func bigCell() error {
	sheet := `<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>` +
		`<row r="1"><c r="A1" t="inlineStr"><is><t>Big</t></is></c><c r="B1" t="inlineStr"><is><t>Small</t></is></c></row>` +
		`<row r="2"><c r="A2" t="inlineStr"><is><t>` + strings.Repeat("0123456789", 100_000) + `</t></is></c><c r="B2" t="inlineStr"><is><t>ok</t></is></c></row>` +
		`</sheetData></worksheet>`
	return write("bigcell.xlsx", zipParts(workbookParts("", sheet, "", "")))
}

// bomb is a valid workbook whose sheet expands to 40 MB of white space;
// tests read it with a 10 MiB cap.
func bomb() error {
	sheet := `<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row>` +
		strings.Repeat(" ", 40<<20) + `</sheetData></worksheet>`
	return write("bomb.xlsx", zipParts(workbookParts("", sheet, "", "")))
}

func brokenFiles() error {
	full, err := os.ReadFile(filepath.Join(dir, "excelize.xlsx"))
	if err != nil {
		return err
	}
	must(write("truncated.xlsx", full[:len(full)*6/10]))
	rnd := rand.New(rand.NewSource(42))
	junk := make([]byte, 2048)
	rnd.Read(junk)
	junk[0] = 0x13 // never a known magic number
	must(write("random.xlsx", junk))
	must(write("empty.xlsx", nil))
	must(write("empty.csv", nil))
	must(write("blank.csv", []byte("\r\n , ,\r\n\r\n")))
	must(write("headeronly.csv", []byte("Name,Email\r\n")))
	must(write("webpage.xls", []byte("<html><body><table><tr><td>Name</td></tr></table></body></html>")))
	return nil
}

// encrypted writes the container Office uses for a password-protected
// .xlsx: an OLE2 compound file with EncryptionInfo and EncryptedPackage
// streams (their content is filler: the reader only needs the names).
func encrypted() error {
	const sector = 512
	streams := []struct {
		name string
		data []byte
	}{
		{"EncryptionInfo", bytes.Repeat([]byte{4, 0, 4, 0, 0x40, 0, 0, 0}, 512)},
		{"EncryptedPackage", bytes.Repeat([]byte{0xAB}, 4096)},
	}
	const free, end, fatSect, noStream = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
	fat := make([]uint32, sector/4)
	for i := range fat {
		fat[i] = free
	}
	fat[0] = fatSect
	fat[1] = end // directory
	next := uint32(2)
	starts := make([]uint32, len(streams))
	for i, s := range streams {
		n := uint32(len(s.data) / sector)
		starts[i] = next
		for k := uint32(0); k < n; k++ {
			if k == n-1 {
				fat[next+k] = end
			} else {
				fat[next+k] = next + k + 1
			}
		}
		next += n
	}
	var out bytes.Buffer
	le := binary.LittleEndian
	hdr := make([]byte, sector)
	copy(hdr, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1})
	le.PutUint16(hdr[24:], 0x3E)
	le.PutUint16(hdr[26:], 3)
	le.PutUint16(hdr[28:], 0xFFFE)
	le.PutUint16(hdr[30:], 9)
	le.PutUint16(hdr[32:], 6)
	le.PutUint32(hdr[44:], 1) // FAT sectors
	le.PutUint32(hdr[48:], 1) // first directory sector
	le.PutUint32(hdr[56:], 4096)
	le.PutUint32(hdr[60:], end)
	le.PutUint32(hdr[68:], end)
	for i := 76; i < sector; i += 4 {
		le.PutUint32(hdr[i:], free)
	}
	le.PutUint32(hdr[76:], 0) // FAT is sector 0
	out.Write(hdr)
	for _, v := range fat {
		binary.Write(&out, le, v)
	}
	entry := func(name string, typ byte, left, right, child, start uint32, size int) []byte {
		e := make([]byte, 128)
		u := utf16.Encode([]rune(name))
		for i, c := range u {
			le.PutUint16(e[2*i:], c)
		}
		if name != "" {
			le.PutUint16(e[64:], uint16(2*len(u)+2))
		}
		e[66], e[67] = typ, 1
		le.PutUint32(e[68:], left)
		le.PutUint32(e[72:], right)
		le.PutUint32(e[76:], child)
		le.PutUint32(e[116:], start)
		le.PutUint32(e[120:], uint32(size))
		return e
	}
	out.Write(entry("Root Entry", 5, noStream, noStream, 1, end, 0))
	out.Write(entry(streams[0].name, 2, noStream, 2, noStream, starts[0], len(streams[0].data)))
	out.Write(entry(streams[1].name, 2, noStream, noStream, noStream, starts[1], len(streams[1].data)))
	out.Write(entry("", 0, noStream, noStream, noStream, 0, 0))
	for _, s := range streams {
		out.Write(s.data)
	}
	return write("encrypted.xlsx", out.Bytes())
}

func utf16Bytes(s string, bigEndian bool) []byte {
	u := utf16.Encode([]rune(s))
	b := make([]byte, 2*len(u))
	for i, c := range u {
		if bigEndian {
			binary.BigEndian.PutUint16(b[2*i:], c)
		} else {
			binary.LittleEndian.PutUint16(b[2*i:], c)
		}
	}
	return b
}

func csvFiles() error {
	comma := "Name,Email,City,Note\r\n" +
		"Zoë,zoe@example.fr,\"Paris, France\",\"She said \"\"hi\"\"\"\r\n" +
		"李小龙,lee@example.cn,東京,\"two\nlines\"\r\n" +
		",,,\r\n" +
		"Ana,ana@example.pt,Lisboa\r\n" +
		"Bob,bob@example.com,Berlin,note,extra\r\n"
	must(write("utf8.csv", []byte(comma)))
	semi := "Prénom;Nom;Montant\r\nHélène;Dupré;12,50\r\nFrançois;Œuvre;1 000,00\r\n"
	must(write("utf8bom.csv", append([]byte{0xEF, 0xBB, 0xBF}, semi...)))
	cp, err := charmap.Windows1252.NewEncoder().String(semi)
	if err != nil {
		return err
	}
	must(write("cp1252.csv", []byte(cp)))
	tab := "Name\tEmail\tCity\r\nZoë\tzoe@example.fr\tMâcon\r\n李\tli@example.cn\t北京\r\n"
	must(write("utf16le.txt", append([]byte{0xFF, 0xFE}, utf16Bytes(tab, false)...)))
	must(write("utf16be.csv", append([]byte{0xFE, 0xFF}, utf16Bytes(strings.ReplaceAll(tab, "\t", ","), true)...)))
	must(write("sepline.csv", []byte("sep=;\r\nName;Amount\r\nZoë;1,5\r\nAl;2,25\r\n")))
	must(write("pipe.txt", []byte("Name|Email\nZoë|zoe@example.fr\nAl|al@example.com\n")))
	must(write("tabs.tsv", []byte("Name\tNote\nZoë\ta, b; c\n")))
	return nil
}
