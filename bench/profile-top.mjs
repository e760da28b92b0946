/**
 * Summarizes a V8 CPU profile (`node --cpu-prof` writes one per thread: the main thread's and
 * each stream worker's): busy share of the sampled time, self time by category (tardis-dev, our
 * source code, the bridge, the demo exchange, GC, …) and the functions with the most self time.
 * Samples are wall-clock: time a thread spent preempted inside a call counts to that call.
 *
 *   node --cpu-prof --cpu-prof-dir=prof bench/pipeline.mjs --file <capture>
 *   node bench/profile-top.mjs prof/*.cpuprofile [--top 25] [--messages N]   (N: µs per message too)
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from './lib.mjs';

const CATEGORIES = [
  ['(idle)', 'idle'], ['(garbage collector)', 'gc'], ['(program)', 'program'],
  ['node_modules/tardis-dev/', 'tardis-dev'], ['node_modules/bintrees/', 'tardis-dev'], ['node_modules/ws/', 'ws'], ['node_modules/zod/', 'zod'],
  ['node_modules/ink/', 'tui (ink, react)'], ['node_modules/react', 'tui (ink, react)'], ['node_modules/', 'other libraries'],
  ['/core/src/bridge/', 'bridge'], ['/core/src/sources/demo/', 'demo exchange'], ['/core/src/sources/worker/', 'worker pump'], ['/core/src/sources/', 'sources'],
  ['/core/src/engine/', 'engine'], ['/tui/', 'tui (ink, react)'], ['/bench/', 'bench'], ['node:', 'node internals'], ['', 'native (syscalls, postMessage, …)']
];
const category = (name, url) => CATEGORIES.find(([match]) => (match.startsWith('(') ? name === match : url.includes(match)))[1];

export function summarize(path) {
  const profile = JSON.parse(readFileSync(path, 'utf8'));
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    const { functionName, url, lineNumber } = nodes.get(id).callFrame;
    const name = functionName || '(anonymous)';
    const key = `${name} ${url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/(dist|bench)\//, '$1/')}:${lineNumber + 1}`;
    const entry = self.get(key) ?? { us: 0, category: category(name, url) };
    entry.us += dt;
    self.set(key, entry);
    total += dt;
  });
  const byCategory = new Map();
  for (const { us, category: c } of self.values()) byCategory.set(c, (byCategory.get(c) ?? 0) + us);
  const busy = total - (byCategory.get('idle') ?? 0);
  byCategory.delete('idle');
  return { total, busy, byCategory: [...byCategory].sort((a, b) => b[1] - a[1]), functions: [...self].filter(([, e]) => e.category !== 'idle').sort((a, b) => b[1].us - a[1].us) };
}

const args = parseArgs(process.argv.slice(2));
const top = Number(args.top ?? 25);
const messages = args.messages === undefined ? undefined : Number(args.messages);
for (const path of process.argv.slice(2).filter((arg) => arg.endsWith('.cpuprofile'))) {
  const { total, busy, byCategory, functions } = summarize(path);
  const share = (us) => `${((us / busy) * 100).toFixed(1)}%`;
  const perMessage = (us) => (messages ? ` ${(us / messages).toFixed(2)} µs/msg` : '');
  console.log(`${path.split('/').pop()}: ${(total / 1e6).toFixed(2)} s sampled, busy ${(busy / 1e6).toFixed(2)} s (${((busy / total) * 100).toFixed(0)}%)${perMessage(busy)}`);
  console.log(`  by category: ${byCategory.map(([c, us]) => `${c} ${share(us)}${perMessage(us)}`).join(', ')}`);
  for (const [key, { us }] of functions.slice(0, top)) console.log(`  ${share(us).padStart(6)} ${(us / 1000).toFixed(0).padStart(6)} ms  ${key}`);
}
