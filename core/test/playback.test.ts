// Replay controls through the engine API against the real processor: a capture paused, stepped
// bar by bar and run at changing speeds yields exactly the candles of an uninterrupted run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine, UsageError, type Candle, type StreamInfo, type StreamRequest } from '../index.js';
import { applyControl } from '../src/engine/playback.js';
import { SHARED_DATA, runCli } from './helpers/cli.js';
import { until } from './helpers/until.js';

const CAPTURE = join(SHARED_DATA, 'bybit_all-inverse_20210417.raw.gz');
const NO_CAPTURE = existsSync(CAPTURE) ? false : `capture not found: ${CAPTURE}`;
const REQUEST: StreamRequest = {
  source: 'file', file: CAPTURE, exchange: 'bybit', symbols: ['BTCUSD'], dataTypes: ['trades', 'book_snapshot_5'],
  timeframes: ['1s', '5s'], mode: 'candles', speed: 'max'
};

/** What a user compares between two runs: every closed and final bar with its values. */
const settled = (candles: Candle[]) =>
  candles
    .filter((c) => c.closed || c.final)
    .map((c) => JSON.stringify({ ...c, stream: undefined }))
    .sort();

test('pause, one-bar steps and speed changes leave the candles identical to an uninterrupted run', { skip: NO_CAPTURE, timeout: 120_000 }, async (t) => {
  const logDir = mkdtempSync(join(tmpdir(), 'tickbridge-playback-'));
  const engine = await Engine.start({ processor: { launch: { host: '127.0.0.1', port: 0, logDir, args: ['--noPersist'] } }, logDir });
  t.after(() => engine.close());
  const candles = new Map<string, Candle[]>();
  engine.subscribe((event) => {
    if (event.type === 'candle') candles.set(event.streamId, [...(candles.get(event.streamId) ?? []), event.candle]);
  });
  const info = (id: string): StreamInfo => engine.listStreams().find((s) => s.id === id)!;

  const plain = engine.startStream(REQUEST);
  const controlled = engine.startStream({ ...REQUEST, speed: 1 });
  assert.notEqual(plain, controlled);
  await until(() => info(controlled).messages > 0 && info(controlled).playback !== undefined, 30_000);
  engine.controlStream(controlled, { action: 'pause' });
  assert.deepEqual(info(controlled).playback, { paused: true, speed: 1, stepping: false });
  await engine.whenDone(plain);

  // paused: nothing more is read (the message in flight at the pause may still pass)
  const pausedAt = info(controlled).messages;
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  assert.ok(info(controlled).messages <= pausedAt + 1, `paused, yet ${info(controlled).messages - pausedAt} more messages were read`);

  assert.throws(() => engine.controlStream(controlled, { action: 'speed', speed: 'fast' }), /Invalid speed "fast": use max \(no pacing\) or a positive number/);

  // three one-bar steps: each reads on, then pauses by itself
  const closed1s = () => (candles.get(controlled) ?? []).filter((c) => c.closed && c.timeframe === '1s').length;
  for (let step = 0; step < 3; step++) {
    const before = info(controlled).messages;
    const barsBefore = closed1s();
    engine.controlStream(controlled, { action: 'step' });
    await until(() => info(controlled).playback?.stepping === false, 10_000);
    assert.equal(info(controlled).playback?.paused, true, 'paused again after the step');
    assert.ok(info(controlled).messages > before, `step ${step + 1} read messages`);
    // the stepped bar comes back closed despite the processor's lateness
    await until(() => closed1s() > barsBefore, 10_000, () => `step ${step + 1}: no 1s bar closed`);
  }

  engine.controlStream(controlled, { action: 'speed', speed: 100 });
  engine.controlStream(controlled, { action: 'resume' });
  assert.deepEqual(info(controlled).playback, { paused: false, speed: 100, stepping: false });
  const resumedAt = info(controlled).messages;
  await until(() => info(controlled).messages > resumedAt, 10_000);
  engine.controlStream(controlled, { action: 'speed', speed: 10 });
  engine.controlStream(controlled, { action: 'speed', speed: 'max' });
  const done = await engine.whenDone(controlled);
  assert.equal(done.status, 'finished', done.detail);

  const expected = settled(candles.get(plain) ?? []);
  assert.ok(expected.filter((c) => c.includes('"closed":true')).length >= 20, `a 30 s capture gives 1s bars: ${expected.length}`);
  assert.deepEqual(settled(candles.get(controlled) ?? []), expected);
  assert.equal(info(controlled).messages, info(plain).messages, 'every message read once');

  // after its end, a control says why it cannot apply
  assert.throws(() => engine.controlStream(controlled, { action: 'pause' }), /has ended/);
});

test('controls on a live or demo stream are refused in plain words; a bad speed names the accepted values', () => {
  const live = { ...REQUEST, source: 'live' as const };
  assert.throws(() => applyControl('binance:BTCUSDT', live, undefined, { action: 'pause' }, true), (error: Error) => {
    assert.ok(error instanceof UsageError);
    assert.match(error.message, /binance:BTCUSDT is a live stream: pause, speed and step apply to replay, file and csv streams only/);
    return true;
  });
  assert.throws(() => applyControl('f', REQUEST, undefined, { action: 'resume' }, true), /still opening its source/);
});

test('run --json: stats carry each stream\'s pipeline health (lag p50/p99, window, backpressure, gaps, rate)', { skip: NO_CAPTURE, timeout: 120_000 }, async () => {
  const logDir = mkdtempSync(join(tmpdir(), 'tickbridge-health-'));
  const result = await runCli(['run', '--source', 'file', '--file', CAPTURE, '--exchange', 'bybit', '--symbol', 'BTCUSD', '--timeframes', '5s', '--speed', '10', '--json', '--logDir', logDir, '--storeDir', logDir]);
  assert.equal(result.code, 0, result.stderr);
  const end = result.lines.at(-1) as { type: string; stats: { health: Record<string, Record<string, unknown>> } };
  assert.equal(end.type, 'end');
  const health = end.stats.health['bybit:BTCUSD'];
  assert.ok(health, JSON.stringify(end.stats));
  // the capture's own receive times: Bybit's messages arrived tens of ms after their exchange time
  assert.ok(typeof health.lagP50Ms === 'number' && health.lagP50Ms > 0 && health.lagP50Ms < 5_000, `lag p50 ${health.lagP50Ms}`);
  assert.ok((health.lagP99Ms as number) >= health.lagP50Ms);
  for (const key of ['windowFill', 'backpressurePauses', 'reconnects', 'gaps', 'late', 'skipped', 'messagesPerSecond']) assert.equal(typeof health[key], 'number', key);
  const running = result.lines.filter((line) => line.type === 'stats').map((line) => (line as typeof end.stats).health['bybit:BTCUSD']);
  assert.ok(running.some((h) => h !== undefined && (h.messagesPerSecond as number) > 0), 'a running stream shows its rate');
});
