/**
 * Owns the engine for the extension: starts it on first use (Python set up first), feeds its
 * events into the store and fans the changes out to the faces (tree, status bar, output,
 * monitor). Streams outlive the monitor panel; `dispose` stops them and the processor.
 * No `vscode` here: the engine factory is injected, so tests drive it with a fake engine.
 */
import type { Engine, EngineEvent, PlaybackControl, StreamRequest } from '../../core/index.js';
import { FEATURE_NAMES, featureDocs, validateRequest } from '../../core/index.js';
import { MonitorStore, type StoreChange } from './monitorStore.js';

export type EngineLike = Pick<Engine, 'subscribe' | 'startStream' | 'stopStream' | 'restartStream' | 'controlStream' | 'stopAll' | 'clearFinished' | 'listStreams' | 'close'>;
export type ChangeListener = (change: StoreChange) => void;

export class EngineHost {
  readonly store = new MonitorStore(FEATURE_NAMES, undefined, featureDocs());
  private engine: EngineLike | undefined;
  private starting: Promise<EngineLike> | undefined;
  private unsubscribe: (() => void) | undefined;
  private readonly listeners = new Set<ChangeListener>();
  private disposed = false;

  constructor(
    private readonly createEngine: () => Promise<EngineLike>,
    private readonly redact: (text: string) => string = (text) => text
  ) {}

  onChange(listener: ChangeListener): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  get running(): boolean {
    return this.engine !== undefined;
  }

  /** Starts a stream (and the engine with its processor when needed); returns the stream id. */
  async start(request: StreamRequest): Promise<string> {
    validateRequest(request); // a wrong setting (e.g. tickbridge.timeframes) is said before Python starts
    const engine = await this.ensureEngine();
    const id = engine.startStream(request);
    this.store.refreshStreams(engine.listStreams());
    this.notify({ kind: 'streams' });
    return id;
  }

  async stop(id: string): Promise<void> {
    await this.engine?.stopStream(id);
  }

  async restart(id: string): Promise<string | undefined> {
    return this.engine?.restartStream(id);
  }

  /** Pause, resume, speed or step a replay/file stream; throws the engine's UsageError when it cannot. */
  control(id: string, control: PlaybackControl): void {
    if (!this.engine) throw new Error('Tickbridge: no stream is running.');
    this.engine.controlStream(id, control);
    this.store.refreshStreams(this.engine.listStreams());
    this.notify({ kind: 'streams' });
  }

  async stopAll(): Promise<void> {
    await this.engine?.stopAll();
  }

  /** Forgets the ended runs (all, or the one with this run id); the store drops them on the engine's `cleared` event. */
  clearFinished(runId?: string): string[] {
    return this.engine?.clearFinished(runId) ?? [];
  }

  /** Ids of the streams that are still active (one active run per stream id). */
  activeIds(): string[] {
    return this.store.streamViews().filter((view) => view.active).map((view) => view.stream);
  }

  /** Stops every stream and the processor; the host is unusable afterwards. */
  async dispose(): Promise<void> {
    this.disposed = true;
    const engine = this.engine ?? (await this.starting?.catch(() => undefined));
    this.engine = undefined;
    this.unsubscribe?.();
    await engine?.close();
    this.listeners.clear();
  }

  private ensureEngine(): Promise<EngineLike> {
    if (this.disposed) return Promise.reject(new Error('Tickbridge is shutting down'));
    if (this.engine) return Promise.resolve(this.engine);
    this.starting ??= this.createEngine().then(
      (engine) => {
        this.engine = engine;
        this.starting = undefined;
        this.unsubscribe = engine.subscribe((event) => this.handle(event));
        return engine;
      },
      (error: unknown) => {
        this.starting = undefined;
        throw error;
      }
    );
    return this.starting;
  }

  private handle(event: EngineEvent): void {
    const safe: EngineEvent = event.type === 'log' ? { type: 'log', entry: { ...event.entry, message: this.redact(event.entry.message) } } : event;
    const change = this.store.apply(safe);
    if (event.type === 'stats' && this.engine) this.store.refreshStreams(this.engine.listStreams());
    this.notify(change);
  }

  private notify(change: StoreChange): void {
    for (const listener of this.listeners) listener(change);
  }
}
