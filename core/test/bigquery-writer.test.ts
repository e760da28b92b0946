// The engine's tick writer with the real @google-cloud/bigquery client against the strict fake
// (python/tests/fake_bigquery.py): schema, batching, retries, dedup, dead letters, replay.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SourceMessage } from '../src/bridge/encode.js';
import { bigQueryConfigFromEnv, type BigQueryConfig } from '../src/persist/config.js';
import { replayDeadLetters } from '../src/persist/replay.js';
import type { DeadLetter } from '../src/persist/deadLetter.js';
import { BigQueryTickWriter } from '../src/persist/writer.js';
import { FakeBigQuery } from './helpers/fakeBigQuery.js';
import { until } from './helpers/until.js';

let fake: FakeBigQuery;
const dir = mkdtempSync(join(tmpdir(), 'tickbridge-bq-'));
let fileNo = 0;

before(async () => {
  fake = await FakeBigQuery.start();
});
after(async () => {
  await fake.stop();
});

function config(overrides: Partial<BigQueryConfig> = {}, dataset = 'market_data_streaming'): BigQueryConfig {
  const base = bigQueryConfigFromEnv({ GCP_PROJECT_ID: 'tb-test', BIGQUERY_API_ENDPOINT: fake.endpoint, BIGQUERY_DATASET: dataset }, 'test', join(dir, `dead-${++fileNo}.ndjson`));
  return { ...base, retry: { maxAttempts: 8, baseDelayMs: 1, maxDelayMs: 10, closeTimeoutMs: 20_000 }, ...overrides };
}

const at = (ms: number): Date => Object.assign(new Date(Date.UTC(2024, 7, 8, 23, 54) + ms), { μs: ms % 1000 });
function trade(i: number, symbol = 'BTCUSDT'): SourceMessage {
  return { type: 'trade', symbol, exchange: 'binance', id: String(i), price: 61000 + i, amount: 0.01 * (i + 1), side: i % 2 ? 'buy' : 'sell', timestamp: at(i), localTimestamp: at(i + 5) };
}
function mixed(i: number, symbol = 'BTCUSDT'): SourceMessage {
  const base = { symbol, exchange: 'binance-futures' as const, timestamp: at(i), localTimestamp: at(i + 1) };
  switch (i % 5) {
    case 1:
      return { ...base, type: 'book_snapshot', name: 'book_snapshot_5_0ms', depth: 5, interval: 0, bids: [{ price: 100, amount: 1 }, {} as { price: number; amount: number }], asks: [{ price: 101, amount: 2 }] };
    case 2:
      return { ...base, type: 'derivative_ticker', lastPrice: 100, openInterest: undefined, fundingRate: 0.0001, fundingTimestamp: at(0), predictedFundingRate: undefined, indexPrice: 99.5, markPrice: NaN };
    case 3:
      return { ...base, type: 'liquidation', id: undefined, price: 100, amount: 3, side: 'sell' };
    case 4:
      return { type: 'disconnect', exchange: 'binance-futures', localTimestamp: at(i) } as SourceMessage;
    default:
      return trade(i, symbol);
  }
}
const deadLetters = (file: string): DeadLetter[] =>
  existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as DeadLetter) : [];
const noop = () => {};

test('creates the dataset and one table per data type, partitioned by day and clustered', async () => {
  const writer = new BigQueryTickWriter(config({}, 'schema_check'));
  await writer.open(noop);
  await writer.close();
  const state = await fake.state();
  assert.ok(state.datasets.includes('tb-test.schema_check'));
  for (const table of ['trades', 'book_snapshots', 'derivative_tickers', 'liquidations']) {
    const resource = state.tables[`tb-test.schema_check.${table}`]?.resource;
    assert.ok(resource, table);
    assert.deepEqual(resource.timePartitioning, { type: 'DAY', field: 'timestamp' });
    assert.deepEqual(resource.clustering, { fields: ['exchange', 'symbol'] });
  }
  // opening again finds them: nothing is created again, no request is refused
  const logs: string[] = [];
  const again = new BigQueryTickWriter(config({}, 'schema_check'));
  await again.open((_level, message) => logs.push(message));
  await again.close();
  const afterAgain = await fake.state();
  assert.equal(afterAgain.counts.bad_requests ?? 0, 0, 'no insert of a table or dataset that exists (409)');
  assert.deepEqual(logs.filter((line) => line.includes('created')), []);
  for (const table of ['trades', 'book_snapshots', 'derivative_tickers', 'liquidations']) {
    assert.deepEqual(afterAgain.tables[`tb-test.schema_check.${table}`]?.resource, state.tables[`tb-test.schema_check.${table}`]?.resource, table);
  }
});

test('sends a batch when batchSize rows wait, and the rest at close', async () => {
  const writer = new BigQueryTickWriter(config({ batchSize: 5, batchTimeoutMs: 60_000 }, 'by_size'));
  await writer.open(noop);
  const before = (await fake.state()).counts.insert_requests ?? 0;
  for (let i = 0; i < 12; i++) writer.push(trade(i));
  await until(async () => (await fake.rows('trades', 'tb-test', 'by_size')).length === 10);
  assert.equal((await fake.state()).counts.insert_requests! - before, 2);
  await writer.close();
  const rows = await fake.rows('trades', 'tb-test', 'by_size');
  assert.equal(rows.length, 12);
  assert.equal(writer.stats().rowsWritten, 12);
  const first = rows[0]!.json;
  assert.equal(first.timestamp, '2024-08-08T23:54:00.000Z');
  assert.equal(rows[3]!.json.timestamp, '2024-08-08T23:54:00.003003Z', 'microseconds are kept');
  assert.equal(first.insert_id, rows[0]!.insertId);
});

