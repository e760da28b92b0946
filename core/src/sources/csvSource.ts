import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { BookPriceLevel, BookSnapshot, DerivativeTicker, Exchange } from 'tardis-dev';
import { UsageError } from '../errors.js';
import { IncompleteCapture, checkCaptureFile } from './captureFile.js';
import { csvRows, type BadRow } from './csvRows.js';
import type { ParsedDataType } from './dataTypes.js';
import { resolveExchange } from './exchanges.js';
import type { Playback } from './playback.js';
import { buildSource } from './pipeline.js';
import { resolveSymbols } from './symbols.js';
import { newReport } from './types.js';
import type { OpenedSource, SourceHooks, SourceMessage, SourceReport, SourceSpec } from './types.js';

/*
 * `--source csv`: Tardis downloadable CSV datasets (what tardis-dev's `downloadDatasets` writes,
 * `<exchange>_<data type>_<YYYY-MM-DD>_<symbol>.csv.gz`), plain or gzip, turned into the same
 * normalized messages as the other sources. Several files (comma-separated, or every .csv /
 * .csv.gz in a folder) are merged in `local_timestamp` order. Supported datasets and columns
 * (timestamps in microseconds since epoch, an empty cell = no value):
 *
 *   trades, liquidations   exchange,symbol,timestamp,local_timestamp,id,side,price,amount
 *   book_snapshot_5 / _25  exchange,symbol,timestamp,local_timestamp,asks[0].price,asks[0].amount,bids[0].price,bids[0].amount,...
 *   derivative_ticker      exchange,symbol,timestamp,local_timestamp,funding_timestamp,funding_rate,
 *                          predicted_funding_rate,open_interest,last_price,index_price,mark_price
 *
 * The dataset comes from the file name; without one, from the header (a side/price/amount file
 * is then read as trades). A requested `book_snapshot_<N>` is served from the snapshot file of
 * the smallest depth >= N, cut to N levels.
 */

type Dataset = { kind: 'trades' } | { kind: 'liquidations' } | { kind: 'derivative_ticker' } | { kind: 'book'; depth: number };

interface CsvFile {
  readonly path: string;
  readonly header: string[];
  readonly dataset: Dataset;
  /** book files: the requested snapshot types this file serves */
  snapshots: { name: string; depth: number }[];
}

const SUPPORTED = 'trades, book_snapshot_5, book_snapshot_25, derivative_ticker, liquidations';
const NAMED = /_(trades|liquidations|derivative_ticker|book_snapshot_(\d+))_/;
const OTHER_DATASETS = /_(incremental_book_L2|quotes|book_ticker|options_chain)_/i;
const MAX_ROW_WARNINGS = 10;

async function listFiles(list: string | undefined): Promise<string[]> {
  if (list === undefined || list.trim() === '') throw new UsageError('The csv source needs --file PATH: Tardis CSV files (.csv or .csv.gz, comma-separated) or a folder of them.');
  const paths: string[] = [];
  for (const entry of list.split(',').map((p) => p.trim()).filter(Boolean)) {
    const info = await stat(entry).catch(() => undefined);
    if (info?.isDirectory()) {
      const inside = (await readdir(entry)).filter((name) => /\.csv(\.gz)?$/i.test(name)).sort();
      if (inside.length === 0) throw new UsageError(`Folder "${entry}" has no .csv or .csv.gz files.`);
      paths.push(...inside.map((name) => join(entry, name)));
    } else {
      paths.push(await checkCaptureFile(entry));
    }
  }
  return paths;
}

async function readHeader(path: string): Promise<string[]> {
  for await (const rows of csvRows(path, () => {})) return rows[0]?.cells ?? [];
  return [];
}

