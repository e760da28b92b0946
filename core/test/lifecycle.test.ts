// Honest runs (docs/failure-modes.md, "Requests, link and lifecycle"): every run ends in data or
// in a clear failure, early, with the documented exit code, and leaves no process behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { WebSocketServer } from 'ws';
import { VENV_PYTHON } from '../src/paths.js';
import { CLI, freePort, runCli } from './helpers/cli.js';
import { until } from './helpers/until.js';
import { parseTimeframes } from '../src/engine/timeframes.js';

const tmp = (name: string) => mkdtempSync(join(tmpdir(), `tickbridge-${name}-`));

/** The CLI in its own process group, as a terminal runs it: `-pid` signals reach it, not us. */
function spawnCli(args: string[], env: NodeJS.ProcessEnv = {}): { child: ChildProcess; stderr: () => string; lines: Record<string, any>[] } {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: { ...process.env, ...env } });
  let stderr = '';
  const lines: Record<string, any>[] = [];
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  createInterface({ input: child.stdout }).on('line', (line) => line.startsWith('{') && lines.push(JSON.parse(line) as Record<string, any>));
  return { child, stderr: () => stderr, lines };
}
/** The grammar's own one-line refusal (contract/bar_specs.json), as every face shows it. */
function grammarRefusal(timeframe: string): string {
  try {
    parseTimeframes([timeframe]);
  } catch (error) {
    assert.match((error as Error).message, new RegExp(`^invalid timeframe "${timeframe}": use `));
    return (error as Error).message;
  }
  throw new Error(`the grammar accepts ${timeframe}`);
}
const exitOf = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.on('exit', (code) => resolve(code))));

for (const command of ['run', 'start', 'stream', 'tui']) {
  for (const timeframes of ['7x', '0s']) {
    test(`${command} --timeframes ${timeframes}: one line, exit 2 within 5 s, nothing started`, async () => {
      const logDir = tmp('bad-tf');
      const started = Date.now();
      const result = await runCli([command, '--source', 'demo', '--json', '--duration', '5s', '--timeframes', timeframes, '--logDir', logDir].filter((a) => command === 'run' || !['--json', '--duration', '5s'].includes(a)));
      assert.equal(result.code, 2, result.stderr);
      assert.ok(Date.now() - started < 5_000, 'within 5 s');
      assert.deepEqual(result.stderr.trim().split('\n'), [`tickbridge: ${grammarRefusal(timeframes)}`]);
      assert.equal(result.lines.length, 0, 'nothing on stdout');
      assert.equal(existsSync(join(logDir, 'python_server.log')), false, 'no processor was started');
    });
  }
}

test('SIGTERM and SIGINT end `stream` within 5 s while the processor cannot be reached; --duration ends `run` on time', { timeout: 60_000 }, async () => {
  const port = await freePort(); // nothing listens there
  for (const [how, expected] of [['SIGTERM', 0], ['SIGINT', 130], ['duration', 0]] as const) {
    const args = ['stream', '--source', 'demo', '--pythonWebSocketUrl', `ws://127.0.0.1:${port}`, '--logDir', tmp('unreachable')];
    const cli = spawnCli(how === 'duration' ? ['run', ...args.slice(1), '--json', '--duration', '3s'] : args);
    if (how === 'duration') {
      // `run` with a URL starts its processor there: here it is the one that is reachable
      const started = Date.now();
      assert.equal(await exitOf(cli.child), expected, cli.stderr());
      assert.ok(Date.now() - started < 3_000 + 8_000, 'processor start + duration + stop');
      assert.equal(cli.lines.at(-1)?.reason, 'duration');
      continue;
    }
    await until(() => cli.stderr().includes('unreachable: connect ECONNREFUSED'), 15_000, cli.stderr);
    const asked = Date.now();
    process.kill(-cli.child.pid!, how);
    assert.equal(await exitOf(cli.child), expected, cli.stderr());
    assert.ok(Date.now() - asked < 5_000, `${how} ended the run in ${Date.now() - asked} ms`);
  }
});

