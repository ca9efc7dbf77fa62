// ForecastIngest: CSV file → cleaned `Series` → `WindowedDataset` for the models.
//
// Reading (`loadSeries`)
//   - libcsv (strict mode) tokenizes; blocks with no quote character at all use
//     `QuoteFreeTokenizer` instead (libcsv's rules for unquoted text, checked against libcsv by
//     tests and the fuzzer). A hand-written decimal parser converts numbers, equal to glibc
//     strtod bit for bit (`DecimalParser`). Regular files are mapped, cut into ~4 MiB blocks of
//     whole records and parsed on up to 4 threads; blocks merge in file order, so the result
//     and the first error do not depend on the thread count.
//   - Delimiter `,` `;` tab `|` detected from the first 50 records (`--delimiter` overrides); with
//     `;` a decimal comma is accepted. UTF-8 only (a BOM is skipped); CR LF or LF; blank lines
//     are skipped; quoted fields may hold delimiters, doubled quotes and newlines; spaces around
//     unquoted fields are trimmed.
//   - Header: the first line is a header when all its cells are text, or when a column has text
//     there and a number or date below. Without a header the columns are `value` (one column)
//     or `column1`…`columnN`.
//   - Date column: `--date-column`, else a column named date/time/timestamp/datetime/ds, else the
//     first column whose first value is an ISO-like date. Dates: ISO forms, YYYY/MM/DD, epoch
//     seconds, or `--date-format` (strftime-like); times without a zone are UTC.
//   - Target: `--target`, else adj close, close, price, value (case-insensitive, `_` = space),
//     else the only numeric column. Features: `--features` in the given order, else the target.
//   - Missing cells: empty, `""`, NA, N/A, NaN, null, -, #N/A. `--missing ffill` (default) |
//     interpolate | drop | error; leading rows with a missing value are always dropped.
//   - Rows out of date order are sorted (stable); duplicate timestamps are an error naming both
//     lines unless `--duplicates first|last`.
//   - Frequency inferred from the median spacing; gaps beyond it are counted and the first ten
//     listed (weekends are not gaps for business days).
//
// Errors: `IngestError` with file, line, column (field number), column name, offending text and
// a hint; exit codes 10 path, 11 encoding/binary, 12 empty/header only, 13 quoting/ragged,
// 14 non-numeric, 15 date, 16 column selection, 17 duplicates, 18 too few rows, 19 missing
// (--missing error), 32 columns differ from a saved scaler, 64 bad option value, 1 internal.
//
// Windowing (`makeWindows`)
//   - Transform (none | diff | log-return) applies to the target and to the target's own input
//     feature; other features stay levels. Splits by time: test = last `testFraction` of the
//     points, validation = last `validationFraction` of the rest; a window belongs to the split
//     holding all its targets (straddling windows are dropped); inputs may reach back.
//   - Scaling (z-score | min-max | none) per feature and for the target, fitted on the training
//     points only; `Scaler` is Codable for checkpoints.
//   - x: (T, N, D) time-major Float32; `flat()`: (N, T·D); y: (N, h). `inverse` undoes scaling
//     and transform from the actual value before each window's first target.
