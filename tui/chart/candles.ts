/**
 * Candlestick chart as text: bodies in blocks (half-cell resolution: █ ▀ ▄), wicks in box lines
 * (│ ╵ ╷), up green / down red, a price axis on the right, volume bars and time labels below.
 * Pure: candles in, lines of tone segments out (tested in tui/test/chart.test.ts).
 */
import type { Candle } from '../../core/index.js';
import type { Segment, Tone } from '../theme.js';

export interface ChartOptions {
  /** Characters per line. */
  readonly width: number;
  /** Lines: price rows + volume rows + the time row. */
  readonly height: number;
  /** Without colour, up bodies are drawn ▒ and down bodies █. */
  readonly color: boolean;
  /** Bar length, for the time labels' precision. */
  readonly timeframeSeconds: number;
  /** Without candles: why there are none (a failed stream's reason), instead of "waiting …". */
  readonly emptyMessage?: { readonly text: string; readonly tone: Tone };
}

const VOLUME_LEVELS = ' ▁▂▃▄▅▆▇█';

interface Cell {
  char: string;
  tone?: Tone;
  bold?: boolean;
  inverse?: boolean;
}

export function chartLayout(width: number, height: number): { volumeRows: number; priceRows: number; slot: number } {
  const volumeRows = height >= 16 ? 3 : height >= 9 ? 2 : height >= 6 ? 1 : 0;
  const priceRows = Math.max(1, height - volumeRows - 1);
  const slot = width >= 40 ? 2 : 1;
  return { volumeRows, priceRows, slot };
}

function decimalsFor(min: number, max: number, rows: number): number {
  const step = (max - min) / Math.max(1, rows);
  if (step <= 0) return 2;
  return Math.max(0, Math.min(6, Math.ceil(-Math.log10(step)) + 1));
}

