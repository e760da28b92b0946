import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { normalizeBookChanges, normalizeTrades } from 'tardis-dev';
import type { BookSnapshot, Trade } from 'tardis-dev';
import { UsageError } from '../src/errors.js';
import { openSource } from '../src/sources/index.js';
import type { SourceSpec } from '../src/sources/index.js';
import { cacheFeedDir, isFreeWithoutApiKey, parseReplayRange } from '../src/sources/replay.js';
import { SPOT, buildReplayCache, collect, needsData, snapshots, trades } from './sources-helpers.js';

const ENDPOINT = 'https://127.0.0.1:1/v1'; // nothing reaches out: a missing slice fails instead

const replaySpec = (over: Partial<SourceSpec>): SourceSpec => ({
  source: 'replay',
  exchange: 'binance',
  symbols: ['BTCUSDT'],
  dataTypes: ['trades', 'book_snapshot_5'],
  endpoint: ENDPOINT,
  speed: 'max',
  ...over
});

const tradeKey = (m: Trade) => `${m.id} ${m.price} ${m.amount} ${m.side} ${m.timestamp.valueOf()} ${m.localTimestamp.valueOf()}.${m.localTimestamp.μs}`;
const bookKey = (m: BookSnapshot) => `${m.localTimestamp.valueOf()} ${m.bids[0]!.price} ${m.asks[0]!.price} ${m.asks[4]!.amount}`;

describe('replay through the real replayNormalized from a local cache', needsData, () => {
  let cacheDir: string;
  let range: { from: Date; to: Date; feedDir: string };
  let fromFile: { trades: string[]; books: string[] };

  before(async () => {
    cacheDir = await mkdtemp(join(tmpdir(), 'tickbridge-tardis-cache-'));
    range = await buildReplayCache(SPOT, cacheDir, 'binance', 'BTCUSDT', [normalizeTrades, normalizeBookChanges]);
    const file = await openSource({ ...replaySpec({}), source: 'file', file: SPOT }, { warn: () => {} });
    const all = await collect(file.messages);
    fromFile = { trades: trades(all).map(tradeKey), books: snapshots(all).map(bookKey) };
  });
  after(async () => {
    await rm(cacheDir, { recursive: true, force: true });
  });

  test('the cache folder is where the source looks for it', () => {
    assert.equal(range.from.toISOString(), '2024-08-08T23:54:00.000Z');
    assert.equal(range.to.toISOString(), '2024-08-09T00:00:00.000Z');
    assert.equal(cacheFeedDir(cacheDir, 'binance', [normalizeBookChanges, normalizeTrades], ['BTCUSDT'], range.from), range.feedDir);
  });

  test('same trades and books as the file source, no API key needed for cached slices', async () => {
    const warnings: string[] = [];
    const source = await openSource(
      replaySpec({ from: range.from.toISOString(), to: range.to.toISOString(), cacheDir }),
      { warn: (m) => void warnings.push(m) }
    );
    assert.equal(source.finite, true);
    const all = await collect(source.messages);
    await source.close();
    assert.deepEqual(trades(all).map(tradeKey), fromFile.trades);
    assert.deepEqual(snapshots(all).map(bookKey), fromFile.books);
    assert.equal(fromFile.trades.length, 9757);
    // offline: the symbol list cannot be fetched (warned), and the 00:00 UTC book snapshot hint
    assert.ok(warnings.some((w) => /symbol list .* not validated/.test(w)), warnings.join('\n'));
    assert.ok(warnings.some((w) => w.includes('00:00 UTC')), warnings.join('\n'));
  });

  test('a range not on minute boundaries keeps exactly [from, to)', async () => {
    const from = new Date('2024-08-08T23:55:30.250Z');
    const to = new Date('2024-08-08T23:56:45.500Z');
    // same data types as the cache was built for: each normalizer combination has its own cache folder
    const source = await openSource(replaySpec({ from: from.toISOString(), to: to.toISOString(), cacheDir }), { warn: () => {} });
    const got = trades(await collect(source.messages)).map(tradeKey);
    const expected = fromFile.trades.filter((k) => {
      const local = Number(k.split(' ')[5]!.split('.')[0]);
      return local >= from.valueOf() && local < to.valueOf();
    });
    assert.ok(expected.length > 1000);
    assert.deepEqual(got, expected);
  });
  test('a replay with no message for the symbol ends with a failure, not a silent success', async () => {
    // a cache whose slices hold only BTCUSDT trades, under the filters of a request for ETHUSDT
    const other = await buildReplayCache(SPOT, join(cacheDir, 'eth'), 'binance', 'ETHUSDT', [normalizeTrades]);
    const source = await openSource(
      replaySpec({ symbols: ['ETHUSDT'], dataTypes: ['trades'], from: other.from.toISOString(), to: other.to.toISOString(), cacheDir: join(cacheDir, 'eth') }),
      { warn: () => {} }
    );
    assert.equal((await collect(source.messages)).length, 0);
    assert.match(source.report.failure ?? '', /No data: the replay of binance ETHUSDT \(trades\) from 2024-08-08T23:54:00.000Z to 2024-08-09T00:00:00.000Z has no message/);
  });
});

