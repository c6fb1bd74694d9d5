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
//     as decimals.
//   - .xlsx sheets are parsed by this package (archive/zip and a small
//     streaming tokenizer for worksheet XML): excelize's reader loads
//     the whole package in memory and cannot cap decompressed sizes as it
//     reads. excelize is used to write test files and benchmarks.
//   - .ods values are the text LibreOffice stored for display (text:p), which
//     is exactly what the user saw; a cell without display text is formatted
//     from its typed value (dates as the locale's short date).
//   - CSV: a UTF-8, UTF-16LE or UTF-16BE byte order mark decides the
//     encoding; without one, the first 64 KiB decide between UTF-8 and
//     Windows-1252. An invalid UTF-8 sequence found later in a UTF-8 file is
//     decoded as Windows-1252 with a warning. Line numbers are physical
//     lines, counting a "sep=;" first line.
//
// Errors are *Error values that locate the problem (file, sheet, row,
// column) and wrap one of the sentinel errors (ErrEncrypted, ErrLegacyXLS,
// ...) for callers to branch on with errors.Is. No input makes the package
// panic or hang; zip formats are read through a cap on decompressed bytes.
//
// This package must not import anything of the application (merge, store,
// graph, ui, fyne): it is an adapter that turns files into rows of strings.
package sheet
