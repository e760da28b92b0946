// Wrong flags get one clear line naming the problem and the accepted values, exit code 2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { CLI, runCli } from './helpers/cli.js';

const logDir = mkdtempSync(join(tmpdir(), 'tickbridge-cli-'));
const cases: [string, string[], RegExp][] = [
  ['a bad timeframe', ['run', '--timeframes', '15s,7x'], /invalid timeframe "7x".*15s, 1m/],
  ['an unknown source', ['run', '--source', 'tape'], /live, replay, file, demo/],
  ['an unknown flag', ['run', '--symbl', 'BTCUSDT'], /--symbl[\s\S]*--symbol/],
  ['a bad speed', ['run', '--source', 'file', '--file', 'x.gz', '--speed', 'fast'], /--speed must be "max" or a positive number/],
  ['a file source without a file', ['run', '--source', 'file'], /--source file needs --file/],
  ['a replay without dates', ['run', '--source', 'replay'], /--from and --to/],
  ['a bad duration', ['run', '--source', 'demo', '--duration', 'soon'], /--duration "soon" is not a duration/],
  ['a bad processor URL', ['start', '--pythonWebSocketUrl', 'http://x'], /must start with ws:\/\//],
  ['an unknown symbol', ['run', '--source', 'demo', '--symbol', 'BTCUSDX'], /Unknown symbol "BTCUSDX".*Did you mean BTCUSDT/],
  ['an unknown data type', ['run', '--source', 'demo', '--dataTypes', 'trades,quotes'], /Unknown data type "quotes". Accepted: trades/]
];

for (const [what, args, message] of cases) {
  test(`${what} → one clear line and exit code 2`, async () => {
    const result = await runCli([...args, '--logDir', logDir]);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, message);
    assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
  });
}

test('--help lists the commands and exits 0', async () => {
  // exits 0 or execFile rejects
  const result = await promisify(execFile)(process.execPath, [CLI, '--help']);
  assert.match(result.stdout, /^Usage: tickbridge \[options\] \[command\]/);
  const listed = [...result.stdout.split('Commands:')[1]!.matchAll(/^ {2}([a-z][a-z-]*)\b/gm)].map((m) => m[1]);
  assert.deepEqual(listed, ['stream', 'start', 'run', 'tui', 'bq-replay', 'server', 'export', 'help']);
});

test('flags are camelCase; --closed-only of earlier versions still works, out of --help', async () => {
  const help = await promisify(execFile)(process.execPath, [CLI, 'run', '--help']);
  assert.match(help.stdout, /--closedOnly/);
  assert.doesNotMatch(help.stdout, /--[a-z]+-[a-z]/, 'no kebab-case flag listed');
  const result = await runCli(['run', '--source', 'demo', '--json', '--duration', '2s', '--timeframes', '15s', '--closed-only', '--logDir', logDir]);
  assert.equal(result.code, 0, result.stderr);
  const candles = result.lines.filter((line) => line.type === 'candle');
  assert.ok(candles.every((c) => c.closed === true || c.final === true), 'only closed and final candles');
});
