/** ▁▂▃▄▅▆▇█ sparklines of recent values (nulls leave a gap). */
const LEVELS = '▁▂▃▄▅▆▇█';

export function sparkline(values: readonly (number | null | undefined)[], width: number): string {
  const recent = values.slice(-width);
  const numbers = recent.filter((value): value is number => typeof value === 'number' && Number.isFinite(value));
  if (numbers.length === 0) return ' '.repeat(width);
  const min = Math.min(...numbers);
  const max = Math.max(...numbers);
  const line = recent
    .map((value) => {
      if (typeof value !== 'number' || !Number.isFinite(value)) return ' ';
      if (max === min) return LEVELS[3];
      return LEVELS[Math.round(((value - min) / (max - min)) * (LEVELS.length - 1))];
    })
    .join('');
  return line.padStart(width);
}
