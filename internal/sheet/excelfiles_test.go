package sheet

import (
	"archive/zip"
	"bufio"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestEncryptedODS: LibreOffice's "Save with password" encrypts content.xml
// and marks it in the manifest; the person must learn the file is
// protected, not that it is damaged.
func TestEncryptedODS(t *testing.T) {
	manifest := `<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">` +
		`<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>` +
		`<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml" manifest:size="3120"><manifest:encryption-data manifest:checksum-type="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0#sha256-1k" manifest:checksum="x"><manifest:algorithm manifest:algorithm-name="http://www.w3.org/2009/xmlenc11#aes256-gcm" manifest:initialisation-vector="y"/><manifest:key-derivation manifest:key-derivation-name="urn:org:documentfoundation:names:experimental:office:manifest:argon2id" manifest:key-size="32" manifest:salt="z"/></manifest:encryption-data></manifest:file-entry>` +
		`</manifest:manifest>`
	dir := t.TempDir()
	for name, parts := range map[string]map[string]string{
		"protected.ods": {"content.xml": "\x8f\x02\xa9 not xml at all \x00\x01", "META-INF/manifest.xml": manifest},
		// ODF 1.4 "wholesome" encryption: one encrypted package, no content.xml.
		"wholesome.ods": {"encrypted-package": "\x8f\x02\xa9\x00", "META-INF/manifest.xml": strings.ReplaceAll(manifest, `full-path="content.xml"`, `full-path="encrypted-package"`)},
	} {
		path := writeODSParts(t, filepath.Join(dir, name), parts)
		_, err := Open(path, Options{})
		if !errors.Is(err, ErrEncrypted) || !strings.Contains(err.Error(), "Save with password") || !strings.Contains(err.Error(), name) {
			t.Errorf("Open(%s) = %v; want ErrEncrypted naming the file with the advice to untick \"Save with password\"", name, err)
		}
	}
}

// TestBackslashZipEntries: some exporters write part names with
// backslashes (xl\workbook.xml); Excel opens those files, so must we.
func TestBackslashZipEntries(t *testing.T) {
	path := filepath.Join(t.TempDir(), "backslash.xlsx")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for _, p := range [][2]string{
		{`[Content_Types].xml`, `<Types/>`},
		{`_rels\.rels`, `<Relationships><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`},
		{`xl\workbook.xml`, `<workbook xmlns:r="r"><sheets><sheet name="Data" r:id="rId1"/></sheets></workbook>`},
		{`xl\_rels\workbook.xml.rels`, `<Relationships><Relationship Id="rId1" Type="x/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="x/sharedStrings" Target="sharedStrings.xml"/></Relationships>`},
		{`xl\sharedStrings.xml`, `<sst><si><t>Name</t></si><si><t>Zoë</t></si></sst>`},
		{`xl\worksheets\sheet1.xml`, `<worksheet><sheetData><row r="1"><c t="s"><v>0</v></c></row><row r="2"><c t="s"><v>1</v></c></row></sheetData></worksheet>`},
	} {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: p[0], Method: zip.Deflate})
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, p[1])
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	cols, rows, info := readAll(t, path, Options{})
	if !reflect.DeepEqual(cols, []string{"Name"}) || !reflect.DeepEqual(rows, map[int][]string{2: {"Zoë"}}) || info.Sheet != "Data" {
		t.Errorf("read %q %v sheet %q; want [Name], row 2 [Zoë], sheet Data", cols, rows, info.Sheet)
	}
}

// TestTextEdgeSpaces: Excel drops the edge white space of a <t> element
// without xml:space="preserve" (spaces, tabs and line breaks, also written
// as character references) and keeps it with preserve; a run of nothing but
// white space between two formatted runs is kept. The values are compared
// with LEN() in Excel by the reports cited in trimRun.
func TestTextEdgeSpaces(t *testing.T) {
	path := writeXLSXParts(t, filepath.Join(t.TempDir(), "spaces.xlsx"), func(w *bufio.Writer) {
		w.WriteString(`<worksheet><sheetData><row r="1">` +
			`<c t="inlineStr"><is><t>Plain</t></is></c><c t="inlineStr"><is><t>Kept</t></is></c><c t="inlineStr"><is><t>Rich</t></is></c><c t="inlineStr"><is><t>Escaped</t></is></c></row>` +
			`<row r="2"><c t="s"><v>0</v></c><c t="s"><v>1</v></c><c t="s"><v>2</v></c><c t="s"><v>3</v></c></row>` +
			`<row r="3"><c t="inlineStr"><is><t>  B-inline  </t></is></c><c t="inlineStr"><is><t xml:space="preserve">  kept  </t></is></c>` +
			`<c t="inlineStr"><is><t>&#x9;C-tab&#x9;</t></is></c><c t="inlineStr"><is><t>&#xa;D-newline&#xa;</t></is></c></row>` +
			`</sheetData></worksheet>`)
	}, func(w *bufio.Writer) {
		w.WriteString(`<sst><si><t>  trimmed value  </t></si><si><t xml:space="preserve">  preserved value  </t></si>` +
			`<si><r><t>hello</t></r><r><rPr><b/></rPr><t> </t></r><r><t>world </t></r></si>` +
			`<si><t>_x0020_escaped_x0020_</t></si></sst>`)
	})
	_, rows, _ := readAll(t, path, Options{})
	want := map[int][]string{
		2: {"trimmed value", "  preserved value  ", "hello world", " escaped "},
		3: {"B-inline", "  kept  ", "C-tab", "D-newline"},
	}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("rows = %v; want %v", rows, want)
	}
}
