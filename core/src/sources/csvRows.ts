/**
 * The rows of a CSV file, parsed by csv-parse (streaming) from the capture reader's lines, so
 * gzip, truncation (IncompleteCapture) and the line cap stay captureFile's. Quoted cells are read
 * as CSV (`"a,b"` is one cell); a row is one line: a row that is not CSV (a stray quote) or whose
 * quoted cell runs over several lines is handed to `bad`, like a line over the cap.
 */
import { parse, type CsvError, type Info } from 'csv-parse';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MAX_LINE_LENGTH, OversizedLine, readLines } from './captureFile.js';

export interface CsvRow {
  readonly cells: string[];
  /** 1-based; the header is line 1 */
  readonly line: number;
}

/** A row skipped at `line`; `lines` physical lines are lost with it. */
export type BadRow = (line: number, reason: string, kind?: 'malformed' | 'oversized', lines?: number) => void;

const BATCH = 1024;

/** The file's rows, the header first, a batch at a time. */
export async function* csvRows(path: string, bad: BadRow): AsyncGenerator<CsvRow[]> {
  let physical = 0;
  async function* text(): AsyncGenerator<string> {
    for await (const lines of readLines(path)) {
      const out: string[] = [];
      for (const line of lines) {
        physical++;
        if (line instanceof OversizedLine) {
          bad(physical, `${(line.length / 1048576).toFixed(1)} MiB long, over the ${MAX_LINE_LENGTH / 1048576} MiB line cap`, 'oversized');
          out.push(''); // an empty line keeps the parser's line numbers
        } else out.push(line);
      }
      yield `${out.join('\n')}\n`;
    }
  }
  const parser = parse({ info: true, relax_column_count: true, skip_records_with_error: true, max_record_size: MAX_LINE_LENGTH });
  parser.on('skip', (error: CsvError & { lines?: number }) => bad(error.lines ?? physical, `not CSV (${error.message})`, 'malformed'));
  const done = pipeline(Readable.from(text()), parser);
  done.catch(() => {}); // a read error also ends the iteration below, which throws it
  let batch: CsvRow[] = [];
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: Info }>) {
      if (record.length === 1 && record[0] === '') continue; // an empty (or oversized) line
      const spanned = record.reduce((n, cell) => n + (cell.includes('\n') ? cell.split('\n').length - 1 : 0), 0);
      if (spanned > 0) {
        bad(info.lines, `a quoted cell runs over lines ${info.lines - spanned}–${info.lines} (a row is one line)`, 'malformed', spanned + 1);
        continue;
      }
      batch.push({ cells: record, line: info.lines });
      if (batch.length === BATCH) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0) yield batch;
  } finally {
    parser.destroy();
  }
}
