/** What the TUI needs from the engine: the `Engine` from core/index.ts satisfies it (tests pass a fake). */
import type { EngineEvent, EngineStats, PlaybackControl, StreamInfo, StreamRequest } from '../core/index.js';

export interface EngineControl {
  subscribe(listener: (event: EngineEvent) => void): () => void;
  listStreams(): StreamInfo[];
  stats(): EngineStats;
  startStream(request: StreamRequest): string;
  stopStream(id: string): Promise<void>;
  restartStream(id: string): Promise<string>;
  /** Forgets the ended runs (all, or the one with this run id); returns their run ids. */
  clearFinished(runId?: string): string[];
  /** Replay controls: pause, resume, speed, one-bar step (throws a UsageError saying why not). */
  controlStream(id: string, control: PlaybackControl): void;
}
