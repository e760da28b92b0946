import {
  computeBookSnapshots,
  normalizeBookChanges,
  normalizeDerivativeTickers,
  normalizeLiquidations,
  normalizeTrades
} from 'tardis-dev';
import type { BookSnapshot, ComputableFactory, MapperFactory, NormalizedData } from 'tardis-dev';
import { UsageError } from '../errors.js';
import { didYouMean } from './suggest.js';

/**
 * Data type names, as in tardis-machine: book snapshots are computed locally from book changes,
 * `book_snapshot_<depth>` on every top-of-book change, `book_snapshot_<depth>_<interval><ms|s|m>`
 * sampled at that interval (e.g. book_snapshot_5_100ms). Snapshot messages carry the requested
 * name in `name`.
 */
export type DataType =
  | 'trades'
  | 'derivative_ticker'
  | 'liquidations'
  | `book_snapshot_${number}`
  | `book_snapshot_${number}_${number}${'ms' | 's' | 'm'}`;

type Kind = 'trades' | 'book_snapshot' | 'derivative_ticker' | 'liquidations';

export type ParsedDataType =
  | { readonly name: string; readonly kind: 'trades' | 'derivative_ticker' | 'liquidations' }
  | { readonly name: string; readonly kind: 'book_snapshot'; readonly depth: number; readonly intervalMs: number };

const ALIASES: Record<string, Exclude<Kind, 'book_snapshot'>> = {
  trades: 'trades',
  trade: 'trades',
  derivative_ticker: 'derivative_ticker',
  derivative_tickers: 'derivative_ticker',
  liquidations: 'liquidations',
  liquidation: 'liquidations'
};
const UNIT_MS = { ms: 1, s: 1000, m: 60_000 } as const;
const MAX_DEPTH = 1000;
const MAX_INTERVAL_MS = 24 * 3600_000;
const SNAPSHOT = /^book_snapshot_(\d+)(?:_(\d+)(ms|s|m))?$/;

export const ACCEPTED_DATA_TYPES =
  'trades, book_snapshot_<depth> (e.g. book_snapshot_5, book_snapshot_25), ' +
  'book_snapshot_<depth>_<interval><ms|s|m> (e.g. book_snapshot_5_100ms), derivative_ticker, liquidations';
const EXAMPLES = ['trades', 'book_snapshot_5', 'book_snapshot_25', 'book_snapshot_5_100ms', 'derivative_ticker', 'liquidations'];

/** Validates names (entries may be comma-separated lists); duplicates are dropped. */
export function parseDataTypes(list: readonly string[]): ParsedDataType[] {
  const names = list.flatMap((entry) => entry.split(',')).map((s) => s.trim().toLowerCase()).filter((s) => s !== '');
  if (names.length === 0) throw new UsageError(`No data types given. Accepted: ${ACCEPTED_DATA_TYPES}.`);
  const parsed = new Map<string, ParsedDataType>();
  for (const name of names) {
    const alias = ALIASES[name];
    if (alias !== undefined) {
      parsed.set(alias, { name: alias, kind: alias });
      continue;
    }
    const m = SNAPSHOT.exec(name);
    if (m === null) {
      throw new UsageError(`Unknown data type "${name}". Accepted: ${ACCEPTED_DATA_TYPES}.${didYouMean(name, EXAMPLES)}`);
    }
    const depth = Number(m[1]);
    const intervalMs = m[2] === undefined ? 0 : Number(m[2]) * UNIT_MS[m[3] as keyof typeof UNIT_MS];
    if (depth < 1 || depth > MAX_DEPTH) {
      throw new UsageError(`Data type "${name}": depth must be 1..${MAX_DEPTH} levels (e.g. book_snapshot_5).`);
    }
    if (intervalMs > MAX_INTERVAL_MS) {
      throw new UsageError(`Data type "${name}": interval must be at most 24 h (e.g. book_snapshot_5_100ms).`);
    }
    parsed.set(name, { name, kind: 'book_snapshot', depth, intervalMs });
  }
  return [...parsed.values()];
}

/** Candles (and their features) are built from trades: a candles request without them could never make one. */
export function requireTrades(types: readonly ParsedDataType[]): void {
  if (types.some((type) => type.kind === 'trades')) return;
  const names = types.map((type) => type.name).join(',');
  throw new UsageError(
    `--dataTypes ${names} has no trades, and candles (with their features) are built from trades: this run could never make one. ` +
      `Add trades (--dataTypes trades,${names}) or use --mode ticks.`
  );
}

/** One of tardis-dev's normalizers. Each is typed by the exchanges it supports, so a list of
 * them across exchanges has no common exchange type but `any`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
export type Normalizer = MapperFactory<any, NormalizedData>;

const NORMALIZER: Record<Kind, Normalizer> = {
  trades: normalizeTrades,
  book_snapshot: normalizeBookChanges,
  derivative_ticker: normalizeDerivativeTickers,
  liquidations: normalizeLiquidations
};
/** tardis-dev message `type` each kind comes out as. */
const MESSAGE_TYPE: Record<Kind, string> = {
  trades: 'trade',
  book_snapshot: 'book_snapshot',
  derivative_ticker: 'derivative_ticker',
  liquidations: 'liquidation'
};

export interface DataTypePlan {
  /** Requested types the exchange offers. */
  readonly active: ParsedDataType[];
  /** tardis-dev normalizers to feed the source with. */
  readonly normalizers: Normalizer[];
  /** computeBookSnapshots computables (empty: no compute stage). */
  readonly computables: ComputableFactory<BookSnapshot>[];
  /** Message types to yield (plus 'disconnect'); book_change stays internal. */
  readonly messageTypes: ReadonlySet<string>;
}

/**
 * Keeps the types the exchange offers: a type whose tardis-dev normalizer factory throws for the
 * exchange is skipped with one warning. Throws UsageError when nothing is left.
 */
export function planDataTypes(
  types: readonly ParsedDataType[],
  exchange: string,
  date: Date,
  warn: (message: string) => void
): DataTypePlan {
  const active: ParsedDataType[] = [];
  const normalizers: Normalizer[] = [];
  const byKind = new Map<Kind, ParsedDataType[]>();
  for (const t of types) byKind.set(t.kind, [...(byKind.get(t.kind) ?? []), t]);
  for (const [kind, ofKind] of byKind) {
    const normalizer = NORMALIZER[kind];
    try {
      normalizer(exchange, date);
    } catch {
      const what = kind === 'book_snapshot' ? 'order book (book change)' : MESSAGE_TYPE[kind];
      warn(`${exchange} offers no ${what} data in tardis-dev: ${ofKind.map((t) => t.name).join(', ')} skipped.`);
      continue;
    }
    normalizers.push(normalizer);
    active.push(...ofKind);
  }
  if (active.length === 0) {
    throw new UsageError(
      `None of the requested data types (${types.map((t) => t.name).join(', ')}) is available on ${exchange}.`
    );
  }
  const computables = active.flatMap((t) =>
    t.kind === 'book_snapshot' ? [computeBookSnapshots({ depth: t.depth, interval: t.intervalMs, name: t.name })] : []
  );
  return { active, normalizers, computables, messageTypes: new Set(active.map((t) => MESSAGE_TYPE[t.kind])) };
}
