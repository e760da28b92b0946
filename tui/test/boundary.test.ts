// The TUI is a face: it reaches core only through core/index.ts and never the extension.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BOUNDARIES, crossings } from '../../core/test/helpers/boundaries.js';

test('tui/ reaches core only through core/index.ts and imports neither the extension nor vscode', () => {
  assert.deepEqual(crossings(BOUNDARIES.tui), []);
});
