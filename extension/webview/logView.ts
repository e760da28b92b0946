/** The log view: the latest lines, newest at the bottom, with a text filter. */
import type { LogLine } from '../shared/messages.js';

const MAX_LINES = 1000;

export function matches(line: LogLine, filter: string): boolean {
  if (filter === '') return true;
  const needle = filter.toLowerCase();
  return `${line.level} ${line.origin} ${line.message}`.toLowerCase().includes(needle);
}

/** The stream a log line is about (its message starts with `id:` or `id `), or undefined. */
export function streamOf(line: LogLine, streamIds: readonly string[]): string | undefined {
  return streamIds.find((id) => line.message.startsWith(`${id}:`) || line.message.startsWith(`${id} `));
}

/** Shown: lines of the selected stream and lines about no stream (engine, processor), matching the filter. */
export function visible(line: LogLine, filter: string, scope: { selected: string | null; streamIds: readonly string[] }): boolean {
  if (!matches(line, filter)) return false;
  const about = streamOf(line, scope.streamIds);
  return about === undefined || about === scope.selected;
}

export class LogView {
  private lines: LogLine[] = [];
  private filter = '';
  private scope: { selected: string | null; streamIds: readonly string[] } = { selected: null, streamIds: [] };

  constructor(
    private readonly view: HTMLElement,
    private readonly empty: HTMLElement
  ) {}

  setFilter(filter: string): void {
    this.filter = filter.trim();
    this.redraw();
  }

  /** Scopes the view to the selected stream; redraws only when that changes. */
  setScope(selected: string | null, streamIds: readonly string[]): void {
    if (selected === this.scope.selected && streamIds.join('\n') === this.scope.streamIds.join('\n')) return;
    this.scope = { selected, streamIds: [...streamIds] };
    this.redraw();
  }

  set(lines: readonly LogLine[]): void {
    this.lines = lines.slice(-MAX_LINES);
    this.redraw();
  }

  append(lines: readonly LogLine[]): void {
    const stick = this.atBottom();
    this.lines.push(...lines);
    if (this.lines.length > MAX_LINES) this.lines.splice(0, this.lines.length - MAX_LINES);
    this.view.append(...lines.filter((line) => visible(line, this.filter, this.scope)).map(renderLine));
    while (this.view.childElementCount > MAX_LINES) this.view.firstElementChild?.remove();
    this.showEmpty();
    if (stick) this.view.scrollTop = this.view.scrollHeight;
  }

  private redraw(): void {
    this.view.replaceChildren(...this.lines.filter((line) => visible(line, this.filter, this.scope)).map(renderLine));
    this.showEmpty();
    this.view.scrollTop = this.view.scrollHeight;
  }

  /** An empty pane says why: nothing matches the filter, or nothing logged yet. */
  private showEmpty(): void {
    const none = this.view.childElementCount === 0;
    this.empty.hidden = !none;
    if (!none) return;
    const where = this.scope.selected ? ` for ${this.scope.selected}` : '';
    this.empty.textContent = this.filter ? `No log line${where} matches “${this.filter}”.` : `No log line${where} yet.`;
  }

  private atBottom(): boolean {
    return this.view.scrollHeight - this.view.scrollTop - this.view.clientHeight < 24;
  }
}

function renderLine(line: LogLine): HTMLElement {
  const row = document.createElement('div');
  row.className = `log-line level-${line.level}`;
  const time = document.createElement('span');
  time.className = 'log-time';
  time.textContent = line.time.slice(11, 19);
  const level = document.createElement('span');
  level.className = 'log-level';
  level.textContent = line.level;
  const origin = document.createElement('span');
  origin.className = 'log-origin';
  origin.textContent = line.origin;
  const message = document.createElement('span');
  message.className = 'log-message';
  message.textContent = line.message;
  row.append(time, level, origin, message);
  return row;
}
