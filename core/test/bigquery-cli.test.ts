// `--bigqueryEnabled true` and `bq-replay` through the real CLI: clear errors at start, ticks
// from the engine and closed candles from the processor in the (fake) BigQuery, and replay.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './helpers/cli.js';
import { FakeBigQuery, deadLetterTrade } from './helpers/fakeBigQuery.js';

let fake: FakeBigQuery;
const dir = mkdtempSync(join(tmpdir(), 'tickbridge-bq-cli-'));
/** No real credentials or settings leak in from the machine running the tests. */
const clean: NodeJS.ProcessEnv = {
  GCP_PROJECT_ID: '',
  GOOGLE_APPLICATION_CREDENTIALS: '',
  BIGQUERY_API_ENDPOINT: '',
  BIGQUERY_DATASET: '',
  CLOUDSDK_CONFIG: dir
};

before(async () => {
  fake = await FakeBigQuery.start();
});
after(async () => {
  await fake.stop();
});

const demo = ['run', '--source', 'demo', '--bigqueryEnabled', 'true', '--logDir', dir, '--storeDir', dir];

test('--bigqueryEnabled true without GCP_PROJECT_ID: one line naming the fix, exit 2', async () => {
  const result = await runCli(demo, { env: clean });
  assert.equal(result.code, 2, result.stderr);
  assert.match(result.stderr, /needs a Google Cloud project: set GCP_PROJECT_ID/);
  assert.doesNotMatch(result.stderr, /\n\s+at /);
});

test('--bigqueryEnabled true without credentials: one line naming the fix, exit 2', async () => {
  const missing = await runCli(demo, { env: { ...clean, GCP_PROJECT_ID: 'p' } });
  assert.equal(missing.code, 2, missing.stderr);
  assert.match(missing.stderr, /needs Google Cloud credentials: set GOOGLE_APPLICATION_CREDENTIALS/);
  const wrong = await runCli(demo, { env: { ...clean, GCP_PROJECT_ID: 'p', GOOGLE_APPLICATION_CREDENTIALS: join(dir, 'nope.json') } });
  assert.equal(wrong.code, 2, wrong.stderr);
  assert.match(wrong.stderr, /nope\.json is not a readable JSON key file \(no such file\)/);
  assert.doesNotMatch(wrong.stderr, /\n\s+at /);
});

test('a demo run: every tick in BigQuery, closed candles from the processor too, counted in the stats', { timeout: 60_000 }, async () => {
  const env = { ...clean, GCP_PROJECT_ID: 'tb-e2e', BIGQUERY_API_ENDPOINT: fake.endpoint, BIGQUERY_BATCH_TIMEOUT: '300', BIGQUERY_BATCH_SIZE: '200' };
  const result = await runCli([...demo, '--symbol', 'BTCUSDT', '--demoRate', '200', '--timeframes', '1s', '--duration', '4s', '--json', '--closedOnly'], { env });
  assert.equal(result.code, 0, result.stderr);
  const end = result.lines.at(-1) as { type: string; stats: { messages: number; candles: number; persist: { rowsWritten: number; rowsDeadLettered: number; rowsPending: number; target: string } } };
  assert.equal(end.type, 'end');
  const persist = end.stats.persist;
  assert.equal(persist.target, 'bigquery:tb-e2e.market_data_streaming');
  assert.ok(persist.rowsWritten > 100, JSON.stringify(persist));
  assert.equal(persist.rowsDeadLettered, 0);
  assert.equal(persist.rowsPending, 0);
  const state = await fake.state();
  const ticks = ['trades', 'book_snapshots', 'derivative_tickers', 'liquidations'].reduce(
    (sum, table) => sum + (state.tables[`tb-e2e.market_data_streaming.${table}`]?.rows.length ?? 0),
    0
  );
  assert.equal(ticks, persist.rowsWritten);
  assert.ok(ticks <= end.stats.messages && ticks >= end.stats.messages - 5, `${ticks} rows for ${end.stats.messages} messages (disconnects are not stored)`);
  const candles = state.tables['tb-e2e.market_data_streaming.candles']?.rows ?? [];
  assert.ok(candles.length >= 2, `${candles.length} candles`);
  assert.equal(candles.length, end.stats.candles, 'each closed candle once');
  assert.equal(state.counts.bad_requests, 0);
});

test('bq-replay sends a dead-letter file again, and keeps what fails in FILE.remaining.ndjson', { timeout: 30_000 }, async () => {
  const env = { ...clean, GCP_PROJECT_ID: 'tb-e2e', BIGQUERY_API_ENDPOINT: fake.endpoint };
  const row = (i: number) => deadLetterTrade('replay', i);
  const file = join(dir, 'bigquery-ticks.dead-letter.ndjson');
  writeFileSync(file, [row(1), row(2), { ...row(3), dataset: 'no_such_dataset' }].map((r) => JSON.stringify(r)).join('\n') + '\nnot json\n');
  await fake.faults([{ status: 503, count: 1 }]);
  const first = await runCli(['bq-replay', file], { env });
  assert.equal(first.code, 1, first.stderr);
  assert.match(first.stderr, /1 rows failed again, 1 lines are not dead-letter rows; they are in .*remaining\.ndjson/);
  const remaining = readFileSync(join(dir, 'bigquery-ticks.dead-letter.remaining.ndjson'), 'utf8').trim().split('\n');
  assert.equal(remaining.length, 2);
  assert.ok(remaining.includes('not json'));

  writeFileSync(file, [row(1), row(2), row(4)].map((r) => JSON.stringify(r)).join('\n') + '\n');
  const second = await runCli(['bq-replay', file], { env });
  assert.equal(second.code, 0, second.stderr);
  const ids = (await fake.rows('trades', 'tb-e2e')).map((r) => r.insertId).filter((id) => id.startsWith('replay-'));
  assert.deepEqual(ids.sort(), ['replay-1', 'replay-2', 'replay-4'], 'each row once, though two were sent twice');
  assert.ok(!existsSync(join(dir, 'bigquery-ticks.dead-letter.remaining.ndjson')));
  const missing = await runCli(['bq-replay', join(dir, 'absent.ndjson')], { env });
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /cannot read .*absent\.ndjson/);
});
