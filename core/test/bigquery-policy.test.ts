// The engine's BigQuery writer against the declared policy (python/market_data_tick_handler/
// contract/bigquery_policy.json, also loaded by the processor: python/tests/test_bigquery_policy.py
// is its half). Each check drives the implementation, so a change on one side only fails here.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import policy from '../../python/market_data_tick_handler/contract/bigquery_policy.json' with { type: 'json' };
import { BigQueryClient } from '../src/persist/client.js';
import { bigQueryConfigFromEnv } from '../src/persist/config.js';
import { gcloudCredentialsFile } from '../src/persist/credentials.js';
import { deadLetterLine } from '../src/persist/deadLetter.js';
import { DEFAULT_RETRY, backoffDelayMs } from '../src/persist/policy.js';
import { TICK_TABLES, type Row } from '../src/persist/schema.js';
import { RowSender } from '../src/persist/sender.js';
import { bigQueryTickWriter } from '../src/persist/writer.js';
import { FakeBigQuery } from './helpers/fakeBigQuery.js';

const { retry, env: ENV, gcloud_credentials: GCLOUD, dead_letter: DEAD_LETTER } = policy;
const DATASET = 'policy';
const dir = mkdtempSync(join(tmpdir(), 'tickbridge-bq-policy-'));
let fake: FakeBigQuery;
let client: BigQueryClient;

before(async () => {
  fake = await FakeBigQuery.start();
  client = await BigQueryClient.create({ projectId: 'tb-policy', apiEndpoint: fake.endpoint });
  await client.ensureTables(DATASET, [TICK_TABLES.trade]);
});
after(() => fake.stop());

const ceiling = (n: number) => Math.min(retry.backoff.max_delay_ms, retry.backoff.base_delay_ms * retry.backoff.multiplier ** (n - 1));
let rowNo = 0;
function trade(): Row {
  const insertId = `policy-${++rowNo}`;
  return { table: 'trades', insertId, json: { exchange: 'binance', symbol: 'BTCUSDT', timestamp: '2024-08-08T23:54:00.000Z', local_timestamp: '2024-08-08T23:54:00.000Z', insert_id: insertId, id: null, price: 1, amount: 1, side: 'buy' } };
}
/** A sender with the policy's retries whose backoff waits are recorded, not slept. */
function sender(waits: number[] = []): RowSender {
  return new RowSender(client, { ...DEFAULT_RETRY }, join(dir, `dead-${++rowNo}.ndjson`), () => {}, async (ms) => void waits.push(ms));
}
const inserts = async () => (await fake.state()).counts.insert_requests ?? 0;

test('settings follow the declared variables, defaults and parsing', () => {
  for (const { env, settings } of ENV.examples.valid) {
    const config = bigQueryConfigFromEnv(env, 'test', 'dead.ndjson');
    const got = { project: config.projectId, dataset: config.dataset, batch_size: config.batchSize, batch_timeout_ms: config.batchTimeoutMs, api_endpoint: config.apiEndpoint };
    assert.deepEqual(got, settings, JSON.stringify(env));
  }
  const { retry: used } = bigQueryConfigFromEnv(ENV.examples.valid[0]!.env, 'test', 'dead.ndjson');
  assert.deepEqual(used, { maxAttempts: retry.max_attempts, baseDelayMs: retry.backoff.base_delay_ms, maxDelayMs: retry.backoff.max_delay_ms, closeTimeoutMs: retry.shutdown_budget_ms });
  assert.equal(bigQueryTickWriter(ENV.examples.valid[0]!.env, 'test', dir).stats().deadLetterFile, join(dir, DEAD_LETTER.files.ticks));
  for (const env of ENV.examples.no_project) assert.throws(() => bigQueryConfigFromEnv(env, 'test', 'dead.ndjson'), /needs a Google Cloud project/);
  const base = { GCP_PROJECT_ID: 'p', BIGQUERY_API_ENDPOINT: 'http://127.0.0.1:9050' };
  for (const { env, names } of ENV.examples.invalid) {
    assert.throws(() => bigQueryConfigFromEnv({ ...base, ...env }, 'test', 'dead.ndjson'), new RegExp(names), JSON.stringify(env));
  }
});

