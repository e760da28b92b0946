/**
 * Mark price, index price and funding rate of a USD-M perpetual, updated once a second from the
 * book's mid price. The premium of the contract over its index follows a mean-reverting process;
 * funding is Binance's formula: average premium + clamp(interest - premium, +-0.05%).
 */
import type { Prng } from './prng.js';

export interface MarkPrice {
  readonly markPrice: number;
  readonly indexPrice: number;
  readonly settlePrice: number;
  readonly fundingRate: number;
  /** Next funding time, epoch ms (00:00, 08:00 and 16:00 UTC). */
  readonly nextFundingTime: number;
}

const INTEREST_RATE = 0.0001;
const EIGHT_HOURS_MS = 8 * 3600 * 1000;

export class FundingModel {
  private premium: number;
  private averagePremium: number;

  constructor(private readonly rng: Prng) {
    this.premium = 0.0001 + 0.0002 * rng.normal();
    this.averagePremium = this.premium;
  }

  update(mid: number, nowMs: number): MarkPrice {
    this.premium += 0.02 * (0.0001 - this.premium) + 0.00004 * this.rng.normal();
    this.averagePremium += (this.premium - this.averagePremium) / 600;
    const indexPrice = mid / (1 + this.premium);
    const basis = Math.min(0.0005, Math.max(-0.0005, INTEREST_RATE - this.averagePremium));
    const fundingRate = Math.min(0.003, Math.max(-0.003, this.averagePremium + basis));
    return {
      markPrice: mid * (1 + 0.00001 * this.rng.normal()),
      indexPrice,
      settlePrice: indexPrice * (1 + 0.00002 * this.rng.normal()),
      fundingRate,
      nextFundingTime: (Math.floor(nowMs / EIGHT_HOURS_MS) + 1) * EIGHT_HOURS_MS,
    };
  }
}
