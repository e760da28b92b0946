/**
 * The identity of one run of one stream, as the local store keys it (docs/persistence.md):
 * a run id generated when the stream starts, the source kind and, for finite sources, the
 * dataset (a run of the same dataset replaces the earlier ones in the store).
 */
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import type { Hello } from '../bridge/protocol.js';
import type { StreamRequest } from '../engine/types.js';

export type RunIdentity = Pick<Hello, 'run_id' | 'source' | 'dataset'>;

/** `20261129T171500Z-3f9a2c1b`: the start time (UTC, seconds) and 32 random bits. */
export function newRunId(now: Date = new Date()): string {
  const stamp = now.toISOString().slice(0, 19).replace(/[-:]/g, '');
  return `${stamp}Z-${randomBytes(4).toString('hex')}`;
}

export function runIdentity(request: StreamRequest, now: Date = new Date()): RunIdentity {
  return { run_id: newRunId(now), source: request.source, dataset: datasetOf(request) };
}

function datasetOf(request: StreamRequest): string | null {
  switch (request.source) {
    case 'file':
    case 'csv':
      return `file:${(request.file ?? '').split(',').map((path) => resolve(path.trim())).join(',')}`;
    case 'replay':
      return `replay:${request.from}/${request.to}`;
    default:
      return null;
  }
}
