// bq-replay cannot double a row: rows of a dead-letter file that BigQuery already holds (their
// request failed after BigQuery stored them) are not sent again, even after BigQuery's
// insertId de-duplication window has passed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './helpers/cli.js';
import { FakeBigQuery, deadLetterTrade } from './helpers/fakeBigQuery.js';

const row = (i: number) => deadLetterTrade('dl', i);

test('bq-replay sends no row the table already holds, after the de-duplication window', { timeout: 60_000 }, async (t) => {
  const fake = await FakeBigQuery.start();
  t.after(() => fake.stop());
  const dir = mkdtempSync(join(tmpdir(), 'tickbridge-bq-replay-'));
  const env = { GCP_PROJECT_ID: 'tb-replay', GOOGLE_APPLICATION_CREDENTIALS: '', BIGQUERY_DATASET: '', CLOUDSDK_CONFIG: dir, BIGQUERY_API_ENDPOINT: fake.endpoint };
  // A short run creates the tables; then rows 1 and 2 reach BigQuery (as a request whose
  // response was lost would have stored them).
  const created = await runCli(['run', '--source', 'demo', '--duration', '1s', '--bigqueryEnabled', 'true', '--json', '--logDir', dir, '--storeDir', dir], { env });
  assert.equal(created.code, 0, created.stderr);
  const first = join(dir, 'first.ndjson');
  writeFileSync(first, [row(1), row(2)].map((r) => JSON.stringify(r)).join('\n') + '\n');
  assert.equal((await runCli(['bq-replay', first], { env })).code, 0);

  // Later (BigQuery forgot the insertIds), the dead-letter file that also holds 1 and 2 is replayed.
  const response = await fetch(`${fake.endpoint}/_fake/forget`, { method: 'POST' });
  assert.ok(response.ok);
  const file = join(dir, 'bigquery-ticks.dead-letter.ndjson');
  writeFileSync(file, [1, 2, 3, 4].map((i) => JSON.stringify(row(i))).join('\n') + '\n');
  const replay = await runCli(['bq-replay', file], { env });
  assert.equal(replay.code, 0, replay.stderr);
  const ids = (await fake.rows('trades', 'tb-replay')).map((r) => r.insertId).filter((id) => id.startsWith('dl-'));
  assert.deepEqual(ids.sort(), ['dl-1', 'dl-2', 'dl-3', 'dl-4'], 'each row once in BigQuery');
});
