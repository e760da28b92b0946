// Hostile data at the processor's edge (issue 17, case 3): one trade stamped in the year 2100 and
// trades with a price or amount of 1e308 or -5, injected into the spot capture, are rejected and
// counted; every candle of the run equals a clean run's (no bar clock moved, nothing folded).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { NO_CAPTURES, SPOT_CAPTURE, runCli } from './helpers/cli.js';

const YEAR_2100_MS = Date.UTC(2100, 0, 1);

let tradeId = 9999999990; // each its own venue trade id: repeated ids are dropped as duplicates
function trade(local: string, fields: { p?: string; q?: string; T?: number }): string {
  const data = { e: 'trade', E: 1723161500000, s: 'BTCUSDT', t: tradeId++, p: '61700.00000000', q: '0.01000000', T: 1723161500000, m: true, M: true, ...fields };
  return `${local} ${JSON.stringify({ stream: 'btcusdt@trade', data })}`;
}

/** The spot capture with hostile trades in its middle, at the local time of the line before them. */
function injectedCapture(): string {
  const lines = gunzipSync(readFileSync(SPOT_CAPTURE)).toString().trimEnd().split('\n');
  const middle = Math.floor(lines.length / 2);
  const local = lines[middle - 1]!.slice(0, lines[middle - 1]!.indexOf(' '));
  const hostile = [trade(local, { T: YEAR_2100_MS }), trade(local, { p: '1e308' }), trade(local, { p: '-5' }), trade(local, { q: '1e308' })];
  lines.splice(middle, 0, ...hostile);
  const path = join(mkdtempSync(join(tmpdir(), 'tickbridge-hostile-')), 'spot-hostile.raw.gz');
  writeFileSync(path, gzipSync(`${lines.join('\n')}\n`));
  return path;
}

function run(file: string) {
  const dir = mkdtempSync(join(tmpdir(), 'tickbridge-plausible-'));
  return runCli(['run', '--source', 'file', '--file', file, '--exchange', 'binance', '--symbol', 'BTCUSDT', '--timeframes', '15s,1m', '--json', '--closedOnly', '--logDir', dir, '--storeDir', dir]);
}

test('a year-2100 trade and absurd prices and amounts are rejected and counted; every candle equals a clean run', { skip: NO_CAPTURES, timeout: 180_000 }, async () => {
  const [clean, hostile] = await Promise.all([run(SPOT_CAPTURE), run(injectedCapture())]);
  assert.equal(clean.code, 0, clean.stderr);
  assert.equal(hostile.code, 0, hostile.stderr);
  const candles = (lines: Record<string, unknown>[]) => lines.filter((line) => line.type === 'candle');
  assert.ok(candles(clean.lines).length >= 29);
  assert.deepEqual(candles(hostile.lines), candles(clean.lines));

  const counts = (lines: Record<string, unknown>[]) => {
    const end = lines.at(-1) as { type: string; stats: { processor: { stats: { streams: Record<string, unknown> } | null } } };
    assert.equal(end.type, 'end');
    return end.stats.processor.stats?.streams['binance:BTCUSDT'] as { late: number; old: number; rejected: number };
  };
  const before = counts(clean.lines);
  assert.equal(before.rejected, 0);
  assert.deepEqual(counts(hostile.lines), { ...before, rejected: 4 }, 'the four hostile trades are counted in run --json');
  assert.match(hostile.stderr, /more than 1 h from its receive time/, 'the year-2100 trade is reported');
});
