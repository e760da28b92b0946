import { streamNormalized } from 'tardis-dev';
import type { Exchange } from 'tardis-dev';
import { UsageError } from '../errors.js';
import { planDataTypes } from './dataTypes.js';
import type { DataTypePlan, ParsedDataType } from './dataTypes.js';
import { resolveExchange } from './exchanges.js';
import { buildSource } from './pipeline.js';
import { openRecorder, streamNormalizedRecorded } from './record.js';
import type { Recorder } from './record.js';
import { resolveSymbols } from './symbols.js';
import { configureTardis, validateOnline } from './tardisSetup.js';
import type { OpenedSource, SourceHooks, SourceSpec } from './types.js';

/** `--source live`: tardis-dev's streamNormalized from the exchanges (or a local exchange URL). */
export async function openLive(spec: SourceSpec, types: ParsedDataType[], hooks: SourceHooks): Promise<OpenedSource> {
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

/** The live pipeline (also the demo's): tardis-dev's streamNormalized, optionally recorded. */
export function liveSource(
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
