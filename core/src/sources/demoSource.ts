import { normalizeDerivativeTickers } from 'tardis-dev';
import { UsageError } from '../errors.js';
import { planDataTypes } from './dataTypes.js';
import type { ParsedDataType } from './dataTypes.js';
import { retireDemo } from './demo/retire.js';
import { liveSource } from './liveSource.js';
import { openRecorder } from './record.js';
import { didYouMean } from './suggest.js';
import { resolveSymbols } from './symbols.js';
import type { OpenedSource, SourceHooks, SourceSpec } from './types.js';

/** `--source demo`: the local demo exchange, streamed through the live pipeline. */
export async function openDemo(spec: SourceSpec, types: ParsedDataType[], hooks: SourceHooks): Promise<OpenedSource> {
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
