/**
 * The engine ↔ processor wire protocol, version 1 (docs/protocol.md).
 * Mirrored by python/market_data_tick_handler/protocol.py; both are tested against
 * docs/protocol-fixtures/*.json.
 */
import { z } from 'zod';

export const PROTOCOL_VERSION = 1;

// ---- engine → processor ------------------------------------------------------------------

const num = z.number();
const nullableNum = z.number().nullable();
const level = z.tuple([num, num]);

export const TradeMsg = z.object({
  type: z.literal('trade'),
  symbol: z.string(),
  price: num,
  amount: num,
  side: z.enum(['buy', 'sell', 'unknown']),
  ts: z.number().int(),
  lts: z.number().int().optional()
});
export const BookSnapshotMsg = z.object({
  type: z.literal('book_snapshot'),
  symbol: z.string(),
  name: z.string(),
  depth: z.number().int(),
  bids: z.array(level),
  asks: z.array(level),
  ts: z.number().int(),
  lts: z.number().int().optional()
});
export const DerivativeTickerMsg = z.object({
  type: z.literal('derivative_ticker'),
  symbol: z.string(),
  last_price: nullableNum,
  open_interest: nullableNum,
  funding_rate: nullableNum,
  index_price: nullableNum,
  mark_price: nullableNum,
  ts: z.number().int(),
  lts: z.number().int().optional()
});
export const LiquidationMsg = z.object({
  type: z.literal('liquidation'),
  symbol: z.string(),
  price: num,
  amount: num,
  side: z.enum(['buy', 'sell']),
  ts: z.number().int(),
  lts: z.number().int().optional()
});
export const DisconnectMsg = z.object({ type: z.literal('disconnect'), ts: z.number().int() });
export const EndMsg = z.object({ type: z.literal('end') });

export const MarketMsg = z.discriminatedUnion('type', [
  TradeMsg,
  BookSnapshotMsg,
  DerivativeTickerMsg,
  LiquidationMsg,
  DisconnectMsg,
  EndMsg
]);
export type MarketMsg = z.infer<typeof MarketMsg>;

/** Opaque processor state, carried from an `ack` back into the next `hello`. */
export const ProcessorState = z.record(z.string(), z.unknown());
export type ProcessorState = z.infer<typeof ProcessorState>;

export const StreamMode = z.enum(['candles', 'ticks']);
export type StreamMode = z.infer<typeof StreamMode>;

export const Hello = z.object({
  type: z.literal('hello'),
  v: z.literal(PROTOCOL_VERSION),
  stream_id: z.string(),
  exchange: z.string(),
  symbols: z.array(z.string()),
  timeframes: z.array(z.string()),
  mode: StreamMode,
  live: z.boolean(),
  next_seq: z.number().int().positive(),
  state: ProcessorState.nullable(),
  token: z.string().nullable()
});
export type Hello = z.infer<typeof Hello>;

export const Batch = z.object({ type: z.literal('batch'), seq: z.number().int().positive(), msgs: z.array(MarketMsg) });
export type Batch = z.infer<typeof Batch>;

export const Subscribe = z.object({
  type: z.literal('subscribe'),
  v: z.literal(PROTOCOL_VERSION),
  exchange: z.string(),
  symbol: z.string(),
  timeframes: z.array(z.string()),
  closed_only: z.boolean(),
  token: z.string().nullable()
});

/**
 * `mode: "ticks"`: one market message, served to consumers and sent back to its engine, with its
 * sequence number in the stream (the engine drops a tick it has had: a restarted processor
 * processes the unacknowledged messages again).
 */
export const Tick = z.object({ type: z.literal('tick'), exchange: z.string(), msg: MarketMsg, seq: z.number().int().nullable().optional() });
export type Tick = z.infer<typeof Tick>;

/** Every frame a client sends to the processor (used by tests and fixtures). */
export const ClientFrame = z.discriminatedUnion('type', [Hello, Batch, Subscribe]);
export type ClientFrame = z.infer<typeof ClientFrame>;

// ---- processor → engine ------------------------------------------------------------------

export const FEATURE_NAMES = [
  'spread_bps',
  'mid',
  'weighted_mid',
  'obi_5',
  'ofi',
  'realized_vol',
  'signed_volume',
  'trade_imbalance',
  'trade_intensity',
  'funding_rate',
  'mark_price',
  'index_price',
  'open_interest',
  'basis_bps',
  'open_interest_change',
  'liq_buy_notional',
  'liq_sell_notional',
  'liq_imbalance'
] as const;
export type FeatureName = (typeof FEATURE_NAMES)[number];

export const Candle = z.object({
  type: z.literal('candle'),
  exchange: z.string(),
  symbol: z.string(),
  timeframe: z.string(),
  start: z.string(),
  end: z.string(),
  closed: z.boolean(),
  final: z.boolean(),
  open: num,
  high: num,
  low: num,
  close: num,
  volume: num,
  buy_volume: num,
  sell_volume: num,
  trades: z.number().int(),
  vwap: nullableNum,
  gap: z.boolean(),
  /** The bar began before the run's first message for its symbol (absent from older peers: false). */
  partial: z.boolean().default(false),
  features: z.record(z.string(), nullableNum)
});
export type Candle = z.infer<typeof Candle>;

export const Welcome = z.object({ type: z.literal('welcome'), v: z.number().int(), stream_id: z.string(), server: z.string() });
export const Ack = z.object({ type: z.literal('ack'), seq: z.number().int().nonnegative(), state: ProcessorState });
export const ProcessorStats = z.object({
  type: z.literal('stats'),
  messages: z.number(),
  messages_per_s: z.number(),
  trades: z.number(),
  candles: z.number(),
  uptime_s: z.number(),
  engines: z.number(),
  consumers: z.number(),
  errors: z.number(),
  /** Per engine stream: messages counted in no bar (docs/features.md, Time model). */
  streams: z.record(z.string(), z.object({ late: z.number(), old: z.number(), rejected: z.number() })).optional()
});
export type ProcessorStats = z.infer<typeof ProcessorStats>;
export const LogLevel = z.enum(['debug', 'info', 'warning', 'error']);
export type LogLevel = z.infer<typeof LogLevel>;
export const ProcessorLog = z.object({ type: z.literal('log'), level: LogLevel, message: z.string() });
export const ProcessorError = z.object({
  type: z.literal('error'),
  code: z.string(),
  message: z.string(),
  seq: z.number().int().nullable()
});
export type ProcessorError = z.infer<typeof ProcessorError>;

export const ProcessorFrame = z.discriminatedUnion('type', [
  Welcome,
  Ack,
  Candle,
  ProcessorStats,
  ProcessorLog,
  ProcessorError,
  Tick
]);
export type ProcessorFrame = z.infer<typeof ProcessorFrame>;

/** Parses one processor frame; throws an Error naming the problem. */
export function decodeProcessorFrame(text: string): ProcessorFrame {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new Error(`processor sent invalid JSON: ${text.slice(0, 120)}`);
  }
  const parsed = ProcessorFrame.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`processor sent a bad frame (${issue?.path.join('.') || 'frame'}: ${issue?.message ?? 'invalid'})`);
  }
  return parsed.data;
}