export function renderChart(candles: readonly Candle[], options: ChartOptions): Segment[][] {
  const { width, height } = options;
  const { volumeRows, priceRows, slot } = chartLayout(width, height);
  if (candles.length === 0) {
    const lines: Segment[][] = Array.from({ length: height }, () => [{ text: ' '.repeat(width) }]);
    const { text, tone } = options.emptyMessage ?? { text: 'waiting for the first trade…', tone: 'muted' as const };
    const wrapped = wrapWords(text, Math.max(10, width - 4)).slice(0, height);
    const top = Math.max(0, Math.floor((height - wrapped.length) / 2));
    wrapped.forEach((line, i) => {
      lines[top + i] = [{ text: line.padStart(Math.floor((width + line.length) / 2)).padEnd(width).slice(0, width), tone }];
    });
    return lines;
  }

  // Price axis width depends on the labels, which depend on the range of the visible bars.
  let axisWidth = 10;
  let visible = candles.slice(-Math.max(1, Math.floor((width - axisWidth) / slot)));
  let min = Math.min(...visible.map((c) => c.low));
  let max = Math.max(...visible.map((c) => c.high));
  if (max === min) {
    const pad = Math.max(Math.abs(max) * 1e-4, 1e-6);
    min -= pad;
    max += pad;
  }
  const decimals = decimalsFor(min, max, priceRows);
  const label = (value: number) => value.toFixed(decimals);
  axisWidth = Math.max(label(max).length, label(min).length) + 2;
  const plotWidth = Math.max(1, width - axisWidth);
  visible = candles.slice(-Math.max(1, Math.floor((plotWidth - 1) / slot)));

  const grid: Cell[][] = Array.from({ length: height }, () => Array.from({ length: width }, () => ({ char: ' ' })));
  const sub = priceRows * 2;
  const y = (value: number) => Math.max(0, Math.min(sub - 1, Math.round(((max - value) / (max - min)) * (sub - 1))));
  const maxVolume = Math.max(...visible.map((c) => c.volume), 0);

  // The newest bar sits at the right edge, next to the price axis.
  const left = plotWidth - 1 - visible.length * slot;
  const column = (index: number) => left + index * slot + (slot - 1);
  visible.forEach((candle, index) => {
    const x = column(index);
    if (x < 0 || x >= plotWidth) return;
    const up = candle.close >= candle.open;
    const tone: Tone = up ? 'up' : 'down';
    const wickTop = y(candle.high);
    const wickBottom = y(candle.low);
    const bodyTop = y(Math.max(candle.open, candle.close));
    const bodyBottom = y(Math.min(candle.open, candle.close));
    const body = (s: number) => s >= bodyTop && s <= bodyBottom;
    const wick = (s: number) => s >= wickTop && s <= wickBottom;
    for (let row = 0; row < priceRows; row++) {
      const [top, bottom] = [row * 2, row * 2 + 1];
      let char = ' ';
      if (!options.color && (body(top) || body(bottom))) char = up ? '▒' : '█';
      else if (body(top) && body(bottom)) char = '█';
      else if (body(top)) char = '▀';
      else if (body(bottom)) char = '▄';
      else if (wick(top) && wick(bottom)) char = '│';
      else if (wick(top)) char = '╵';
      else if (wick(bottom)) char = '╷';
      if (char !== ' ') (grid[row] as Cell[])[x] = { char, tone };
    }
    // Volume: eighth blocks, bottom up.
    if (volumeRows > 0 && maxVolume > 0) {
      const eighths = Math.round((candle.volume / maxVolume) * volumeRows * 8);
      for (let v = 0; v < volumeRows; v++) {
        const level = Math.max(0, Math.min(8, eighths - (volumeRows - 1 - v) * 8));
        if (level > 0) (grid[priceRows + v] as Cell[])[x] = { char: VOLUME_LEVELS[level] as string, tone };
      }
    }
  });

  // Price axis: a tick and label every few rows, the last close highlighted.
  const last = visible[visible.length - 1] as Candle;
  const lastRow = Math.floor(y(last.close) / 2);
  const every = priceRows >= 12 ? 4 : priceRows >= 6 ? 3 : 2;
  let previous = -every;
  for (let row = 0; row < priceRows; row++) {
    const cells = grid[row] as Cell[];
    const wanted = (row % every === 0 || row === priceRows - 1) && Math.abs(row - lastRow) > 1 && row - previous > 1;
    const labelled = row === lastRow || wanted;
    if (labelled) previous = row;
    cells[plotWidth] = { char: labelled ? '┤' : '│', tone: 'muted' };
    if (row === lastRow) {
      writeText(cells, plotWidth + 1, label(last.close).padEnd(axisWidth - 1), { tone: last.close >= last.open ? 'up' : 'down', inverse: true, bold: true });
    } else if (labelled) {
      const value = max - ((row * 2 + 0.5) / (sub - 1)) * (max - min);
      writeText(cells, plotWidth + 1, label(value), { tone: 'muted' });
    }
  }
  for (let v = 0; v < volumeRows; v++) {
    const cells = grid[priceRows + v] as Cell[];
    cells[plotWidth] = { char: '│', tone: 'muted' };
    if (v === 0) writeText(cells, plotWidth + 1, `vol ${compactVolume(maxVolume)}`.slice(0, axisWidth - 1), { tone: 'muted' });
  }

  // Time labels under the bars, spaced so they never overlap.
  const timeRow = grid[height - 1] as Cell[];
  const stamp = (iso: string) => (options.timeframeSeconds < 60 ? iso.slice(11, 19) : options.timeframeSeconds < 86400 ? iso.slice(11, 16) : iso.slice(5, 10));
  const labelLength = stamp(last.start).length;
  const stride = Math.max(1, Math.ceil((labelLength + 2) / slot));
  let limit = plotWidth;
  for (let index = visible.length - 1; index >= 0; index -= stride) {
    const x = column(index);
    const start = Math.max(0, Math.min(x - Math.floor(labelLength / 2), limit - labelLength));
    if (start + labelLength > limit) break;
    if (x < start || x >= start + labelLength) continue;
    writeText(timeRow, start, stamp((visible[index] as Candle).start), { tone: 'muted' });
    limit = start - 2;
  }

  return grid.map(toSegments);
}

function writeText(cells: Cell[], at: number, text: string, style: Omit<Cell, 'char'>): void {
  for (let i = 0; i < text.length && at + i < cells.length; i++) cells[at + i] = { char: text[i] as string, ...style };
}

function compactVolume(value: number): string {
  if (value >= 1e6) return `${(value / 1e6).toFixed(1)}M`;
  if (value >= 1e3) return `${(value / 1e3).toFixed(1)}k`;
  if (value >= 10) return value.toFixed(0);
  return value.toPrecision(2);
}

/** Merges neighbouring cells of the same style into segments; blanks join any plain segment (fewer nodes to draw). */
function toSegments(cells: Cell[]): Segment[] {
  const segments: Segment[] = [];
  let current: { text: string; tone?: Tone; bold?: boolean; inverse?: boolean } | undefined;
  for (const cell of cells) {
    const blank = cell.char === ' ' && !cell.inverse;
    if (current && ((blank && !current.inverse) || (current.tone === cell.tone && current.bold === cell.bold && current.inverse === cell.inverse))) {
      current.text += cell.char;
    } else {
      current = { text: cell.char, ...(cell.tone && { tone: cell.tone }), ...(cell.bold && { bold: true }), ...(cell.inverse && { inverse: true }) };
      segments.push(current);
    }
  }
  return segments;
}

/** Words into lines of at most `width` characters (a longer word is cut). */
function wrapWords(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = '';
    }
    line = line ? `${line} ${word}` : word.slice(0, width);
  }
  if (line) lines.push(line);
  return lines;
}
