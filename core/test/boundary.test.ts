// core/ is the engine: it must never depend on a face (VS Code, Ink, React, the TUI, the bin).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BOUNDARIES, crossings } from './helpers/boundaries.js';

test('core/ imports no face: neither vscode, ink, react nor tui/, extension/ or cli/', () => {
  assert.deepEqual(crossings(BOUNDARIES.core), []);
});

test('the bin (cli/) only wires core\'s command line to the terminal monitor', () => {
  assert.deepEqual(crossings(BOUNDARIES.cli), []);
});