test('a processor that cannot start (its port is taken) fails the run quickly with its reason, exit 1', { timeout: 60_000 }, async (t) => {
  const tcp = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
  t.after(() => tcp.close());
  const port = (tcp.address() as { port: number }).port;
  const started = Date.now();
  const result = await runCli(['run', '--source', 'demo', '--json', '--duration', '4s', '--pythonWebSocketUrl', `ws://127.0.0.1:${port}`, '--logDir', tmp('taken')]);
  assert.equal(result.code, 1, result.stderr);
  assert.ok(Date.now() - started < 15_000);
  assert.match(result.stderr, /tickbridge: Python processor exited during start[\s\S]*address already in use/i);
});

test('without the processor environment: one line saying to run setup, exit 2', async () => {
  const result = await runCli(['run', '--source', 'demo', '--json', '--logDir', tmp('no-env')], { env: { TICKBRIDGE_PYTHON: '/nonexistent/python' } });
  assert.equal(result.code, 2, result.stderr);
  assert.deepEqual(result.stderr.trim().split('\n'), ['tickbridge: Python processor environment not found at /nonexistent/python: run `npm run setup` first']);
});

test('a processor that refuses the hello (wrong token) fails the stream at once with its message, exit 1', { timeout: 60_000 }, async (t) => {
  const logDir = tmp('refused');
  const processor = spawn(VENV_PYTHON, ['-m', 'market_data_tick_handler', '--host', '127.0.0.1', '--port', '0', '--logDir', logDir, '--noPersist'], {
    env: { ...process.env, TICKBRIDGE_TOKEN: 'the-right-token' },
    stdio: ['ignore', 'pipe', 'pipe']
  });
  t.after(() => processor.kill('SIGKILL'));
  const port = await new Promise<number>((resolve) =>
    createInterface({ input: processor.stdout }).on('line', (line) => {
      if (line.includes('"listening"')) resolve((JSON.parse(line) as { port: number }).port);
    })
  );
  const started = Date.now();
  const result = await runCli(['stream', '--source', 'demo', '--pythonWebSocketUrl', `ws://127.0.0.1:${port}`, '--logDir', logDir], {
    env: { TICKBRIDGE_TOKEN: 'a-wrong-token' }
  });
  assert.equal(result.code, 1, result.stderr);
  assert.ok(Date.now() - started < 5_000, `failed after ${Date.now() - started} ms`);
  assert.match(result.stderr, /failed: missing or wrong token/);
  assert.doesNotMatch(result.stderr, /reconnecting/);
  assert.doesNotMatch(result.stderr, /a-wrong-token/, 'the token is not printed');
});

test('a processor speaking another protocol version fails the stream on its welcome naming both versions, exit 1', { timeout: 60_000 }, async (t) => {
  // A peer speaking the protocol's frames with a future version in its welcome (docs/protocol.md).
  const peer = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((resolve) => peer.once('listening', resolve));
  let hellos = 0;
  peer.on('connection', (socket) => socket.once('message', () => {
    hellos++;
    socket.send(JSON.stringify({ type: 'welcome', v: 2, stream_id: 'binance:BTCUSDT', server: 'a newer processor' }));
  }));
  t.after(() => new Promise((resolve) => peer.close(resolve)));
  const url = `ws://127.0.0.1:${(peer.address() as { port: number }).port}`;
  const result = await runCli(['stream', '--source', 'demo', '--pythonWebSocketUrl', url, '--logDir', tmp('version')]);
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, new RegExp(`failed: the processor at ${url} speaks protocol v2; this engine speaks v1`));
  assert.doesNotMatch(result.stderr, /reconnecting/);
  assert.equal(hellos, 1, 'no reconnect to a processor of another version');
});

