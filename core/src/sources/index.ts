import { init, normalizeDerivativeTickers, streamNormalized } from 'tardis-dev';
import type { Exchange } from 'tardis-dev';
import { getOptions } from 'tardis-dev/dist/options.js';
import { UsageError } from '../errors.js';
import { checkCaptureFile } from './captureFile.js';
import { parseDataTypes, planDataTypes, requireTrades } from './dataTypes.js';
import type { DataTypePlan, ParsedDataType } from './dataTypes.js';
import type { DemoExchange } from './demo/index.js';
import { resolveExchange } from './exchanges.js';
import { openFileSource } from './fileSource.js';
import { parseSpeed } from './pacing.js';
import { Playback } from './playback.js';
import { buildSource } from './pipeline.js';
import { openRecorder, streamNormalizedRecorded } from './record.js';
import type { Recorder } from './record.js';
import { failWhenOffline, openReplay, parseReplayRange, replayError } from './replay.js';
import { openCsv } from './csvSource.js';
import { didYouMean } from './suggest.js';
import { fetchExchangeSymbols, resolveSymbols } from './symbols.js';
import { SOURCE_KINDS } from './types.js';
import type { OpenedSource, SourceHooks, SourceSpec } from './types.js';

export type { OpenedSource, SourceCounts, SourceHooks, SourceKind, SourceMessage, SourceReport, SourceSpec } from './types.js';
export type { DataType, ParsedDataType } from './dataTypes.js';
export { ACCEPTED_DATA_TYPES, parseDataTypes, requireTrades } from './dataTypes.js';
export { parseSpeed } from './pacing.js';
export { Playback, type PlaybackState, type Speed } from './playback.js';
export { toNativeSymbol } from './symbols.js';
export { DEFUNCT_EXCHANGES } from './exchanges.js';

/**
 * Opens a market data source: live (tardis-dev streamNormalized), replay (replayNormalized from the
 * Tardis API / local cache), file (a recorded capture) or demo (the local demo exchange through the
 * live path). Every user mistake is a UsageError thrown here, before any data flows.
 */
export async function openSource(spec: SourceSpec, hooks: SourceHooks): Promise<OpenedSource> {
  if (!SOURCE_KINDS.includes(spec.source)) {
    throw new UsageError(`Unknown source "${spec.source}". Accepted: ${SOURCE_KINDS.join(', ')}.${didYouMean(spec.source, SOURCE_KINDS)}`);
  }
  const speed = parseSpeed(spec.speed);
  const types = parseDataTypes(spec.dataTypes);
  if (spec.mode === 'candles') requireTrades(types);
  if (speed !== 'max' && (spec.source === 'live' || spec.source === 'demo')) {
    hooks.warn(`--speed ${speed} paces replay and file sources only; ${spec.source} data comes in real time.`);
  }
  if (spec.record !== undefined && spec.source !== 'live' && spec.source !== 'demo') {
    throw new UsageError(`--record records the live and demo sources (what the exchange sends); the ${spec.source} source is already a recording.`);
  }
  switch (spec.source) {
    case 'live':
      return openLive(spec, types, hooks);
    case 'demo':
      return openDemo(spec, types, hooks);
    case 'replay':
      return openReplaySource(spec, types, hooks, new Playback(speed, hooks.warn));
    case 'file':
      return openFile(spec, types, hooks, new Playback(speed, hooks.warn));
    case 'csv':
      return openCsv(spec, types, hooks, new Playback(speed, hooks.warn));
  }
}

/** tardis-dev options: init() resets everything it is not given to the defaults. */
function configureTardis(spec: SourceSpec): void {
  init({ ...(spec.cacheDir ? { cacheDir: spec.cacheDir } : {}), ...(spec.endpoint ? { endpoint: spec.endpoint } : {}) });
}

/**
 * Checks native ids against the Tardis symbol list; when it is unreachable (≤ ~2.5 s) warns,
 * trusts them and returns why.
 */
