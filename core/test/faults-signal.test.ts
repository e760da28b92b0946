// SIGTERM to `tickbridge run` and `tickbridge start`: batches flushed, processes stopped, exit 0,
// no orphans.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { CLI } from './helpers/cli.js';

const processorsOnPort = (port: string) => spawnSync('pgrep', ['-f', `market_data_tick_handler.*--port ${port}`]).stdout.toString().trim();

test('SIGTERM to `run --json` flushes, ends with an end line, exits 0 and leaves no processor', { timeout: 90_000 }, async () => {
  const logDir = mkdtempSync(join(tmpdir(), 'tickbridge-sigterm-'));
  const child = spawn(process.execPath, [CLI, 'run', '--source', 'demo', '--json', '--timeframes', '1s', '--logDir', logDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: Record<string, any>[] = [];
  let port = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await new Promise<void>((resolve) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      const event = JSON.parse(line) as Record<string, any>;
      lines.push(event);
      if (event.type === 'stats' && event.messages > 0 && !port) {
        port = new URL(event.processor.url).port;
        resolve();
      }
    });
  });
  child.kill('SIGTERM');
  assert.equal(await exited, 0);
  const end = lines.at(-1)!;
  assert.equal(end.type, 'end');
  assert.equal(end.reason, 'signal');
  assert.ok(lines.some((e) => e.type === 'candle' && e.final), 'open bars were flushed as final candles');
  assert.equal(processorsOnPort(port), '', 'no processor left running');
});

test('SIGTERM to `start` stops the stream and the processor and exits 0', { timeout: 90_000 }, async () => {
  const logDir = mkdtempSync(join(tmpdir(), 'tickbridge-sigterm-start-'));
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = String((server.address() as { port: number }).port);
  await new Promise((resolve) => server.close(resolve));
  const child = spawn(process.execPath, [CLI, 'start', '--source', 'demo', '--pythonWebSocketUrl', `ws://127.0.0.1:${port}`, '--logDir', logDir, '--storeDir', logDir], {
    stdio: ['ignore', 'pipe', 'pipe']
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await new Promise<void>((resolve) => child.stderr.on('data', (chunk: Buffer) => chunk.toString().includes('processor link connected') && resolve()));
  assert.notEqual(processorsOnPort(port), '', 'the processor runs');
  child.kill('SIGTERM');
  assert.equal(await exited, 0);
  assert.equal(processorsOnPort(port), '', 'no processor left running');
});
