/**
 * The engine's BigQuery tables: one per normalized data type, each partitioned by day on
 * `timestamp` (exchange time) and clustered by exchange and symbol. docs/persistence.md
 * documents them; the processor's `candles` table is defined in python/…/persist/bigquery/schema.py.
 */
import type { SourceMessage } from '../bridge/encode.js';

export interface FieldSpec {
  name: string;
  type: 'STRING' | 'INTEGER' | 'FLOAT' | 'BOOLEAN' | 'TIMESTAMP' | 'RECORD';
  mode: 'NULLABLE' | 'REQUIRED' | 'REPEATED';
  description?: string;
  fields?: FieldSpec[];
}

export interface TableSpec {
  name: string;
  description: string;
  fields: FieldSpec[];
  partitionField: string;
  clustering: string[];
}

const required = (name: string, type: FieldSpec['type'], description?: string): FieldSpec => ({ name, type, mode: 'REQUIRED', ...(description && { description }) });
const nullable = (name: string, type: FieldSpec['type'], description?: string): FieldSpec => ({ name, type, mode: 'NULLABLE', ...(description && { description }) });
const levels = (name: string): FieldSpec => ({
  name,
  type: 'RECORD',
  mode: 'REPEATED',
  description: 'levels, best first',
  fields: [required('price', 'FLOAT'), required('amount', 'FLOAT')]
});

const COMMON: FieldSpec[] = [
  required('exchange', 'STRING', 'Tardis exchange id'),
  required('symbol', 'STRING', 'exchange-native symbol'),
  required('timestamp', 'TIMESTAMP', 'exchange time (microseconds)'),
  required('local_timestamp', 'TIMESTAMP', 'time the message was received'),
  required('insert_id', 'STRING', 'the row insertId: unique per row; a rare duplicate (see docs/persistence.md) shares it')
];

function table(name: string, description: string, fields: FieldSpec[]): TableSpec {
  return { name, description, fields: [...COMMON, ...fields], partitionField: 'timestamp', clustering: ['exchange', 'symbol'] };
}

export const TICK_TABLES = {
  trade: table('trades', 'trades (tardis-dev normalized)', [
    nullable('id', 'STRING', 'exchange trade id'),
    required('price', 'FLOAT'),
    required('amount', 'FLOAT'),
    required('side', 'STRING', 'aggressor: buy, sell or unknown')
  ]),
  book_snapshot: table('book_snapshots', 'order book snapshots (book_snapshot_N[_Xms])', [
    required('name', 'STRING', 'e.g. book_snapshot_5_0ms'),
    required('depth', 'INTEGER'),
    required('interval_ms', 'INTEGER', '0: on every change'),
    levels('bids'),
    levels('asks')
  ]),
  derivative_ticker: table('derivative_tickers', 'derivative tickers: funding, mark, index, open interest', [
    nullable('last_price', 'FLOAT'),
    nullable('open_interest', 'FLOAT'),
    nullable('funding_rate', 'FLOAT'),
    nullable('predicted_funding_rate', 'FLOAT'),
    nullable('funding_timestamp', 'TIMESTAMP'),
    nullable('index_price', 'FLOAT'),
    nullable('mark_price', 'FLOAT')
  ]),
  liquidation: table('liquidations', 'liquidations', [
    nullable('id', 'STRING'),
    required('price', 'FLOAT'),
    required('amount', 'FLOAT'),
    required('side', 'STRING', 'side of the liquidation order: buy or sell')
  ])
} as const satisfies Record<string, TableSpec>;

/** The BigQuery REST table resource (tables.insert body, without tableReference). */
export function tableResource(spec: TableSpec): Record<string, unknown> {
  return {
    description: spec.description,
    schema: { fields: spec.fields },
    timePartitioning: { type: 'DAY', field: spec.partitionField },
    clustering: { fields: spec.clustering }
  };
}

/** One row for insertAll: its table, its insertId (kept across retries) and its JSON. */
export interface Row {
  table: string;
  insertId: string;
  json: Record<string, unknown>;
}

/** ISO-8601 with microseconds (BigQuery TIMESTAMP precision); tardis-dev keeps them in `μs`. */
export function isoMicros(date: Date): string {
  const iso = date.toISOString();
  const micros = date.μs ?? 0;
  return micros ? `${iso.slice(0, -1)}${String(micros).padStart(3, '0')}Z` : iso;
}

const num = (value: number | undefined): number | null => (value !== undefined && Number.isFinite(value) ? value : null);
const side = (list: readonly ({ price?: number; amount?: number } | undefined)[]) =>
  list.filter((l): l is { price: number; amount: number } => l?.price !== undefined && l.amount !== undefined).map((l) => ({ price: l.price, amount: l.amount }));

/** A normalized message → its row, or undefined for messages that are not stored (disconnect). */
export function toRow(message: SourceMessage, insertId: string): Row | undefined {
  if (message.type === 'disconnect') return undefined;
  const common = {
    exchange: message.exchange,
    symbol: message.symbol,
    timestamp: isoMicros(message.timestamp),
    local_timestamp: isoMicros(message.localTimestamp),
    insert_id: insertId
  };
  switch (message.type) {
    case 'trade':
      return { table: TICK_TABLES.trade.name, insertId, json: { ...common, id: message.id ?? null, price: num(message.price), amount: num(message.amount), side: message.side } };
    case 'book_snapshot':
      return {
        table: TICK_TABLES.book_snapshot.name,
        insertId,
        json: { ...common, name: message.name, depth: message.depth, interval_ms: message.interval, bids: side(message.bids), asks: side(message.asks) }
      };
    case 'derivative_ticker':
      return {
        table: TICK_TABLES.derivative_ticker.name,
        insertId,
        json: {
          ...common,
          last_price: num(message.lastPrice),
          open_interest: num(message.openInterest),
          funding_rate: num(message.fundingRate),
          predicted_funding_rate: num(message.predictedFundingRate),
          funding_timestamp: message.fundingTimestamp ? isoMicros(message.fundingTimestamp) : null,
          index_price: num(message.indexPrice),
          mark_price: num(message.markPrice)
        }
      };
    case 'liquidation':
      return { table: TICK_TABLES.liquidation.name, insertId, json: { ...common, id: message.id ?? null, price: num(message.price), amount: num(message.amount), side: message.side } };
  }
}
