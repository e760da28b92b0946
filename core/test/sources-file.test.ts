import assert from 'node:assert/strict';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pipeline } from 'node:stream/promises';
import { createGunzip, gzipSync } from 'node:zlib';
import { UsageError } from '../src/errors.js';
import { IncompleteCapture, OversizedLine, readLines } from '../src/sources/captureFile.js';
import { openSource } from '../src/sources/index.js';
import type { SourceSpec } from '../src/sources/index.js';
import type { BookSnapshot, Trade } from 'tardis-dev';
import { FUTURES, SPOT, captureLines, collect, needsData, nsToIso28, snapshots, trades } from './sources-helpers.js';

const spec = (file: string, over: Partial<SourceSpec> = {}): SourceSpec => ({
  source: 'file',
  exchange: 'binance',
  symbols: ['BTCUSDT'],
  dataTypes: ['trades', 'book_snapshot_5'],
  file,
  speed: 'max',
  ...over
});

function warnings() {
  const list: string[] = [];
  return { list, hooks: { warn: (m: string) => void list.push(m) } };
}

function assertSaneBooks(books: BookSnapshot[]) {
  assert.ok(books.length > 0, 'book snapshots come out');
  for (const b of books) {
    assert.equal(b.name, 'book_snapshot_5');
    assert.equal(b.bids.length, 5);
    const bid = b.bids[0]!.price;
    const ask = b.asks[0]!.price;
    assert.ok(bid !== undefined && ask !== undefined && bid < ask, `bid ${bid} < ask ${ask}`);
    for (let i = 1; i < 5; i++) {
      assert.ok(b.bids[i]!.price! < b.bids[i - 1]!.price!, 'bids descend');
      assert.ok(b.asks[i]!.price! > b.asks[i - 1]!.price!, 'asks ascend');
    }
  }
}

describe('file source on the real captures', needsData, () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tickbridge-sources-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('binance spot: every trade line, sane 5-level books, microseconds, ends by itself', async () => {
    const { list, hooks } = warnings();
    const source = await openSource(spec(SPOT), hooks);
    assert.deepEqual(source.symbols, ['BTCUSDT']);
    assert.equal(source.finite, true);
    assert.equal(source.live, false);
    const all = await collect(source.messages);
    await source.close();
    assert.deepEqual(list, []);
    const t = trades(all);
    assert.equal(t.length, 9757);
    assert.ok(t.every((m) => m.symbol === 'BTCUSDT' && m.exchange === 'binance' && m.price > 50_000 && m.amount > 0));
    assertSaneBooks(snapshots(all));
    assert.ok(all.every((m) => typeof m.localTimestamp.μs === 'number' && m.localTimestamp.μs >= 0 && m.localTimestamp.μs < 1000));
    assert.ok(all.filter((m) => m.localTimestamp.μs! > 0).length > all.length / 2, 'local timestamps carry μs');
    // first trade line: 1723161254087896568 -> .087 ms, 896 μs
    assert.equal(t[0]!.localTimestamp.valueOf(), 1723161254087);
    assert.equal(t[0]!.localTimestamp.μs, 896);
    for (let i = 1; i < all.length; i++) assert.ok(all[i]!.localTimestamp >= all[i - 1]!.localTimestamp, 'in local time order');
  });

  test('binance-futures: every trade line and sane books', async () => {
    const source = await openSource(spec(FUTURES, { exchange: 'binance-futures', symbols: ['btc-usdt'] }), warnings().hooks);
    const all = await collect(source.messages);
    assert.equal(trades(all).length, 21313);
    assertSaneBooks(snapshots(all));
  });

  test('a plain (gunzipped) copy and an ISO-timestamp variant give the same trades', async () => {
    const plain = join(dir, 'spot.raw');
    await pipeline(createReadStream(SPOT), createGunzip(), createWriteStream(plain));
    const iso = join(dir, 'spot-iso.raw');
    const out: string[] = [];
    for await (const line of captureLines(SPOT)) {
      const space = line.indexOf(' ');
      out.push(`${nsToIso28(line.slice(0, space))}${line.slice(space)}`);
    }
    await writeFile(iso, out.join('\n') + '\n');
    const key = (m: Trade) => `${m.id} ${m.price} ${m.amount} ${m.side} ${m.timestamp.valueOf()} ${m.localTimestamp.valueOf()}.${m.localTimestamp.μs}`;
    const [a, b, c] = await Promise.all(
      [SPOT, plain, iso].map(async (file) => (trades(await collect((await openSource(spec(file, { dataTypes: ['trades'] }), warnings().hooks)).messages))).map(key))
    );
    assert.equal(a!.length, 9757);
    assert.deepEqual(b, a);
    assert.deepEqual(c, a);
  });

  test('malformed lines are warned with their line number and skipped', async () => {
    const good: string[] = [];
    for await (const line of captureLines(SPOT)) {
      good.push(line);
      if (good.length === 400) break;
    }
    const goodTrades = good.filter((l) => l.includes('@trade"')).length;
    const bad = [
      'garbage',
      '1723161254087896568 {"stream": broken json',
      'yesterday {"stream":"btcusdt@trade","data":{}}',
      '1723161254087896568 "a JSON string"',
      '1723161254087896568 {"stream":"btcusdt@trade"}' // valid JSON the trade mapper cannot map
    ];
    const lines = [...good.slice(0, 200), ...bad, ...good.slice(200)];
    const file = join(dir, 'malformed.raw');
    await writeFile(file, lines.join('\n') + '\n');
    const { list, hooks } = warnings();
    const all = await collect((await openSource(spec(file), hooks)).messages);
    assert.equal(trades(all).length, goodTrades);
    assert.equal(list.length, bad.length, list.join('\n'));
    bad.forEach((_, i) => assert.match(list[i]!, new RegExp(`malformed\\.raw:${201 + i}: skipped malformed line`)));
    assert.match(list[1]!, /invalid JSON/);
    assert.match(list[2]!, /bad timestamp/);
    assert.match(list[4]!, /could not map/);
  });

  test('an empty line is a disconnect: mappers reset, books wait for the next snapshot', async () => {
    const lines: string[] = [];
    for await (const line of captureLines(SPOT)) {
      lines.push(line);
      if (lines.length === 600) break;
    }
    lines.splice(300, 0, '', ''); // two empty lines: one disconnect
    const file = join(dir, 'disconnect.raw');
    await writeFile(file, lines.join('\n') + '\n');
    const all = await collect((await openSource(spec(file), warnings().hooks)).messages);
    const at = all.findIndex((m) => m.type === 'disconnect');
    assert.ok(at > 0);
    assert.equal(all.filter((m) => m.type === 'disconnect').length, 1);
    const afterIt = all.slice(at + 1);
    assert.ok(snapshots(all.slice(0, at)).length > 0);
    assert.equal(snapshots(afterIt).length, 0, 'no snapshot after the disconnect until a new REST snapshot');
    assert.ok(trades(afterIt).length > 0, 'trades go on');
  });

  test('derivative_ticker on binance spot: one warning, the rest flows', async () => {
    const { list, hooks } = warnings();
    const source = await openSource(spec(SPOT, { dataTypes: ['trades', 'derivative_ticker', 'liquidations'] }), hooks);
    const all = await collect(source.messages);
    assert.equal(trades(all).length, 9757);
    assert.equal(all.filter((m) => m.type === 'derivative_ticker' || m.type === 'liquidation').length, 0);
    assert.equal(list.length, 2, list.join('\n'));
    assert.match(list[0]!, /binance offers no derivative_ticker data.*derivative_ticker skipped/);
    assert.match(list[1]!, /binance offers no liquidation data.*liquidations skipped/);
  });

  test('sampled snapshots: book_snapshot_5_1s gives at most one snapshot per second', async () => {
    const all = await collect((await openSource(spec(SPOT, { dataTypes: ['book_snapshot_5_1s'] }), warnings().hooks)).messages);
    const books = snapshots(all);
    assert.ok(books.length > 300 && books.length <= 350, `${books.length} snapshots over ~346 s`);
    assert.ok(books.every((b) => b.name === 'book_snapshot_5_1s' && b.interval === 1000));
    assert.ok(books.slice(1).every((b) => b.timestamp.valueOf() % 1000 === 0), 'stamped at interval ends');
  });

  test('close() mid-stream ends the iteration', async () => {
    const source = await openSource(spec(SPOT), warnings().hooks);
    let n = 0;
    for await (const _ of source.messages) {
      if (++n === 100) await source.close();
    }
    assert.ok(n >= 100 && n < 200, `stopped right after close (${n})`);
    await source.close(); // twice is fine
  });
});

