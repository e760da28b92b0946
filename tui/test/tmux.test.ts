// The monitor in a real terminal: tmux runs `tickbridge tui --source demo`, the test types with
// send-keys and reads the screen with capture-pane. Skips when tmux is not installed.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { PACKAGE_ROOT } from '../../core/index.js';
import { makeStoreV2 } from '../../core/test/helpers/storeV2.js';
import { waitFor } from './helpers/wait.js';

const HAS_TMUX = spawnSync('tmux', ['-V']).status === 0;
const SKIP = HAS_TMUX ? false : 'tmux is not installed (apt-get install -y tmux): the real-terminal test of the monitor is skipped';
const SOCKET = `tickbridge-tui-test-${process.pid}`;
// capture-pane drops trailing blanks: the prompt reads `tb$`.
const PROMPT = 'tb$';
const COLUMNS = 100;
const ROWS = 30;
const CLI = join(PACKAGE_ROOT, 'dist/cli/main.js');
const logDir = mkdtempSync(join(tmpdir(), 'tickbridge-tui-'));

// Ink renders only a final frame when it thinks it runs in CI: the pane is a real terminal.
const { CI: _ci, CONTINUOUS_INTEGRATION: _ciToo, NO_COLOR: _noColor, TMUX: _tmux, ...inherited } = process.env;
const env: NodeJS.ProcessEnv = { ...inherited, TERM: 'xterm-256color' };

function tmux(...args: string[]): string {
  return execFileSync('tmux', ['-L', SOCKET, ...args], { env, encoding: 'utf8' });
}
const screen = () => tmux('capture-pane', '-p', '-t', 'tui');
const keys = (...names: string[]) => tmux('send-keys', '-t', 'tui', ...names);
const type = (text: string) => tmux('send-keys', '-t', 'tui', '-l', text);

async function waitScreen(texts: (string | RegExp)[], absent: string[] = [], timeoutMs = 20_000): Promise<string> {
  return waitFor(
    () => {
      const text = screen();
      const ok = texts.every((t) => (typeof t === 'string' ? text.includes(t) : t.test(text))) && absent.every((t) => !text.includes(t));
      return ok ? text : undefined;
    },
    () => `${texts.map(String).join(', ')}${absent.length ? ` without ${absent.join(', ')}` : ''} on the screen:\n${screen()}`,
    timeoutMs
  );
}

/** Child processes, from /proc (no dependency on ps). */
function children(pid: number): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((name) => {
      try {
        const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
      } catch {
        return false;
      }
    })
    .map(Number);
}
function descendants(pid: number): number[] {
  return children(pid).flatMap((child) => [child, ...descendants(child)]);
}
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
const lineWith = (text: string, needle: string) => text.split('\n').find((line) => line.includes(needle)) ?? '';

after(() => {
  if (HAS_TMUX) spawnSync('tmux', ['-L', SOCKET, 'kill-server'], { env });
  rmSync(logDir, { recursive: true, force: true });
});

