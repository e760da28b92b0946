// Stray console and stderr output becomes log lines while the monitor runs, and is restored after.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { captureConsole } from '../app/consoleCapture.js';

test('console.* and stderr writes are captured line by line, then restored', () => {
  const originalLog = console.log;
  const originalWrite = process.stderr.write;
  const capture = captureConsole();
  const lines: [string, string][] = [];
  try {
    console.warn('before %s', 'subscribe');
    capture.subscribe((level, message) => lines.push([level, message]));
    console.log('a', 1);
    console.error(new Error('boom').message);
    process.stderr.write('\u001b[31mtardis-dev debug\u001b[39m\nsecond line\n');
  } finally {
    capture.restore();
  }
  assert.deepEqual(lines, [
    ['warning', 'before subscribe'],
    ['info', 'a 1'],
    ['error', 'boom'],
    ['warning', 'tardis-dev debug'],
    ['warning', 'second line']
  ]);
  assert.equal(console.log, originalLog);
  assert.equal(process.stderr.write, originalWrite);
});
