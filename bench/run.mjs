#!/usr/bin/env node
/**
 * `npm run bench [-- --quick]`: measures the pipeline against its limits and writes
 * bench/results.json; a full run also regenerates the table in docs/benchmarks.md (a quick run
 * prints it only). Every step runs in its own process, one after the other. Figures are printed,
 * never asserted: the exit code is non-zero only when a step could not run.
 *
 * Full ≈ 10 min on an idle machine (three rounds of seven variants on a 250k-message capture; a
 * 1M-message capture streamed 5 times for the memory figure; three headless / TUI-attached pairs
 * of the live latency), --quick ≈ 2–3 min (the same steps, smaller inputs, one latency pair).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { SOURCE_CAPTURE, synthesizeCapture } from './capture.mjs';
import { BENCH_DIR, ROOT, VENV_PYTHON, loadAverage, parseArgs, runStep } from './lib.mjs';
import { evaluate, formatTable, writeDocsTable } from './table.mjs';

const args = parseArgs(process.argv.slice(2));
const quick = args.quick === true;
// Ratios come from PAIRS interleaved rounds (each round runs every variant once, one after the
// other), reported as the median with min–max: these machines drift by ±30% within minutes.
const PAIRS = 3;
const PLAN = quick
  ? { capture: 20_000, memoryCapture: 120_000, memoryStreams: 2, idleStreams: 3, latencyS: 4, latencyWarmupS: 1, latencyPairs: 1, tuiS: 2, tuiWarmupS: 2, micro: 100_000, microRepeat: 1 }
  : { capture: 250_000, memoryCapture: 1_000_000, memoryStreams: 5, idleStreams: 4, latencyS: 12, latencyWarmupS: 3, latencyPairs: PAIRS, tuiS: 10, tuiWarmupS: 3, micro: 150_000, microRepeat: 2 };
const LATENCY_DEMO_RATE = 23_000; // market steps/s of the demo exchange: ~10k messages/s into the engine
const TUI_DEMO_RATE = 11_500; // ~5k messages/s

const say = (text) => process.stderr.write(`bench: ${text}\n`);
const node = (file, stepArgs, timeoutMs) => runStep(process.execPath, [join(BENCH_DIR, file), ...stepArgs], { timeoutMs });
const started = performance.now();
const results = {
  mode: quick ? 'quick' : 'full',
  startedAt: new Date().toISOString(),
  machine: { cpus: cpus().length, node: process.version, python: execFileSync(VENV_PYTHON, ['--version'], { encoding: 'utf8' }).trim(), loadBefore: loadAverage() },
  plan: { ...PLAN, pairs: PAIRS }
};
const failures = [];

async function step(name, run) {
  const t0 = performance.now();
  say(`${name}…`);
  try {
    results[name] = await run();
  } catch (error) {
    failures.push(name);
    results[name] = { error: error.message };
    say(`${name} failed: ${error.message}`);
  }
  say(`${name}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

const dir = mkdtempSync(join(tmpdir(), 'tickbridge-bench-'));
try {
  const capture = join(dir, 'capture.txt');
  const memoryCapture = join(dir, 'memory-capture.txt');
  if (existsSync(SOURCE_CAPTURE)) {
    await step('capture', async () => ({
      main: await synthesizeCapture(capture, PLAN.capture),
      memory: await synthesizeCapture(memoryCapture, PLAN.memoryCapture)
    }));
    // one round: every variant once, on the same book-heavy capture (and trades only)
    const file = ['--file', capture];
    const variants = {
      source: () => node('source.mjs', file, 300_000),
      pipeline: () => node('pipeline.mjs', file, 300_000),
      seed: () => node('seed.mjs', file, 300_000),
      twoStreams: () => node('pipeline.mjs', [...file, '--concurrent', '2'], 300_000),
      pipelineTrades: () => node('pipeline.mjs', [...file, '--data-types', 'trades'], 300_000),
      sourceTrades: () => node('source.mjs', [...file, '--data-types', 'trades'], 300_000),
      seedTrades: () => node('seed.mjs', [...file, '--data-types', 'trades'], 300_000)
    };
    await step('rounds', async () => {
      const rounds = [];
      for (let n = 0; n < PAIRS; n++) {
        const round = {};
        for (const [name, run] of Object.entries(variants)) round[name] = await run();
        rounds.push(round);
      }
      return rounds;
    });
    // the memory figure: RSS over all the streams, one after the other
    await step('pipeline', () => node('pipeline.mjs', ['--file', memoryCapture, '--streams', String(PLAN.memoryStreams), '--sample-ms', '250'], 1_200_000));
  } else {
    // as the tests do: without the real captures these figures are skipped, not failed
    const skipped = { error: `real captures not found (${SOURCE_CAPTURE})` };
    for (const name of ['capture', 'rounds', 'pipeline']) results[name] = skipped;
    say(skipped.error);
  }
  rmSync(dir, { recursive: true, force: true });
  // headless and with the TUI attached, interleaved (the target asks for the TUI attached)
  await step('latency', async () => {
    const latency = (tui) => runStep(process.execPath, ['--import', './bench/trace-link.mjs', join(BENCH_DIR, 'latency.mjs'), '--rate', String(LATENCY_DEMO_RATE),
      '--seconds', String(PLAN.latencyS), '--warmup', String(PLAN.latencyWarmupS), ...(tui ? ['--tui'] : [])], { timeoutMs: 120_000 });
    const runs = { headless: [], tui: [] };
    for (let n = 0; n < PLAN.latencyPairs; n++) {
      runs.headless.push(await latency(false));
      runs.tui.push(await latency(true));
    }
    return runs;
  });
  await step('idle', () => node('idle.mjs', ['--streams', String(PLAN.idleStreams)], 180_000));
  await step('tui', () => node('tui.mjs', ['--demo-rate', String(TUI_DEMO_RATE), '--seconds', String(PLAN.tuiS), '--warmup', String(PLAN.tuiWarmupS), '--pairs', String(PAIRS)], 300_000));
  await step('micro', () => runStep(VENV_PYTHON, [join(ROOT, 'python', 'bench', 'bench_processor.py'), '--messages', String(PLAN.micro), '--repeat', String(PLAN.microRepeat), '--json'], { timeoutMs: 120_000 }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}

results.machine.loadAfter = loadAverage();
results.seconds = (performance.now() - started) / 1000;
results.rows = evaluate(results);
writeFileSync(join(BENCH_DIR, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
const table = formatTable(results);
process.stdout.write(`${table}\n`);
if (!quick) writeDocsTable(join(ROOT, 'docs', 'benchmarks.md'), results);
say(`done in ${results.seconds.toFixed(0)} s: bench/results.json${quick ? '' : ', docs/benchmarks.md'}`);
if (failures.filter((name) => name !== 'tui').length > 0) {
  say(`steps that could not run: ${failures.join(', ')}`);
  process.exitCode = 1;
}