test('Ctrl-C on `start` reaches only the engine: it stops the processor, no restart, exit 130', { timeout: 60_000 }, async () => {
  const port = await freePort();
  const storeDir = tmp('ctrl-c-store');
  const cli = spawnCli(['start', '--source', 'demo', '--pythonWebSocketUrl', `ws://127.0.0.1:${port}`, '--logDir', tmp('ctrl-c'), '--storeDir', storeDir]);
  await until(() => cli.stderr().includes('processor link connected'), 30_000, cli.stderr);
  assert.match(cli.stderr(), new RegExp(`processor listening on ws://127.0.0.1:${port} \\(health: http://127.0.0.1:${port}/health\\)`));
  assert.ok(cli.stderr().includes(`stored in ${storeDir}/candles.sqlite`));
  const health = (await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as { pid?: number };
  assert.ok(health);
  // The terminal's Ctrl-C: SIGINT to the foreground process group (the CLI's).
  const asked = Date.now();
  process.kill(-cli.child.pid!, 'SIGINT');
  assert.equal(await exitOf(cli.child), 130, cli.stderr());
  assert.ok(Date.now() - asked < 5_000);
  assert.doesNotMatch(cli.stderr(), /died|restarting/);
  await assert.rejects(fetch(`http://127.0.0.1:${port}/health`), 'the processor is gone');
});

test('replay with Tardis unreachable fails within 15 s naming the cause, exit 1', { timeout: 60_000 }, async () => {
  const started = Date.now();
  const result = await runCli(
    ['run', '--source', 'replay', '--exchange', 'binance', '--symbol', 'BTCUSDT', '--from', '2024-08-01', '--to', '2024-08-01T00:05:00Z', '--json', '--cacheDir', tmp('cache'), '--logDir', tmp('offline')],
    { env: { TICKBRIDGE_TARDIS_ENDPOINT: 'https://127.0.0.1:1/v1' } }
  );
  assert.equal(result.code, 1, result.stderr);
  assert.ok(Date.now() - started < 15_000, `took ${Date.now() - started} ms`);
  const failed = result.lines.find((line) => line.type === 'stream' && line.status === 'failed');
  assert.match(String(failed?.detail), /cannot download the replay: Tardis is unreachable at https:\/\/127\.0\.0\.1:1\/v1 \(connect ECONNREFUSED/);
  assert.equal(result.lines.at(-1)?.reason, 'failed');
});

const certDir = tmp('tls');
const HAS_OPENSSL =
  spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(certDir, 'key.pem'), '-out', join(certDir, 'cert.pem'), '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1']).status === 0;

test('replay with a key Tardis refuses fails within 15 s saying so, exit 1', { timeout: 60_000, skip: HAS_OPENSSL ? false : 'openssl is needed for the local HTTPS Tardis API' }, async (t) => {
  // A local Tardis API over HTTPS (tardis-dev downloads over https only): the symbol list
  // answers, the data feed refuses the key.
  const tls = { key: readFileSync(join(certDir, 'key.pem')), cert: readFileSync(join(certDir, 'cert.pem')) };
  const server = createHttpsServer(tls, (request, response) => {
    if (request.url?.startsWith('/v1/exchanges/')) {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ availableSymbols: [{ id: 'btcusdt' }] }));
    } else {
      response.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 401, message: 'Invalid API key' }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  const endpoint = `https://127.0.0.1:${(server.address() as { port: number }).port}/v1`;
  const started = Date.now();
  const result = await runCli(
    ['run', '--source', 'replay', '--exchange', 'binance', '--symbol', 'BTCUSDT', '--from', '2024-08-08', '--to', '2024-08-08T00:05:00Z', '--json', '--cacheDir', tmp('cache'), '--logDir', tmp('badkey')],
    { env: { TICKBRIDGE_TARDIS_ENDPOINT: endpoint, TARDIS_API_KEY: 'wrong-key', NODE_EXTRA_CA_CERTS: join(certDir, 'cert.pem') } }
  );
  assert.equal(result.code, 1, result.stderr);
  assert.ok(Date.now() - started < 15_000, `took ${Date.now() - started} ms`);
  const failed = result.lines.find((line) => line.type === 'stream' && line.status === 'failed');
  assert.match(String(failed?.detail), /Tardis refused the replay \(HTTP 401\): check TARDIS_API_KEY/);
  assert.doesNotMatch(result.stderr, /wrong-key/);
});

