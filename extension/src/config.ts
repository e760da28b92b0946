/**
 * The `tickbridge.*` settings, read through a getter so tests need no `vscode`.
 * Names and defaults here match `contributes.configuration` in package.json (a test checks it).
 */
import { DEFAULT_TIMEFRAMES, type LogLevel, type SourceKind } from '../../core/index.js';

/** The sources the Start Stream picker offers, in its order (csv files come through the capture flow). */
export const SOURCES = ['demo', 'live', 'replay', 'file'] as const satisfies readonly SourceKind[];
export type SourceName = (typeof SOURCES)[number];

export interface TickbridgeConfig {
  readonly defaultSource: SourceName | null;
  readonly defaultExchange: string;
  readonly defaultSymbol: string;
  readonly defaultDataTypes: readonly string[];
  readonly timeframes: readonly string[];
  readonly pythonPath: string | null;
  readonly processorPort: number;
  readonly demoRate: number | null;
  readonly replayFrom: string | null;
  readonly replayTo: string | null;
  readonly captureFile: string | null;
  readonly logLevel: LogLevel;
  readonly bigquery: { readonly enabled: boolean; readonly projectId: string | null; readonly dataset: string };
}

/** `section` is relative to `tickbridge.`; returns undefined when unset. */
export type SettingGetter = (section: string) => unknown;

export const DEFAULTS = {
  defaultExchange: 'binance',
  defaultSymbol: 'BTCUSDT',
  defaultDataTypes: ['trades', 'book_snapshot_5', 'derivative_ticker', 'liquidations'],
  timeframes: DEFAULT_TIMEFRAMES,
  processorPort: 0,
  logLevel: 'info' as LogLevel,
  bigqueryDataset: 'market_data_streaming'
};

const text = (value: unknown): string | null => (typeof value === 'string' && value.trim() !== '' ? value.trim() : null);
const list = (value: unknown): string[] | null => {
  if (!Array.isArray(value)) return null;
  const items = value.filter((item): item is string => typeof item === 'string' && item.trim() !== '').map((item) => item.trim());
  return items.length > 0 ? items : null;
};
const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warning', 'error'];

export function readConfig(get: SettingGetter): TickbridgeConfig {
  const source = text(get('defaultSource'));
  const port = get('processorPort');
  const demoRate = get('demoRate');
  const logLevel = get('logLevel');
  return {
    defaultSource: SOURCES.includes(source as SourceName) ? (source as SourceName) : null,
    defaultExchange: text(get('defaultExchange')) ?? DEFAULTS.defaultExchange,
    defaultSymbol: text(get('defaultSymbol')) ?? DEFAULTS.defaultSymbol,
    defaultDataTypes: list(get('defaultDataTypes')) ?? DEFAULTS.defaultDataTypes,
    timeframes: list(get('timeframes')) ?? DEFAULTS.timeframes,
    pythonPath: text(get('pythonPath')),
    processorPort: typeof port === 'number' && Number.isInteger(port) && port >= 0 && port < 65536 ? port : DEFAULTS.processorPort,
    demoRate: typeof demoRate === 'number' && demoRate > 0 ? demoRate : null,
    replayFrom: text(get('replayFrom')),
    replayTo: text(get('replayTo')),
    captureFile: text(get('captureFile')),
    logLevel: LOG_LEVELS.includes(logLevel as LogLevel) ? (logLevel as LogLevel) : DEFAULTS.logLevel,
    bigquery: {
      enabled: get('bigquery.enabled') === true,
      projectId: text(get('bigquery.projectId')),
      dataset: text(get('bigquery.dataset')) ?? DEFAULTS.bigqueryDataset
    }
  };
}