test('tickbridge tui on the demo source in a real terminal', { skip: SKIP, timeout: 180_000 }, async () => {
  tmux('new-session', '-d', '-s', 'tui', '-x', String(COLUMNS), '-y', String(ROWS), `env PS1='${PROMPT} ' bash --norc --noprofile`);
  const shell = Number(tmux('display-message', '-p', '-t', 'tui', '#{pane_pid}').trim());
  await waitScreen([PROMPT]);
  type(`cd ${PACKAGE_ROOT} && node ${CLI} tui --source demo --pythonWebSocketUrl ws://127.0.0.1:0 --logDir ${logDir}`);
  keys('Enter');

  // Candles draw: bodies (█ ▀ ▄) left of the chart's price axis (┤).
  const first = await waitScreen(['DEMO EXCHANGE', 'binance:BTCUSDT · 15s', '● running', 'proc ● running'], [], 60_000);
  assert.match(first, /TICKBRIDGE/);
  await waitFor(
    () => screen().split('\n').some((line) => line.indexOf('┤') > 34 && /[█▀▄]/.test(line.slice(33, line.indexOf('┤')))),
    () => `candles on the chart:\n${screen()}`,
    30_000
  );
  const processes = descendants(shell);
  assert.ok(processes.length >= 2, `the CLI and its processor run (${processes.join(', ')})`);

  // Timeframes.
  keys('2');
  await waitScreen(['binance:BTCUSDT · 1m', '[1m]']);
  keys(']');
  await waitScreen(['binance:BTCUSDT · 5m']);
  keys('1');
  await waitScreen(['binance:BTCUSDT · 15s']);

  // A second stream through the form, then stopped.
  keys('a');
  await waitScreen(['Add stream', '▸ symbol']);
  type('ETHUSDT');
  await waitScreen(['ETHUSDT▏']);
  keys('Enter');
  await waitFor(() => /▸ binance:ETHUSDT\s+● running/.test(screen()), () => `ETHUSDT running:\n${screen()}`, 30_000);
  await waitScreen(['binance:ETHUSDT · 15s', '2/2']);
  keys('x');
  await waitFor(() => /binance:ETHUSDT\s+● stopped/.test(screen()), () => `ETHUSDT stopped:\n${screen()}`);
  await waitScreen(['1/2']);
  assert.match(lineWith(screen(), 'binance:BTCUSDT  '), /● running/);

  // Help.
  keys('?');
  await waitScreen(['Keys', 'quit (stops streams, processor)', 'add a stream']);
  keys('Escape');
  await waitScreen(['Streams', 'Features'], ['? or Esc closes']);

  // Quit: exit code 0, the terminal restored (main screen back, cooked mode), nothing left running.
  keys('q');
  await waitScreen([/^tb\$\s*$/m], ['TICKBRIDGE'], 30_000);
  type('echo "exit=$?"; stty -a | tr " " "\\n" | grep -x -- "-\\?icanon" | sed "s/^/stty:/"');
  keys('Enter');
  const end = await waitScreen([/^exit=\d+$/m, /^stty:/m]);
  assert.match(end, /^exit=0$/m);
  assert.match(end, /^stty:icanon$/m);
  await waitFor(() => processes.every((pid) => !alive(pid)), () => `processes left: ${processes.filter(alive).join(', ')}`, 10_000);
});

test('offline, the live default says within 10 s that the exchange cannot be reached', { skip: SKIP, timeout: 90_000 }, async (t) => {
  tmux('new-session', '-d', '-s', 'live', '-x', String(COLUMNS), '-y', String(ROWS), `env PS1='${PROMPT} ' bash --norc --noprofile`);
  const live = (...args: string[]) => tmux('send-keys', '-t', 'live', ...args);
  const liveScreen = () => tmux('capture-pane', '-p', '-t', 'live');
  await waitFor(() => liveScreen().includes(PROMPT) || undefined, 'the shell prompt');
  live('-l', `cd ${PACKAGE_ROOT} && node ${CLI} tui --pythonWebSocketUrl ws://127.0.0.1:0 --logDir ${logDir}`);
  live('Enter');
  await waitFor(() => liveScreen().includes('LIVE') || undefined, () => `the monitor:\n${liveScreen()}`, 60_000);
  const shown = Date.now();
  const outcome = await waitFor(
    () => (/cannot be reached.*add a demo stream/.test(liveScreen()) ? 'offline' : /trades [1-9]/.test(liveScreen()) ? 'online' : undefined),
    () => `an offline notice or live trades:\n${liveScreen()}`,
    10_000
  );
  if (outcome === 'online') t.diagnostic('this machine reaches the exchange: nothing to check offline');
  else {
    assert.ok(Date.now() - shown <= 10_000);
    assert.match(liveScreen(), /add a demo stream \(a, source demo\)/);
    assert.doesNotMatch(liveScreen(), /npm start/, 'no shell advice inside the running monitor');
    assert.match(liveScreen(), /reconnecting/);
  }
  live('q');
  await waitFor(() => /^tb\$\s*$/m.test(liveScreen()) || undefined, () => `the prompt after q:\n${liveScreen()}`, 30_000);
});

