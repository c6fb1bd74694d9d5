// Package sheet reads recipient data from spreadsheets and delimited text
// files (.xlsx/.xlsm, .ods, .csv/.tsv/.txt) and streams it as rows of text,
// formatted the way the person sees them in their spreadsheet program.
//
// A Reader yields the cleaned header first (Columns) and then one data row
// at a time (Next); nothing holds the whole file in memory, so the first
// rows are available at once and memory stays bounded whatever the row
// count.
//
// Choices the design leaves open, made here:
//
//   - Header: the first row that has a non-blank cell. Names are trimmed,
//     runs of white space (including line breaks) become one space and the
//     text is NFC-normalized. An empty name becomes "Column C" (the
//     spreadsheet letter of its column, also for CSV); a duplicate, compared
//     case-insensitively like template tokens, becomes "Email (2)",
//     "Email (3)". Each rename adds a Warning.
//   - The header defines the columns. Values to the right of the last header
//     cell are dropped with one Warning per row (warnings are capped at 100
//     plus a summary). Short rows are padded with "".
//   - Merged header cells: the first cell of the merged range keeps the
//     value, the other cells are named like any empty header ("Column D").
//     In .xlsx the merge list is stored after the rows, so a streaming reader
//     cannot see it when it reads the header.
//   - Rows whose cells are all blank are skipped; Line still reports the
//     source row of each returned row.
//   - .xlsx values are read raw and formatted here from the cell's number
//     format: dates in the cell's own format, Excel's default short date
//     (built-in format 14) in Options.Locale, numbers rounded to 15
//     significant digits like Excel (0.1+0.2 shows 0.3), percentages,
//     booleans as TRUE/FALSE, errors as their text (#N/A), formulas by
//     their cached value. Decimal and thousands separators follow the
//     locale (1 234,5 in French, 1.234,5 in German). Month and day names are
//     English, or French for a French locale. Fractions (# ?/?) are shown
//     as decimals. Japanese era codes (ggg e: 令和7, gg 令, g R, and the
//     [$-ja-JP-x-gannen] 元年) and Buddhist years (bbbb) are shown as Excel
//     shows them; other numeral systems ([DBNum1], [NatNum1]) and the Hijri
//     calendar (B2) are shown with Western digits and Gregorian dates, with
//     a Warning at the first cell of each such format.
//   - .xlsx text keeps the edge white space of a <t> element only with
//     xml:space="preserve", as Excel shows it; a run of nothing but white
//     space between two formatted runs is kept.
//   - .xlsx sheets are parsed by this package (archive/zip and a small
//     streaming tokenizer for worksheet XML) rather than by excelize's
//     reader, for streaming and first-rows latency, measured: excelize
//     (whose Options do cap decompressed sizes, UnzipSizeLimit and
//     UnzipXMLSizeLimit) decodes the whole shared strings table before the
//     first row, 4.5 s to the first 100 rows of a 200,000-row workbook
//     whose every text is shared, with 1.4 GB allocated; this package
//     decodes the table lazily, as far as the rows read so far point, and
//     shows those rows in under a millisecond. excelize is used to write
//     test files and check benchmarks.
//   - .ods values are the text LibreOffice stored for display (text:p), which
//     is exactly what the user saw; a cell without display text is formatted
//     from its typed value (dates as the locale's short date).
//   - CSV: a UTF-8, UTF-16LE or UTF-16BE byte order mark decides the
//     encoding; without one, the first 64 KiB decide between UTF-8 and
//     Windows-1252. An invalid UTF-8 sequence found later in a UTF-8 file is
//     decoded as Windows-1252 with a warning. Line numbers are physical
//     lines, counting a "sep=;" first line.
//
// Cost is bounded by what a person could see, never by a multiplier
// written in a small file (Options documents each cap and its default):
// one cell 4 MiB, one row 8 MiB, one sheet 512 MiB of text, all counted as
// text plus one byte per cell, as the sheet would be as CSV; an .ods table
// past row 1,048,576 (Excel's and LibreOffice's last row) is refused; an
// .xlsx cell may point no further than the 16,777,216th shared text, and
// the shared texts held are capped at half the sheet's budget; CSV cells
// and rows are capped while they are read, quoted fields included, by a
// scanner with encoding/csv's LazyQuotes behaviour (checked against it by
// FuzzCSVScanner). A password-protected .ods file is ErrEncrypted. Zip part
// names are matched case-insensitively and with backslashes as slashes.
//
// Errors are *Error values that locate the problem (file, sheet, row,
// column) and wrap one of the sentinel errors (ErrEncrypted, ErrLegacyXLS,
// ...) for callers to branch on with errors.Is. No input makes the package
// panic or hang; zip formats are read through a cap on decompressed bytes.
//
// This package must not import anything of the application (merge, store,
// graph, ui, fyne): it is an adapter that turns files into rows of strings.
package sheet
