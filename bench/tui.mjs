/**
 * 6. TUI: CPU share of the `tickbridge tui` process (in a pseudo-terminal, 120×40) following a demo
 * stream, and of a headless `tickbridge run --json` process following the same stream, measured
 * in interleaved pairs (tui, headless, tui, headless …). Both processes hold the engine and the
 * demo exchange (in the stream's worker thread, counted with its process); the difference within
 * each pair is what the monitor itself costs. The Python processor runs in its own process and
 * is not counted. Reported: the median of the pairs, with their min and max.
 *
 *   node bench/tui.mjs [--demo-rate 11500] [--seconds 15] [--warmup 5] [--pairs 3]
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DIST, cpuSeconds, parseArgs, report, spread } from './lib.mjs';

const args = parseArgs(process.argv.slice(2));
const demoRate = Number(args['demo-rate'] ?? 11_500);
const seconds = Number(args.seconds ?? 15);
const warmupMs = Number(args.warmup ?? 5) * 1000;
const pairs = Number(args.pairs ?? 3);
const CLI = join(DIST, 'cli', 'main.js');
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function freePort() {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Descendants of `pid`, depth first. */
function descendants(pid) {
  let children;
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
  return children.flatMap((child) => [child, ...descendants(child)]);
}

function cmdline(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return [];
  }
}

/** The CLI's node process under `root` (the process itself, or below `script`). */
async function findCli(root) {
  for (let attempt = 0; attempt < 100; attempt++) {
    const pid = [root, ...descendants(root)].find((candidate) => cmdline(candidate).some((part) => part.endsWith('cli/main.js')));
    if (pid !== undefined) return pid;
    await sleep(100);
  }
  throw new Error('the tickbridge process did not start');
}

async function measure(label, command, commandArgs) {
  const child = spawn(command, commandArgs, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  let output = ''; // the end of what it wrote (the terminal, for the tui), to say why it ended
  const keep = (chunk) => (output = (output + chunk).slice(-4000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    const pid = await findCli(child.pid);
    await sleep(warmupMs);
    const cpu0 = cpuSeconds(pid);
    const t0 = performance.now();
    await sleep(seconds * 1000);
    const cpu = cpuSeconds(pid) - cpu0;
    const elapsed = (performance.now() - t0) / 1000;
    if (!Number.isFinite(cpu)) {
      // eslint-disable-next-line no-control-regex
      const lines = output.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').split(/\r?\n/).map((line) => line.trim()).filter(Boolean);
      throw new Error(`${label} ended early: ${lines.find((line) => /error/i.test(line)) ?? lines.pop() ?? 'no output'}`);
    }
    process.kill(pid, 'SIGTERM');
    return cpu / elapsed;
  } finally {
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.stdin.end();
    await exited;
    clearTimeout(timer);
  }
}

if (!existsSync(join(DIST, 'tui', 'main.js'))) {
  report({ measured: false, reason: 'dist/tui/main.js does not exist (the `tui` command is not built)' });
  process.exit(0);
}
const logDir = mkdtempSync(join(tmpdir(), 'tickbridge-bench-logs-'));
const stream = ['--source', 'demo', '--demoRate', String(demoRate), '--logDir', logDir, '--logLevel', 'warning'];
try {
  const port = await freePort();
  const tuiCommand = [process.execPath, CLI, 'tui', ...stream, '--pythonWebSocketUrl', `ws://127.0.0.1:${port}`].map((part) => `'${part}'`).join(' ');
  const runs = [];
  for (let n = 0; n < pairs; n++) {
    const tui = await measure('tui', 'script', ['-qec', `stty cols 120 rows 40; exec ${tuiCommand}`, '/dev/null']);
    const headless = await measure('run --json', process.execPath, [CLI, 'run', ...stream, '--json', '--duration', `${seconds + warmupMs / 1000 + 30}s`]);
    runs.push({ tui, headless, own: tui - headless });
  }
  const own = spread(runs.map((run) => run.own));
  report({
    measured: true, demoRate, seconds, pairs: runs,
    tuiProcessShare: spread(runs.map((run) => run.tui)).median, headlessProcessShare: spread(runs.map((run) => run.headless)).median,
    tuiOwnShare: own.median, tuiOwnMin: own.min, tuiOwnMax: own.max
  });
} finally {
  rmSync(logDir, { recursive: true, force: true });
}
