/**
 * What the extension knows about the engine, kept from its events: runs, bars per run and
 * timeframe (bounded), logs (bounded) and totals. Everything is keyed by the run id, so a
 * restarted stream starts with no bars (an earlier run's bars are never shown under it).
 * Pure: no `vscode`, no timers; the host feeds it engine events and reads snapshots for the
 * monitor, the tree and the status bar.
 */
import { PLAYBACK_SPEEDS, featureTooltip, isActive, type FeatureDoc, type Candle, type EngineEvent, type StreamInfo } from '../../core/index.js';
import { MAX_BARS_PER_TIMEFRAME, upsertBar } from '../shared/bars.js';
import type { Bar, LogLine, MonitorSnapshot, StreamView, Totals } from '../shared/messages.js';

export { upsertBar };

export interface StoreLimits {
  readonly barsPerTimeframe: number;
  readonly logLines: number;
}

/** What one event changed, so the host forwards only that. */
export type StoreChange =
  | { readonly kind: 'bar'; readonly streamId: string; readonly timeframe: string; readonly bar: Bar }
  | { readonly kind: 'streams' }
  | { readonly kind: 'log'; readonly line: LogLine }
  | { readonly kind: 'none' };

export function candleToBar(candle: Candle): Bar {
  return {
    time: Math.floor(Date.parse(candle.start) / 1000),
    open: candle.open,
    high: candle.high,
    low: candle.low,
    close: candle.close,
    volume: candle.volume,
    closed: candle.closed || candle.final,
    features: { ...candle.features }
  };
}

export function streamLabel(info: StreamInfo): string {
  return `${info.id} · ${info.request.source}`;
}

export function toStreamView(info: StreamInfo): StreamView {
  return {
    id: info.runId,
    stream: info.id,
    label: streamLabel(info),
    source: info.request.source,
    status: info.status,
    detail: info.detail,
    active: isActive(info.status),
    messages: info.messages,
    messagesPerSecond: info.messagesPerSecond,
    candles: info.candles,
    lastPrice: info.lastPrice,
    timeframes: [...info.request.timeframes],
    health: info.health,
    playback: info.playback ?? null
  };
}

/** The newest stream a user should look at (failed, stalled, reconnecting), or null. */
function needsAttention(views: readonly StreamView[]): Totals['attention'] {
  const view = [...views].reverse().find((v) => ATTENTION.has(v.status));
  return view ? { status: view.status, text: `${view.id} ${view.status}: ${view.detail}` } : null;
}
const ATTENTION: ReadonlySet<string> = new Set(['failed', 'stalled', 'reconnecting']);

export class MonitorStore {
  private readonly streams = new Map<string, StreamInfo>();
  private readonly bars = new Map<string, Map<string, Bar[]>>();
  private readonly logs: LogLine[] = [];
  private messagesPerSecond = 0;
  private processor = 'not started';

  private readonly featureTooltips: Readonly<Record<string, string>>;

  constructor(
    private readonly featureNames: readonly string[],
    private readonly limits: StoreLimits = { barsPerTimeframe: MAX_BARS_PER_TIMEFRAME, logLines: 2000 },
    docs: Readonly<Record<string, FeatureDoc>> = {}
  ) {
    this.featureTooltips = Object.fromEntries(featureNames.map((name) => [name, featureTooltip(name, docs[name])]));
  }

