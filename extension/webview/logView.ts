/** The log view: the latest lines, newest at the bottom, with a text filter. */
import type { LogLine } from '../shared/messages.js';

const MAX_LINES = 1000;

export function matches(line: LogLine, filter: string): boolean {
  if (filter === '') return true;
  const needle = filter.toLowerCase();
  return `${line.level} ${line.origin} ${line.message}`.toLowerCase().includes(needle);
}

export class LogView {
  private lines: LogLine[] = [];
  private filter = '';

  constructor(private readonly view: HTMLElement) {}

  setFilter(filter: string): void {
    this.filter = filter.trim();
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
    this.view.append(...lines.filter((line) => matches(line, this.filter)).map(renderLine));
    while (this.view.childElementCount > MAX_LINES) this.view.firstElementChild?.remove();
    if (stick) this.view.scrollTop = this.view.scrollHeight;
  }

  private redraw(): void {
    this.view.replaceChildren(...this.lines.filter((line) => matches(line, this.filter)).map(renderLine));
    this.view.scrollTop = this.view.scrollHeight;
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