async function validateOnline(exchange: string, symbols: string[], hooks: SourceHooks): Promise<Error | undefined> {
  const known = await fetchExchangeSymbols(exchange);
  if (known instanceof Error) {
    hooks.warn(`Could not fetch the ${exchange} symbol list from Tardis (${known.message}): symbols ${symbols.join(', ')} not validated.`);
    return known;
  }
  resolveSymbols(exchange, symbols, known);
  return undefined;
}

function streamLive(exchange: string, symbols: string[], plan: DataTypePlan, hooks: SourceHooks, closed: () => boolean, recorder?: Recorder) {
  let lastError = '';
  const onError = (error: Error) => {
    if (closed() || error.message === lastError) return;
    lastError = error.message;
    hooks.warn(`${exchange} live feed: ${error.message} (reconnecting)`);
  };
  if (recorder !== undefined) return streamNormalizedRecorded({ exchange, symbols, normalizers: plan.normalizers, recorder, onError });
  return streamNormalized(
    { exchange: exchange as Exchange, symbols, withDisconnectMessages: true, onError },
    ...plan.normalizers
  );
}

async function openLive(spec: SourceSpec, types: ParsedDataType[], hooks: SourceHooks): Promise<OpenedSource> {
  const exchange = resolveExchange(spec.exchange, 'live');
  const symbols = resolveSymbols(exchange, spec.symbols);
  const plan = planDataTypes(types, exchange, new Date(), hooks.warn);
  configureTardis(spec);
  await validateOnline(exchange, symbols, hooks);
  const recorder = spec.record === undefined ? undefined : await openRecorder(spec.record, hooks.warn);
  const unroute = spec.exchangeUrl === undefined ? undefined : await routeLive(exchange, spec.exchangeUrl);
  return liveSource(exchange, symbols, plan, hooks, recorder, unroute && { afterClose: unroute });
}

/** `exchangeUrl`: this stream's Binance feeds go to a local Binance-compatible exchange. */
async function routeLive(exchange: string, exchangeUrl: string): Promise<() => void> {
  let url: URL;
  try {
    url = new URL(exchangeUrl);
  } catch {
    throw new UsageError(`The exchange URL "${exchangeUrl}" is not a URL: use http://host:port.`);
  }
  if (exchange !== 'binance' && exchange !== 'binance-futures') {
    throw new UsageError(`An exchange URL replaces the binance and binance-futures feeds only, not ${exchange}.`);
  }
  const { routeTardisTo } = await import('./demo/index.js');
  return routeTardisTo(Number(url.port), url.hostname);
}

/** The live pipeline (also the demo's): tardis-dev's streamNormalized, optionally recorded. */
function liveSource(
  exchange: string,
  symbols: string[],
  plan: DataTypePlan,
  hooks: SourceHooks,
  recorder: Recorder | undefined,
  extra: { onClose?: () => void; afterClose?: () => void } = {}
): OpenedSource {
  let closed = false;
  return buildSource({
    raw: streamLive(exchange, symbols, plan, hooks, () => closed, recorder),
    plan,
    symbols,
    live: true,
    raceClose: true,
    onClose: async () => {
      closed = true;
      await recorder?.close();
      extra.onClose?.();
    },
    ...(extra.afterClose && { afterClose: extra.afterClose })
  });
}