  apply(event: EngineEvent): StoreChange {
    switch (event.type) {
      case 'candle': {
        const bar = candleToBar(event.candle);
        const perRun = this.bars.get(event.runId) ?? new Map<string, Bar[]>();
        this.bars.set(event.runId, perRun);
        const list = perRun.get(event.candle.timeframe) ?? [];
        perRun.set(event.candle.timeframe, list);
        upsertBar(list, bar, this.limits.barsPerTimeframe);
        return { kind: 'bar', streamId: event.runId, timeframe: event.candle.timeframe, bar };
      }
      case 'stream':
        this.streams.set(event.stream.runId, event.stream);
        return { kind: 'streams' };
      case 'cleared':
        for (const runId of event.runIds) {
          this.streams.delete(runId);
          this.bars.delete(runId);
        }
        return { kind: 'streams' };
      case 'stats':
        this.messagesPerSecond = event.stats.messagesPerSecond;
        // the processor's first status event may precede the subscription: stats always say it
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- stats without it (the tests' fixtures) keep the last status
        this.processor = event.stats.processor?.status ?? this.processor;
        return { kind: 'streams' };
      case 'processor':
        this.processor = event.status;
        return { kind: 'streams' };
      case 'log': {
        const line: LogLine = { time: event.entry.time, level: event.entry.level, origin: event.entry.origin, message: event.entry.message };
        this.addLog(line);
        return { kind: 'log', line };
      }
      case 'tick':
        return { kind: 'none' }; // the monitor shows candles; ticks are for run --json and consumers
    }
  }

  /** Replaces stream infos with fresh ones (their rates change without a `stream` event). */
  refreshStreams(infos: readonly StreamInfo[]): void {
    for (const info of infos) this.streams.set(info.runId, info);
  }

  addLog(line: LogLine): void {
    this.logs.push(line);
    if (this.logs.length > this.limits.logLines) this.logs.splice(0, this.logs.length - this.limits.logLines);
  }

  /** The streams as the engine describes them (requests included). */
  streamInfos(): StreamInfo[] {
    return [...this.streams.values()];
  }

  streamViews(): StreamView[] {
    return [...this.streams.values()].map(toStreamView);
  }

  stream(id: string): StreamView | undefined {
    const info = this.streams.get(id);
    return info ? toStreamView(info) : undefined;
  }

  totals(): Totals {
    const views = this.streamViews();
    return {
      running: views.filter((view) => view.active).length,
      messagesPerSecond: views.some((view) => view.active) ? this.messagesPerSecond : 0,
      processor: this.processor,
      attention: needsAttention(views)
    };
  }

  /**
   * The run to show: `wanted` when known (followed to its stream's newest run once restarted),
   * else the newest active run, else the newest.
   */
  resolveSelection(wanted: string | null): string | null {
    const views = this.streamViews();
    const known = wanted === null ? undefined : this.streams.get(wanted);
    if (known) {
      const newest = views.filter((view) => view.stream === known.id).pop();
      return newest && newest.active && !isActive(known.status) ? newest.id : known.runId;
    }
    const active = views.filter((view) => view.active);
    return (active[active.length - 1] ?? views[views.length - 1])?.id ?? null;
  }

  /** `wanted` when the stream has it, else its first (shortest) timeframe. */
  resolveTimeframe(streamId: string | null, wanted: string | null): string {
    const timeframes = streamId ? (this.streams.get(streamId)?.request.timeframes ?? []) : [];
    if (wanted !== null && (timeframes.length === 0 || timeframes.includes(wanted))) return wanted;
    return timeframes[0] ?? wanted ?? '1m';
  }

  barsOf(streamId: string, timeframe: string): readonly Bar[] {
    return this.bars.get(streamId)?.get(timeframe) ?? [];
  }

  snapshot(wantedStream: string | null, wantedTimeframe: string | null): MonitorSnapshot {
    const selected = this.resolveSelection(wantedStream);
    const timeframe = this.resolveTimeframe(selected, wantedTimeframe);
    return {
      streams: this.streamViews(),
      totals: this.totals(),
      selected,
      timeframe,
      timeframes: selected ? [...(this.streams.get(selected)?.request.timeframes ?? [])] : [],
      bars: selected ? [...this.barsOf(selected, timeframe)] : [],
      logs: [...this.logs],
      featureNames: this.featureNames,
      featureTooltips: this.featureTooltips,
      speeds: PLAYBACK_SPEEDS
    };
  }
}
