// BigQuery answers 429, then 500, in the middle of a run, for as long as it takes each writer
// (the engine's ticks, the processor's candles) to spend a row's attempts on it: afterwards
// every tick and every closed candle is in its table exactly once or in the dead-letter file,
// never both, and the counts add up. The phases end on conditions the fake observes, not on
// the clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import policy from '../../python/market_data_tick_handler/contract/bigquery_policy.json' with { type: 'json' };
import { CLI, collect } from './helpers/cli.js';
import { FakeBigQuery, type FakeState } from './helpers/fakeBigQuery.js';
import { until } from './helpers/until.js';

const TICK_TABLES = ['trades', 'book_snapshots', 'derivative_tickers', 'liquidations'];
const SIDES = { ticks: TICK_TABLES, candles: ['candles'] };

function deadLettered(file: string): { table: string; insertId: string }[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as { table: string; insertId: string });
}
const sum = (state: FakeState, tables: string[], count: (table: string) => number) => tables.reduce((total, table) => total + count(table), 0);
const refused = (state: FakeState, tables: string[]) => sum(state, tables, (table) => state.status_faults_by_table[table] ?? 0);
const stored = (state: FakeState, tables: string[]) => sum(state, tables, (table) => state.tables[`tb-storm.market_data_streaming.${table}`]?.rows.length ?? 0);

test('a 429/500 storm as long as a row\'s attempts: every row once in BigQuery or in the dead-letter file, counts add up', { timeout: 120_000 }, async (t) => {
  const fake = await FakeBigQuery.start();
  t.after(() => fake.stop());
  const dir = mkdtempSync(join(tmpdir(), 'tickbridge-bq-storm-'));
  const env = {
    ...process.env,
    GCP_PROJECT_ID: 'tb-storm', GOOGLE_APPLICATION_CREDENTIALS: '', BIGQUERY_DATASET: '', CLOUDSDK_CONFIG: dir,
    BIGQUERY_API_ENDPOINT: fake.endpoint, BIGQUERY_BATCH_TIMEOUT: '500', BIGQUERY_BATCH_SIZE: '200'
  };
  const child = spawn(process.execPath, [CLI, 'run', '--source', 'demo', '--exchange', 'binance-futures', '--symbol', 'BTCUSDT', '--demoRate', '150', '--timeframes', '1s',
    '--bigqueryEnabled', 'true', '--json', '--closedOnly', '--logDir', dir, '--storeDir', dir], { env });
  t.after(() => child.kill('SIGKILL'));
  const run = collect(child);
  const state = () => fake.state();
  const context = () => `\n${readFileSync(join(dir, 'node_streamer.log'), 'utf8').slice(-2000)}`;

  // Both writers store rows before the storm.
  await until(async () => { const s = await state(); return stored(s, TICK_TABLES) > 0 && stored(s, ['candles']) > 0; }, 60_000, context);
  // The storm: 429 until each writer had half a row's attempts refused, then 500 for the other
  // half (count -1: until replaced). Each writer sends one request at a time, so by then its
  // first row of the storm has spent all its attempts.
  const half = Math.ceil(policy.retry.max_attempts / 2);
  for (const status of [429, 500]) {
    const before = await state();
    await fake.faults([{ status, count: -1 }]);
    await until(async () => { const s = await state(); return Object.values(SIDES).every((tables) => refused(s, tables) - refused(before, tables) >= half); }, 60_000, context);
  }
  // Calm: both writers store rows again, then the run is stopped.
  const calm = await state();
  await fake.faults([]);
  await until(async () => { const s = await state(); return Object.values(SIDES).every((tables) => stored(s, tables) > stored(calm, tables)); }, 60_000, context);
  child.kill('SIGTERM');

  const result = await run;
  assert.equal(result.code, 0, result.stderr);
  const end = result.lines.at(-1) as { stats: { messages: number; candles: number; persist: { rowsWritten: number; rowsDeadLettered: number; rowsPending: number } } };
  const final = await state();
  const table = (name: string) => final.tables[`tb-storm.market_data_streaming.${name}`]?.rows ?? [];

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
  assert.ok((final.counts.status_faults ?? 0) > 0, 'the storm failed requests');

  const storedCandles = table('candles').map((row) => row.insertId);
  const lostCandles = deadLettered(join(dir, 'bigquery-candles.dead-letter.ndjson')).map((row) => row.insertId);
  assert.equal(new Set(storedCandles).size, storedCandles.length, 'no candle twice in BigQuery');
  assert.deepEqual(storedCandles.filter((id) => lostCandles.includes(id)), []);
  assert.equal(storedCandles.length + lostCandles.length, end.stats.candles, 'every closed candle stored or dead-lettered');
});
