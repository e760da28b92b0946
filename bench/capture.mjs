/**
 * Synthesizes a large capture for the benchmarks from the real Binance USD-M futures capture in
 * ../shared/data: the capture is repeated, each copy shifted forward in time (local receive
 * times and the exchange's E/T times alike), with an empty line (a disconnect) between copies so
 * that tardis-dev's book mapper starts again from the copy's own REST depth snapshot.
 * bookTicker lines are left out: no requested data type uses them and the file source skips them
 * before parsing, so they would only make the file bigger.
 *
 *   node bench/capture.mjs <out-file> <messages>   (prints {"copies","lines","bytes","expectedMessages"})
 */
import { closeSync, createReadStream, openSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGunzip } from 'node:zlib';
import { createInterface } from 'node:readline';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
export const SOURCE_CAPTURE = join(ROOT, '..', 'shared', 'data', 'binance-futures_btcusdt_20240808.raw.gz');
export const CAPTURE_EXCHANGE = 'binance-futures';
export const CAPTURE_SYMBOL = 'BTCUSDT';
/** Normalized messages (trades + book_snapshot_5) one copy of the capture yields. */
export const MESSAGES_PER_COPY = 27_203;
/** Time shift between copies: more than the capture's span (345 s). */
const COPY_SHIFT_MS = 360_000;

const read = new Map();

function readCapture(path) {
  if (!read.has(path)) read.set(path, readCaptureLines(path));
  return read.get(path);
}

async function readCaptureLines(path) {
  const lines = [];
  const input = createInterface({ input: createReadStream(path).pipe(createGunzip()), crlfDelay: Infinity });
  for await (const line of input) {
    if (line.length === 0 || line.includes('@bookTicker"')) continue;
    lines.push(line);
  }
  return lines;
}

/**
 * Where the times and ids are in the text of one copy: the ms part of every line's ns local
 * timestamp and every "E"/"T" exchange time (13-digit epoch ms), and the venue's trade and book
 * update ids (`t`, `U`, `u`, `pu`, `lastUpdateId`: each copy is new data to the source's
 * duplicate checks, not a repeat). Shifts keep every number's digit count, so each copy is the
 * same bytes with these digits rewritten in place.
 */
function timeFields(text) {
  const offsets = [];
  const values = [];
  let lineStart = 0;
  while (lineStart < text.length) {
    offsets.push(lineStart);
    values.push(Number(text.slice(lineStart, lineStart + 13)));
    lineStart = text.indexOf('\n', lineStart) + 1;
    if (lineStart === 0) break;
  }
  for (const match of text.matchAll(/"[ET]":(\d{13})\b/g)) {
    offsets.push(match.index + 4);
    values.push(Number(match[1]));
  }
  const times = offsets.length;
  for (const match of text.matchAll(/"(?:t|U|u|pu|lastUpdateId)":(\d{6,15})\b/g)) {
    offsets.push(match.index + match[0].length - match[1].length);
    values.push(Number(match[1]));
  }
  const widths = offsets.map((_, i) => (i < times ? 13 : String(values[i]).length));
  return { offsets: Int32Array.from(offsets), values: Float64Array.from(values), widths: Int8Array.from(widths), times };
}

function writeDigits(buffer, offset, value, width = 13) {
  for (let i = width - 1; i >= 0; i--) {
    buffer[offset + i] = 48 + (value % 10);
    value = Math.floor(value / 10);
  }
}

/** Writes a capture of at least `messages` normalized messages to `out`. */
export async function synthesizeCapture(out, messages) {
  const lines = await readCapture(SOURCE_CAPTURE);
  const text = `${lines.join('\n')}\n`;
  const { offsets, values, widths, times } = timeFields(text);
  const copy = Buffer.from(text, 'latin1'); // the capture is ASCII
  const copies = Math.max(1, Math.ceil(messages / MESSAGES_PER_COPY));
  const fd = openSync(out, 'w');
  try {
    for (let n = 0; n < copies; n++) {
      const shift = n * COPY_SHIFT_MS;
      for (let i = 0; i < offsets.length; i++) {
        // ids move by 10^(digits-3) per copy: past one copy's span, and still the same width
        const moved = i < times ? values[i] + shift : values[i] + n * 10 ** (widths[i] - 3);
        writeDigits(copy, offsets[i], moved, widths[i]);
      }
      if (n > 0) writeSync(fd, '\n');
      writeSync(fd, copy);
    }
  } finally {
    closeSync(fd);
  }
  return { copies, lines: copies * lines.length, bytes: copies * (copy.length + 1) - 1, expectedMessages: copies * MESSAGES_PER_COPY + copies - 1 };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [out, messages] = process.argv.slice(2);
  if (!out || !messages) {
    console.error('usage: node bench/capture.mjs <out-file> <messages>');
    process.exit(2);
  }
  console.log(JSON.stringify(await synthesizeCapture(out, Number(messages))));
}
