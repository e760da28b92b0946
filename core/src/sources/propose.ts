/**
 * What to stream from a file, before asking: the source (a capture, or Tardis CSV), the venue and
 * the symbols, read from the file itself (a sample of its first lines through tardis-dev's
 * mappers, or the CSV's exchange and symbol columns), the file name breaking ties.
 */
import { basename } from 'node:path';
import { EXCHANGES } from 'tardis-dev';
import { parseCaptureLine, readLines } from './captureFile.js';
import { readersOf } from './guessExchange.js';

export interface StreamProposal {
  readonly source: 'file' | 'csv';
  /** Best first; empty when nothing in the file could be read. */
  readonly exchanges: readonly string[];
  /** The symbols found for the first exchange, most frequent first (may be empty). */
  readonly symbols: readonly string[];
  /** The exchange-native symbols per proposed exchange. */
  readonly symbolsByExchange: Readonly<Record<string, readonly string[]>>;
}

const SAMPLE_LINES = 400;

export function isCsvPath(path: string): boolean {
  return /\.csv(\.gz)?$/i.test(path);
}

export async function proposeStream(path: string): Promise<StreamProposal> {
  const csv = isCsvPath(path);
  const rows: string[] = [];
  for await (const chunk of readLines(path)) {
    for (const line of chunk) if (typeof line === 'string' && line.trim() !== '') rows.push(line);
    if (rows.length >= SAMPLE_LINES) break;
  }
  const found = csv ? fromCsv(rows) : fromCapture(rows);
  // the file name's prefix (binance-futures_btcusdt_…) orders the candidates
  const prefix = basename(path).toLowerCase().split(/[_.]/)[0] ?? '';
  found.sort((a, b) => Number(b.exchange === prefix) - Number(a.exchange === prefix) || b.symbols.length - a.symbols.length);
  // no mapper of today reads it (an older API): the name may still say the venue
  if (found.length === 0 && (EXCHANGES as readonly string[]).includes(prefix)) found.push({ exchange: prefix, symbols: [] });
  return {
    source: csv ? 'csv' : 'file',
    exchanges: found.map((entry) => entry.exchange),
    symbols: found[0]?.symbols ?? [],
    symbolsByExchange: Object.fromEntries(found.map((entry) => [entry.exchange, entry.symbols]))
  };
}

function fromCapture(lines: string[]): { exchange: string; symbols: string[] }[] {
  const sample = lines.flatMap((line) => {
    const parsed = parseCaptureLine(line);
    return typeof parsed === 'string' || parsed.message === undefined ? [] : [parsed.message];
  });
  return readersOf(sample);
}

function fromCsv(lines: string[]): { exchange: string; symbols: string[] }[] {
  const [header, ...rows] = lines.map((line) => line.split(','));
  const exchangeAt = header?.indexOf('exchange') ?? -1;
  const symbolAt = header?.indexOf('symbol') ?? -1;
  if (exchangeAt < 0 || symbolAt < 0) return [];
  const byExchange = new Map<string, Map<string, number>>();
  for (const row of rows) {
    const exchange = row[exchangeAt];
    const symbol = row[symbolAt];
    if (!exchange || !symbol) continue;
    const counts = byExchange.get(exchange) ?? new Map<string, number>();
    counts.set(symbol, (counts.get(symbol) ?? 0) + 1);
    byExchange.set(exchange, counts);
  }
  return [...byExchange].map(([exchange, counts]) => ({ exchange, symbols: [...counts].sort((a, b) => b[1] - a[1]).map(([symbol]) => symbol) }));
}
