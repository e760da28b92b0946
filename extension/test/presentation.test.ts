import assert from 'node:assert/strict';
import { test } from 'node:test';
import { monitorHtml } from '../src/monitorHtml.js';
import { formatRate, redactor, statusBarText, statusBarTooltip, statusIcon, streamDescription, streamPickDescription } from '../src/presentation.js';
import { visible } from '../webview/logView.js';
import { isWebviewMessage } from '../shared/messages.js';
import { toStreamView } from '../src/monitorStore.js';
import { streamInfo } from './fakes.js';

test('status bar: streams running and msg/s', () => {
  assert.equal(statusBarText({ running: 0, messagesPerSecond: 0, processor: 'stopped' }), '$(pulse) Tickbridge');
  assert.equal(statusBarText({ running: 1, messagesPerSecond: 49.2, processor: 'running' }), '$(pulse) 1 stream · 49 msg/s');
  assert.equal(statusBarText({ running: 2, messagesPerSecond: 4020.5, processor: 'running' }), '$(pulse) 2 streams · 4.0k msg/s');
  const attention = { status: 'failed', text: 'binance:BTCUSDT failed: missing or wrong token' };
  assert.equal(statusBarText({ running: 0, messagesPerSecond: 0, processor: 'running', attention }), '$(pulse) Tickbridge · $(warning) failed');
  assert.match(statusBarTooltip({ running: 0, messagesPerSecond: 0, processor: 'running', attention }), /binance:BTCUSDT failed: missing or wrong token/);
  assert.equal(formatRate(2.345), '2.3');
  assert.equal(formatRate(12_345), '12k');
});

test('tree items: icon per status, msg/s for active streams', () => {
  assert.equal(statusIcon('running').icon, 'pass-filled');
  assert.equal(statusIcon('failed').color, 'list.errorForeground');
  assert.equal(statusIcon('stopped').icon, 'debug-stop');
  assert.equal(streamDescription(toStreamView(streamInfo('a', 'running', { messagesPerSecond: 12 }))), 'running · 12 msg/s');
  assert.equal(streamDescription(toStreamView(streamInfo('a', 'stopped'))), 'stopped');
  assert.equal(statusIcon('stalled').icon, 'warning');
  assert.equal(statusIcon('reconnecting').icon, 'sync~spin');
  const stalled = toStreamView(streamInfo('a', 'stalled', { detail: 'no market message for 31 s from binance (stalled after 30 s)' }));
  assert.equal(streamDescription(stalled), 'stalled · no market message for 31 s from binance (stalled after 30 s)');
});

test('redactor hides secrets everywhere in a line', () => {
  const redact = redactor(() => ['abcd1234', undefined, 'x']);
  assert.equal(redact('key=abcd1234&again=abcd1234 x'), 'key=***&again=*** x');
});

test('webview messages are validated before the host acts on them', () => {
  assert.ok(isWebviewMessage({ type: 'ready', selected: null, timeframe: null }));
  assert.ok(isWebviewMessage({ type: 'stop', streamId: 'a' }));
  assert.equal(isWebviewMessage({ type: 'stop' }), false);
  assert.equal(isWebviewMessage({ type: 'timeframe', timeframe: 5 }), false);
  assert.equal(isWebviewMessage({ type: 'eval', code: '1' }), false);
  assert.equal(isWebviewMessage(null), false);
  assert.equal(isWebviewMessage('ready'), false);
  assert.ok(isWebviewMessage({ type: 'control', streamId: 'a', control: { action: 'speed', speed: 10 } }));
  assert.ok(isWebviewMessage({ type: 'control', streamId: 'a', control: { action: 'pause' } }));
  assert.equal(isWebviewMessage({ type: 'control', streamId: 'a', control: { action: 'speed', speed: -1 } }), false);
  assert.equal(isWebviewMessage({ type: 'control', streamId: 'a', control: { action: 'rewind' } }), false);
});

test('monitor HTML: strict CSP, nonce on the only script, no inline script, the test ids', () => {
  const html = monitorHtml({ cspSource: 'https://webview.test', scriptUri: 'https://webview.test/main.js', styleUri: 'https://webview.test/main.css', nonce: 'n0nce+/=' });
  const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1] ?? '';
  assert.match(csp, /^default-src 'none';/);
  assert.match(csp, /script-src 'nonce-n0nce\+\/='/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/);
  const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
  assert.equal(scripts.length, 1);
  assert.match(scripts[0]![1]!, /nonce="n0nce\+\/=" src="https:\/\/webview\.test\/main\.js"/);
  assert.equal(scripts[0]![2]!.trim(), '');
  assert.doesNotMatch(html, /\son[a-z]+="/i, 'no inline event handlers');
  for (const id of ['candle-chart', 'features-table', 'log-view', 'stream-status', 'timeframe-select', 'stream-select']) {
    assert.match(html, new RegExp(`data-testid="${id}"`));
  }
});

test('pickers show each stream\'s source, state and rate; logs are scoped to the selected stream', () => {
  const view = toStreamView(streamInfo('binance:BTCUSDT', 'running', { playback: { paused: true, speed: 10, stepping: false } }));
  assert.equal(streamPickDescription(view), 'demo · running · 5.0 msg/s · paused');
  const line = (message: string) => ({ time: 't', level: 'info' as const, origin: 'engine', message });
  const scope = { selected: 'binance:BTCUSDT', streamIds: ['binance:BTCUSDT', 'binance:ETHUSDT'] };
  assert.equal(visible(line('binance:BTCUSDT: starting file stream'), '', scope), true);
  assert.equal(visible(line('binance:ETHUSDT: starting live stream'), '', scope), false, 'another stream\'s line is hidden');
  assert.equal(visible(line('processor running: ws://127.0.0.1:1'), '', scope), true, 'lines about no stream stay');
  assert.equal(visible(line('binance:BTCUSDT refused: bad'), 'nomatch', scope), false);
});