function detect(path: string, header: string[]): Dataset | string {
  const has = (column: string) => header.includes(column);
  const base = ['exchange', 'symbol', 'timestamp', 'local_timestamp'].filter((c) => !has(c));
  const named = NAMED.exec(basename(path));
  const other = OTHER_DATASETS.exec(basename(path));
  if (other !== null) return `${other[1]} is not supported (supported: ${SUPPORTED})`;
  if (base.length > 0) return `not a Tardis CSV dataset (no ${base.join(', ')} column in the header)`;
  const depth = header.filter((c) => /^asks\[\d+\]\.price$/.test(c)).length;
  const kind = named?.[1]?.startsWith('book_snapshot_') ? 'book' : named?.[1];
  if (kind === 'book' || (kind === undefined && depth > 0)) {
    if (depth === 0) return 'a book_snapshot file without asks[0].price columns';
    return { kind: 'book', depth };
  }
  if (kind === 'derivative_ticker' || (kind === undefined && (has('funding_rate') || has('mark_price')))) return { kind: 'derivative_ticker' };
  if (kind === 'trades' || kind === 'liquidations' || (kind === undefined && has('side') && has('price') && has('amount'))) {
    if (!has('side') || !has('price') || !has('amount')) return `a ${kind ?? 'trades'} file needs side, price and amount columns`;
    return { kind: kind ?? 'trades' };
  }
  return `unsupported dataset (supported: ${SUPPORTED})`;
}

/** Epoch microseconds → Date carrying the sub-millisecond part in `μs`, as tardis-dev does. */
function fromMicros(text: string | undefined): Date | undefined {
  if (text === undefined || text === '') return undefined;
  const us = Number(text);
  if (!Number.isFinite(us)) return undefined;
  const date = new Date(Math.floor(us / 1000));
  date.μs = us % 1000;
  return date;
}