test('in a real terminal: a bad timeframe is one line and exit 2; a failed stream shows failed with its reason', { skip: SKIP, timeout: 90_000 }, async () => {
  tmux('new-session', '-d', '-s', 'bad', '-x', String(COLUMNS), '-y', String(ROWS), `env PS1='${PROMPT} ' bash --norc --noprofile`);
  const send = (...args: string[]) => tmux('send-keys', '-t', 'bad', ...args);
  const badScreen = () => tmux('capture-pane', '-p', '-t', 'bad');
  await waitFor(() => badScreen().includes(PROMPT) || undefined, 'the shell prompt');
  send('-l', `cd ${PACKAGE_ROOT} && node ${CLI} tui --source demo --timeframes 1x --logDir ${logDir}; echo "exit=$?"`);
  send('Enter');
  const refused = await waitFor(() => (/^exit=\d+$/m.test(badScreen()) ? badScreen() : undefined), () => `the exit code:\n${badScreen()}`, 15_000);
  assert.match(refused, /^tickbridge: invalid timeframe "1x": use <N>s, <N>m, <N>h/m);
  assert.match(refused, /^exit=2$/m);
  assert.doesNotMatch(refused, /TICKBRIDGE|\s+at /, 'nothing rendered, no stack trace');

  // A replay that cannot reach Tardis: the stream turns failed, its reason on the stream's line.
  send('-l', `clear; TICKBRIDGE_TARDIS_ENDPOINT=https://127.0.0.1:1/v1 node ${CLI} tui --source replay --symbol BTCUSDT --from 2024-08-01 --to 2024-08-01T00:05:00Z --cacheDir ${logDir}/cache --pythonWebSocketUrl ws://127.0.0.1:0 --logDir ${logDir}`);
  send('Enter');
  const failedWithReason = () => {
    const screen = badScreen();
    // the stream's line, and the reason in full where the chart would be
    return /binance:BTCUSDT\s+● failed/.test(screen) && /│\s+failed: cannot download the replay: Tardis is\s/.test(screen) ? true : undefined;
  };
  await waitFor(failedWithReason, () => `a failed stream with its reason on the next line:\n${badScreen()}`, 30_000);
  send('q');
  await waitFor(() => /^tb\$\s*$/m.test(badScreen()) || undefined, () => `the prompt after q:\n${badScreen()}`, 30_000);
});

test('warm start: the chart begins with the stored candles of the same stream', { skip: SKIP, timeout: 120_000 }, async () => {
  // Stored demo bars at about 12,345 (the demo trades near 60,000): the price axis reaches down
  // to them only when they are drawn.
  const storeDir = mkdtempSync(join(tmpdir(), 'tickbridge-tui-warm-'));
  makeStoreV2(storeDir, ['Run("before", source="demo", timeframes=("15s",), bars=8, price=12345.0, first=ago(minutes=5))']);
  tmux('new-session', '-d', '-s', 'warm', '-x', String(COLUMNS), '-y', String(ROWS), `env PS1='${PROMPT} ' bash --norc --noprofile`);
  const warm = (...args: string[]) => tmux('send-keys', '-t', 'warm', ...args);
  const warmScreen = () => tmux('capture-pane', '-p', '-t', 'warm');
  await waitFor(() => warmScreen().includes(PROMPT) || undefined, 'the shell prompt');
  warm('-l', `cd ${PACKAGE_ROOT} && node ${CLI} tui --source demo --timeframes 15s --storeDir ${storeDir} --pythonWebSocketUrl ws://127.0.0.1:0 --logDir ${logDir}`);
  warm('Enter');
  const lowest = () => Math.min(...[...warmScreen().matchAll(/┤\s*([\d,]+)/g)].map((m) => Number(m[1]!.replace(/,/g, ''))));
  await waitFor(() => (lowest() < 20_000 ? true : undefined), () => `the stored bars on the price axis:\n${warmScreen()}`, 60_000);
  warm('q');
  await waitFor(() => /^tb\$\s*$/m.test(warmScreen()) || undefined, () => `the prompt after q:\n${warmScreen()}`, 30_000);
  rmSync(storeDir, { recursive: true, force: true });
});

const FUTURES = join(PACKAGE_ROOT, '..', 'shared', 'data', 'binance-futures_btcusdt_20240808.raw.gz');
const NO_FUTURES = existsSync(FUTURES) ? false : `capture not found: ${FUTURES}`;

