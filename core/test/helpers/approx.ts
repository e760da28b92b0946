import assert from 'node:assert/strict';

/** Equal within a relative 1e-9 (floating sums in another order), naming what differs. */
export function assertClose(actual: unknown, expected: number, what: string): void {
  assert.equal(typeof actual, 'number', `${what}: expected a number, got ${String(actual)}`);
  const a = actual as number;
  const tolerance = 1e-9 * Math.max(1, Math.abs(expected));
  assert.ok(Math.abs(a - expected) <= tolerance, `${what}: ${a} ≠ ${expected}`);
}
