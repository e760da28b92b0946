// BigQuery answers 429, then 500, for 30 s in the middle of a run: afterwards every tick and
// every closed candle is in its table exactly once or in the dead-letter file, never both, and
// the counts add up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './helpers/cli.js';
import { FakeBigQuery } from './helpers/fakeBigQuery.js';

const TICK_TABLES = ['trades', 'book_snapshots', 'derivative_tickers', 'liquidations'];

function deadLettered(file: string): { table: string; insertId: string }[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as { table: string; insertId: string });
}

test('a 30 s 429/500 storm: every row once in BigQuery or in the dead-letter file, counts add up', { timeout: 120_000 }, async (t) => {
  const fake = await FakeBigQuery.start();
  t.after(() => fake.stop());
  const dir = mkdtempSync(join(tmpdir(), 'tickbridge-bq-storm-'));
  const env = {
    GCP_PROJECT_ID: 'tb-storm', GOOGLE_APPLICATION_CREDENTIALS: '', BIGQUERY_DATASET: '', CLOUDSDK_CONFIG: dir,
    BIGQUERY_API_ENDPOINT: fake.endpoint, BIGQUERY_BATCH_TIMEOUT: '500', BIGQUERY_BATCH_SIZE: '200'
  };
  const run = runCli(
    ['run', '--source', 'demo', '--exchange', 'binance-futures', '--symbol', 'BTCUSDT', '--demoRate', '150', '--timeframes', '1s',
      '--bigqueryEnabled', 'true', '--duration', '50s', '--json', '--closed-only', '--logDir', dir, '--storeDir', dir],
    { env }
  );
  // The storm: 15 s of 429, then 15 s of 500 (count -1: until replaced), then calm.
  const waitUntilRequests = async (n: number) => {
    while (((await fake.state()).counts.insert_requests ?? 0) < n) await new Promise((resolve) => setTimeout(resolve, 200));
  };
  await waitUntilRequests(2);
  await fake.faults([{ status: 429, count: -1 }]);
  await new Promise((resolve) => setTimeout(resolve, 15_000));
  await fake.faults([{ status: 500, count: -1 }]);
  await new Promise((resolve) => setTimeout(resolve, 15_000));
  await fake.faults([]);

  const result = await run;
  assert.equal(result.code, 0, result.stderr);
  const end = result.lines.at(-1) as { stats: { messages: number; candles: number; persist: { rowsWritten: number; rowsDeadLettered: number; rowsPending: number } } };
  const state = await fake.state();
  const table = (name: string) => state.tables[`tb-storm.market_data_streaming.${name}`]?.rows ?? [];

  const storedTicks = TICK_TABLES.flatMap((name) => table(name).map((row) => row.insertId));
  const lostTicks = deadLettered(join(dir, 'bigquery-ticks.dead-letter.ndjson')).map((row) => row.insertId);
  assert.equal(new Set(storedTicks).size, storedTicks.length, 'no tick twice in BigQuery');
  assert.deepEqual(storedTicks.filter((id) => lostTicks.includes(id)), [], 'no tick both stored and dead-lettered');
  const persist = end.stats.persist;
  assert.equal(persist.rowsPending, 0);
  assert.equal(storedTicks.length, persist.rowsWritten);
  assert.equal(lostTicks.length, persist.rowsDeadLettered);
  assert.ok(persist.rowsWritten + persist.rowsDeadLettered <= end.stats.messages && persist.rowsWritten + persist.rowsDeadLettered >= end.stats.messages - 5,
    `${persist.rowsWritten} written + ${persist.rowsDeadLettered} dead-lettered for ${end.stats.messages} messages (disconnects are not stored)`);
  assert.ok((state.counts.status_faults ?? 0) > 0, 'the storm failed requests');

  const storedCandles = table('candles').map((row) => row.insertId);
  const lostCandles = deadLettered(join(dir, 'bigquery-candles.dead-letter.ndjson')).map((row) => row.insertId);
  assert.equal(new Set(storedCandles).size, storedCandles.length, 'no candle twice in BigQuery');
  assert.deepEqual(storedCandles.filter((id) => lostCandles.includes(id)), []);
  assert.equal(storedCandles.length + lostCandles.length, end.stats.candles, 'every closed candle stored or dead-lettered');
});
