// The extension is a face: it reaches core only through core/index.ts; its webview is a browser page.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BOUNDARIES, crossings } from '../../core/test/helpers/boundaries.js';

test('the extension reaches core only through core/index.ts and imports neither the TUI nor Ink', () => {
  assert.deepEqual(crossings(BOUNDARIES.extension), []);
});

test('the webview and the shared messages import neither vscode, node nor core code (core/index.ts types only)', () => {
  assert.deepEqual(crossings(BOUNDARIES.webview), []);
});
