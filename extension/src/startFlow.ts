/**
 * Start Stream's questions (source, exchange, symbol, data types, the replay range or capture file,
 * and the speed) as one multi-step input with "Step n/N" and Back, every answer checked as it is
 * typed, remembering the last answers; none when `tickbridge.defaultSource` is set. The UI is
 * injected, so this runs in tests without `vscode`.
 */
import { fieldProblem, type StreamRequest } from '../../core/index.js';
import { SOURCES, type SourceName, type TickbridgeConfig } from './config.js';
import { BACK, runSteps, type Step } from './stepUi.js';

export interface PickItem {
  readonly label: string;
  readonly description?: string;
  readonly picked?: boolean;
}

export interface StartUi {
  /** Resolves with the chosen labels (one unless `many`), BACK, or undefined when cancelled; `at` is "Step n/N". */
  pick(title: string, items: readonly PickItem[], many: boolean, at?: StepInfo): Promise<string[] | typeof BACK | undefined>;
  input(title: string, value: string, validate: (value: string) => string | undefined, at?: StepInfo): Promise<string | typeof BACK | undefined>;
  openFile(title: string): Promise<string | undefined>;
}

export interface Memory {
  get(key: string): unknown;
  update(key: string, value: unknown): PromiseLike<void>;
}

export interface StartChoices {
  readonly source: SourceName;
  readonly exchange: string;
  readonly symbol: string;
  readonly dataTypes: readonly string[];
  readonly from?: string;
  readonly to?: string;
  readonly file?: string;
  /** replay and file: pacing, `max` or a multiple of real time. */
  readonly speed?: 'max' | number;
}

export const LAST_CHOICES_KEY = 'tickbridge.lastStart';
const OTHER = 'Other…';

const SOURCE_DESCRIPTIONS: Record<SourceName, string> = {
  demo: 'built-in demo exchange, offline',
  live: 'real-time exchange feed through tardis-dev',
  replay: 'historical data from Tardis.dev',
  file: 'a recorded capture file'
};
export const EXCHANGES: Record<SourceName, readonly string[]> = {
  demo: ['binance', 'binance-futures'],
  live: ['binance', 'binance-futures', 'bybit', 'deribit', 'okex', 'coinbase', 'kraken', 'bitmex'],
  replay: ['binance', 'binance-futures', 'bybit', 'deribit', 'okex', 'coinbase', 'kraken', 'bitmex'],
  file: ['binance', 'binance-futures']
};
const DEMO_SYMBOLS = ['BTCUSDT', 'ETHUSDT'];
export const DATA_TYPES = ['trades', 'book_snapshot_5', 'book_snapshot_25', 'book_snapshot_5_100ms', 'derivative_ticker', 'liquidations'];

// The engine's own one-line messages (the CLI exits 2 with the same ones).
// In an input box there are no flags: "--from" reads "the start".
const inWords = (problem: string | undefined): string | undefined => problem?.replace(/^--from /, 'The start ').replace(/^--to /, 'The end ');
const FROM = (value: string): string | undefined => inWords(fieldProblem('from', value));
const TO = (value: string): string | undefined => inWords(fieldProblem('to', value));
const SYMBOL = (value: string): string | undefined => fieldProblem('symbol', value);
/** `to` as the engine checks it, and after `from`, said in plain words (not as flag names). */
export function toAfter(from: string, to: string): string | undefined {
  const problem = TO(to);
  if (problem !== undefined) return problem;
  return Date.parse(to) <= Date.parse(from) ? `The end (${to.trim()}) must be after the start (${from.trim()}).` : undefined;
}

const nonEmpty = (value: string): string | undefined => (value.trim() === '' ? 'a value is needed' : undefined);

/** Puts `first` (the last choice) at the top and marks it. */
function ordered(values: readonly string[], first: string | undefined, describe: (value: string) => string | undefined = () => undefined): PickItem[] {
  const sorted = first && values.includes(first) ? [first, ...values.filter((value) => value !== first)] : [...values];
  return sorted.map((label) => {
    const description = label === first ? 'last used' : describe(label);
    return description ? { label, description } : { label };
  });
}

function lastChoices(memory: Memory): Partial<StartChoices> {
  const value = memory.get(LAST_CHOICES_KEY);
  return typeof value === 'object' && value !== null ? value : {};
}

/** The answers from the settings alone (when `defaultSource` is set), asking only what is missing. */
async function fromSettings(config: TickbridgeConfig, source: SourceName, ui: StartUi): Promise<StartChoices | undefined> {
  const base = { source, exchange: config.defaultExchange, symbol: config.defaultSymbol, dataTypes: config.defaultDataTypes };
  if (source === 'replay') {
    // no Back here (no earlier step): a BACK answer is a cancel
    const from = config.replayFrom ?? (await ui.input('Replay from (ISO-8601, UTC)', '', FROM));
    if (typeof from !== 'string') return undefined;
    const to = config.replayTo ?? (await ui.input('Replay to (exclusive)', '', (value) => toAfter(from, value)));
    return typeof to !== 'string' ? undefined : { ...base, from, to };
  }
  if (source === 'file') {
    const file = config.captureFile ?? (await ui.openFile('Recorded capture file'));
    return file === undefined ? undefined : { ...base, file };
  }
  return base;
}

/** "Step n/N" of the one multi-step input; the UI shows it and a Back button after the first. */
export interface StepInfo {
  readonly step: number;
  readonly steps: number;
}

type Draft = Partial<StartChoices>;
type StartStep = Step<Draft>;