function num(text: string | undefined): number | undefined {
  if (text === undefined || text === '') return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

type RowMapper = (cells: string[], exchange: Exchange) => SourceMessage[] | string;

function rowMapper(file: CsvFile): RowMapper {
  const at = (name: string) => file.header.indexOf(name);
  const [iSymbol, iTs, iLocal] = [at('symbol'), at('timestamp'), at('local_timestamp')];
  const times = (cells: string[]) => {
    const timestamp = fromMicros(cells[iTs]);
    const localTimestamp = fromMicros(cells[iLocal]);
    return timestamp === undefined || localTimestamp === undefined ? undefined : { timestamp, localTimestamp };
  };
  const dataset = file.dataset;
  if (dataset.kind === 'trades' || dataset.kind === 'liquidations') {
    const [iId, iSide, iPrice, iAmount] = [at('id'), at('side'), at('price'), at('amount')];
    const type = dataset.kind === 'trades' ? 'trade' : 'liquidation';
    return (cells, exchange) => {
      const t = times(cells);
      const price = num(cells[iPrice]);
      const amount = num(cells[iAmount]);
      const side = cells[iSide];
      if (t === undefined || price === undefined || amount === undefined) return 'bad timestamp, price or amount';
      if (side !== 'buy' && side !== 'sell' && (side !== 'unknown' || type === 'liquidation')) return `bad side "${side}"`;
      const id = iId >= 0 && cells[iId] !== '' ? cells[iId] : undefined;
      return [{ type, symbol: cells[iSymbol]!.toUpperCase(), exchange, id, price, amount, side, ...t }];
    };
  }
  if (dataset.kind === 'derivative_ticker') {
    const [iLast, iOi, iFunding, iIndex, iMark, iPredicted, iFundingTs] = [
      at('last_price'), at('open_interest'), at('funding_rate'), at('index_price'), at('mark_price'),
      at('predicted_funding_rate'), at('funding_timestamp')
    ];
    return (cells, exchange) => {
      const t = times(cells);
      if (t === undefined) return 'bad timestamp';
      const ticker: DerivativeTicker = {
        type: 'derivative_ticker', symbol: cells[iSymbol]!.toUpperCase(), exchange,
        lastPrice: num(cells[iLast]), openInterest: num(cells[iOi]), fundingRate: num(cells[iFunding]),
        indexPrice: num(cells[iIndex]), markPrice: num(cells[iMark]), predictedFundingRate: num(cells[iPredicted]),
        fundingTimestamp: fromMicros(cells[iFundingTs]), ...t
      };
      return [ticker];
    };
  }
  const depth = dataset.depth;
  const columns = (side: 'asks' | 'bids') =>
    Array.from({ length: depth }, (_, i) => [at(`${side}[${i}].price`), at(`${side}[${i}].amount`)] as const);
  const [askColumns, bidColumns] = [columns('asks'), columns('bids')];
  const levels = (cells: string[], of: readonly (readonly [number, number])[]) => {
    const out: BookPriceLevel[] = [];
    for (const [p, a] of of) {
      const price = num(cells[p]);
      const amount = num(cells[a]);
      if (price !== undefined && amount !== undefined) out.push({ price, amount });
    }
    return out;
  };
  return (cells, exchange) => {
    const t = times(cells);
    if (t === undefined) return 'bad timestamp';
    const asks = levels(cells, askColumns);
    const bids = levels(cells, bidColumns);
    const symbol = cells[iSymbol]!.toUpperCase();
    return file.snapshots.map(({ name, depth }): BookSnapshot => ({
      type: 'book_snapshot', symbol, exchange, name, depth, interval: 0,
      bids: bids.slice(0, depth), asks: asks.slice(0, depth), ...t
    }));
  };
}

/** What the files hold besides what was asked for: named when nothing matched the request. */
interface Seen {
  rows: number;
  /** `exchange symbol` of rows of other symbols */
  others: Set<string>;
}

/**
 * One file's messages, a batch of rows at a time, with their local timestamps in µs. Every row is
 * checked, whatever its symbol; a bad one (not CSV, wrong cell count, bad numbers) is counted in
 * `report.malformed` (a line over the cap in `report.oversized`) and warned (the first ten by line).
 */
async function* fileMessages(file: CsvFile, exchange: Exchange, symbols: ReadonlySet<string>, warn: (m: string) => void, report: SourceReport, seen: Seen) {
  const map = rowMapper(file);
  const iSymbol = file.header.indexOf('symbol');
  const iExchange = file.header.indexOf('exchange');
  let bad = 0;
  const skip: BadRow = (line, reason, kind = 'malformed', lines = 1) => {
    report[kind] += lines;
    if (++bad <= MAX_ROW_WARNINGS) warn(`${file.path}:${line}: skipped row: ${reason}.`);
  };
  let header = true;
  try {
    for await (const rows of csvRows(file.path, skip)) {
      const out: SourceMessage[] = [];
      for (const { cells, line } of rows) {
        if (header) {
          header = false;
          continue;
        }
        const mapped = cells.length === file.header.length ? map(cells, exchange) : `${cells.length} cells, the header has ${file.header.length}`;
        if (typeof mapped === 'string') {
          skip(line, mapped);
          continue;
        }
        seen.rows++;
        if (symbols.has(cells[iSymbol]!.toUpperCase())) out.push(...mapped);
        else if (seen.others.size < 50) seen.others.add(`${cells[iExchange]} ${cells[iSymbol]}`);
      }
      if (out.length > 0) yield out;
    }
  } catch (error) {
    if (!(error instanceof IncompleteCapture)) throw error;
    report.failure = error.message; // what came before is delivered; the stream then fails with this
  }
  if (bad > MAX_ROW_WARNINGS) warn(`${file.path}: ${bad} bad rows skipped in total.`);
}

const micros = (m: SourceMessage) => m.localTimestamp.valueOf() * 1000 + (m.localTimestamp.μs ?? 0);

/** Merges the files' messages by local timestamp (ties keep the file order). */
async function* merge(sources: AsyncGenerator<SourceMessage[]>[]): AsyncGenerator<SourceMessage> {
  if (sources.length === 1) {
    for await (const chunk of sources[0]!) yield* chunk;
    return;
  }
  const heads: { source: AsyncGenerator<SourceMessage[]>; chunk: SourceMessage[]; at: number }[] = [];
  try {
    for (const source of sources) {
      const next = await source.next();
      if (next.done !== true) heads.push({ source, chunk: next.value, at: 0 });
    }
    while (heads.length > 0) {
      let best = 0;
      for (let i = 1; i < heads.length; i++) {
        if (micros(heads[i]!.chunk[heads[i]!.at]!) < micros(heads[best]!.chunk[heads[best]!.at]!)) best = i;
      }
      const head = heads[best]!;
      yield head.chunk[head.at++]!;
      if (head.at === head.chunk.length) {
        const next = await head.source.next();
        if (next.done === true) heads.splice(best, 1);
        else Object.assign(head, { chunk: next.value, at: 0 });
      }
    }
  } finally {
    await Promise.all(sources.map((source) => source.return(undefined)));
  }
}

export async function openCsv(spec: SourceSpec, types: ParsedDataType[], hooks: SourceHooks, playback: Playback | undefined): Promise<OpenedSource> {
  const paths = await listFiles(spec.file);
  const exchange = resolveExchange(spec.exchange, 'file');
  const symbols = resolveSymbols(exchange, spec.symbols);
  const files: CsvFile[] = [];
  for (const path of paths) {
    const header = await readHeader(path);
    const dataset = detect(path, header);
    if (typeof dataset === 'string') throw new UsageError(`CSV file "${path}": ${dataset}.`);
    files.push({ path, header, dataset, snapshots: [] });
  }
  const wanted = new Set<string>();
  const active: ParsedDataType[] = [];
  for (const type of types) {
    if (type.kind === 'book_snapshot') {
      if (type.intervalMs > 0) {
        hooks.warn(`The csv source has no sampled snapshots: ${type.name} skipped (use book_snapshot_${type.depth}).`);
        continue;
      }
      const books = files.filter((f) => f.dataset.kind === 'book' && f.dataset.depth >= type.depth);
      const depthOf = (f: CsvFile) => (f.dataset.kind === 'book' ? f.dataset.depth : 0);
      const smallest = Math.min(...books.map(depthOf));
      for (const f of books.filter((b) => depthOf(b) === smallest)) f.snapshots.push({ name: type.name, depth: type.depth });
      if (books.length > 0) active.push(type);
    } else {
      wanted.add(type.kind);
      if (files.some((f) => f.dataset.kind === type.kind)) active.push(type);
    }
  }
  const used = files.filter((f) => (f.dataset.kind === 'book' ? f.snapshots.length > 0 : wanted.has(f.dataset.kind)));
  for (const f of files) {
    if (!used.includes(f)) hooks.warn(`CSV file "${f.path}" (${f.dataset.kind === 'book' ? `book_snapshot_${f.dataset.depth}` : f.dataset.kind}) is not among the requested data types: skipped.`);
  }
  if (active.length === 0) {
    throw new UsageError(`None of the requested data types (${types.map((t) => t.name).join(', ')}) is in the CSV files given (${paths.map((p) => basename(p)).join(', ')}).`);
  }
  const messageTypes = new Set(active.map((t) => ({ trades: 'trade', book_snapshot: 'book_snapshot', derivative_ticker: 'derivative_ticker', liquidations: 'liquidation' })[t.kind]));
  const symbolSet = new Set(symbols);
  const report = newReport();
  const seen: Seen = { rows: 0, others: new Set() };
  const raw = merge(used.map((f) => fileMessages(f, exchange as Exchange, symbolSet, hooks.warn, report, seen)));
  const names = used.map((f) => basename(f.path)).join(', ');
  const describeEmpty = () => {
    if (seen.rows === 0) return `No data: none of the rows of ${names} could be read (${report.malformed} malformed, see the warnings).`;
    if (seen.others.size > 0) return `No data for ${exchange} ${symbols.join(', ')} in ${names}: their rows are for ${[...seen.others].slice(0, 10).join(', ')} (exchange symbol). Pass one of those with --symbol.`;
    return `No data for ${exchange} ${symbols.join(', ')} in ${names}.`;
  };
  return buildSource({
    raw: raw as AsyncIterableIterator<SourceMessage>,
    plan: { active, normalizers: [], computables: [], messageTypes },
    symbols,
    live: false,
    raceClose: false,
    report,
    describeEmpty,
    ...(playback ? { playback } : {})
  });
}
