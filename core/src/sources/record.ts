import { createWriteStream } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { createGzip } from 'node:zlib';
import { stream } from 'tardis-dev';
import type { Disconnect, Exchange, NormalizedData } from 'tardis-dev';
import { getFilters, normalizeMessages } from 'tardis-dev/dist/handy.js';
import { UsageError } from '../errors.js';
import type { NormalizedFeed } from './types.js';

/*
 * `--record PATH` for the live and demo sources: every raw message tardis-dev's real-time feed
 * receives (the exchange's WebSocket messages and the REST messages it generates, such as the
 * Binance `{"stream":"btcusdt@depthSnapshot","generated":true,"data":...}` depth snapshot) is
 * written as `<local timestamp, ISO-8601> <JSON>` per line, an empty line for a disconnect: the
 * capture format the file source reads (fileSource.ts). A path ending in `.gz` is gzipped.
 *
 * The normalized stream is built from those same raw messages with tardis-dev's own pieces
 * (`stream()` + `normalizeMessages`, as `streamNormalized` does), so replaying the recording with
 * `--source file` feeds the same mappers the same messages with the same local timestamps.
 */

export interface Recorder {
  readonly path: string;
  /** One raw message, as received at `localTimestamp`. */
  message(localTimestamp: Date, message: unknown): void;
  /** The connection dropped (an empty line). */
  disconnect(): void;
  /** Flushes and closes the file. Safe to call twice. */
  close(): Promise<void>;
}

/** Creates (truncates) the recording at `path`; a path that cannot be written is a UsageError. */
export async function openRecorder(path: string, warn: (message: string) => void): Promise<Recorder> {
  if (path.trim() === '') throw new UsageError('--record needs a file path (a path ending in .gz is gzipped).');
  try {
    await mkdir(dirname(path), { recursive: true });
    await (await open(path, 'w')).close();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`Cannot write the recording "${path}" (${code ?? String(error)}).`);
  }
  const file = createWriteStream(path);
  let out: Writable = file;
  if (path.endsWith('.gz')) {
    const gzip = createGzip();
    gzip.pipe(file);
    out = gzip;
  }
  let failed = false;
  const onError = (error: Error) => {
    if (!failed) warn(`Recording to ${path} stopped: ${error.message}.`);
    failed = true;
  };
  out.on('error', onError);
  file.on('error', onError);
  let closing: Promise<void> | undefined;
  const write = (line: string) => {
    if (!failed && closing === undefined) out.write(line);
  };
  return {
    path,
    message(localTimestamp, message) {
      write(`${localTimestamp.toISOString()} ${JSON.stringify(message)}\n`);
    },
    disconnect() {
      write('\n');
    },
    close() {
      closing ??= (async () => {
        if (failed) return;
        const finished = once(file, 'close').catch(() => {});
        out.end();
        await finished;
      })();
      return closing;
    }
  };
}

export interface RecordedStreamOptions extends NormalizedFeed {
  readonly recorder: Recorder;
  readonly onError: (error: Error) => void;
}

/**
 * tardis-dev's `streamNormalized(..., withDisconnectMessages: true)` rebuilt from its public
 * `stream()` and `normalizeMessages`, with the raw messages written to the recording on the way.
 */
export async function* streamNormalizedRecorded(o: RecordedStreamOptions): AsyncGenerator<NormalizedData | Disconnect> {
  const exchange = o.exchange as Exchange;
  const upper = o.symbols.map((s) => s.toUpperCase());
  const filter = (symbol: string) => upper.length === 0 || upper.includes(symbol);
  while (true) {
    try {
      const createMappers = (localTimestamp: Date) => o.normalizers.map((normalizer) => normalizer(exchange, localTimestamp));
      const mappers = createMappers(new Date());
      const raw = stream({ exchange, filters: getFilters<Exchange>(mappers, o.symbols), withDisconnects: true, onError: o.onError });
      const messages = tap(raw as AsyncIterableIterator<{ localTimestamp: Date; message: unknown } | undefined>, o.recorder);
      yield* normalizeMessages(exchange, o.symbols, messages, mappers, createMappers, true, filter, new Date()) as AsyncIterable<
        NormalizedData | Disconnect
      >;
    } catch (error) {
      o.onError(error as Error);
      o.recorder.disconnect();
      yield { type: 'disconnect', exchange, localTimestamp: new Date(), symbols: o.symbols };
    }
  }
}

async function* tap(
  raw: AsyncIterableIterator<{ localTimestamp: Date; message: unknown } | undefined>,
  recorder: Recorder
): AsyncGenerator<{ localTimestamp: Date; message: unknown } | undefined> {
  try {
    for await (const item of raw) {
      if (item === undefined) recorder.disconnect();
      else recorder.message(item.localTimestamp, item.message);
      yield item;
    }
  } finally {
    await raw.return?.(undefined);
  }
}
