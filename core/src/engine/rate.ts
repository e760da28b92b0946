/**
 * Messages per second from a monotonically growing counter, sampled by the caller, as
 * contract/limits.json (`rate`) defines it; the processor's is stats.py `RateMeter`.
 */
export class RateMeter {
  private lastCount = 0;
  rate = 0;

  constructor(private lastTime = performance.now()) {}

  sample(count: number, now = performance.now()): number {
    const seconds = (now - this.lastTime) / 1000;
    if (seconds > 0) this.rate = (count - this.lastCount) / seconds;
    this.lastCount = count;
    this.lastTime = now;
    return this.rate;
  }
}
