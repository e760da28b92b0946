// The supervisor restarts a processor that died, and keeps trying with backoff while its starts
// fail; the restart count is what the faces show. A stand-in processor (a small Node script
// speaking the processor's start-up line and /health) fails its second and third starts.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Logger } from '../src/logs/logger.js';
import { ProcessorSupervisor, type ProcessorStatus } from '../src/supervisor/processorSupervisor.js';
import { until } from './helpers/until.js';

const STAND_IN = `#!${process.execPath}
const { appendFileSync, readFileSync } = require('node:fs');
const { createServer } = require('node:http');
const starts = process.env.STARTS;
appendFileSync(starts, Date.now() + '\\n');
const n = readFileSync(starts, 'utf8').trim().split('\\n').length;
if (n === 2 || n === 3) { console.error('start ' + n + ' fails'); process.exit(3); }
const server = createServer((request, response) => response.end('{}'));
server.listen(Number(process.argv[process.argv.indexOf('--port') + 1]), '127.0.0.1', () => {
  console.log(JSON.stringify({ event: 'listening', port: server.address().port }));
});
`;

test('a processor that died is restarted; starts that fail are retried with growing waits', { timeout: 60_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tickbridge-supervisor-'));
  const python = join(dir, 'python');
  const starts = join(dir, 'starts');
  writeFileSync(python, STAND_IN, { mode: 0o755 });
  writeFileSync(join(dir, 'package.json'), '{"type": "commonjs"}');
  chmodSync(python, 0o755);
  const logger = new Logger(undefined);
  const errors: string[] = [];
  logger.subscribe((entry) => {
    if (entry.level === 'error') errors.push(entry.message);
  });
  const statuses: ProcessorStatus[] = [];
  const supervisor = new ProcessorSupervisor({ python, host: '127.0.0.1', port: 0, logDir: dir, env: { STARTS: starts } }, logger, (status) => void statuses.push(status));
  t.after(() => supervisor.stop());
  await supervisor.start();
  supervisor.crash();
  await until(() => readFileSync(starts, 'utf8').trim().split('\n').length === 4 && supervisor.status === 'running', 30_000, () => statuses.join(' '));
  assert.equal(supervisor.restarts, 1, 'one death');
  assert.equal(errors.filter((e) => /restart failed: Python processor exited during start \(code 3\):\nstart [23] fails/.test(e)).length, 2, errors.join('\n'));
  const at = readFileSync(starts, 'utf8').trim().split('\n').map(Number);
  const waits = at.slice(1).map((time, i) => time - at[i]!);
  assert.ok(waits[1]! >= 500 && waits[2]! >= 1000, `waits between starts: ${waits.join(', ')} ms`);
  assert.deepEqual(statuses.filter((s, i) => s !== statuses[i - 1]), ['starting', 'running', 'restarting', 'running']);
});
