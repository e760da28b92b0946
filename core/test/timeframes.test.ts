// Bar specs: the engine parses them from the same grammar file as the processor
// (python/market_data_tick_handler/contract/bar_specs.json); python/tests/test_timeframes.py checks
// the same examples, so the two sides cannot drift apart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../src/errors.js';
import { parseBarSpec, parseTimeframes } from '../src/engine/timeframes.js';
import { PYTHON_DIR } from '../src/paths.js';

const grammar = JSON.parse(readFileSync(join(PYTHON_DIR, 'market_data_tick_handler', 'contract', 'bar_specs.json'), 'utf8')) as {
  accepted_forms: string;
  examples: { valid: Record<string, { kind: string; seconds?: number; origin_seconds?: number; size?: number }>; invalid: string[] };
};

test('every valid example of the shared grammar parses to its kind and size', () => {
  for (const [label, expected] of Object.entries(grammar.examples.valid)) {
    const spec = parseBarSpec(label);
    assert.equal(spec.kind, expected.kind, label);
    if (spec.kind === 'time') assert.deepEqual([spec.seconds, spec.originSeconds], [expected.seconds, expected.origin_seconds], label);
    else assert.equal(spec.size, expected.size, label);
  }
});

test('every invalid example is a one-line UsageError naming the accepted forms', () => {
  for (const label of grammar.examples.invalid) {
    assert.throws(() => parseBarSpec(label), (error: Error) => error instanceof UsageError && error.message.includes(grammar.accepted_forms) && !error.message.includes('\n'), label);
  }
});

test('parseTimeframes: time bars shortest first, then activity bars; duplicates and empty lists refused', () => {
  assert.deepEqual(parseTimeframes(['1w', '500t', '15s', '1d', '1e6n', '1m']), ['15s', '1m', '1d', '1w', '500t', '1e6n']);
  assert.throws(() => parseTimeframes(['1m', '60s']), /duplicate timeframes: "1m" and "60s"/);
  assert.throws(() => parseTimeframes(['1e6n', '1000000n']), UsageError);
  assert.throws(() => parseTimeframes([' ', '']), /no timeframes given/);
});
