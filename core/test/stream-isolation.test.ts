// Each stream's source runs in its own worker thread with its own tardis-dev (docs/architecture.md):
// a demo exchange cannot capture a live stream, demos stop in any order, and streams keep their own
// tardis-dev options. Real tardis-dev and a real processor; the demo exchanges on 127.0.0.1.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { rm, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { normalizeTrades } from 'tardis-dev';
import { formatDateToPath } from 'tardis-dev/dist/handy.js';
import { Engine, type LogEntry, type StreamInfo, type StreamRequest } from '../index.js';
import { until } from './helpers/until.js';
import { buildReplayCache, needsData, SPOT } from './sources-helpers.js';

const demo = (seed: number): StreamRequest => ({
  source: 'demo', exchange: 'binance', symbols: ['BTCUSDT'], dataTypes: ['trades'], speed: 'max', seed, demoMessagesPerSecond: 200, timeframes: ['1m'], mode: 'candles'
});
const live: StreamRequest = { source: 'live', exchange: 'binance', symbols: ['BTCUSDT'], dataTypes: ['trades'], speed: 'max', timeframes: ['1m'], mode: 'candles' };

describe('streams in their own workers', () => {
  let engine: Engine;
  const logs: LogEntry[] = [];
  // the latest run of the stream: earlier tests' runs of the same stream stay listed
  const info = (id: string): StreamInfo => engine.streamInfo(id);
  const logOf = (id: string) => logs.filter((entry) => entry.message.startsWith(`${id}:`)).map((entry) => entry.message);

  before(async () => {
    const logDir = mkdtempSync(join(tmpdir(), 'tickbridge-isolation-'));
    engine = await Engine.start({ processor: { launch: { host: '127.0.0.1', port: 0, logDir } } });
    engine.subscribe((event) => {
      if (event.type === 'log') logs.push(event.entry);
    });
  });
  after(() => engine.close());

  test('a live binance stream started while a demo runs targets the real exchange, never the demo', { timeout: 60_000 }, async () => {
    const demoId = engine.startStream(demo(1));
    await until(() => info(demoId).trades > 0, 20_000, () => JSON.stringify(info(demoId)));
    const liveId = engine.startStream(live);
    // offline, the real host does not resolve: the stream reconnects and names it
    await until(() => info(liveId).status === 'reconnecting', 20_000, () => JSON.stringify(info(liveId)));
    await until(() => logOf(liveId).some((line) => line.includes('stream.binance.com')), 20_000, () => logOf(liveId).join('\n'));
    const demoTrades = info(demoId).trades;
    await until(() => info(demoId).trades >= demoTrades + 50, 20_000);
    assert.equal(info(liveId).trades, 0, 'the live stream received no demo trade');
    assert.ok(!logOf(liveId).some((line) => line.includes('127.0.0.1')), logOf(liveId).join('\n'));
    await engine.stopStream(liveId);
    await engine.stopStream(demoId);
    assert.equal(info(demoId).status, 'stopped');
  });

  for (const order of ['first started first', 'last started first']) {
    test(`two demos stopped ${order} both stop cleanly, a third starts, a live stream still targets the real exchange`, { timeout: 60_000 }, async () => {
      const ids = [engine.startStream(demo(2)), engine.startStream(demo(3))];
      await until(() => ids.every((id) => info(id).trades > 0), 20_000, () => JSON.stringify(ids.map(info)));
      for (const id of order === 'first started first' ? ids : [...ids].reverse()) {
        await engine.stopStream(id);
        assert.equal(info(id).status, 'stopped', info(id).detail);
      }
      const third = engine.startStream(demo(4));
      await until(() => info(third).trades > 0, 20_000, () => JSON.stringify(info(third)));
      const liveId = engine.startStream(live);
      await until(() => logOf(liveId).some((line) => line.includes('stream.binance.com')), 20_000, () => logOf(liveId).join('\n'));
      assert.equal(info(liveId).trades, 0);
      await engine.stopStream(liveId);
      await engine.stopStream(third);
      assert.equal(info(third).status, 'stopped', info(third).detail);
    });
  }

  test('two replays with different cache folders each read their own', { ...needsData, timeout: 120_000 }, async () => {
    // Each cache holds only its own stream's minutes: a stream reading the other's folder would
    // miss its slices and try to download them (from an unreachable endpoint) and fail.
    const dirs = [await mkdtemp(join(tmpdir(), 'tickbridge-cache-a-')), await mkdtemp(join(tmpdir(), 'tickbridge-cache-b-'))];
    try {
      const built = await Promise.all(dirs.map((dir) => buildReplayCache(SPOT, dir, 'binance', 'BTCUSDT', [normalizeTrades])));
      const start = built[0]!.from.valueOf();
      const ranges = [
        [start, start + 2 * 60_000],
        [start + 2 * 60_000, start + 4 * 60_000]
      ] as const;
      for (const n of [0, 1]) {
        const other = ranges[1 - n]!;
        for (let t = other[0]; t < other[1]; t += 60_000) await rm(join(built[n]!.feedDir, `${formatDateToPath(new Date(t))}.json.gz`));
      }
      const ids = dirs.map((cacheDir, n) =>
        engine.startStream({
          source: 'replay', exchange: 'binance', symbols: ['BTCUSDT'], dataTypes: ['trades'], speed: 'max', timeframes: ['1m'], mode: 'candles',
          from: new Date(ranges[n]![0]).toISOString(), to: new Date(ranges[n]![1]).toISOString(), cacheDir, endpoint: 'https://127.0.0.1:1'
        })
      );
      const done = await Promise.all(ids.map((id) => engine.whenDone(id)));
      for (const stream of done) {
        assert.equal(stream.status, 'finished', stream.detail);
        assert.ok(stream.trades > 100, `${stream.id}: ${stream.trades} trades`);
      }
    } finally {
      await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
    }
  });
});
