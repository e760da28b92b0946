// Independent reference results for a recorded capture, computed straight from tardis-dev's
// own mappers and computables (computeTradeBars, computeBookSnapshots), not through Tickbridge.
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { createInterface } from 'node:readline';
import { compute, computeBookSnapshots, computeTradeBars, normalizeBookChanges, normalizeTrades } from 'tardis-dev';
import type { BookSnapshot, Exchange, TradeBar } from 'tardis-dev';

async function* normalized(file: string, exchange: Exchange, symbol: string) {
  const lines = createInterface({ input: createReadStream(file).pipe(createGunzip()), crlfDelay: Infinity });
  const mappers = [normalizeTrades, normalizeBookChanges].map((factory) => factory(exchange, new Date('2024-08-08')));
  for await (const line of lines) {
    const space = line.indexOf(' ');
    const local = new Date(Number(BigInt(line.slice(0, space)) / 1_000_000n));
    let message = JSON.parse(line.slice(space + 1)) as Record<string, unknown>;
    if ('lastUpdateId' in message) message = { stream: `${symbol.toLowerCase()}@depthSnapshot`, generated: true, data: message };
    for (const mapper of mappers) {
      if (mapper.canHandle(message)) yield* mapper.map(message, local) as Iterable<never>;
    }
  }
}

export interface Reference {
  bars: TradeBar[];
  books: BookSnapshot[];
}

export async function referenceFor(file: string, exchange: Exchange, symbol: string, barMs: number): Promise<Reference> {
  const bars: TradeBar[] = [];
  const books: BookSnapshot[] = [];
  const computables = [computeTradeBars({ kind: 'time', interval: barMs }), computeBookSnapshots({ depth: 5, interval: 0 })];
  for await (const message of compute(normalized(file, exchange, symbol), ...computables)) {
    const m = message as { type: string };
    if (m.type === 'trade_bar') bars.push(message);
    else if (m.type === 'book_snapshot') books.push(message);
  }
  return { bars, books };
}

/** Book features of the bar [start, end) from consecutive snapshots, per docs/features.md. */
export function bookFeatures(books: BookSnapshot[], startMs: number, endMs: number) {
  const ms = (book: BookSnapshot) => book.timestamp.valueOf() + (book.timestamp.μs ?? 0) / 1000;
  const top = (book: BookSnapshot) => ({ b: book.bids[0]!.price!, bq: book.bids[0]!.amount!, a: book.asks[0]!.price!, aq: book.asks[0]!.amount! });
  const inBar = books.filter((book) => ms(book) >= startMs && ms(book) < endMs && book.bids[0] && book.asks[0]);
  const before = books.filter((book) => ms(book) < startMs && book.bids[0] && book.asks[0]).at(-1);
  const last = inBar.at(-1)!;
  const { b, bq, a, aq } = top(last);
  const mid = (a + b) / 2;
  const sum = (levels: BookSnapshot['bids']) => levels.reduce((total, level) => total + (level?.amount ?? 0), 0);
  let ofi = 0;
  let squares = 0;
  const chain = before ? [before, ...inBar] : inBar;
  for (let i = 1; i < chain.length; i++) {
    const p = top(chain[i - 1]!);
    const c = top(chain[i]!);
    ofi += (c.b >= p.b ? c.bq : 0) - (c.b <= p.b ? p.bq : 0) - (c.a <= p.a ? c.aq : 0) + (c.a >= p.a ? p.aq : 0);
    squares += Math.log((c.a + c.b) / 2 / ((p.a + p.b) / 2)) ** 2;
  }
  return {
    mid,
    spread_bps: (1e4 * (a - b)) / mid,
    weighted_mid: (b * aq + a * bq) / (bq + aq),
    obi_5: (sum(last.bids) - sum(last.asks)) / (sum(last.bids) + sum(last.asks)),
    ofi,
    realized_vol: Math.sqrt(squares)
  };
}