const SPEED_ITEMS: PickItem[] = [
  { label: '1×', description: 'real time' },
  { label: '10×', description: 'ten times faster: a capture you can watch' },
  { label: '100×', description: 'a minute of data in 0.6 s' },
  { label: 'max', description: 'as fast as the processor takes it' }
];

/** One pick's answer: BACK and cancel pass through, else the first label. */
const first = (answer: string[] | typeof BACK | undefined): string | typeof BACK | undefined => (answer === BACK ? BACK : answer?.[0]);

export async function chooseStream(config: TickbridgeConfig, ui: StartUi, memory: Memory): Promise<StartChoices | undefined> {
  if (config.defaultSource) return fromSettings(config, config.defaultSource, ui);
  const last = lastChoices(memory);
  const lastExchange = last.exchange ?? config.defaultExchange;
  const lastSymbol = last.symbol ?? config.defaultSymbol;
  const ranged = (d: Draft) => d.source === 'replay';
  const steps: StartStep[] = [
    {
      ask: async (_d, at) => {
        const source = first(await ui.pick('Tickbridge: source', ordered(SOURCES, last.source, (s) => SOURCE_DESCRIPTIONS[s as SourceName]), false, at));
        return source === BACK || source === undefined ? source : { source: source as SourceName };
      }
    },
    {
      ask: async (d, at) => {
        const kind = d.source as SourceName;
        const items = [...ordered(EXCHANGES[kind], lastExchange), ...(kind === 'demo' ? [] : [{ label: OTHER, description: 'any Tardis exchange id' }])];
        let exchange = first(await ui.pick('Tickbridge: exchange', items, false, at));
        if (exchange === OTHER) exchange = await ui.input('Tardis exchange id', lastExchange, nonEmpty, at);
        return exchange === BACK || !exchange ? (exchange as typeof BACK | undefined) : { exchange: exchange.trim() };
      }
    },
    {
      ask: async (d, at) => {
        const symbol =
          d.source === 'demo'
            ? first(await ui.pick('Tickbridge: symbol', ordered(DEMO_SYMBOLS, lastSymbol), false, at))
            : await ui.input('Symbol (native id like BTCUSDT or BTC-PERPETUAL, or BASE-QUOTE)', d.symbol ?? lastSymbol, SYMBOL, at);
        return symbol === BACK || !symbol ? (symbol as typeof BACK | undefined) : { symbol: symbol.trim() };
      }
    },
    {
      ask: async (_d, at) => {
        const chosen = new Set(last.dataTypes ?? config.defaultDataTypes);
        const dataTypes = await ui.pick('Tickbridge: data types', DATA_TYPES.map((label) => ({ label, picked: chosen.has(label) })), true, at);
        return dataTypes === BACK || !dataTypes || dataTypes.length === 0 ? (dataTypes === BACK ? BACK : undefined) : { dataTypes };
      }
    },
    {
      applies: ranged,
      ask: async (d, at) => {
        const from = await ui.input('Replay from (ISO-8601, UTC)', d.from ?? last.from ?? config.replayFrom ?? '', FROM, at);
        return from === BACK || from === undefined ? from : { from };
      }
    },
    {
      applies: ranged,
      ask: async (d, at) => {
        const to = await ui.input('Replay to (exclusive)', d.to ?? last.to ?? config.replayTo ?? '', (value) => toAfter(d.from ?? '', value), at);
        return to === BACK || to === undefined ? to : { to };
      }
    },
    {
      applies: (d) => d.source === 'file',
      ask: async () => {
        const file = await ui.openFile('Recorded capture file');
        return file === undefined ? undefined : { file };
      }
    },
    {
      applies: (d) => d.source === 'replay' || d.source === 'file',
      ask: async (_d, at) => {
        const chosen = first(await ui.pick('Tickbridge: speed', SPEED_ITEMS, false, at));
        return chosen === BACK || chosen === undefined ? chosen : { speed: chosen === 'max' ? 'max' : Number(chosen.replace('×', '')) };
      }
    }
  ];
  const draft = await runSteps<Draft>({}, steps);
  if (!draft) return undefined;
  const { source, exchange, symbol, dataTypes, from, to, file, speed } = draft;
  if (!source || !exchange || !symbol || !dataTypes) return undefined;
  const choices: StartChoices = {
    source,
    exchange,
    symbol,
    dataTypes,
    ...(source === 'replay' && { from: from!, to: to! }),
    ...(source === 'file' && file !== undefined && { file }),
    ...((source === 'replay' || source === 'file') && speed !== undefined && { speed })
  };
  await memory.update(LAST_CHOICES_KEY, choices);
  return choices;
}

/** The engine request for the answers; `apiKey` (from SecretStorage) only for replays. */
export function buildRequest(choices: StartChoices, config: TickbridgeConfig, apiKey: string | undefined): StreamRequest {
  return {
    source: choices.source,
    exchange: choices.exchange,
    symbols: [choices.symbol],
    dataTypes: [...choices.dataTypes],
    timeframes: [...config.timeframes],
    mode: 'candles',
    speed: choices.speed ?? 'max',
    ...(choices.from !== undefined && { from: choices.from }),
    ...(choices.to !== undefined && { to: choices.to }),
    ...(choices.file !== undefined && { file: choices.file }),
    ...(choices.source === 'replay' && apiKey ? { apiKey } : {}),
    ...(choices.source === 'demo' && config.demoRate !== null ? { demoMessagesPerSecond: config.demoRate } : {})
  };
}
