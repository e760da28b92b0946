import { init } from 'tardis-dev';
import type { SourceHooks, SourceSpec } from './types.js';
import { fetchExchangeSymbols, resolveSymbols } from './symbols.js';

/** tardis-dev options: init() resets everything it is not given to the defaults. */
export function configureTardis(spec: SourceSpec): void {
  init({ ...(spec.cacheDir ? { cacheDir: spec.cacheDir } : {}), ...(spec.endpoint ? { endpoint: spec.endpoint } : {}) });
}

/**
 * Checks native ids against the Tardis symbol list; when it is unreachable (≤ ~2.5 s) warns,
 * trusts them and returns why.
 */
export async function validateOnline(exchange: string, symbols: string[], hooks: SourceHooks): Promise<Error | undefined> {
  const known = await fetchExchangeSymbols(exchange);
  if (known instanceof Error) {
    hooks.warn(`Could not fetch the ${exchange} symbol list from Tardis (${known.message}): symbols ${symbols.join(', ')} not validated.`);
    return known;
  }
  resolveSymbols(exchange, symbols, known);
  return undefined;
}
