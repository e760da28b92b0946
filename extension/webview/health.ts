/**
 * The monitor's health panel for the selected stream (docs/events.md, "health"): lag p50/p99,
 * bridge window fill, backpressure pauses, reconnects, gaps, late and skipped messages, rate;
 * a warning badge and the warning style when stalled, reconnecting, lagging or backpressured.
 */
import type { StreamView } from '../shared/messages.js';

const WARNING_TEXT = {
  stalled: 'Stalled: no market message for a while',
  reconnecting: 'Reconnecting: the source or the processor link is down',
  lagging: 'Lagging: p99 lag over 2 s',
  backpressure: 'Backpressure: the bridge window is 90% full or more'
} as const;

function ms(value: number | null): string {
  if (value === null) return '—';
  return Math.abs(value) >= 1000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`;
}

export function renderHealth(element: HTMLElement, stream: StreamView | undefined): void {
  if (!stream) {
    element.replaceChildren();
    element.dataset.warning = 'none';
    return;
  }
  const h = stream.health;
  element.dataset.warning = h.warning ?? 'none';
  const metric = (label: string, value: string, title: string, warn = false): HTMLElement => {
    const span = document.createElement('span');
    span.className = warn ? 'metric warn' : 'metric';
    span.title = title;
    span.dataset.metric = label;
    const strong = document.createElement('b');
    strong.textContent = value;
    span.append(label, strong);
    return span;
  };
  const parts: HTMLElement[] = [];
  if (h.warning) {
    const badge = document.createElement('span');
    badge.className = 'badge';
    badge.textContent = h.warning.toUpperCase();
    badge.title = WARNING_TEXT[h.warning];
    parts.push(badge);
  }
  if (stream.playback) {
    const { paused, stepping, speed } = stream.playback;
    parts.push(metric('replay', `${stepping ? 'stepping' : paused ? 'paused' : 'playing'} · ${speed === 'max' ? 'max' : `${speed}×`}`, 'Replay controls: Pause/Resume, Step bar, Speed', paused));
  }
  parts.push(
    metric('lag p50', ms(h.lagP50Ms), 'Local receive time minus exchange time, median of the recent messages', h.warning === 'lagging'),
    metric('p99', ms(h.lagP99Ms), 'Local receive time minus exchange time, 99th percentile', h.warning === 'lagging'),
    metric('window', `${Math.round(h.windowFill * 100)}%`, 'Unacknowledged messages over the bridge window', h.warning === 'backpressure'),
    metric('backpressure', String(h.backpressurePauses), 'Times the source waited for the processor (window full)'),
    metric('reconnects', String(h.reconnects), 'Processor link reconnects', h.reconnects > 0),
    metric('gaps', String(h.gaps), 'Source connection drops: data may be missing there', h.gaps > 0),
    metric('late', h.late === null ? '—' : String(h.late), 'Messages counted in no bar because they came too late', (h.late ?? 0) > 0),
    metric('skipped', String(h.skipped), 'Duplicates, malformed and oversized messages dropped by the source', h.skipped > 0),
    metric('msg/s', h.messagesPerSecond >= 100 ? h.messagesPerSecond.toFixed(0) : h.messagesPerSecond.toFixed(1), 'Messages per second over the last second')
  );
  element.replaceChildren(...parts);
}
