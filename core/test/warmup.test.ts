// Warm start: a new stream first shows the stored candles (history), then the live ones, each
// bar once, the first live bar after the pause marked; through the real CLI and a real SQLite store.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Candle } from '../src/bridge/protocol.js';
import { WarmStart, type CandleMarks } from '../src/engine/warmup.js';
import { runCli } from './helpers/cli.js';
import { makeStoreV2 } from './helpers/storeV2.js';

function bar(start: string, end: string, timeframe = '15s'): Candle {
  return { type: 'candle', exchange: 'binance', symbol: 'BTCUSDT', timeframe, start, end, closed: true, final: false, open: 1, high: 1, low: 1, close: 1, volume: 0, buy_volume: 0, sell_volume: 0, trades: 0, vwap: null, gap: false, partial: false, features: {} };
}

test('stored bars come first, a bar the live stream has is shown once, the first live bar after a pause is marked', async () => {
  const seen: [string, CandleMarks][] = [];
  const warm = new WarmStart((candle, marks) => seen.push([candle.start, marks]));
  let release!: (candles: Candle[]) => void;
  warm.begin(new Promise((resolve) => (release = resolve)), () => assert.fail('no error expected'));
  warm.live(bar('10:05:00', '10:05:15'));  // arrives while the store is read: held
  assert.deepEqual(seen, []);
  release([bar('10:00:00', '10:00:15'), bar('10:00:15', '10:00:30'), bar('10:05:00', '10:05:15')]);
  await new Promise((resolve) => setImmediate(resolve));
  warm.live(bar('10:05:15', '10:05:30'));
  assert.deepEqual(seen, [
    ['10:00:00', { history: true }], ['10:00:15', { history: true }],
    ['10:05:00', { afterGap: true }], ['10:05:15', {}]
  ]);
});

test('a store that cannot be read is reported and the live candles still come', async () => {
  const seen: string[] = [];
  const errors: string[] = [];
  const warm = new WarmStart((candle) => seen.push(candle.start));
  warm.live(bar('10:05:00', '10:05:15'));
  warm.begin(Promise.reject(new Error('disk on fire')), (error) => errors.push(error.message));
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual([seen, errors], [['10:05:00'], ['disk on fire']]);
});

test('run --warmup shows the stored demo candles first, then the live bar marked after_gap', { timeout: 120_000 }, async () => {
  const storeDir = mkdtempSync(join(tmpdir(), 'tickbridge-warm-'));
  makeStoreV2(storeDir, ['Run("old", source="demo", timeframes=("15s",), bars=3, first=ago(minutes=10))', 'Run("real", source="live", timeframes=("15s",), bars=2)']);
  const result = await runCli(['run', '--source', 'demo', '--json', '--duration', '8s', '--timeframes', '15s', '--closedOnly', '--warmup', '2h', '--storeDir', storeDir, '--logDir', join(storeDir, 'logs')]);
  assert.equal(result.code, 0, result.stderr);
  const candles = result.lines.filter((line) => line.type === 'candle');
  const history = candles.filter((line) => line.history === true);
  const first = Date.parse(String(history[0]?.start));
  assert.ok(Date.now() - first > 9 * 60_000 && Date.now() - first < 11 * 60_000, 'the stored bars of 10 minutes ago');
  assert.deepEqual(history.map((c) => c.start), [0, 1, 2].map((i) => new Date(first + i * 15_000).toISOString()));
  assert.ok(candles.indexOf(history[2]!) === 2, 'the stored bars come first');
  const live = candles.slice(3);
  assert.ok(live.length > 0 && live[0]!.after_gap === true && live.every((c) => c.history === undefined));
  assert.equal(new Set(candles.map((c) => `${c.timeframe}|${c.start}`)).size, candles.length, 'no bar twice');
});

test('--warmup that is not a duration is a usage error', async () => {
  const result = await runCli(['run', '--source', 'demo', '--json', '--duration', '1s', '--warmup', 'lots']);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /--warmup "lots" is not a duration/);
});
