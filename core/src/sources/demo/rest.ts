/**
 * The REST endpoints tardis-dev calls (and a few neighbours): spot under /api/v1 and /api/v3,
 * USD-M futures under /fapi/v1. Request weights are counted per UTC minute and reported in
 * `x-mbx-used-weight-1m`, as Binance does.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SymbolFeed } from './feed.js';
import { instrumentsOf, type DemoExchangeId } from './instruments.js';

export interface RestContext {
  feed(exchange: DemoExchangeId, symbol: string): SymbolFeed | undefined;
  nowMs(): number;
}

interface Route {
  readonly exchange: DemoExchangeId;
  readonly endpoint: string;
}

const WEIGHT_LIMIT: Record<DemoExchangeId, number> = { binance: 6000, 'binance-futures': 2400 };

function route(pathname: string): Route | undefined {
  const match = /^\/(api\/v[13]|fapi\/v1)\/([A-Za-z/]+)$/.exec(pathname);
  if (match === null) return undefined;
  return { exchange: match[1] === 'fapi/v1' ? 'binance-futures' : 'binance', endpoint: match[2] as string };
}

function depthWeight(exchange: DemoExchangeId, limit: number): number {
  if (exchange === 'binance-futures') return limit <= 50 ? 2 : limit <= 100 ? 5 : limit <= 500 ? 10 : 20;
  return limit <= 100 ? 5 : limit <= 500 ? 25 : limit <= 1000 ? 50 : 250;
}

export class RestApi {
  private readonly used = new Map<DemoExchangeId, { minute: number; weight: number }>();
  private readonly served = new Map<string, number>();

  constructor(private readonly context: RestContext) {}

  handle(request: IncomingMessage, response: ServerResponse): void {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const target = route(url.pathname);
    if (request.method !== 'GET' || target === undefined) {
      this.send(response, 404, { code: -1, msg: 'Not found' });
      return;
    }
    const { exchange, endpoint } = target;
    this.served.set(endpoint, (this.served.get(endpoint) ?? 0) + 1);
    const futures = exchange === 'binance-futures';
    const symbol = url.searchParams.get('symbol');
    const feed = symbol === null ? undefined : this.context.feed(exchange, symbol);
    const invalidSymbol = { code: -1121, msg: 'Invalid symbol.' };
    switch (endpoint) {
      case 'ping':
        return this.send(response, 200, {}, this.charge(exchange, 1));
      case 'time':
        return this.send(response, 200, { serverTime: this.context.nowMs() }, this.charge(exchange, 1));
      case 'exchangeInfo':
        return this.send(response, 200, this.exchangeInfo(exchange), this.charge(exchange, futures ? 1 : 20));
      case 'depth': {
        const requested = Number(url.searchParams.get('limit') ?? (futures ? 500 : 100));
        const limit = Math.max(1, Math.min(futures ? 1000 : 5000, Number.isFinite(requested) ? requested : 100));
        const weight = this.charge(exchange, depthWeight(exchange, limit));
        if (feed === undefined) return this.send(response, 400, invalidSymbol, weight);
        return this.send(response, 200, feed.depthSnapshot(limit), weight);
      }
      case 'openInterest': {
        const weight = this.charge(exchange, 1);
        if (!futures || feed === undefined) return this.send(response, futures ? 400 : 404, invalidSymbol, weight);
        return this.send(response, 200, feed.openInterest(), weight);
      }
      case 'premiumIndex': {
        const weight = this.charge(exchange, 1);
        const mark = feed?.lastMark;
        if (!futures || feed === undefined || mark === undefined) return this.send(response, 400, invalidSymbol, weight);
        const ticker = feed.format.markPrice(mark, this.context.nowMs() * 1000);
        return this.send(response, 200, {
          symbol: feed.format.spec.symbol,
          markPrice: ticker.p,
          indexPrice: ticker.i,
          estimatedSettlePrice: ticker.P,
          lastFundingRate: ticker.r,
          interestRate: '0.00010000',
          nextFundingTime: mark.nextFundingTime,
          time: this.context.nowMs(),
        }, weight);
      }
    }
    this.send(response, 404, { code: -1, msg: `Unknown endpoint ${endpoint}` });
  }

  /** Requests received so far for an endpoint (`depth`, `openInterest`, ...), both markets. */
  requestCount(endpoint: string): number {
    return this.served.get(endpoint) ?? 0;
  }

  private exchangeInfo(exchange: DemoExchangeId): Record<string, unknown> {
    const rateLimits = [
      { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: WEIGHT_LIMIT[exchange] },
      { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 100 },
      { rateLimitType: 'RAW_REQUESTS', interval: 'MINUTE', intervalNum: 5, limit: 61000 },
    ];
    const symbols = instrumentsOf(exchange).map((spec) => this.context.feed(exchange, spec.symbol)?.format.symbolInfo());
    return { timezone: 'UTC', serverTime: this.context.nowMs(), rateLimits, exchangeFilters: [], symbols };
  }

  /** Adds `weight` to this minute's usage and returns the new total. */
  private charge(exchange: DemoExchangeId, weight: number): number {
    const minute = Math.floor(this.context.nowMs() / 60_000);
    const usage = this.used.get(exchange);
    const total = (usage?.minute === minute ? usage.weight : 0) + weight;
    this.used.set(exchange, { minute, weight: total });
    return total;
  }

  private send(response: ServerResponse, status: number, body: unknown, usedWeight = 0): void {
    const text = JSON.stringify(body);
    response.writeHead(status, {
      'content-type': 'application/json;charset=UTF-8',
      'content-length': Buffer.byteLength(text),
      'x-mbx-used-weight': String(usedWeight),
      'x-mbx-used-weight-1m': String(usedWeight),
    });
    response.end(text);
  }
}
