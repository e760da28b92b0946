// Faulty captures through the real CLI and processor (docs/failure-modes.md, "Sources and
// captures"): no data is a failure that names what is in the file; a truncated gzip delivers what
// it has and fails as incomplete; duplicates, a disconnect, a bad local time and a huge line are
// contained, and what comes out equals a clean run.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, mkdtempSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGzip, gzipSync } from 'node:zlib';
import type { Candle } from '../src/bridge/protocol.js';
import { CLI, NO_CAPTURES, SPOT_CAPTURE, runCli, type CliResult } from './helpers/cli.js';
import { captureLines } from './sources-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'tickbridge-captures-'));
const logDir = join(dir, 'logs');
after(() => rm(dir, { recursive: true, force: true }));

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
  runCli(['run', '--source', 'file', '--file', file, '--exchange', 'binance', '--symbol', 'BTCUSDT', '--timeframes', '15s', '--json', '--closedOnly', '--logDir', logDir, ...extra]);

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

// ---- issue 17, case 4: faults inside captures are reported and contained ----

const features = (c: Candle) => c.features;

test('a disconnect with no snapshot after it: book features null and every bar gap from there, one warning naming the line, trades untouched', { skip: NO_CAPTURES, timeout: 90_000 }, async () => {
  const lines = await spotLines(20_000);
  const at = 6000;
  const cut = [...lines.slice(0, at), '', ...lines.slice(at)];
  const [faulty, clean] = await Promise.all([run(await capture('disconnect.raw', cut)), run(await capture('no-disconnect.raw', lines))]);
  assert.equal(faulty.code, 0, faulty.stderr);
  const warnings = faulty.stderr.split('\n').filter((l) => l.includes('a disconnect (empty line)'));
  assert.equal(warnings.length, 1, faulty.stderr);
  assert.match(warnings[0]!, new RegExp(`disconnect\\.raw:${at + 1}: a disconnect`));
  // nothing lost: the same trades in the same bars
  assert.deepEqual(closed(faulty).map(tradeFields), closed(clean).map(tradeFields));
  const disconnectedAt = Number(BigInt(lines[at - 1]!.split(' ')[0]!) / 1_000_000n);
  const after = closed(faulty).filter((c) => Date.parse(c.end) > disconnectedAt);
  const before = closed(faulty).filter((c) => Date.parse(c.end) <= disconnectedAt);
  assert.ok(after.length >= 5 && before.length >= 2, `${before.length} bars before, ${after.length} after`);
  assert.ok(before.every((c) => !c.gap && features(c).mid !== null), 'bars before the disconnect are whole');
  // nothing forged: no stale book values after the book was lost
  // (ofi and realized_vol of the bar the disconnect falls in sum what came before it)
  for (const c of after) {
    assert.equal(c.gap, true, `${c.start} flagged gap`);
    const names = ['mid', 'spread_bps', 'weighted_mid', 'obi_5', ...(Date.parse(c.start) >= disconnectedAt ? ['ofi', 'realized_vol'] : [])];
    for (const name of names) assert.equal(features(c)[name], null, `${c.start} ${name}`);
  }
});

test('one line with a local time a day ahead: --speed 10 skips the jump (said once), candles equal a clean run', { skip: NO_CAPTURES, timeout: 60_000 }, async () => {
  const lines = await spotLines(1500); // ~10 s of capture: ~1 s at --speed 10
  const clean = await run(await capture('paced-clean.raw', lines), '--speed', '10');
  const i = lines.findIndex((l, n) => n > 700 && l.includes('@trade"'));
  const [ns, json] = [lines[i]!.slice(0, lines[i]!.indexOf(' ')), lines[i]!.slice(lines[i]!.indexOf(' ') + 1)];
  const ahead = [...lines];
  ahead[i] = `${BigInt(ns) + 86_400_000_000_000n} ${json}`;
  const faulty = await run(await capture('paced-ahead.raw', ahead), '--speed', '10');
  assert.equal(faulty.code, 0, faulty.stderr);
  assert.equal(faulty.stderr.match(/Pacing: the local time jumps ahead by 1\.0 d/g)?.length, 1, faulty.stderr);
  assert.deepEqual(closed(faulty).map(tradeFields), closed(clean).map(tradeFields));
});

