/**
 * "Tickbridge: Stream This Capture": a capture or Tardis CSV file first, then the venue and
 * symbol proposed from the file (proposeStream reads it), then the speed; every answer checked
 * in plain words before launch. Pure: the UI is a StepUi.
 */
import { basename } from 'node:path';
import type { StreamProposal, StreamRequest } from '../../core/index.js';
import type { TickbridgeConfig } from './config.js';
import { BACK, runSteps, type Step, type StepAnswer, type StepUi } from './stepUi.js';

export interface CaptureChoices {
  readonly exchange: string;
  readonly symbol: string;
  readonly speed: 'max' | number;
}

export const SPEEDS: readonly { label: string; speed: 'max' | number; description: string }[] = [
  { label: '1×', speed: 1, description: 'real time, as recorded' },
  { label: '10×', speed: 10, description: 'ten times faster (default: watchable)' },
  { label: '100×', speed: 100, description: 'a minute of data in 0.6 s' },
  { label: 'max', speed: 'max', description: 'as fast as the processor takes it' }
];
const DEFAULT_SPEED = '10×';

/** The venue's check: a Tardis exchange id in lower case, one the file reads as when it says. */
export function checkExchange(value: string, proposal: StreamProposal): string | undefined {
  const exchange = value.trim();
  if (exchange === '') return 'Type the exchange the file was recorded from, e.g. binance-futures.';
  if (!/^[a-z0-9-]+$/.test(exchange)) return `“${exchange}” is not an exchange id: lower-case letters, digits and dashes, e.g. binance-futures.`;
  if (proposal.exchanges.length > 0 && !proposal.exchanges.includes(exchange)) {
    return `The file does not read as ${exchange} data; it reads as ${proposal.exchanges.slice(0, 3).join(', ')}.`;
  }
  return undefined;
}

export function checkSymbol(value: string, exchange: string, proposal: StreamProposal): string | undefined {
  const symbol = value.trim();
  if (symbol === '') return 'Type the symbol to stream, e.g. BTCUSDT.';
  const known = proposal.symbolsByExchange[exchange] ?? [];
  if (known.length > 0 && !known.some((s) => s.toUpperCase() === symbol.toUpperCase())) {
    return `The file has no ${exchange} ${symbol} data; it has ${known.slice(0, 5).join(', ')}.`;
  }
  return undefined;
}

export async function chooseCapture(path: string, proposal: StreamProposal, ui: StepUi): Promise<CaptureChoices | undefined> {
  const title = `Stream ${basename(path)}`;
  const initial: CaptureChoices = { exchange: proposal.exchanges[0] ?? '', symbol: proposal.symbols[0] ?? '', speed: 10 };
  const venue: Step<CaptureChoices>['ask'] = async (answers, { step, steps }) =>
    answer<CaptureChoices>(await ui.input(`${title}: exchange`, step, steps, answers.exchange, proposeText('exchange', proposal.exchanges), (v) => checkExchange(v, proposal)), (v) => {
      const exchange = v.trim();
      // another venue: its own symbol proposed
      const next: Partial<CaptureChoices> = exchange === answers.exchange ? { exchange } : { exchange, symbol: proposal.symbolsByExchange[exchange]?.[0] ?? '' };
      return next;
    });
  const symbol: Step<CaptureChoices>['ask'] = async (answers, { step, steps }) =>
    answer<CaptureChoices>(
      await ui.input(`${title}: symbol`, step, steps, answers.symbol, proposeText('symbol', proposal.symbolsByExchange[answers.exchange] ?? []), (v) => checkSymbol(v, answers.exchange, proposal)),
      (v) => ({ symbol: v.trim() })
    );
  const speed: Step<CaptureChoices>['ask'] = async (answers, { step, steps }) => {
    const active = SPEEDS.find((s) => s.speed === answers.speed)?.label ?? DEFAULT_SPEED;
    return answer<CaptureChoices>(await ui.pick(`${title}: speed`, step, steps, SPEEDS, active), (label) => ({ speed: SPEEDS.find((s) => s.label === label)?.speed ?? 10 }));
  };
  return runSteps(initial, [{ ask: venue }, { ask: symbol }, { ask: speed }]);
}

function proposeText(what: string, found: readonly string[]): string {
  return found.length > 0 ? `Read from the file: ${found.slice(0, 5).join(', ')}` : `The file did not say its ${what}: type it.`;
}

function answer<A>(value: StepAnswer, set: (value: string) => Partial<A>): typeof BACK | undefined | Partial<A> {
  return value === undefined || value === BACK ? value : set(value);
}

export function buildCaptureRequest(path: string, proposal: StreamProposal, choices: CaptureChoices, config: TickbridgeConfig): StreamRequest {
  return {
    source: proposal.source,
    file: path,
    exchange: choices.exchange,
    symbols: [choices.symbol],
    dataTypes: ['trades', 'book_snapshot_5', 'derivative_ticker', 'liquidations'],
    timeframes: [...config.timeframes],
    mode: 'candles',
    speed: choices.speed
  };
}