test('sends a batch after batchTimeoutMs', async () => {
  const writer = new BigQueryTickWriter(config({ batchSize: 1000, batchTimeoutMs: 150 }, 'by_time'));
  await writer.open(noop);
  writer.push(trade(1));
  writer.push(trade(2));
  await until(async () => (await fake.rows('trades', 'tb-test', 'by_time')).length === 2, 5000);
  assert.equal(writer.stats().rowsPending, 0);
  await writer.close();
});

test('a 429/500 storm: every row exactly once, in its table or in the dead-letter file', async () => {
  const cfg = config({ batchSize: 25, batchTimeoutMs: 20 }, 'storm');
  const writer = new BigQueryTickWriter(cfg);
  await writer.open(noop);
  await fake.faults([{ reason: 'invalid', match: { symbol: 'POISON' } }, { storm: 0.5, seed: 3, count: 80 }]);
  const expected = new Map<string, string>();
  for (let i = 0; i < 600; i++) {
    writer.push(mixed(i, i % 97 === 5 ? 'POISON' : 'BTCUSDT'));
    if (i % 50 === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await writer.close();
  await fake.faults([]);
  const state = await fake.state();
  const written = new Map<string, string>();
  for (const table of ['trades', 'book_snapshots', 'derivative_tickers', 'liquidations']) {
    for (const row of state.tables[`tb-test.storm.${table}`]?.rows ?? []) {
      assert.ok(!written.has(row.insertId), `written twice: ${row.insertId}`);
      written.set(row.insertId, row.json.symbol as string);
    }
  }
  const dead = deadLetters(cfg.deadLetterFile);
  for (const letter of dead) {
    assert.ok(!written.has(letter.insertId), `both written and dead-lettered: ${letter.insertId}`);
    assert.equal(letter.row.symbol, 'POISON');
    expected.set(letter.insertId, 'POISON');
  }
  assert.equal(new Set(dead.map((d) => d.insertId)).size, dead.length, 'dead-lettered once');
  // 600 messages, 120 disconnects are not stored
  assert.equal(written.size + dead.length, 480);
  const stats = writer.stats();
  assert.equal(stats.rowsWritten, written.size);
  assert.equal(stats.rowsDeadLettered, dead.length);
  assert.ok(dead.length > 0);
  assert.ok(stats.retries > 0);
  assert.ok(state.counts.status_faults! > 5 && state.counts.row_faults! > 5 && state.counts.duplicates! > 0, JSON.stringify(state.counts));
});

test('rows that keep failing go to the dead-letter file; bq-replay sends them once', async () => {
  const cfg = config({ batchSize: 10, batchTimeoutMs: 60_000, retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 5, closeTimeoutMs: 5000 } }, 'dead');
  const writer = new BigQueryTickWriter(cfg);
  const logs: string[] = [];
  await writer.open((level, message) => logs.push(`${level} ${message}`));
  await fake.faults([{ status: 500, count: -1 }]);
  for (let i = 0; i < 15; i++) writer.push(trade(i));
  await writer.close();
  await fake.faults([]);
  const dead = deadLetters(cfg.deadLetterFile);
  assert.equal(dead.length, 15);
  assert.equal(writer.stats().rowsDeadLettered, 15);
  assert.match(dead[0]!.error, /shutdown budget spent after \d+ attempts: 500/, 'at close, retried until the budget was spent');
  assert.ok(logs.some((line) => line.startsWith('warning') && line.includes('bq-replay')));
  assert.equal((await fake.rows('trades', 'tb-test', 'dead')).length, 0);

  // replay under a short storm: all rows arrive, once
  await fake.faults([{ status: 429, count: 2 }, { status: 500, count: 1, after_write: true }]);
  const { BigQueryClient } = await import('../src/persist/client.js');
  const client = await BigQueryClient.create(cfg);
  const result = await replayDeadLetters(cfg.deadLetterFile, { ...cfg, retry: { ...cfg.retry, maxAttempts: 5 } }, client, 4);
  assert.deepEqual({ rows: result.rows, written: result.written, failed: result.failed }, { rows: 15, written: 15, failed: 0 });
  const rows = await fake.rows('trades', 'tb-test', 'dead');
  assert.equal(rows.length, 15);
  assert.deepEqual(new Set(rows.map((r) => r.insertId)), new Set(dead.map((d) => d.insertId)));
  assert.ok(!existsSync(result.remainingFile));
});

test('a full buffer while BigQuery is down spills to the dead-letter file, nothing is dropped', async () => {
  const cfg = config({ batchSize: 10, batchTimeoutMs: 60_000, retry: { maxAttempts: 3, baseDelayMs: 20, maxDelayMs: 40, closeTimeoutMs: 5000 } }, 'spill');
  const writer = new BigQueryTickWriter(cfg, { maxBufferedRows: 20 });
  await writer.open(noop);
  await fake.faults([{ status: 503, count: 6 }]);
  for (let i = 0; i < 100; i++) writer.push(trade(i));
  await writer.close();
  await fake.faults([]);
  const s = writer.stats();
  assert.equal(s.rowsWritten + s.rowsDeadLettered, 100);
  assert.ok(deadLetters(cfg.deadLetterFile).some((d) => d.error.startsWith('buffer full')));
  assert.equal((await fake.rows('trades', 'tb-test', 'spill')).length, s.rowsWritten);
});