test('a live stream with no market message for --stallAfter is "stalled", then ends on SIGTERM', { timeout: 60_000 }, async (t) => {
  // A Binance-like WebSocket that accepts the subscription and then stays silent.
  const exchange = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((resolve) => exchange.once('listening', resolve));
  exchange.on('connection', (socket) =>
    socket.on('message', (data) => {
      const request = JSON.parse(data.toString()) as { id?: number };
      socket.send(JSON.stringify({ result: null, id: request.id }));
    })
  );
  t.after(() => exchange.close());
  const wss = `ws://127.0.0.1:${(exchange.address() as { port: number }).port}/stream`;
  const cli = spawnCli(['run', '--source', 'live', '--exchange', 'binance', '--symbol', 'BTCUSDT', '--dataTypes', 'trades', '--json', '--stallAfter', '2s', '--logDir', tmp('stall')], {
    WSS_URL_BINANCE: wss,
    TICKBRIDGE_TARDIS_ENDPOINT: 'https://127.0.0.1:1/v1'
  });
  const statuses = () => cli.lines.filter((line) => line.type === 'stream').map((line) => line.status as string);
  await until(() => statuses().includes('stalled'), 20_000, () => JSON.stringify(cli.lines.filter((line) => line.type === 'stream')));
  const stalled = cli.lines.find((line) => line.type === 'stream' && line.status === 'stalled')!;
  assert.match(stalled.detail, /no market message for \d+ s from binance \(stalled after 2 s\)/);
  assert.deepEqual(statuses().slice(0, 3), ['starting', 'starting', 'running']);
  // said on stderr too, once
  await until(() => /\[engine\] warning: binance:BTCUSDT: stalled: no market message for \d+ s/.test(cli.stderr()), 5_000, cli.stderr);
  assert.equal(cli.stderr().match(/stalled: /g)?.length, 1);
  process.kill(-cli.child.pid!, 'SIGTERM');
  assert.equal(await exitOf(cli.child), 0, cli.stderr());
});

test('`run --json` prints each stream event once and processor log lines once, at their level', { timeout: 60_000 }, async () => {
  const logDir = tmp('once');
  const result = await runCli(['run', '--source', 'demo', '--json', '--duration', '3s', '--timeframes', '1s', '--logDir', logDir]);
  assert.equal(result.code, 0, result.stderr);
  const events = result.lines.filter((line) => line.type === 'stream').map((line) => JSON.stringify(line));
  assert.equal(new Set(events).size, events.length, `repeated stream events:\n${events.join('\n')}`);
  assert.deepEqual(result.lines.filter((line) => line.type === 'stream').map((line) => line.status), ['starting', 'starting', 'running', 'stopped']);
  // info lines of the processor are not shown as warnings on stderr
  assert.doesNotMatch(result.stderr, /\[processor\] warning: .*connected/);
});

test('with two streams, each processor log line reaches the engine log once, at its own level', { timeout: 60_000 }, async () => {
  const { Engine } = await import('../index.js');
  const logDir = tmp('two-streams');
  const engine = await Engine.start({ processor: { launch: { host: '127.0.0.1', port: 0, logDir } } });
  const processorLines: { level: string; message: string }[] = [];
  engine.subscribe((event) => event.type === 'log' && event.entry.origin === 'processor' && processorLines.push(event.entry));
  try {
    for (const symbol of ['BTCUSDT', 'ETHUSDT']) {
      engine.startStream({ source: 'demo', exchange: 'binance', symbols: [symbol], dataTypes: ['trades'], timeframes: ['1s'], mode: 'candles', speed: 'max' });
    }
    const connected = (symbol: string) => processorLines.filter((line) => line.message.includes(`engine stream binance:${symbol} connected`));
    await until(() => connected('BTCUSDT').length > 0 && connected('ETHUSDT').length > 0, 30_000, () => JSON.stringify(processorLines));
    // both links receive every line: still once each, at info
    await until(() => engine.listStreams().every((stream) => stream.messages > 20), 30_000);
    assert.deepEqual(connected('BTCUSDT').map((line) => line.level), ['info']);
    assert.deepEqual(connected('ETHUSDT').map((line) => line.level), ['info']);
    const messages = processorLines.map((line) => line.message);
    assert.equal(new Set(messages).size, messages.length, `repeated:\n${messages.join('\n')}`);
  } finally {
    await engine.close();
  }
});
