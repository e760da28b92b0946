import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { UsageError } from '../src/errors.js';
import { openSource, parseSpeed } from '../src/sources/index.js';
import { MAX_PACING_WAIT_MS, MIN_SLEEP_MS, createPacer } from '../src/sources/pacing.js';
import { SPOT, captureLines, needsData } from './sources-helpers.js';

test('pacer delays: speed N waits (local elapsed)/N, anchored at the first message', () => {
  let now = 1_000;
  const pace = createPacer(10, undefined, () => now);
  assert.equal(pace(50_000), 0); // anchor
  assert.equal(pace(51_000), 100); // 1 s of local time at 10x = 100 ms ahead
  now += 100;
  assert.equal(pace(51_000), 0); // on time
  assert.equal(pace(52_000), 100);
  now += 500; // consumer was slow: late messages are not delayed
  assert.equal(pace(53_000), 0);
  assert.equal(pace(57_000), 100); // due at 1000 + 7000/10 = 1700, now 1600
  assert.equal(pace(50_000 + (now - 1_000 + MIN_SLEEP_MS - 1) * 10), 0, 'a few ms ahead is not worth a timer');
  assert.equal(pace(50_000 + (now - 1_000 + MIN_SLEEP_MS + 1) * 10), MIN_SLEEP_MS + 1);
  const realTime = createPacer(1, undefined, () => 0);
  realTime(0);
  assert.equal(realTime(2_500), 2_500);
  const slow = createPacer(0.5, undefined, () => 0);
  slow(0);
  assert.equal(slow(1_000), 2_000);
});

test('pacer: a jump in local time worth more than the bound is skipped both ways, said once', () => {
  const warnings: string[] = [];
  const pace = createPacer(10, (m) => void warnings.push(m), () => 0);
  const DAY = 86_400_000;
  pace(0);
  assert.equal(pace(1_000), 100);
  assert.equal(pace(1_000 + DAY), 100, 'a day ahead: no day-long sleep');
  // back in line: the time between the messages around the outlier is absorbed, then paced as before
  assert.equal(pace(2_000), 100);
  assert.equal(pace(3_000), 200);
  assert.equal(pace(3_000 + 2 * DAY), 200);
  assert.equal(warnings.length, 1, warnings.join('\n'));
  assert.match(warnings[0]!, /jumps ahead by 1\.0 d at .*worth more than 10 s of waiting at --speed 10 are skipped/);
  // a long quiet stretch at real time is cut to the bound too
  const realTime = createPacer(1, () => {}, () => 0);
  realTime(0);
  assert.equal(realTime(9_000), 9_000);
  assert.equal(realTime(9_000 + MAX_PACING_WAIT_MS + 1), 9_000);
});

test('speed values', () => {
  assert.equal(parseSpeed('max'), 'max');
  assert.equal(parseSpeed(' MAX '), 'max');
  assert.equal(parseSpeed('10'), 10);
  assert.equal(parseSpeed('10x'), 10);
  assert.equal(parseSpeed('0.5'), 0.5);
  assert.equal(parseSpeed(3), 3);
  for (const bad of ['0', '-1', 'fast', '', 'Infinity', Number.NaN]) {
    assert.throws(() => parseSpeed(bad), (e: unknown) => e instanceof UsageError && e.message.includes('use max (no pacing) or a positive number'), String(bad));
  }
});

test('a file slice spanning T s of local time takes at least T/N at speed N; max is not paced', needsData, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tickbridge-pacing-'));
  try {
    const lines: string[] = [];
    let first: number | undefined;
    for await (const line of captureLines(SPOT)) {
      const ms = Number(line.slice(0, line.indexOf(' ')).slice(0, -6));
      first ??= ms;
      if (ms - first > 4_000) break;
      lines.push(line);
    }
    const file = join(dir, 'slice.raw');
    await writeFile(file, lines.join('\n') + '\n');
    const run = async (speed: 'max' | number) => {
      const source = await openSource({ source: 'file', exchange: 'binance', symbols: ['BTCUSDT'], dataTypes: ['trades'], file, speed }, { warn: () => {} });
      let start = 0;
      let firstLocal = 0;
      let lastLocal = 0;
      for await (const m of source.messages) {
        if (start === 0) {
          start = performance.now();
          firstLocal = m.localTimestamp.valueOf();
        }
        lastLocal = m.localTimestamp.valueOf();
      }
      return { elapsed: performance.now() - start, span: lastLocal - firstLocal };
    };
    const fast = await run('max');
    const paced = await run(10);
    assert.ok(paced.span > 3_000, `slice spans ${paced.span} ms`);
    const expected = paced.span / 10;
    assert.ok(paced.elapsed >= expected - MIN_SLEEP_MS - 2, `speed 10 took ${paced.elapsed.toFixed(0)} ms, expected ≈ ${expected} ms`);
    // How close to T/N it lands depends on the machine's load: the pacer's own timing is pinned
    // with a fake clock above; here, max is not paced at all.
    assert.ok(fast.elapsed < paced.elapsed, `max took ${fast.elapsed.toFixed(0)} ms, speed 10 ${paced.elapsed.toFixed(0)} ms`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
