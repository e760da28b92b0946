/** Which exchange a capture is from, when the requested one reads none of it: for the "no data" message. */
import { EXCHANGES, normalizeBookChanges, normalizeTrades } from 'tardis-dev';
import type { Normalizer } from './dataTypes.js';
import { DEFUNCT_EXCHANGES } from './exchanges.js';

/** Exchanges (other than the requested one) whose tardis-dev mappers read the sampled messages, with the symbols they find. */
export function guessExchanges(sample: readonly unknown[], requested: string): string[] {
  return readersOf(sample, requested).map(({ exchange, symbols }) => `${exchange} (${symbols.slice(0, 5).join(', ')})`);
}

/** The exchanges whose mappers read the sampled messages (except `skip`), with the symbols they find. */
export function readersOf(sample: readonly unknown[], skip = ''): { exchange: string; symbols: string[] }[] {
  const found: { exchange: string; symbols: string[] }[] = [];
  for (const exchange of EXCHANGES) {
    if (exchange === skip || exchange in DEFUNCT_EXCHANGES) continue;
    const symbols = new Set<string>();
    for (const factory of [normalizeTrades, normalizeBookChanges]) {
      let mapper: ReturnType<Normalizer>;
      try {
        mapper = factory(exchange, new Date());
      } catch {
        continue;
      }
      for (const message of sample) {
        try {
          if (!mapper.canHandle(message)) continue;
          for (const normalized of mapper.map(message, new Date()) ?? []) {
            if (typeof normalized.symbol === 'string' && normalized.symbol !== '') symbols.add(normalized.symbol);
          }
        } catch {
          // not this exchange's message
        }
      }
    }
    if (symbols.size > 0) found.push({ exchange, symbols: [...symbols] });
  }
  return found;
}

