// `run --json --mode ticks`: every market message goes through the real processor and comes back
// as one `tick` line (docs/events.md), the trades exactly tardis-dev's own, no candles.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { normalizeTrades } from 'tardis-dev';
import type { Trade } from 'tardis-dev';
import { runCli } from './helpers/cli.js';
import { ROOT, captureLines } from './sources-helpers.js';

const KRAKEN = join(ROOT, 'core/test/fixtures/kraken_xbtusd_ws_v1.raw.gz');

async function tardisTrades(): Promise<Trade[]> {
  const mapper = normalizeTrades('kraken', new Date('2024-07-29'));
  const out: Trade[] = [];
  for await (const line of captureLines(KRAKEN)) {
    const space = line.indexOf(' ');
    const message: unknown = JSON.parse(line.slice(space + 1));
    if (mapper.canHandle(message)) out.push(...(mapper.map(message, new Date()) as Iterable<Trade>));
  }
  return out;
}

test('run --json --mode ticks prints each market message back from the processor as a tick line', { timeout: 60_000 }, async () => {
  const logDir = mkdtempSync(join(tmpdir(), 'tickbridge-ticks-'));
  const [result, expected] = await Promise.all([
    runCli(['run', '--source', 'file', '--file', KRAKEN, '--exchange', 'kraken', '--symbol', 'XBT/USD', '--dataTypes', 'trades,book_snapshot_5', '--mode', 'ticks', '--json', '--logDir', logDir]),
    tardisTrades()
  ]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.lines.filter((l) => l.type === 'candle').length, 0, 'ticks mode builds no candles');
  const ticks = result.lines.filter((l) => l.type === 'tick') as { exchange: string; stream: string; msg: Record<string, any> }[];
  assert.ok(ticks.every((t) => t.exchange === 'kraken' && t.stream === 'kraken:XBT/USD'));
  const trades = ticks.filter((t) => t.msg.type === 'trade').map((t) => t.msg);
  assert.ok(expected.length >= 100);
  assert.deepEqual(
    trades.map((m) => [m.symbol, m.price, m.amount, m.side, m.ts]),
    expected.map((t) => [t.symbol, t.price, t.amount, t.side, t.timestamp.valueOf() * 1000 + (t.timestamp.μs ?? 0)])
  );
  const books = ticks.filter((t) => t.msg.type === 'book_snapshot').map((t) => t.msg);
  assert.ok(books.length > 50 && books.every((b) => b.name === 'book_snapshot_5' && b.bids[0][0] < b.asks[0][0]), `${books.length} book ticks`);
  const end = result.lines.at(-1) as { type: string; reason: string; stats: { messages: number } };
  assert.equal(end.type, 'end');
  assert.equal(end.stats.messages, ticks.length, 'one tick per message read');
});
