// Shared by core/test/sources-*.test.ts: locating ../shared/data, capture rewriting, a Tardis cache.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createGunzip, gzipSync } from 'node:zlib';
import type { Normalizer } from '../src/sources/dataTypes.js';
import { formatDateToPath, getFilters, optimizeFilters } from 'tardis-dev/dist/handy.js';
import type { SourceMessage } from '../src/sources/index.js';

/** The project root (first folder upwards with a package.json): tests also run compiled from dist/. */
function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

export const ROOT = projectRoot();
export const DATA_DIR = join(ROOT, '..', 'shared', 'data');
export const SPOT = join(DATA_DIR, 'binance_spot_btcusdt_20240808.raw.gz');
export const FUTURES = join(DATA_DIR, 'binance-futures_btcusdt_20240808.raw.gz');
/** `{ skip }` option for node:test when the real captures are absent. */
export const needsData = existsSync(SPOT) && existsSync(FUTURES) ? {} : { skip: `real captures not found in ${DATA_DIR} (../shared/data)` };

/** Lines of a gzip capture (without the trailing newline). */
export async function* captureLines(path: string): AsyncGenerator<string> {
  yield* createInterface({ input: createReadStream(path).pipe(createGunzip()), crlfDelay: Infinity });
}

/** `<ns> <json>` -> 28-char ISO timestamp as Tardis stores it, e.g. 2024-08-08T23:54:13.9370857Z. */
export function nsToIso28(ns: string): string {
  return `${new Date(Number(ns.slice(0, -6))).toISOString().slice(0, 23)}${ns.slice(-6, -2)}Z`;
}

/** Collects everything a source yields (the source must end by itself). */
export async function collect(messages: AsyncIterable<SourceMessage>): Promise<SourceMessage[]> {
  const out: SourceMessage[] = [];
  for await (const m of messages) out.push(m);
  return out;
}

export const trades = (all: SourceMessage[]) => all.filter((m) => m.type === 'trade');
export const snapshots = (all: SourceMessage[]) => all.filter((m) => m.type === 'book_snapshot');

/**
 * Builds a tardis-dev v13 replay cache from a Binance capture, per docs/offline-testing.md:
 * {cacheDir}/feeds/{exchange}/{sha256(JSON.stringify(optimizeFilters(filters)))}/YYYY/MM/DD/HH/mm.json.gz,
 * one gzip slice per UTC minute (empty ones included), 28-char timestamps, the REST depth snapshot
 * wrapped as a depthSnapshot stream, only the channels the filters ask for.
 */
export async function buildReplayCache(
  capture: string,
  cacheDir: string,
  exchange: string,
  symbol: string,
  normalizers: Normalizer[]
): Promise<{ from: Date; to: Date; feedDir: string }> {
  const from0 = new Date('2024-08-08T00:00:00Z');
  const filters = optimizeFilters(getFilters(normalizers.map((n) => n(exchange as never, from0)), [symbol]));
  const channels = new Set(filters.map((f) => f.channel as string));
  const feedDir = join(cacheDir, 'feeds', exchange, createHash('sha256').update(JSON.stringify(filters)).digest('hex'));
  const slices = new Map<number, string[]>();
  for await (const line of captureLines(capture)) {
    const space = line.indexOf(' ');
    const ns = line.slice(0, space);
    let json = line.slice(space + 1);
    if (json.startsWith('{"lastUpdateId"')) json = `{"stream":"${symbol.toLowerCase()}@depthSnapshot","generated":true,"data":${json}}`;
    const stream = (JSON.parse(json) as { stream: string }).stream;
    if (!channels.has(stream.split('@')[1]!)) continue;
    const minute = Math.floor(Number(ns.slice(0, -6)) / 60_000) * 60_000;
    const slice = slices.get(minute) ?? [];
    slice.push(`${nsToIso28(ns)} ${json}\n`);
    slices.set(minute, slice);
  }
  const minutes = [...slices.keys()].sort((a, b) => a - b);
  const first = minutes[0]!;
  const end = minutes[minutes.length - 1]! + 60_000;
  for (let t = first; t < end; t += 60_000) {
    const path = join(feedDir, `${formatDateToPath(new Date(t))}.json.gz`);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, gzipSync((slices.get(t) ?? []).join('')));
  }
  return { from: new Date(first), to: new Date(end), feedDir };
}
