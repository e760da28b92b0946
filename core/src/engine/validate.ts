/**
 * A request's checks that need no network, run before anything starts, with the same one-line
 * messages in every face: exit code 2 at the CLI, an inline error in the TUI's add-stream form
 * and in VS Code's input boxes. (Checks that need the network, such as the exchange's symbol
 * list, happen when the source opens.)
 */
import { UsageError } from '../errors.js';
import { parseDataTypes } from '../sources/dataTypes.js';
import { parseReplayRange, parseUtcDate } from '../sources/replay.js';
import { SOURCE_KINDS } from '../sources/types.js';
import { parseTimeframes } from './timeframes.js';
import type { StreamRequest } from './types.js';

/** The request with its timeframes validated and ordered; a UsageError names the first problem. */
export function validateRequest(request: StreamRequest): StreamRequest {
  if (!SOURCE_KINDS.includes(request.source)) throw new UsageError(`Unknown source "${request.source}". Accepted: ${SOURCE_KINDS.join(', ')}.`);
  if (request.symbols.every((symbol) => symbol.trim() === '')) throw new UsageError(`No symbols given for ${request.exchange} (e.g. BTCUSDT or BTC-USDT).`);
  parseDataTypes(request.dataTypes);
  if (request.source === 'replay') parseReplayRange(request.from, request.to);
  return { ...request, timeframes: parseTimeframes(request.timeframes) };
}

export type RequestField = 'timeframes' | 'dataTypes' | 'from' | 'to' | 'symbol';

/** The one-line problem with one field as typed (comma-separated lists), or undefined when it is fine. */
export function fieldProblem(field: RequestField, value: string): string | undefined {
  const list = value.split(/[,\s]+/).filter(Boolean);
  try {
    if (field === 'timeframes') parseTimeframes(list);
    else if (field === 'dataTypes') parseDataTypes(list);
    else if (field === 'symbol' && list.length === 0) throw new UsageError('type a symbol, e.g. BTCUSDT or BTC-USDT');
    else if (field === 'from' || field === 'to') parseUtcDate(value, `--${field}`);
    return undefined;
  } catch (error) {
    if (error instanceof UsageError) return error.message;
    throw error;
  }
}