test('exact duplicate messages (repeated lines, a repeated trade id) are dropped and counted in stats', { skip: NO_CAPTURES, timeout: 60_000 }, async () => {
  const lines = await spotLines(8000);
  const doubled = lines.flatMap((line) => [line, line]);
  // the same venue trade id again, in a message that differs (event time)
  const trade = lines.find((l) => l.includes('@trade"'))!;
  doubled.splice(4000, 0, trade.replace(/"E":(\d+)/, (_, e: string) => `"E":${Number(e) + 1}`));
  // an old depth update (same update id) received again later: re-applied, it would revert the book
  const depth = lines.filter((l) => l.includes('@depth@'))[100]!;
  doubled.splice(12_000, 0, `${doubled[11_999]!.split(' ')[0]}${depth.slice(depth.indexOf(' '))}`);
  const mapped = lines.filter((l) => /@trade"|@depth@|^\d+ \{"lastUpdateId"/.test(l)).length;
  const [faulty, clean] = await Promise.all([run(await capture('doubled.raw', doubled)), run(await capture('single.raw', lines))]);
  assert.equal(faulty.code, 0, faulty.stderr);
  assert.equal(end(faulty).stats.skipped.duplicates, mapped + 2);
  assert.equal(end(clean).stats.skipped.duplicates, 0);
  assert.ok(closed(clean).length >= 3);
  // the same candles, book features included
  assert.deepEqual(closed(faulty), closed(clean));
});

test('a 100 MB line in a gzip capture is skipped with a warning and counted; the rest equals a clean run', { skip: NO_CAPTURES, timeout: 120_000 }, async () => {
  const lines = await spotLines(6000);
  const path = join(dir, 'huge-line.raw.gz');
  const gzip = createGzip({ level: 1 });
  const done = pipeline(gzip, createWriteStream(path));
  gzip.write(lines.slice(0, 3000).join('\n') + '\n');
  gzip.write(`${lines[2999]!.split(' ')[0]} {"stream":"btcusdt@trade","data":"`);
  const megabyte = 'x'.repeat(1024 * 1024);
  for (let i = 0; i < 100; i++) if (!gzip.write(megabyte)) await once(gzip, 'drain');
  gzip.end('"}\n' + lines.slice(3000).join('\n') + '\n');
  await done;
  const [faulty, clean] = await Promise.all([run(path), run(await capture('no-huge-line.raw.gz', lines, true))]);
  assert.equal(faulty.code, 0, faulty.stderr);
  assert.match(faulty.stderr, /huge-line\.raw\.gz:3001: skipped a line of 100\.0 MiB, over the 16 MiB line cap/);
  assert.equal(end(faulty).stats.skipped.oversized, 1);
  assert.deepEqual(closed(faulty).map(tradeFields), closed(clean).map(tradeFields));
});

test('every bad CSV row is counted, whatever it is; the good rows give the same candles as a clean file', { timeout: 60_000 }, async () => {
  const header = 'exchange,symbol,timestamp,local_timestamp,id,side,price,amount';
  const t0 = 1_722_211_200_000_000; // µs
  const good = Array.from({ length: 240 }, (_, i) => {
    const t = t0 + i * 500_000;
    return `binance,BTCUSDT,${t},${t + 1000},${1000 + i},${i % 3 ? 'buy' : 'sell'},${60000 + (i % 17) * 0.5},${(0.001 * (1 + (i % 5))).toFixed(3)}`;
  });
  const bad = [
    ...Array.from({ length: 6 }, (_, i) => `binance,BTCUSDT,${t0 + i},${t0 + i},x${i},buy,60000`), // a cell short
    ...Array.from({ length: 6 }, (_, i) => `binance,${t0 + i},${t0 + i},y${i},buy,60000,1`), // symbol cell missing, shifted
    ...Array.from({ length: 6 }, (_, i) => `binance,BTCUSDT,${t0 + i},${t0 + i},z${i},buy,not-a-price,1`),
    ...Array.from({ length: 6 }, (_, i) => `binance,BTC"USDT,${t0 + i},${t0 + i},q${i},buy,60000,1`), // a stray quote: not CSV
    ...Array.from({ length: 6 }, (_, i) => `binance,ETHUSDT,${t0 + i},soon,w${i},sideways,1,1`) // another symbol, bad too
  ];
  const mixed = [header, ...good];
  bad.forEach((row, i) => mixed.splice(10 + i * 8, 0, row));
  const csv = (name: string, rows: string[]) => capture(name, rows);
  const runCsv = (file: string) =>
    runCli(['run', '--source', 'csv', '--file', file, '--exchange', 'binance', '--symbol', 'BTCUSDT', '--dataTypes', 'trades', '--timeframes', '15s', '--json', '--closedOnly', '--logDir', logDir]);
  const [faulty, clean] = await Promise.all([runCsv(await csv('binance_trades_2024-07-29_BTCUSDT.csv', mixed)), runCsv(await csv('clean_trades_2024-07-29_BTCUSDT.csv', [header, ...good]))]);
  assert.equal(faulty.code, 0, faulty.stderr);
  assert.equal(end(faulty).stats.skipped.malformed, bad.length);
  assert.match(faulty.stderr, /30 bad rows skipped in total/);
  assert.ok(closed(clean).length >= 6);
  assert.deepEqual(closed(faulty).map(tradeFields), closed(clean).map(tradeFields));
});

test('`start` (human output) says what was skipped in its stats line', { skip: NO_CAPTURES, timeout: 60_000 }, async () => {
  const lines = await spotLines(2000);
  const trade = lines.slice(1500).find((l) => l.includes('@trade"'))!; // written twice
  const file = await capture('one-bad-line.raw', [lines[0]!, '1723161253937085768 {broken', ...lines.slice(1), trade]);
  const child = spawn(process.execPath, [CLI, 'start', '--source', 'file', '--file', file, '--exchange', 'binance', '--symbol', 'BTCUSDT', '--pythonWebSocketUrl', 'ws://127.0.0.1:0', '--logDir', logDir]);
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const [code] = (await once(child, 'close')) as [number];
  assert.equal(code, 0);
  assert.match(stdout.trim().split('\n').at(-1)!, /skipped: 1 duplicate, 1 malformed, 0 oversized$/);
});
