/**
 * The monitor's conversation with its webview, without `vscode`: nothing is sent before the
 * webview says `ready`; then a snapshot of the store (the host's buffered state) and live changes
 * for the selected stream and timeframe. `hidden()` marks the webview gone (VS Code discards a
 * hidden webview); it says `ready` again when shown and gets a fresh snapshot.
 */
import type { HostToWebview, LogLine, WebviewPersistedState, WebviewToHost } from '../shared/messages.js';
import type { MonitorStore, StoreChange } from './monitorStore.js';

export const LOG_FLUSH_MS = 100;

export interface SessionPorts {
  readonly store: MonitorStore;
  post(message: HostToWebview): void;
  /** Runs an extension command (start, stop) on the webview's behalf. */
  command(id: string, ...args: unknown[]): void;
}

export class MonitorSession {
  private ready = false;
  private selected: string | null;
  private timeframe: string | null;
  private pendingLogs: LogLine[] = [];
  private logTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ports: SessionPorts,
    restored: Partial<WebviewPersistedState> | undefined
  ) {
    this.selected = restored?.selected ?? null;
    this.timeframe = restored?.timeframe ?? null;
  }

  get isReady(): boolean {
    return this.ready;
  }

  hidden(): void {
    this.ready = false;
  }

  select(streamId: string): void {
    if (streamId === this.selected) return;
    this.selected = streamId;
    this.sendSnapshot();
  }

  receive(message: WebviewToHost): void {
    switch (message.type) {
      case 'ready':
        this.ready = true;
        this.selected = message.selected ?? this.selected;
        this.timeframe = message.timeframe ?? this.timeframe;
        this.sendSnapshot();
        return;
      case 'select':
        this.selected = message.streamId;
        this.sendSnapshot();
        return;
      case 'timeframe':
        this.timeframe = message.timeframe;
        this.sendSnapshot();
        return;
      case 'start':
        this.ports.command('tickbridge.startStream');
        return;
      case 'stop':
        this.ports.command('tickbridge.stopStream', message.streamId);
        return;
      case 'control':
        this.ports.command('tickbridge.controlStream', message.streamId, message.control);
        return;
    }
  }

  forward(change: StoreChange): void {
    if (!this.ready) return;
    const store = this.ports.store;
    switch (change.kind) {
      case 'bar':
        if (change.streamId === this.selected && change.timeframe === this.timeframe) {
          this.ports.post({ type: 'bar', streamId: change.streamId, timeframe: change.timeframe, bar: change.bar });
        }
        return;
      case 'streams':
        // The first stream of an empty monitor, or a selection that no longer exists.
        if (store.resolveSelection(this.selected) !== this.selected) {
          this.sendSnapshot();
          return;
        }
        this.ports.post({ type: 'streams', streams: store.streamViews(), totals: store.totals() });
        return;
      case 'log':
        this.pendingLogs.push(change.line);
        this.logTimer ??= setTimeout(() => this.flushLogs(), LOG_FLUSH_MS);
        return;
      case 'none':
        return;
    }
  }

  dispose(): void {
    clearTimeout(this.logTimer);
    this.ready = false;
  }

  private sendSnapshot(): void {
    if (!this.ready) return;
    const snapshot = this.ports.store.snapshot(this.selected, this.timeframe);
    this.selected = snapshot.selected;
    this.timeframe = snapshot.timeframe;
    this.pendingLogs = [];
    this.ports.post({ type: 'snapshot', snapshot });
  }

  private flushLogs(): void {
    this.logTimer = undefined;
    if (!this.ready || this.pendingLogs.length === 0) return;
    const lines = this.pendingLogs;
    this.pendingLogs = [];
    this.ports.post({ type: 'logs', lines });
  }
}
