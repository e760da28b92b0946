// Faulty captures through the real CLI and processor (docs/failure-modes.md, "Sources and
// captures"): no data is a failure that names what is in the file; a truncated gzip delivers what
// it has and fails as incomplete; duplicates, a disconnect, a bad local time and a huge line are
// contained, and what comes out equals a clean run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Candle } from '../src/bridge/protocol.js';
import { NO_CAPTURES, SPOT_CAPTURE, runCli, type CliResult } from './helpers/cli.js';
import { captureLines } from './sources-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'tickbridge-captures-'));
const logDir = join(dir, 'logs');

/** The first `count` lines of the spot capture. */
async function spotLines(count: number): Promise<string[]> {
  const lines: string[] = [];
  for await (const line of captureLines(SPOT_CAPTURE)) {
    lines.push(line);
    if (lines.length === count) break;
  }
  return lines;
}

async function capture(name: string, lines: string[], gzip = false): Promise<string> {
  const path = join(dir, name);
  const text = lines.join('\n') + '\n';
  await writeFile(path, gzip ? gzipSync(text) : text);
  return path;
}

const run = (file: string, ...extra: string[]) =>
  runCli(['run', '--source', 'file', '--file', file, '--exchange', 'binance', '--symbol', 'BTCUSDT', '--timeframes', '15s', '--json', '--closed-only', '--logDir', logDir, ...extra]);

const closed = (result: CliResult) => (result.lines.filter((l) => l.type === 'candle') as unknown as Candle[]).filter((c) => c.closed);
const streamEvents = (result: CliResult) => result.lines.filter((l) => l.type === 'stream') as { status: string; detail: string }[];
const end = (result: CliResult) => result.lines.at(-1) as { type: string; reason: string; stats: { skipped: { duplicates: number; malformed: number; oversized: number } } };
/** What a candle says about trades, the same in any run that saw the same trades. */
const tradeFields = (c: Candle) => [c.timeframe, c.start, c.open, c.high, c.low, c.close, c.volume, c.buy_volume, c.sell_volume, c.trades, c.vwap];

function assertFailed(result: CliResult, code: number, detail: RegExp): void {
  assert.equal(result.code, code, result.stderr);
  assert.equal(end(result).reason, 'failed');
  const last = streamEvents(result).at(-1)!;
  assert.equal(last.status, 'failed');
  assert.match(last.detail, detail);
}

test('a symbol the capture does not have: failed, exit 1, naming the symbols it has', { skip: NO_CAPTURES, timeout: 60_000 }, async () => {
  const result = await run(await capture('spot-head.raw', await spotLines(3000)), '--symbol', 'ETHUSDT');
  assertFailed(result, 1, /No data for binance ETHUSDT .*its binance data is for BTCUSDT/);
  assert.match(result.stderr, /warning: binance:ETHUSDT: No data for binance ETHUSDT/);
  assert.equal(closed(result).length, 0);
});

test('an exchange whose mappers read nothing in the capture: failed, naming exchanges that do', { skip: NO_CAPTURES, timeout: 60_000 }, async () => {
  const result = await run(await capture('spot-head-2.raw', await spotLines(3000)), '--exchange', 'deribit');
  assertFailed(result, 1, /No data for deribit BTCUSDT .*they read as .*binance \(BTCUSDT\)/);
});

test('a text file where every line is malformed: failed, exit 1, every line counted', { timeout: 60_000 }, async () => {
  const result = await run(await capture('garbage.txt', ['not a capture', 'neither is this', '{"json":"but no timestamp"}']));
  assertFailed(result, 1, /none of the 3 lines of .*garbage\.txt could be read \(every line is malformed/);
  assert.equal(end(result).stats.skipped.malformed, 3);
});

test('a truncated gzip: what it holds is delivered, then failed as incomplete, exit 1', { skip: NO_CAPTURES, timeout: 90_000 }, async () => {
  const lines = await spotLines(12_000);
  const whole = gzipSync(lines.join('\n') + '\n');
  const truncated = join(dir, 'truncated.raw.gz');
  await writeFile(truncated, whole.subarray(0, Math.floor(whole.length * 0.6)));
  const [cut, clean] = await Promise.all([run(truncated), run(await capture('clean.raw.gz', lines, true))]);
  assertFailed(cut, 1, /truncated\.raw\.gz ends mid-stream after line \d+: it is truncated, so the data after that point is missing and this run is incomplete/);
  assert.equal(clean.code, 0, clean.stderr);
  // nothing forged: every bar the truncated run closed is the clean run's bar
  const got = closed(cut).map(tradeFields);
  assert.ok(got.length >= 2, `closed candles before the cut: ${got.length}`);
  assert.deepEqual(got, closed(clean).map(tradeFields).slice(0, got.length));
});

test('a request that can never make candles (no trades): exit 2 up front, one line', { timeout: 60_000 }, async () => {
  const result = await run(await capture('unused.raw', ['1723161253937085768 {}']), '--dataTypes', 'book_snapshot_25');
  assertFailed(result, 2, /--dataTypes book_snapshot_25 has no trades.*Add trades \(--dataTypes trades,book_snapshot_25\) or use --mode ticks/);
  assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
});
