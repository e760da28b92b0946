// A BigQuery storm (60% of requests failing, a third of those after storing the rows) during a
// run at --speed max: the shutdown keeps retrying within its budget, only rows BigQuery did not
// take go to the dead-letter files, every row is in BigQuery once or in a file, and the last
// lines say what was left.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NO_CAPTURES, SPOT_CAPTURE, runCli } from './helpers/cli.js';
import { FakeBigQuery } from './helpers/fakeBigQuery.js';

const TICK_TABLES = ['trades', 'book_snapshots', 'derivative_tickers', 'liquidations'];

function deadLettered(file: string): string[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => (JSON.parse(line) as { insertId: string }).insertId);
}

test('a 60% BigQuery storm at --speed max: no row both stored and dead-lettered, the shutdown says what it left', { skip: NO_CAPTURES, timeout: 150_000 }, async (t) => {
  const fake = await FakeBigQuery.start();
  t.after(() => fake.stop());
  const dir = mkdtempSync(join(tmpdir(), 'tickbridge-bq-shutdown-'));
  const env = {
    GCP_PROJECT_ID: 'tb-shutdown', GOOGLE_APPLICATION_CREDENTIALS: '', BIGQUERY_DATASET: '', CLOUDSDK_CONFIG: dir,
    BIGQUERY_API_ENDPOINT: fake.endpoint, BIGQUERY_BATCH_SIZE: '500'
  };
  await fake.faults([{ storm: 0.6, seed: 7, count: -1 }]);
  const result = await runCli(
    ['run', '--source', 'file', '--file', SPOT_CAPTURE, '--exchange', 'binance', '--symbol', 'BTCUSDT', '--speed', 'max', '--timeframes', '15s,1m',
      '--bigqueryEnabled', 'true', '--json', '--closedOnly', '--logDir', dir, '--storeDir', dir],
    { env }
  );
  assert.equal(result.code, 0, result.stderr);
  const state = await fake.state();
  assert.ok((state.counts.status_faults ?? 0) > 10, 'the storm failed requests');
  const table = (name: string) => (state.tables[`tb-shutdown.market_data_streaming.${name}`]?.rows ?? []).map((row) => row.insertId);
  const end = result.lines.at(-1) as { stats: { messages: number; candles: number; persist: { rowsWritten: number; rowsDeadLettered: number; rowsPending: number } } };

  const storedTicks = TICK_TABLES.flatMap(table);
  const lostTicks = deadLettered(join(dir, 'bigquery-ticks.dead-letter.ndjson'));
  assert.equal(new Set(storedTicks).size, storedTicks.length, 'no tick twice in BigQuery');
  assert.deepEqual(storedTicks.filter((id) => lostTicks.includes(id)), [], 'no tick both stored and dead-lettered');
  assert.equal(end.stats.persist.rowsPending, 0);
  assert.equal(storedTicks.length, end.stats.persist.rowsWritten);
  assert.equal(lostTicks.length, end.stats.persist.rowsDeadLettered);

  const storedCandles = table('candles');
  const lostCandles = deadLettered(join(dir, 'bigquery-candles.dead-letter.ndjson'));
  assert.equal(new Set(storedCandles).size, storedCandles.length, 'no candle twice in BigQuery');
  assert.deepEqual(storedCandles.filter((id) => lostCandles.includes(id)), [], 'no candle both stored and dead-lettered');
  assert.equal(storedCandles.length + lostCandles.length, end.stats.candles, 'every closed candle stored or dead-lettered');

  const log = readFileSync(join(dir, 'node_streamer.log'), 'utf8');
  assert.match(log, /BigQuery: \d+ rows written, \d+ dead-lettered/, 'the engine says what it left');
  assert.match(readFileSync(join(dir, 'python_server.log'), 'utf8'), /BigQuery: \d+ candles written, \d+ dead-lettered/);
});
