// The candlestick renderer, sparklines, the keymap and NO_COLOR, without Ink.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderChart } from '../chart/candles.js';
import { sparkline } from '../chart/sparkline.js';
import { decimalsOf, price } from '../format.js';
import { HEADER_ROWS, computeLayout } from '../layout.js';
import { KEYMAP, commandFor, keyName } from '../keymap.js';
import { themeFromEnv, toneColor, type Segment } from '../theme.js';
import { candle, candleSeries } from './helpers/fixtures.js';

const text = (lines: Segment[][]) => lines.map((line) => line.map((s) => s.text).join(''));
const cellsOf = (lines: Segment[][], tone: string) => lines.flatMap((line) => line.filter((s) => s.tone === tone).map((s) => s.text)).join('');

test('every line is exactly the chart width and the height is kept', () => {
  const lines = renderChart(candleSeries(30), { width: 50, height: 14, color: true, timeframeSeconds: 15 });
  assert.equal(lines.length, 14);
  for (const line of text(lines)) assert.equal(Array.from(line).length, 50, line);
});

test('an up bar is a green body with wicks, a down bar a red one', () => {
  const up = candle(0, { open: 100, close: 110, high: 120, low: 90 });
  const down = candle(1, { open: 110, close: 100, high: 115, low: 95 });
  const lines = renderChart([up, down], { width: 30, height: 14, color: true, timeframeSeconds: 15 });
  const green = cellsOf(lines, 'up');
  const red = cellsOf(lines, 'down');
  assert.match(green, /█/);
  assert.match(green, /[│╵╷]/);
  assert.match(red, /█/);
  assert.match(red, /[│╵╷]/);
  // The up bar's wick reaches the top row (its high is the chart's maximum) and the bottom row.
  const rows = text(lines);
  const column = rows.map((row) => Array.from(row)).map((row) => row.findIndex((ch) => ch !== ' '));
  assert.ok(column[0]! >= 0, 'something drawn on the top row');
});

test('price axis labels span the range and the last close is highlighted; time labels under the bars', () => {
  const lines = renderChart(candleSeries(20), { width: 60, height: 16, color: true, timeframeSeconds: 15 });
  const rows = text(lines);
  const labels = rows.map((row) => /┤(\d+\.?\d*)/.exec(row)?.[1]).filter(Boolean).map(Number);
  assert.ok(labels.length >= 3, rows.join('\n'));
  assert.ok(labels[0]! > labels[labels.length - 1]!, 'prices fall down the axis');
  const highlighted = lines.flatMap((line) => line.filter((s) => s.inverse)).map((s) => s.text.trim());
  assert.deepEqual(highlighted, [candleSeries(20).at(-1)!.close.toFixed(1)]);
  assert.match(rows[rows.length - 1]!, /23:0\d:\d\d/);
  assert.match(rows.join('\n'), /vol /);
});

test('the volume rows use eighth blocks and the open bar is drawn like the others', () => {
  const series = candleSeries(10);
  assert.equal(series.at(-1)!.closed, false);
  const lines = renderChart(series, { width: 40, height: 12, color: true, timeframeSeconds: 60 });
  assert.match(text(lines).slice(-3, -1).join(''), /[▁▂▃▄▅▆▇█]/);
  const lastColumn = Math.max(...text(lines).slice(0, 8).map((row) => row.lastIndexOf('█')));
  assert.ok(lastColumn > 0);
});

test('no candles: a waiting message instead of a chart', () => {
  assert.match(text(renderChart([], { width: 40, height: 10, color: true, timeframeSeconds: 15 })).join('\n'), /waiting for the first trade/);
});

test('NO_COLOR: no colours, up and down bodies told apart by their fill', () => {
  assert.equal(themeFromEnv({ NO_COLOR: '1' }).color, false);
  assert.equal(themeFromEnv({}).color, true);
  assert.equal(toneColor({ color: false }, 'up'), undefined);
  assert.equal(toneColor({ color: true }, 'up'), 'green');
  const lines = text(renderChart([candle(0, { open: 100, close: 110 }), candle(1, { open: 110, close: 100 })], { width: 30, height: 12, color: false, timeframeSeconds: 15 }));
  assert.match(lines.join(''), /▒/);
  assert.match(lines.join(''), /█/);
});

test('sparklines scale recent values to eighth blocks and leave nulls blank', () => {
  assert.equal(sparkline([0, 1, 2, 3, 4, 5, 6, 7], 8), '▁▂▃▄▅▆▇█');
  assert.equal(sparkline([1, null, 3], 5), '  ▁ █');
  assert.equal(sparkline([], 4), '    ');
});

test('one keymap: every key maps to one command, and the documented keys are there', () => {
  const keys = KEYMAP.flatMap((binding) => binding.keys);
  assert.equal(new Set(keys).size, keys.length, 'no key is bound twice');
  const expected: Record<string, string> = { up: 'up', down: 'down', tab: 'focusNext', '1': 'timeframe', '4': 'timeframe', '[': 'prevTimeframe', ']': 'nextTimeframe', a: 'addStream', x: 'stopStream', r: 'restartStream', p: 'togglePause', '/': 'filterLogs', '?': 'toggleHelp', q: 'quit', 'ctrl+c': 'quit' };
  for (const [key, command] of Object.entries(expected)) assert.equal(commandFor(key)?.command, command, key);
  assert.equal(commandFor('3')?.arg, 2);
  assert.equal(keyName('', { upArrow: true }), 'up');
  assert.equal(keyName('', { tab: true, shift: true }), 'shift+tab');
  assert.equal(keyName('c', { ctrl: true }), 'ctrl+c');
});

test('the layout fits 80×24 and grows with the terminal', () => {
  const small = computeLayout(80, 24, 1, false);
  assert.equal(small.rows, 23);
  assert.equal(small.leftWidth + small.chartWidth, 80);
  assert.equal(HEADER_ROWS + small.mainHeight + small.logsHeight + 1, 23, 'header (with the health line), panes, footer');
  assert.ok(small.featuresHeight >= 6);
  const big = computeLayout(160, 50, 3, true);
  assert.ok(big.chartWidth > small.chartWidth && big.mainHeight > small.mainHeight);
  assert.ok(big.featuresHeight - 2 >= 18, 'every feature fits on a tall terminal');
});

test('prices and volumes at the precision the data shows, without float noise', () => {
  assert.equal(decimalsOf([42.3395999999999, 1.5]), 4);
  assert.equal(decimalsOf([60012.5, 60012.25]), 2);
  assert.equal(decimalsOf([1e-7]), 7);
  assert.equal(decimalsOf([]), undefined);
  assert.equal(price(42.3395999999999, 4), '42.3396');
  assert.equal(price(60012.5, 2), '60,012.50');
});
