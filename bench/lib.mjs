/** Small helpers shared by the benchmark steps: child steps, /proc sampling, statistics. */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_TIMEFRAMES } from '../dist/core/index.js';

export const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
export const BENCH_DIR = join(ROOT, 'bench');
export const DIST = join(ROOT, 'dist');
export const VENV_PYTHON = join(ROOT, 'python', '.venv', 'bin', 'python');
export const DATA_TYPES = ['trades,book_snapshot_5,derivative_ticker,liquidations'];
/** The engine's default timeframes (15s, 1m, 5m, 15m: the contract's bar_specs.json). */
export const TIMEFRAMES = [...DEFAULT_TIMEFRAMES];

/**
 * The processor stores closed candles in a local store by default (./data, or
 * $TICKBRIDGE_STORE_DIR): benchmark runs keep that on, in a temporary folder of their own, so
 * nothing is written into the project. Child processes inherit it.
 */
if (process.env.TICKBRIDGE_STORE_DIR === undefined) {
  const store = mkdtempSync(join(tmpdir(), 'tickbridge-bench-store-'));
  process.env.TICKBRIDGE_STORE_DIR = store;
  process.on('exit', () => rmSync(store, { recursive: true, force: true }));
}

/** Clock ticks per second of /proc/<pid>/stat (100 on Linux). */
const CLK_TCK = 100;

/** Resident set size of a process in MB, or undefined when it is gone. */
export function rssMb(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /VmRSS:\s+(\d+) kB/.exec(status);
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** CPU seconds (user + system) a process has used so far, or undefined when it is gone. */
export function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  } catch {
    return undefined;
  }
}

/** Nanoseconds each thread of a process has run, and waited runnable for a CPU (/proc/<pid>/task/<tid>/schedstat). */
export function schedstat(pid) {
  const threads = new Map();
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        const [run, wait] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ').map(Number);
        threads.set(Number(tid), { run, wait });
      } catch {
        // the thread ended
      }
    }
  } catch {
    // the process ended
  }
  return threads;
}

/**
 * Shares of `seconds` a process's threads ran and waited for a CPU between two schedstat
 * readings: `main` (the thread whose id is the pid), `busiest` (the other thread that ran the
 * most: a stream's worker in the engine) and `all` (every thread, summed).
 */
export function schedShares(pid, before, after, seconds) {
  const share = (ns) => ns / 1e9 / seconds;
  const deltas = [...after].map(([tid, t]) => ({ tid, run: t.run - (before.get(tid)?.run ?? 0), wait: t.wait - (before.get(tid)?.wait ?? 0) }));
  const view = (d) => (d === undefined ? null : { run: share(d.run), wait: share(d.wait) });
  const others = deltas.filter((d) => d.tid !== pid).sort((a, b) => b.run - a.run);
  const all = deltas.reduce((sum, d) => ({ run: sum.run + d.run, wait: sum.wait + d.wait }), { run: 0, wait: 0 });
  return { main: view(deltas.find((d) => d.tid === pid)), busiest: view(others[0]), all: view(all) };
}

/** The 1-minute load average. */
export function loadAverage() {
  return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
}

/** Percentile (0..100) of an ascending array, nearest rank. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

/** Median with min and max of a list of figures (e.g. the ratios of interleaved A/B pairs). */
export function spread(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return { median: sorted[Math.floor((sorted.length - 1) / 2)], min: sorted[0], max: sorted[sorted.length - 1], n: sorted.length };
}

export const round = (value, digits = 2) => (Number.isFinite(value) ? Number(value.toFixed(digits)) : null);

/**
 * Runs a step (`node bench/<file>` or a Python file) in its own process and returns the JSON object
 * it prints last on stdout; stderr is passed through. Fails when the step exits non-zero or
 * outlives `timeoutMs`.
 */
export function runStep(command, args, { timeoutMs, env } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk) => {
      process.stderr.write(chunk);
      err = (err + chunk).slice(-4000);
    });
    const timer = timeoutMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const last = out.trim().split('\n').filter((line) => line.startsWith('{')).pop();
      if (code !== 0 || last === undefined) {
        const why = err.split('\n').map((line) => line.trim()).filter((line) => /error/i.test(line)).pop() ?? err.trim().split('\n').pop() ?? '';
        reject(new Error(`${basename(args[0] ?? command)} ended with ${signal ?? `code ${code}`}${why ? `: ${why.slice(0, 300)}` : ''}`));
        return;
      }
      resolve(JSON.parse(last));
    });
  });
}

/** Parses `--name value` / `--flag` arguments into an object. */
export function parseArgs(argv) {
  const args = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) continue;
    const next = argv[i + 1];
    if (next === undefined || next.startsWith('--')) args[arg.slice(2)] = true;
    else args[arg.slice(2)] = argv[++i];
  }
  return args;
}

/** Prints a step's result (the last JSON line of stdout is what run.mjs reads). */
export function report(result) {
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
