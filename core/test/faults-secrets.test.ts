// TARDIS_API_KEY, the GCP credentials and TICKBRIDGE_TOKEN never appear in logs, stats or errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './helpers/cli.js';

const SECRETS = { TARDIS_API_KEY: 'tbk-SECRET-4f1e9a', TICKBRIDGE_TOKEN: 'tok-SECRET-77c2d0' };
const PRIVATE_KEY = 'pk-SECRET-0d9b31';

test('secrets stay out of every log line, event and error', { timeout: 90_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tickbridge-secrets-'));
  const credentials = join(dir, 'credentials.json');
  writeFileSync(credentials, JSON.stringify({ type: 'service_account', project_id: 'p', private_key: PRIVATE_KEY, client_email: 'x@p.iam.gserviceaccount.com' }));
  const env = { ...SECRETS, GOOGLE_APPLICATION_CREDENTIALS: credentials, DEBUG: 'tardis-dev*' };

  // A good run (the engine sends the token to a processor that requires it) and a refused one.
  const ok = await runCli(['run', '--source', 'demo', '--duration', '4s', '--json', '--timeframes', '1s', '--logDir', dir, '--storeDir', dir], { env });
  assert.equal(ok.code, 0, ok.stderr);
  assert.ok(ok.lines.some((line) => line.type === 'candle'), 'the token was accepted');
  const refused = await runCli(['run', '--source', 'demo', '--symbol', 'NOPE', '--json', '--logDir', dir, '--storeDir', dir], { env });
  assert.equal(refused.code, 2);

  const logs = readdirSync(dir).filter((name) => name.endsWith('.log') || name.endsWith('.ndjson'));
  assert.ok(logs.includes('node_streamer.log') && logs.includes('python_server.log'), logs.join(', '));
  const everything = [
    ...logs.map((name) => readFileSync(join(dir, name), 'utf8')),
    JSON.stringify(ok.lines), ok.stderr, JSON.stringify(refused.lines), refused.stderr
  ].join('\n');
  for (const secret of [...Object.values(SECRETS), PRIVATE_KEY]) assert.ok(!everything.includes(secret), `${secret.slice(0, 4)}… leaked`);
});