test('readLines: lines of any length across chunk boundaries, plain and gzip; over the cap an OversizedLine; a cut gzip throws', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tickbridge-lines-'));
  try {
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const lengths = Array.from({ length: 60 }, (_, i) => (i % 7 === 0 ? 0 : Math.floor(random() ** 3 * 700_000)));
    const lines = lengths.map((n, i) => String.fromCharCode(97 + (i % 26)).repeat(n));
    const text = lines.join('\n') + '\n';
    const max = 400_000;
    const expected = lengths.map((n, i) => (n > max ? `oversized ${n}` : lines[i]!));
    const read = async (path: string) => {
      const out: string[] = [];
      for await (const chunk of readLines(path, { maxLineLength: max })) for (const line of chunk) out.push(line instanceof OversizedLine ? `oversized ${line.length}` : line);
      return out;
    };
    assert.ok(expected.some((l) => l.startsWith('oversized')) && lengths.filter((n) => n > 300_000 && n <= max).length > 0);
    await writeFile(join(dir, 'plain.raw'), text);
    await writeFile(join(dir, 'lines.raw.gz'), gzipSync(text));
    assert.deepEqual(await read(join(dir, 'plain.raw')), expected);
    assert.deepEqual(await read(join(dir, 'lines.raw.gz')), expected);
    const whole = gzipSync(text);
    await writeFile(join(dir, 'cut.raw.gz'), whole.subarray(0, whole.length >> 1));
    await assert.rejects(read(join(dir, 'cut.raw.gz')), (e: unknown) => e instanceof IncompleteCapture && /cut\.raw\.gz ends mid-stream after line \d+: it is truncated/.test(e.message));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('missing or unreadable capture file -> UsageError', async () => {
  await assert.rejects(openSource(spec('/nonexistent/capture.raw.gz'), warnings().hooks), (e: unknown) => e instanceof UsageError && e.message.includes('does not exist'));
  await assert.rejects(openSource(spec(tmpdir()), warnings().hooks), (e: unknown) => e instanceof UsageError && e.message.includes('not a regular file'));
  await assert.rejects(openSource({ ...spec(''), file: undefined }, warnings().hooks), (e: unknown) => e instanceof UsageError && e.message.includes('--file PATH'));
});