describe('replay validation', () => {
  const hooks = { warn: () => {} };
  const usage = (pattern: RegExp) => (e: unknown) => e instanceof UsageError && pattern.test(e.message);

  test('bad, reversed and future dates', async () => {
    await assert.rejects(openSource(replaySpec({ from: 'yesterday', to: '2024-08-02' }), hooks), usage(/--from "yesterday" is not a valid date.*ISO-8601/));
    await assert.rejects(openSource(replaySpec({ from: '2024-08-01', to: '2024-13-45' }), hooks), usage(/--to "2024-13-45" is not a valid date/));
    await assert.rejects(openSource(replaySpec({ to: '2024-08-02' }), hooks), usage(/Replay needs --from/));
    await assert.rejects(openSource(replaySpec({ from: '2024-08-02', to: '2024-08-01' }), hooks), usage(/--to .* must be later than --from/));
    await assert.rejects(openSource(replaySpec({ from: '2024-08-01', to: '2024-08-01' }), hooks), usage(/must be later/));
    await assert.rejects(openSource(replaySpec({ from: '2024-08-01', to: '2999-01-01' }), hooks), usage(/in the future.*--source live/));
  });

  test('missing API key outside the free first day of a month', async () => {
    const cacheDir = await mkdtemp(join(tmpdir(), 'tickbridge-empty-cache-'));
    try {
      await assert.rejects(
        openSource(replaySpec({ from: '2024-08-08T23:54:00Z', to: '2024-08-09T00:00:00Z', cacheDir }), hooks),
        usage(/needs a Tardis API key.*first UTC day of each month \(e\.g\. --from 2024-08-01 --to 2024-08-02\).*TARDIS_API_KEY/)
      );
      // the first day of a month needs no key, and with a key any range passes the key check;
      // offline (this endpoint) and not in the cache, they fail at once naming the cause
      for (const over of [{ from: '2024-08-01T10:00:00Z', to: '2024-08-02' }, { from: '2024-08-08', to: '2024-08-09', apiKey: 'k' }]) {
        await assert.rejects(openSource(replaySpec({ ...over, cacheDir }), hooks), /cannot download the replay: Tardis is unreachable at https:\/\/127\.0\.0\.1:1/);
      }
    } finally {
      await rm(cacheDir, { recursive: true, force: true });
    }
  });

  test('the free-day rule', () => {
    const free = (from: string, to: string) => isFreeWithoutApiKey(parseReplayRange(from, to));
    assert.equal(free('2024-08-01', '2024-08-02'), true);
    assert.equal(free('2024-08-01T23:00:00Z', '2024-08-01T23:59:30Z'), true);
    assert.equal(free('2024-08-01', '2024-08-02T00:00:01Z'), false);
    assert.equal(free('2024-07-31T23:59:00Z', '2024-08-01T01:00:00Z'), false);
    assert.equal(free('2024-08-02', '2024-08-03'), false);
  });
});
