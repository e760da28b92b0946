/** The features table: the latest value of each feature and a sparkline of its recent bars. */
import type { Bar } from '../shared/messages.js';

const SVG = 'http://www.w3.org/2000/svg';
const SPARK_BARS = 40;
const WIDTH = 76;
const HEIGHT = 18;

export function formatValue(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  const abs = Math.abs(value);
  if (abs === 0) return '0';
  if (abs >= 1000) return value.toLocaleString('en-US', { maximumFractionDigits: 2 });
  if (abs >= 1) return value.toFixed(4).replace(/\.?0+$/, '');
  return value.toPrecision(3);
}

/** Polyline points for `values` scaled into the sparkline box; empty when fewer than two. */
export function sparkPoints(values: readonly number[]): string {
  if (values.length < 2) return '';
  const min = Math.min(...values);
  const max = Math.max(...values);
  const span = max - min || 1;
  return values
    .map((value, i) => `${((i / (values.length - 1)) * WIDTH).toFixed(1)},${(HEIGHT - 1 - ((value - min) / span) * (HEIGHT - 2)).toFixed(1)}`)
    .join(' ');
}

interface Row {
  readonly value: HTMLTableCellElement;
  readonly line: SVGPolylineElement;
}

export class FeaturesTable {
  private readonly rows = new Map<string, Row>();
  private names: readonly string[] = [];
  /** Unit and formula per feature, from docs/features.md (the host sends them). */
  tooltips: Readonly<Record<string, string>> = {};

  constructor(
    private readonly body: HTMLTableSectionElement,
    private readonly caption: HTMLElement
  ) {}

  private build(names: readonly string[]): void {
    this.names = names;
    this.rows.clear();
    this.body.replaceChildren(
      ...names.map((name) => {
        const tr = document.createElement('tr');
        tr.dataset.feature = name;
        const label = document.createElement('td');
        label.className = 'name';
        label.textContent = name;
        label.title = this.tooltips[name] ?? name;
        tr.title = label.title;
        const value = document.createElement('td');
        value.className = 'num';
        value.textContent = '—';
        const spark = document.createElement('td');
        const svg = document.createElementNS(SVG, 'svg');
        svg.setAttribute('viewBox', `0 0 ${WIDTH} ${HEIGHT}`);
        svg.setAttribute('width', String(WIDTH));
        svg.setAttribute('height', String(HEIGHT));
        svg.setAttribute('class', 'spark');
        svg.setAttribute('aria-hidden', 'true');
        const line = document.createElementNS(SVG, 'polyline');
        svg.append(line);
        spark.append(svg);
        tr.append(label, value, spark);
        this.rows.set(name, { value, line });
        return tr;
      })
    );
  }

  /** Shows the last bar's features and each feature's trend over the last bars. */
  render(names: readonly string[], bars: readonly Bar[]): void {
    if (names !== this.names) this.build(names);
    const recent = bars.slice(-SPARK_BARS);
    const last = recent[recent.length - 1];
    this.caption.textContent = last ? `bar ${new Date(last.time * 1000).toISOString().slice(11, 19)}${last.closed ? '' : ' (open)'}` : '';
    for (const name of names) {
      const row = this.rows.get(name);
      if (!row) continue;
      const value = last?.features[name];
      row.value.textContent = formatValue(value);
      row.value.classList.toggle('missing', value === null || value === undefined);
      const series = recent.map((bar) => bar.features[name]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
      row.line.setAttribute('points', sparkPoints(series));
    }
  }
}
