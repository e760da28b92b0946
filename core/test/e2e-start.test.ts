// `tickbridge start --source demo` as a user runs it: the seed's health checks, both log files,
// and a clean Ctrl-C.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, freePort } from './helpers/cli.js';
import { until } from './helpers/until.js';

/** The seed README's curl health check, byte for byte, over a raw socket. */
function upgradeRequest(port: number, key: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.on('data', (chunk) => {
      answer += chunk.toString();
      if (answer.includes('\r\n\r\n') && (answer.startsWith('HTTP/1.1 101') || answer.length > 60)) socket.destroy();
    });
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
    socket.write(
      `GET / HTTP/1.1\r\nHost: localhost:${port}\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
        `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`
    );
    setTimeout(() => socket.destroy(), 5000).unref();
  });
}

const size = (file: string) => (existsSync(file) ? statSync(file).size : 0);

test('start --source demo: health checks answer, both logs grow, Ctrl-C stops everything', { timeout: 120_000 }, async () => {
  const port = await freePort();
  const logDir = mkdtempSync(join(tmpdir(), 'tickbridge-start-'));
  const child = spawn(process.execPath, [CLI, 'start', '--source', 'demo', '--pythonWebSocketUrl', `ws://localhost:${port}`, '--logDir', logDir], {
    stdio: ['ignore', 'pipe', 'pipe']
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

  try {
    await until(async () => (await fetch(`http://localhost:${port}/health`).catch(() => undefined))?.ok === true, 60_000, () => output);
    const health = (await (await fetch(`http://localhost:${port}/health`)).json()) as { status: string };
    assert.equal(health.status, 'ok');

    const valid = await upgradeRequest(port, 'dGhlIHNhbXBsZSBub25jZQ==');
    assert.match(valid, /^HTTP\/1\.1 101/);
    assert.match(valid, /Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK\+xOo=/i);
    const seedKey = await upgradeRequest(port, 'test');
    assert.match(seedKey, /^HTTP\/1\.1 400/);
    assert.match(seedKey, /Sec-WebSocket-Key/i, 'the 400 body names the bad header');

    const engineLog = join(logDir, 'node_streamer.log');
    const processorLog = join(logDir, 'python_server.log');
    await until(() => size(engineLog) > 0 && size(processorLog) > 0, 30_000, () => output);
    const before = [size(engineLog), size(processorLog)];
    await until(() => size(engineLog) > before[0]! && size(processorLog) > before[1]!, 60_000, () => output);
    await until(() => /O \d/.test(output), 60_000, () => output); // a closed 15s candle printed
  } finally {
    child.kill('SIGINT');
  }
  assert.equal(await exited, 130, output); // Ctrl-C: 130 (docs/events.md, Exit codes)
  const left = spawnSync('pgrep', ['-f', `market_data_tick_handler.*--port ${port}`]).stdout.toString().trim();
  assert.equal(left, '', 'no processor left running');
});