test('a file replay: pause, speed and one-bar steps from the keys; the health line reads lag, window and rate', { skip: SKIP || NO_FUTURES, timeout: 180_000 }, async () => {
  tmux('new-session', '-d', '-s', 'replay', '-x', String(COLUMNS), '-y', String(ROWS), `env PS1='${PROMPT} ' bash --norc --noprofile`);
  const send = (...args: string[]) => tmux('send-keys', '-t', 'replay', ...args);
  const view = () => tmux('capture-pane', '-p', '-t', 'replay');
  const waitView = (texts: (string | RegExp)[], timeoutMs = 30_000) =>
    waitFor(() => (texts.every((t) => (typeof t === 'string' ? view().includes(t) : t.test(view()))) ? view() : undefined), () => `${texts.map(String).join(', ')} on the screen:\n${view()}`, timeoutMs);
  await waitView([PROMPT]);
  send('-l', `cd ${PACKAGE_ROOT} && node ${CLI} tui --source demo --timeframes 15s,1m --pythonWebSocketUrl ws://127.0.0.1:0 --logDir ${logDir}`);
  send('Enter');
  await waitView(['DEMO EXCHANGE', '● running'], 60_000);
  // the file replay from the form: source file, the path completed with Tab, speed 1×
  send('a');
  await waitView(['Add stream', '▸ symbol']);
  send('-l', 'BTCUSDT');
  send('Tab');
  send('Tab');
  await waitView(['▸ source']);
  send('Right');
  send('Right');
  await waitView(['▸ source', 'file', 'speed']);
  send('Tab');
  send('-l', '../shared/data/binance-fut');
  send('Tab');
  await waitView(['binance-futures_btcusdt_20240808.raw.gz▏']);
  send('Tab');
  await waitView(['▸ speed']);
  send('C-u');
  send('-l', '1');
  send('Tab');
  await waitView(['▸ exchange']);
  send('C-u');
  send('-l', 'binance-futures');
  send('Enter');
  await waitView(['REPLAY · FILE', 'binance-futures:BTCUSDT', '▶ 1×'], 60_000);
  // the health line: the capture's recorded lag, the bridge window, the rate
  const health = await waitView([/lag p50 -?[\d.]+m?s p99 -?[\d.]+m?s │ window \d+% bp \d+ │ reconn 0 gaps 0 late \S+ skip \d+ │ [\d.k]+ msg\/s/]);
  assert.match(lineWith(health, 'lag p50'), /▶ 1×/);

  send('Space');
  await waitView(['❚❚ paused 1×', 'binance-futures:BTCUSDT paused']);
  const messages = () => Number(/msgs ([\d.]+k?)/.exec(view())?.[1]?.replace('k', 'e3') ?? NaN);
  send('s');
  await waitView(['❚❚ paused 10×', 'speed 10×']);
  const beforeStep = messages();
  send('.');
  await waitView(['stepping one bar']);
  // the step reads up to the next 15 s bar boundary, then pauses by itself
  await waitFor(() => (messages() > beforeStep && view().includes('❚❚ paused 10×') ? true : undefined), () => `a step read on and paused again:\n${view()}`, 20_000);
  const afterStep = messages();
  send('Space');
  await waitView(['▶ 10×']);
  await waitFor(() => (messages() > afterStep ? true : undefined), () => `messages grow after resume:\n${view()}`, 20_000);
  send('s');
  await waitView(['▶ 100×']);
  // enough bars on the chart for the README's screenshot
  await waitFor(() => (Number(/candles (\d+)/.exec(view())?.[1] ?? 0) >= 12 ? true : undefined), () => `closed candles:\n${view()}`, 30_000);
  screenshot(view());
  send('q');
  await waitView([/^tb\$\s*$/m]);
});

/** The README's terminal screenshot is this test's screen (between its markers). */
function screenshot(text: string): void {
  const readme = join(PACKAGE_ROOT, 'README.md');
  const body = readFileSync(readme, 'utf8');
  const start = '<!-- tui-screenshot:start (written by tui/test/tmux.test.ts) -->';
  const end = '<!-- tui-screenshot:end -->';
  const at = body.indexOf(start);
  const until = body.indexOf(end);
  if (at < 0 || until < at) return;
  const block = `${start}\n\n\`\`\`\n${text.replace(/\s+$/gm, '').trimEnd()}\n\`\`\`\n\n`;
  writeFileSync(readme, body.slice(0, at) + block + body.slice(until));
}