test('the gcloud credentials file is where the policy says', () => {
  for (const example of GCLOUD.examples) {
    assert.equal(gcloudCredentialsFile(example.env, example.platform as NodeJS.Platform, example.home), example.file, JSON.stringify(example));
  }
});

test('a dead-letter line is the declared format', () => {
  const example = DEAD_LETTER.example;
  const line = deadLetterLine(example.dataset, { table: example.table, insertId: example.insertId, json: example.row }, example.error, new Date(example.failed_at_ms));
  assert.equal(line, example.line);
  assert.deepEqual(Object.keys(JSON.parse(line) as object), DEAD_LETTER.fields);
});

test('the backoff is full jitter, capped', () => {
  for (let n = 1; n <= 8; n++) {
    const waits = Array.from({ length: 400 }, () => backoffDelayMs(DEFAULT_RETRY, n));
    assert.ok(waits.every((wait) => wait >= 0 && wait <= ceiling(n)), `retry ${n}`);
    // full jitter reaches down to 0 (equal jitter never waits less than half the ceiling)
    assert.ok(Math.min(...waits) < 0.1 * ceiling(n) && Math.max(...waits) > 0.9 * ceiling(n), `retry ${n}`);
  }
});

test('each retryable status is retried up to the max attempts, with the policy\'s waits', async () => {
  const waits: number[] = [];
  const s = sender(waits);
  for (const status of retry.retryable_statuses) {
    await fake.faults([{ status, count: -1 }]);
    const before = await inserts();
    const asked = waits.length;
    await s.send(DATASET, 'trades', [trade()]);
    assert.equal((await inserts()) - before, retry.max_attempts, `status ${status}`);
    const mine = waits.slice(asked);
    assert.equal(mine.length, retry.max_attempts - 1);
    assert.ok(mine.every((wait, i) => wait >= 0 && wait <= ceiling(i + 1)), JSON.stringify(mine));
  }
  await fake.faults([]);
  assert.equal(s.counters.retries, retry.retryable_statuses.length * (retry.max_attempts - 1));
});

test('other statuses refuse the request for good at once', async () => {
  for (const status of [400, 403, 404]) {
    const waits: number[] = [];
    const s = sender(waits);
    await fake.faults([{ status, count: -1 }]);
    const before = await inserts();
    await s.send(DATASET, 'trades', [trade()]);
    assert.equal((await inserts()) - before, 1, `status ${status}`);
    assert.deepEqual(waits, []);
    assert.equal(s.counters.rowsDeadLettered, 1);
  }
  await fake.faults([]);
});

test('transient row reasons retry the row, other reasons dead-letter it', async () => {
  const s = sender();
  for (const reason of retry.transient_row_reasons) {
    await fake.faults([{ reason, count: 1 }]);
    await s.send(DATASET, 'trades', [trade()]);
  }
  await fake.faults([{ reason: 'invalid', count: 1 }]);
  await s.send(DATASET, 'trades', [trade()]);
  await fake.faults([]);
  assert.deepEqual({ ...s.counters }, { rowsWritten: retry.transient_row_reasons.length, rowsDeadLettered: 1, retries: retry.transient_row_reasons.length, rowsLeftAtShutdown: 0 });
});

test('at shutdown, no wait is started that would end after the deadline', async () => {
  const s = sender();
  s.deadline = Date.now() + 1; // every wait but one of 0 ms ends later
  await fake.faults([{ status: 503, count: -1 }]);
  await s.send(DATASET, 'trades', [trade()]);
  await s.settle();
  await fake.faults([]);
  const [letter] = readFileSync(s.deadLetterFile, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { error: string });
  assert.match(letter!.error, /^shutdown budget spent after \d+ attempts: 503/);
  assert.equal(s.counters.rowsLeftAtShutdown, 1);
});
