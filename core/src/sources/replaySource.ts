import { getOptions } from 'tardis-dev/dist/options.js';
import { planDataTypes } from './dataTypes.js';
import type { ParsedDataType } from './dataTypes.js';
import { resolveExchange } from './exchanges.js';
import type { Playback } from './playback.js';
import { buildSource } from './pipeline.js';
import { failWhenOffline, openReplay, parseReplayRange, replayError } from './replay.js';
import { resolveSymbols } from './symbols.js';
import { configureTardis, validateOnline } from './tardisSetup.js';
import type { OpenedSource, SourceHooks, SourceSpec } from './types.js';

/** `--source replay`: tardis-dev's replayNormalized from the Tardis API or its local cache. */
export async function openReplaySource(spec: SourceSpec, types: ParsedDataType[], hooks: SourceHooks, playback: Playback): Promise<OpenedSource> {
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
