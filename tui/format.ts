/** Number, time and text formatting for the panes. */

/** 1234567 → `1.23M`; small values keep their digits. */
export function compact(value: number): string {
  const abs = Math.abs(value);
  if (abs >= 1e9) return `${(value / 1e9).toFixed(2)}G`;
  if (abs >= 1e6) return `${(value / 1e6).toFixed(2)}M`;
  if (abs >= 1e4) return `${(value / 1e3).toFixed(1)}k`;
  return Number.isInteger(value) ? String(value) : value.toFixed(abs >= 100 ? 0 : 1);
}

/** A value in at most `width` characters, as many significant digits as fit. */
export function fitNumber(value: number | null | undefined, width = 9): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  if (value === 0) return '0';
  const abs = Math.abs(value);
  if (abs >= 1e5 || abs < 1e-3) {
    if (abs >= 1e5 && abs < 1e9 && Math.round(value).toString().length <= width) {
      const fixed = value.toFixed(Math.max(0, width - Math.round(value).toString().length - 1));
      return fixed.length <= width ? fixed : Math.round(value).toString();
    }
    const exp = value.toExponential(Math.max(0, width - 6 - (value < 0 ? 1 : 0)));
    return exp.length <= width ? exp : compact(value);
  }
  for (let digits = 6; digits >= 0; digits--) {
    const text = Number(value.toPrecision(Math.max(1, digits + 1))).toString();
    if (text.length <= width) return text;
  }
  return compact(value);
}

/**
 * The instrument's precision as the data shows it: the most decimals any of `values` has once
 * float noise is gone (42.3395999999999 → 4), at most 8; undefined without values.
 */
export function decimalsOf(values: readonly number[]): number | undefined {
  let most: number | undefined;
  for (const value of values) {
    if (!Number.isFinite(value)) continue;
    const text = String(Number(value.toPrecision(12)));
    const exponent = /e-(\d+)$/.exec(text);
    const decimals = exponent ? Number(exponent[1]) : (text.split('.')[1]?.length ?? 0);
    most = Math.max(most ?? 0, Math.min(8, decimals));
  }
  return most;
}

/** A price with thousands separators, at `decimals` (the instrument's) or by magnitude. */
export function price(value: number | null | undefined, decimals?: number): string {
  if (value === null || value === undefined) return '—';
  decimals ??= Math.abs(value) >= 1000 ? 2 : Math.abs(value) >= 1 ? 4 : 6;
  // toLocaleString is slow enough to show in a profile at ten redraws a second.
  const [whole = '0', fraction] = value.toFixed(decimals).split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return fraction === undefined ? grouped : `${grouped}.${fraction}`;
}

export function uptime(seconds: number): string {
  const s = Math.floor(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${h}:${pad(m)}:${pad(s % 60)}`;
}

/** `hh:mm:ss` of an ISO time, in UTC. */
export function clock(iso: string): string {
  return iso.slice(11, 19);
}

export function truncate(text: string, width: number): string {
  if (width <= 0) return '';
  return text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1))}…`;
}

export function padEnd(text: string, width: number): string {
  return truncate(text, width).padEnd(width);
}
