import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { pipeline } from 'node:stream';
import { constants, createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import { UsageError } from '../errors.js';

/*
 * Recorded capture files: one message per line, `<local timestamp> <raw exchange JSON>`, plain or
 * gzip (detected by its magic bytes). The timestamp is ISO-8601 (UTC when no zone is given) or an
 * integer epoch in ns (18+ digits), µs (15-17) or ms (12-14). An empty line marks a disconnect.
 */

export interface CaptureLine {
  /** Carries microseconds in the tardis-dev `μs` property. */
  readonly localTimestamp: Date;
  /** undefined: skipped unparsed (a stream no mapper wants) */
  readonly message: Record<string, any> | undefined;
}

/** UsageError unless `path` is a readable regular file. */
export async function checkCaptureFile(path: string | undefined): Promise<string> {
  if (path === undefined || path.trim() === '') throw new UsageError('The file source needs --file PATH (a capture file, plain or .gz).');
  try {
    if (!(await stat(path)).isFile()) throw new UsageError(`Capture file "${path}" is not a regular file.`);
    (await open(path, 'r')).close();
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(code === 'ENOENT' ? `Capture file "${path}" does not exist.` : `Capture file "${path}" cannot be read (${code ?? String(error)}).`);
  }
  return path;
}

async function isGzip(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(2), 0, 2, 0);
    return bytesRead === 2 && buffer[0] === 0x1f && buffer[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

// lenient like tardis-dev's replay: a truncated gzip tail ends the file instead of failing it
const ZLIB_OPTIONS = { chunkSize: 128 * 1024, flush: constants.Z_SYNC_FLUSH, finishFlush: constants.Z_SYNC_FLUSH };

/** The file's lines, streamed, a chunk at a time (one await per chunk, not per line). */
export async function* readLines(path: string): AsyncGenerator<string[]> {
  const gzip = await isGzip(path);
  const file = createReadStream(path, { highWaterMark: 256 * 1024 });
  const input: Readable = gzip ? pipeline(file, createGunzip(ZLIB_OPTIONS), () => {}) : file;
  input.setEncoding('utf8');
  let rest = '';
  try {
    for await (const chunk of input as AsyncIterable<string>) {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop() ?? '';
      yield lines;
    }
    if (rest !== '') yield [rest];
  } finally {
    input.destroy();
    file.destroy();
  }
}

const DIGITS = /^\d+$/;
const HAS_ZONE = /(?:[zZ]|[+-]\d\d:?\d\d)$/;

/** Local timestamp with `μs`; undefined when unparseable. */
export function parseLocalTimestamp(text: string): Date | undefined {
  let ms: number;
  let μs = 0;
  if (DIGITS.test(text)) {
    const n = text.length;
    if (n >= 18) {
      ms = Number(text.slice(0, n - 6));
      μs = Number(text.slice(n - 6, n - 3));
    } else if (n >= 15) {
      ms = Number(text.slice(0, n - 3));
      μs = Number(text.slice(n - 3));
    } else if (n >= 12) {
      ms = Number(text);
    } else {
      return undefined;
    }
  } else {
    ms = Date.parse(HAS_ZONE.test(text) ? text : `${text}Z`);
    const dot = text.indexOf('.');
    if (dot > 0) {
      let end = dot + 1;
      while (end < text.length && text.charCodeAt(end) >= 48 && text.charCodeAt(end) <= 57) end++;
      if (end - dot > 4) μs = Number(text.slice(dot + 4, Math.min(end, dot + 7)).padEnd(3, '0'));
    }
  }
  if (!Number.isFinite(ms)) return undefined;
  const date = new Date(ms);
  date.μs = μs;
  return date;
}

const STREAM_PREFIX = '{"stream":"';

/**
 * One non-empty line, or the reason it is malformed. With `wanted`, a combined-stream envelope
 * (`{"stream":"<name>",...`) whose stream is not wanted is left unparsed (message undefined).
 */
export function parseCaptureLine(line: string, wanted?: (stream: string) => boolean): CaptureLine | string {
  const space = line.indexOf(' ');
  if (space <= 0) return 'expected "<local timestamp> <JSON>"';
  const localTimestamp = parseLocalTimestamp(line.slice(0, space));
  if (localTimestamp === undefined) return `bad timestamp "${line.slice(0, Math.min(space, 40))}"`;
  if (wanted !== undefined && line.startsWith(STREAM_PREFIX, space + 1)) {
    const start = space + 1 + STREAM_PREFIX.length;
    const end = line.indexOf('"', start);
    if (end > start && !wanted(line.slice(start, end))) return { localTimestamp, message: undefined };
  }
  let message: unknown;
  try {
    message = JSON.parse(line.slice(space + 1));
  } catch (error) {
    return `invalid JSON (${(error as Error).message})`;
  }
  if (typeof message !== 'object' || message === null || Array.isArray(message)) return 'the message is not a JSON object';
  return { localTimestamp, message: message as Record<string, any> };
}
