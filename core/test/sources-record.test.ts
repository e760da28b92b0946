// `--record` on the demo source (tardis-dev's real live path against the local demo exchange):
// the recording is in the capture format, and replaying it with the file source gives the same
// normalized messages and, end to end, the same closed candles as the live session.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import type { Candle } from '../src/bridge/protocol.js';
import { UsageError } from '../src/errors.js';
import { openSource } from '../src/sources/index.js';
import type { SourceMessage, SourceSpec } from '../src/sources/index.js';
import { runCli } from './helpers/cli.js';
import { collect } from './sources-helpers.js';

const micros = (d: Date) => d.valueOf() * 1000 + (d.μs ?? 0);
/** A message with its dates as epoch µs (a live Date has no `μs`, a parsed one has 0). */
const plain = (m: SourceMessage) => JSON.parse(JSON.stringify({ ...m, timestamp: 'timestamp' in m ? micros(m.timestamp) : undefined, localTimestamp: micros(m.localTimestamp) })) as unknown;

describe('record and replay', () => {
  test('a demo session recorded (gzip) replays through the file source as the same messages', { timeout: 30_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tickbridge-record-'));
    const path = join(dir, 'session.raw.gz');
    const spec: SourceSpec = {
      source: 'demo', exchange: 'binance', symbols: ['BTCUSDT'], speed: 'max', seed: 3, demoMessagesPerSecond: 400,
      dataTypes: ['trades', 'book_snapshot_5'], record: path
    };
    const live = await openSource(spec, { warn: (m) => assert.fail(m) });
    const seen: SourceMessage[] = [];
    for await (const message of live.messages) {
      seen.push(message);
      if (seen.filter((m) => m.type === 'trade').length >= 50 && seen.filter((m) => m.type === 'book_snapshot').length >= 50) break;
    }
    await live.close();

    const lines = gunzipSync(readFileSync(path)).toString('utf8').split('\n').filter(Boolean);
    assert.match(lines[0]!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \{/, 'capture format: <ISO local timestamp> <raw JSON>');
    assert.ok(lines.some((l) => l.includes('"stream":"btcusdt@depthSnapshot","generated":true')), 'the REST depth snapshot is recorded as tardis-dev generates it');
    assert.ok(lines.some((l) => l.includes('@trade"')) && lines.some((l) => l.includes('@depth@100ms"')), 'raw exchange streams');

    const replay = await openSource({ ...spec, source: 'file', file: path, record: undefined }, { warn: (m) => assert.fail(m) });
    const replayed = await collect(replay.messages);
    await replay.close();
    // the recording may hold a few messages received after the consumer stopped reading
    assert.ok(replayed.length >= seen.length, `${replayed.length} replayed, ${seen.length} live`);
    assert.deepEqual(replayed.slice(0, seen.length).map(plain), seen.map(plain));
  });

  test('--record is refused for sources that are recordings already, and for a path that cannot be written', { timeout: 10_000 }, async () => {
    const notADir = join(mkdtempSync(join(tmpdir(), 'tickbridge-record-')), 'file');
    writeFileSync(notADir, '');
    const usage = (pattern: RegExp) => (e: unknown) => e instanceof UsageError && pattern.test(e.message);
    await assert.rejects(
      openSource({ source: 'file', exchange: 'binance', symbols: ['BTCUSDT'], dataTypes: ['trades'], speed: 'max', file: '/dev/null', record: '/tmp/x' }, { warn: () => {} }),
      usage(/records the live and demo sources/)
    );
    await assert.rejects(
      openSource({ source: 'demo', exchange: 'binance', symbols: ['BTCUSDT'], dataTypes: ['trades'], speed: 'max', record: join(notADir, 'x.raw') }, { warn: () => {} }),
      usage(/Cannot write the recording/)
    );
  });

  test('end to end: replaying a recorded demo session gives the closed candles the live session produced', { timeout: 120_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tickbridge-record-e2e-'));
    const path = join(dir, 'demo.raw');
    const common = ['--exchange', 'binance', '--symbol', 'BTCUSDT', '--timeframes', '1s,2s', '--json', '--closedOnly', '--logDir', dir, '--storeDir', dir];
    const live = await runCli(['run', '--source', 'demo', '--seed', '5', '--demoRate', '300', '--duration', '6s', '--record', path, ...common]);
    assert.equal(live.code, 0, live.stderr);
    const replay = await runCli(['run', '--source', 'file', '--file', path, ...common]);
    assert.equal(replay.code, 0, replay.stderr);
    assert.equal(replay.lines.at(-1)?.reason, 'finished');

    const closed = (lines: Record<string, unknown>[], timeframe: string) =>
      (lines.filter((l) => l.type === 'candle') as unknown as Candle[]).filter((c) => c.closed && c.timeframe === timeframe).map((c) => { const { stream: _, ...rest } = c as Candle & { stream?: string }; return rest; });
    for (const timeframe of ['1s', '2s']) {
      const fromLive = closed(live.lines, timeframe);
      const fromReplay = closed(replay.lines, timeframe);
      assert.ok(fromLive.length >= 2, `${timeframe}: ${fromLive.length} closed live candles`);
      // Every candle the live session closed is closed identically by the replay. The replay may
      // close more at the end: the live run stopped with its last bars open (flushed as final), and
      // the recording also holds what was received between the last processed message and the stop.
      assert.deepEqual(fromReplay.slice(0, fromLive.length), fromLive, timeframe);
      const lastLive = fromLive.at(-1)!.start;
      assert.ok(fromReplay.slice(fromLive.length).every((c) => c.start > lastLive), `${timeframe}: extra replay candles only after the live session's last`);
    }
  });
});
