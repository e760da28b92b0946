/**
 * Tickbridge's engine API: the only module the TUI and the VS Code extension import.
 */
export { Engine, type EngineOptions } from './src/engine/engine.js';
export type { EngineEvent, EngineStats, StreamInfo, StreamRequest, StreamStatus } from './src/engine/types.js';
export type { HealthWarning, StreamHealth } from './src/engine/health.js';
export { PLAYBACK_SPEEDS, nextSpeed, type PlaybackControl } from './src/engine/playback.js';
export type { PlaybackState } from './src/sources/index.js';
export { isActive, type SourceKind } from './src/contract/vocabulary.js';
export { fieldProblem, validateRequest, type RequestField } from './src/engine/validate.js';
export { DEFAULT_TIMEFRAMES, timeframeSeconds } from './src/engine/timeframes.js';
export type { Candle, FeatureName, ProcessorStats, StreamMode } from './src/bridge/protocol.js';
export { FEATURE_NAMES } from './src/bridge/protocol.js';
export type { BridgeTuning, LinkStatus } from './src/bridge/link.js';
export type { LogEntry, LogLevel } from './src/logs/logger.js';
export type { ProcessorLaunch, ProcessorStatus } from './src/supervisor/processorSupervisor.js';
export type { SourceSpec } from './src/sources/index.js';
export { UsageError } from './src/errors.js';
export { bigQueryTickWriter } from './src/persist/writer.js';
export type { TickWriter } from './src/persist/types.js';
export { PACKAGE_ROOT, VENV_PYTHON } from './src/paths.js';
export { proposeStream, type StreamProposal } from './src/sources/propose.js';
export { parseSpeed } from './src/sources/index.js';
export { featureDocs, featureTooltip, type FeatureDoc } from './src/contract/featureDocs.js';