async function openDemo(spec: SourceSpec, types: ParsedDataType[], hooks: SourceHooks): Promise<OpenedSource> {
  const { startDemoExchange, DEMO_SYMBOLS, DEMO_EXCHANGES } = await import('./demo/index.js');
  const exchange = spec.exchange.trim().toLowerCase() as (typeof DEMO_EXCHANGES)[number];
  if (!DEMO_EXCHANGES.includes(exchange)) {
    throw new UsageError(`The demo source offers exchanges ${DEMO_EXCHANGES.join(', ')}, not "${spec.exchange}".${didYouMean(exchange, DEMO_EXCHANGES)}`);
  }
  const symbols = resolveSymbols(exchange, spec.symbols, DEMO_SYMBOLS[exchange]);
  if (spec.seed !== undefined && !Number.isInteger(spec.seed)) throw new UsageError(`Demo seed must be an integer, got ${spec.seed}.`);
  const rate = spec.demoMessagesPerSecond;
  if (rate !== undefined && !(rate > 0 && rate <= 1_000_000)) {
    throw new UsageError(`Demo messages per second must be a number in (0, 1000000], got ${rate}.`);
  }
  const plan = planDataTypes(types, exchange, new Date(), hooks.warn);
  const recorder = spec.record === undefined ? undefined : await openRecorder(spec.record, hooks.warn);
  const demo = await startDemoExchange({ ...(spec.seed !== undefined ? { seed: spec.seed } : {}), ...(rate !== undefined ? { messagesPerSecond: rate } : {}) });
  try {
    demo.useForTardis();
  } catch (error) {
    await demo.close();
    await recorder?.close();
    throw error;
  }
  return liveSource(exchange, symbols, plan, hooks, recorder, {
    onClose: () => void retireDemo(demo, plan.normalizers.includes(normalizeDerivativeTickers)),
    afterClose: () => demo.restoreTardis()
  });
}

/**
 * Closes the demo exchange once nothing of tardis-dev talks to it any more. Its open-interest
 * poller (derivative tickers) only stops after a poll is answered once the stream has ended, so
 * with it the exchange answers two more polls (≤ 6 s, in the background) before it closes;
 * closing at once leaves the poller retrying forever and the process alive.
 */
async function retireDemo(demo: DemoExchange, polled: boolean): Promise<void> {
  const target = demo.requestCount('openInterest') + 2;
  const deadline = Date.now() + 7_000;
  while (polled && demo.requestCount('openInterest') < target && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await demo.close();
}

async function openReplaySource(spec: SourceSpec, types: ParsedDataType[], hooks: SourceHooks, playback: Playback): Promise<OpenedSource> {
  const exchange = resolveExchange(spec.exchange, 'replay');
  const range = parseReplayRange(spec.from, spec.to);
  const symbols = resolveSymbols(exchange, spec.symbols);
  const plan = planDataTypes(types, exchange, range.fetchFrom, hooks.warn);
  configureTardis(spec);
  const replay = { exchange, symbols, normalizers: plan.normalizers, range, cacheDir: getOptions().cacheDir, apiKey: spec.apiKey };
  const raw = openReplay(replay);
  try {
    failWhenOffline(await validateOnline(exchange, symbols, hooks), replay, getOptions().endpoint);
  } catch (error) {
    await raw.return?.(undefined);
    throw error;
  }
  if (plan.computables.length > 0 && range.fetchFrom.valueOf() % 86_400_000 !== 0) {
    hooks.warn(
      'Tardis records order book snapshots at 00:00 UTC (and after reconnects): book snapshots may be missing until the next one. ' +
        'Start --from at 00:00 UTC to have them from the start.'
    );
  }
  const aligned = range.from.valueOf() === range.fetchFrom.valueOf() && range.to.valueOf() === range.fetchTo.valueOf();
  return buildSource({
    raw,
    plan,
    symbols,
    live: false,
    raceClose: true,
    ...(aligned ? {} : { range: { from: range.from.valueOf(), to: range.to.valueOf() } }),
    playback,
    mapError: (error) => replayError(error, exchange),
    describeEmpty: () =>
      `No data: the replay of ${exchange} ${symbols.join(', ')} (${plan.active.map((t) => t.name).join(', ')}) from ${range.from.toISOString()} to ${range.to.toISOString()} ` +
      'has no message (no trading then, or a symbol not listed at that time).'
  });
}

async function openFile(spec: SourceSpec, types: ParsedDataType[], hooks: SourceHooks, playback: Playback): Promise<OpenedSource> {
  const path = await checkCaptureFile(spec.file);
  const exchange = resolveExchange(spec.exchange, 'file');
  const symbols = resolveSymbols(exchange, spec.symbols);
  const plan = planDataTypes(types, exchange, new Date(), hooks.warn);
  return openFileSource({ path, exchange, symbols, normalizers: plan.normalizers, warn: hooks.warn }, plan, playback);
}
