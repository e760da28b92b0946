/** Exchanges and instruments the demo exchange lists, with the parameters of their simulation. */

export const DEMO_EXCHANGES = ['binance', 'binance-futures'] as const;
export type DemoExchangeId = (typeof DEMO_EXCHANGES)[number];

export interface InstrumentSpec {
  readonly exchange: DemoExchangeId;
  readonly symbol: string;
  readonly baseAsset: string;
  readonly quoteAsset: string;
  /** Tick size is 10^-priceScale; prices are integers in ticks. */
  readonly priceScale: number;
  /** Decimals Binance prints prices with (spot: 8, futures: the price precision). */
  readonly priceDecimals: number;
  /** Lot size is 10^-qtyScale; quantities are integers in lots. */
  readonly qtyScale: number;
  readonly qtyDecimals: number;
  readonly startPrice: number;
  /** Mean distance in ticks between neighbouring book levels. */
  readonly meanGapTicks: number;
  /** Median resting size of a level, in base asset. */
  readonly levelQtyMedian: number;
  /** Median and log-space spread of a taker order, in base asset. */
  readonly tradeQtyMedian: number;
  readonly tradeQtySigma: number;
  /** Long-run relative volatility of the fair price per second. */
  readonly volPerSecond: number;
  /** Futures only: median liquidation size (base asset) and starting open interest. */
  readonly liquidationQtyMedian: number;
  readonly openInterest: number;
}

/** What the instruments of a venue share. */
const SPOT_BASE = { exchange: 'binance', quoteAsset: 'USDT', priceDecimals: 8, qtyDecimals: 8, tradeQtySigma: 2.8, liquidationQtyMedian: 0, openInterest: 0 } as const;
const FUTURES_BASE = { exchange: 'binance-futures', quoteAsset: 'USDT', priceDecimals: 2, qtyScale: 3, qtyDecimals: 3, tradeQtySigma: 2 } as const;

const SPECS: readonly InstrumentSpec[] = [
  { ...SPOT_BASE, symbol: 'BTCUSDT', baseAsset: 'BTC', priceScale: 2, qtyScale: 5, startPrice: 60000, meanGapTicks: 20, levelQtyMedian: 0.003, tradeQtyMedian: 0.0006, volPerSecond: 1e-4 },
  { ...SPOT_BASE, symbol: 'ETHUSDT', baseAsset: 'ETH', priceScale: 2, qtyScale: 4, startPrice: 3000, meanGapTicks: 3, levelQtyMedian: 0.05, tradeQtyMedian: 0.01, volPerSecond: 1.3e-4 },
  { ...FUTURES_BASE, symbol: 'BTCUSDT', baseAsset: 'BTC', priceScale: 1, startPrice: 60000, meanGapTicks: 1.5, levelQtyMedian: 0.1, tradeQtyMedian: 0.016, volPerSecond: 1e-4, liquidationQtyMedian: 0.05, openInterest: 80000 },
  { ...FUTURES_BASE, symbol: 'ETHUSDT', baseAsset: 'ETH', priceScale: 2, startPrice: 3000, meanGapTicks: 2, levelQtyMedian: 2, tradeQtyMedian: 0.3, volPerSecond: 1.3e-4, liquidationQtyMedian: 1, openInterest: 2000000 },
];

/** The symbols each demo venue lists (those of SPECS). */
export const DEMO_SYMBOLS: Readonly<Record<DemoExchangeId, readonly string[]>> = {
  binance: SPECS.filter((s) => s.exchange === 'binance').map((s) => s.symbol),
  'binance-futures': SPECS.filter((s) => s.exchange === 'binance-futures').map((s) => s.symbol),
};

export function instrumentsOf(exchange: DemoExchangeId): InstrumentSpec[] {
  return SPECS.filter((s) => s.exchange === exchange);
}

export function findInstrument(exchange: DemoExchangeId, symbol: string): InstrumentSpec | undefined {
  const upper = symbol.toUpperCase();
  return SPECS.find((s) => s.exchange === exchange && s.symbol === upper);
}
