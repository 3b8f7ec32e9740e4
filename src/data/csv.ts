/**
 * CSV text → a table of strings, with the 1-based file line of every row so later errors can say
 * "data.csv line 7". Parsing is papaparse's (quoted fields, doubled quotes, embedded newlines);
 * this file adds the rules backprop needs: a header row is required, blank lines are skipped, every
 * row has exactly the header's number of fields, column names are unique and non-empty.
 */
/// <reference path="./papaparse.d.ts" />
import Papa from 'papaparse/papaparse.js';
import { DataError, ValueError } from '../tensor/errors.js';
import { checkOptions, quoteCell } from './options.js';

export interface CsvOptions {
  /** Field separator, one character (default ','). Use '\t' for TSV, ';' for European CSV. */
  delimiter?: string;
  /** File name used in error messages (default 'CSV'). */
  source?: string;
}

/** A parsed CSV file: the header's column names and the data rows as raw strings (not trimmed). */
export interface CsvTable {
  /** Column names from the header row (surrounding whitespace removed). */
  columns: string[];
  /** Data rows; each has exactly columns.length fields, exactly as written (quotes removed). */
  rows: string[][];
  /** lines[i] is the 1-based file line where rows[i] starts. */
  lines: number[];
  /** The file name used in messages. */
  source: string;
}

/**
 * Parses CSV text with a header row.
 *
 * A line holding nothing but whitespace is skipped wherever it appears (so in a one-column file an
 * empty line is a skipped line, not a missing value). Throws DataError for an empty file, a header
 * with no data rows, an empty or duplicate column name, a row with the wrong number of fields, or a
 * quote that is never closed; each message names the source and line.
 *
 * @example
 * const t = parseCsv('x,label\n1.5,"a, b"\n\n2,c\n', { source: 'data.csv' });
 * t.columns // ['x', 'label']
 * t.rows    // [['1.5', 'a, b'], ['2', 'c']]
 * t.lines   // [2, 4]
 */
export function parseCsv(text: string, options: CsvOptions = {}): CsvTable {
  checkOptions('parseCsv', options, ['delimiter', 'source']);
  const source = options.source ?? 'CSV';
  const delimiter = options.delimiter ?? ',';
  if (typeof text !== 'string') throw new ValueError(`parseCsv: text must be a string, got ${typeof text}`);
  if (typeof delimiter !== 'string' || delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
    throw new ValueError(`parseCsv: delimiter must be one character other than a quote or a line break, got ${JSON.stringify(delimiter)}`);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // a byte-order mark is not part of the first name

  let columns: string[] | null = null;
  const rows: string[][] = [];
  const lines: number[] = [];
  let failure: DataError | null = null;

  // Line numbers: papaparse reports the character offset after each row; counting line breaks
  // between consecutive offsets gives each row's starting line in one pass over the text.
  let linebreak = '\n';
  let countedTo = 0;
  let line = 1;
  const lineAt = (offset: number): number => {
    const ch = linebreak === '\r' ? '\r' : '\n';
    if (offset < countedTo) return lineAt0(offset, ch);
    for (let i = countedTo; i < offset && i < text.length; i++) if (text[i] === ch) line++;
    countedTo = Math.max(countedTo, Math.min(offset, text.length));
    return line;
  };
  const lineAt0 = (offset: number, ch: string): number => {
    let l = 1;
    for (let i = 0; i < offset && i < text.length; i++) if (text[i] === ch) l++;
    return l;
  };

  let rowStart = 0;
  Papa.parse(text, {
    delimiter,
    header: false,
    dynamicTyping: false,
    skipEmptyLines: false,
    step(result, parser) {
      linebreak = result.meta.linebreak || '\n';
      const start = rowStart;
      rowStart = result.meta.cursor;
      const rowLine = lineAt(start);
      if (result.errors.length > 0) {
        const e = result.errors[0];
        const at = typeof e.index === 'number' ? lineAt0(e.index, linebreak === '\r' ? '\r' : '\n') : rowLine;
        failure = new DataError(
          e.code === 'MissingQuotes'
            ? `${source} line ${at}: a quoted field is never closed; close the quote, or double a quote ("") inside a quoted field`
            : `${source} line ${rowLine}: malformed quotes (${e.message}); a quoted field must end with a quote followed by the delimiter or the end of the line, and a quote inside it must be doubled ("")`,
        );
        parser.abort();
        return;
      }
      const fields = result.data;
      if (fields.length === 1 && fields[0].trim() === '') return; // blank line
      if (columns === null) {
        columns = fields.map((f) => f.trim());
        const seen = new Map<string, number>();
        for (let c = 0; c < columns.length; c++) {
          const name = columns[c];
          if (name === '') {
            failure = new DataError(`${source} line ${rowLine}: column ${c + 1} of the header has no name; the first row must name every column`);
            break;
          }
          const prev = seen.get(name);
          if (prev !== undefined) {
            failure = new DataError(`${source} line ${rowLine}: column name ${quoteCell(name)} appears twice in the header (columns ${prev + 1} and ${c + 1}); rename one of them`);
            break;
          }
          seen.set(name, c);
        }
        if (failure) parser.abort();
        return;
      }
      if (fields.length !== columns.length) {
        failure = new DataError(
          `${source} line ${rowLine}: ${fields.length} field${fields.length === 1 ? '' : 's'}, expected ${columns.length} (header has ${columns.length} column${columns.length === 1 ? '' : 's'}); ` +
            `check for a missing or extra ${delimiter === '\t' ? 'tab' : `'${delimiter}'`}, or quote a field that contains one`,
        );
        parser.abort();
        return;
      }
      rows.push(fields);
      lines.push(rowLine);
    },
  });
  if (failure) throw failure;
  if (columns === null) throw new DataError(`${source}: the file is empty; expected a header row naming the columns, then data rows`);
  if (rows.length === 0) throw new DataError(`${source}: only a header row, no data rows; add at least one row of values below the header`);
  return { columns, rows, lines, source };
}
