import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
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
  /** A JSON object or array (Kraken's WS v1 messages are arrays); undefined: skipped unparsed (a stream no mapper wants). */
  readonly message: Record<string, any> | unknown[] | undefined;
}

/** UsageError unless `path` is a readable regular file. */
export async function checkCaptureFile(path: string | undefined): Promise<string> {
  if (path === undefined || path.trim() === '') throw new UsageError('The file source needs --file PATH (a capture file, plain or .gz).');
  try {
    if (!(await stat(path)).isFile()) throw new UsageError(`Capture file "${path}" is not a regular file.`);
    await (await open(path, 'r')).close();
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

/** Lines longer than this (in UTF-16 code units, bytes for ASCII JSON) are skipped unread. */
export const MAX_LINE_LENGTH = 16 * 1024 * 1024;

/** A line over MAX_LINE_LENGTH, skipped while reading (its text is never held whole). */
export class OversizedLine {
  constructor(readonly length: number) {}
}

/** The file ends before its gzip stream does (truncated or corrupt): what came before it was read. */
export class IncompleteCapture extends Error {
  override readonly name = 'IncompleteCapture';
}

export interface ReadLinesOptions {
  readonly maxLineLength?: number;
}

/**
 * The file's lines, streamed, a chunk at a time (one await per chunk, not per line), in time
 * linear in the file's size whatever its line lengths: a partial line is kept as a list of
 * pieces, joined once, and dropped (an OversizedLine) as soon as it passes the cap. A gzip that
 * ends mid-stream throws IncompleteCapture after its last complete line.
 */
export async function* readLines(path: string, options: ReadLinesOptions = {}): AsyncGenerator<(string | OversizedLine)[]> {
  const max = options.maxLineLength ?? MAX_LINE_LENGTH;
  const gzip = await isGzip(path);
  const file = createReadStream(path, { highWaterMark: 256 * 1024 });
  const input: Readable = gzip ? file.pipe(createGunzip({ chunkSize: 128 * 1024 })) : file;
  if (gzip) file.on('error', (error) => input.destroy(error));
  input.setEncoding('utf8');
  let pieces: string[] = []; // the line in progress, unless it passed the cap
  let pending = 0; // its length so far
  let complete = 0; // lines yielded
  const take = (piece: string) => {
    pending += piece.length;
    if (pending > max) pieces = [];
    else pieces.push(piece);
  };
  const finish = (): string | OversizedLine => {
    const line = pending > max ? new OversizedLine(pending) : pieces.length === 1 ? pieces[0]! : pieces.join('');
    pieces = [];
    pending = 0;
    return line;
  };
  try {
    for await (const chunk of input as AsyncIterable<string>) {
      let newline = chunk.indexOf('\n');
      if (newline < 0) {
        take(chunk);
        continue;
      }
      take(chunk.slice(0, newline));
      const out: (string | OversizedLine)[] = [finish()];
      let start = newline + 1;
      while ((newline = chunk.indexOf('\n', start)) >= 0) {
        out.push(newline - start > max ? new OversizedLine(newline - start) : chunk.slice(start, newline));
        start = newline + 1;
      }
      if (start < chunk.length) take(chunk.slice(start));
      complete += out.length;
      yield out;
    }
    if (pending > 0) yield [finish()];
  } catch (error) {
    if (!gzip) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'Z_BUF_ERROR' ? 'it is truncated' : `it is corrupt (${(error as Error).message})`;
    throw new IncompleteCapture(
      `${path} ends mid-stream after line ${complete}: ${why}, so the data after that point is missing and this run is incomplete.`
    );
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
  if (typeof message !== 'object' || message === null) return 'the message is not a JSON object or array';
  return { localTimestamp, message: message as Record<string, any> | unknown[] };
}
