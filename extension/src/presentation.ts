/** Texts and icons the tree and the status bar show; pure, shared with the tests. */
import type { LogLine, StreamView, Totals } from '../shared/messages.js';

export function formatRate(perSecond: number): string {
  if (perSecond >= 10_000) return `${(perSecond / 1000).toFixed(0)}k`;
  if (perSecond >= 1000) return `${(perSecond / 1000).toFixed(1)}k`;
  return perSecond >= 10 ? perSecond.toFixed(0) : perSecond.toFixed(1);
}

export function statusBarText(totals: Totals): string {
  const attention = totals.attention ? ` · $(warning) ${totals.attention.status}` : '';
  if (totals.running === 0) return `$(pulse) Tickbridge${attention}`;
  return `$(pulse) ${totals.running} stream${totals.running === 1 ? '' : 's'} · ${formatRate(totals.messagesPerSecond)} msg/s${attention}`;
}

export function statusBarTooltip(totals: Totals): string {
  const attention = totals.attention ? `\n${totals.attention.text}` : '';
  return `Tickbridge: ${totals.running} running, ${formatRate(totals.messagesPerSecond)} messages/s, processor ${totals.processor}. Click to open the monitor.${attention}`;
}

interface StatusIcon {
  readonly icon: string;
  readonly color?: string;
}

/** Codicon name and theme colour id of each stream status (stopped and unknown: debug-stop). */
const STATUS_ICONS: Readonly<Record<string, StatusIcon>> = {
  running: { icon: 'pass-filled', color: 'testing.iconPassed' },
  starting: { icon: 'loading~spin' },
  reconnecting: { icon: 'sync~spin', color: 'list.warningForeground' },
  stalled: { icon: 'warning', color: 'list.warningForeground' },
  finished: { icon: 'check' },
  failed: { icon: 'error', color: 'list.errorForeground' }
};

export function statusIcon(status: string): StatusIcon {
  return Object.hasOwn(STATUS_ICONS, status) ? STATUS_ICONS[status]! : { icon: 'debug-stop' };
}

export function streamDescription(view: StreamView): string {
  if (view.status === 'running') return `${view.status} · ${formatRate(view.messagesPerSecond)} msg/s`;
  // starting, reconnecting, stalled and failed say why
  return view.status === 'stopped' || view.status === 'finished' || !view.detail ? view.status : `${view.status} · ${view.detail}`;
}

/** A stream in a picker: its source, state and rate. */
export function streamPickDescription(view: StreamView): string {
 return `${view.source} · ${view.status}${view.active ? ` · ${formatRate(view.messagesPerSecond)} msg/s` : ''}${view.playback?.paused ? ' · paused' : ''}`;
}

export function streamTooltip(view: StreamView): string {
  const price = view.lastPrice === null ? '' : `, last price ${view.lastPrice}`;
  return `${view.label}\n${view.status}${view.detail ? `: ${view.detail}` : ''}\n${view.messages} messages, ${view.candles} closed candles${price}`;
}

export function formatLogLine(line: LogLine): string {
  return `[${line.origin}] ${line.message}`;
}

/** Replaces every secret in `text` with `***` (secrets shorter than 4 characters are ignored). */
export function redactor(secrets: () => readonly (string | undefined)[]): (text: string) => string {
  return (text) => {
    let result = text;
    for (const secret of secrets()) {
      if (secret && secret.length >= 4) result = result.split(secret).join('***');
    }
    return result;
  };
}
