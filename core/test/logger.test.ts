// The engine log is size-capped and never carries a secret it was told about.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger, type LogEntry } from '../src/logs/logger.js';
import { secretRedactor } from '../src/logs/redact.js';

test('secrets are replaced in the log file and in what subscribers see', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tickbridge-logger-'));
  const logger = new Logger(dir, 'info', secretRedactor(['tbk-SECRET-1', undefined, null, 'ab']));
  const seen: LogEntry[] = [];
  logger.subscribe((entry) => seen.push(entry));
  logger.error('replay refused for key tbk-SECRET-1 (twice: tbk-SECRET-1)');
  logger.debug('below the level: dropped');
  await logger.close();
  assert.deepEqual(seen.map((entry) => entry.message), ['replay refused for key *** (twice: ***)']);
  const file = readFileSync(join(dir, 'node_streamer.log'), 'utf8');
  assert.match(file, /ERROR .*\[engine\] replay refused for key \*\*\* \(twice: \*\*\*\)/);
  assert.doesNotMatch(file, /tbk-SECRET-1|below the level/);
});
