/**
 * Bar specs as the processor accepts them: time bars (15s, 1m, 1d, 1w …) and activity bars
 * (500t, 10v, 1e6n). The grammar is python/market_data_tick_handler/contract/bar_specs.json,
 * read by the processor too (docs/features.md, Bar kinds).
 */
import barSpecs from '../../../python/market_data_tick_handler/contract/bar_specs.json' with { type: 'json' };
import { UsageError } from '../errors.js';

interface Grammar {
  time: { pattern: string; unit_seconds: Record<string, number>; origin_seconds: Record<string, number> };
  activity: { pattern: string; kinds: Record<string, BarKind>; whole_number: string[] };
  accepted_forms: string;
}
export type BarKind = 'time' | 'tick' | 'volume' | 'notional';
export interface BarSpec {
  label: string;
  kind: BarKind;
  /** Time bars: length and alignment (bars start at origin + k·length), in seconds. */
  seconds?: number;
  originSeconds?: number;
  /** Activity bars: trades, base units or quote units per bar. */
  size?: number;
}

const g = barSpecs as Grammar;
const time = new RegExp(g.time.pattern);
const activity = new RegExp(g.activity.pattern);

/** The timeframes of a stream that names none (the contract's `default`). */
export const DEFAULT_TIMEFRAMES: readonly string[] = barSpecs.default;

/** Parses one bar spec label; UsageError (one line, with the accepted forms) when invalid. */
export function parseBarSpec(label: string): BarSpec {
  const t = time.exec(label);
  if (t) {
    const unit = t[2]!;
    return { label, kind: 'time', seconds: Number(t[1]) * g.time.unit_seconds[unit]!, originSeconds: g.time.origin_seconds[unit] ?? 0 };
  }
  const a = activity.exec(label);
  if (a) {
    const [, number, unit] = a as unknown as [string, string, string];
    const size = Number(number);
    const whole = g.activity.whole_number.includes(unit);
    if (size > 0 && Number.isFinite(size) && (!whole || /^[1-9][0-9]*$/.test(number))) return { label, kind: g.activity.kinds[unit]!, size };
  }
  throw new UsageError(`invalid timeframe "${label}": use ${g.accepted_forms}`);
}

/** Length in seconds of a time bar spec; activity bars (no fixed length) give 0. */
export function timeframeSeconds(timeframe: string): number {
  return parseBarSpec(timeframe).seconds ?? 0;
}

/** Validates and de-duplicates a list of bar specs: time bars shortest first, then activity bars. */
export function parseTimeframes(list: readonly string[]): string[] {
  const unique = [...new Set(list.map((item) => item.trim()).filter(Boolean))];
  if (unique.length === 0) throw new UsageError(`no timeframes given: use e.g. ${DEFAULT_TIMEFRAMES.join(',')}`);
  const specs = unique.map(parseBarSpec);
  const key = (s: BarSpec) => `${s.kind}:${s.seconds ?? s.size}`;
  const seen = new Map<string, string>();
  for (const spec of specs) {
    const twin = seen.get(key(spec));
    if (twin !== undefined) throw new UsageError(`duplicate timeframes: "${twin}" and "${spec.label}" are the same bar`);
    seen.set(key(spec), spec.label);
  }
  const timed = specs.filter((s) => s.kind === 'time').sort((a, b) => a.seconds! - b.seconds!);
  return [...timed, ...specs.filter((s) => s.kind !== 'time')].map((s) => s.label);
}
