/**
 * BigQuery settings from the environment (the seed's variables), checked once at start:
 * a missing project or missing credentials is a UsageError naming the fix, never a stack
 * trace in the middle of a stream.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../errors.js';

export interface BigQueryConfig {
  projectId: string;
  dataset: string;
  /** Rows per insertAll request (BIGQUERY_BATCH_SIZE). */
  batchSize: number;
  /** A non-empty buffer is sent at the latest after this long (BIGQUERY_BATCH_TIMEOUT, ms). */
  batchTimeoutMs: number;
  /** BIGQUERY_API_ENDPOINT: an emulator or a local fake; no credentials are used then. */
  apiEndpoint?: string;
  /** GOOGLE_APPLICATION_CREDENTIALS, when set. */
  keyFilename?: string;
  /** NDJSON file of rows that could not be written. */
  deadLetterFile: string;
  retry: RetryPolicy;
}

export interface RetryPolicy {
  /** Attempts per row, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** At shutdown, retries stop this long after close() was called; what is left is dead-lettered. */
  closeTimeoutMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 6, baseDelayMs: 500, maxDelayMs: 30_000, closeTimeoutMs: 30_000 };
export const DEFAULT_DATASET = 'market_data_streaming';
/** insertAll accepts at most 50,000 rows per request. */
const MAX_BATCH = 50_000;

function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0 || value > max) {
    throw new UsageError(`${name} must be a whole number from 1 to ${max}, got "${text}"`);
  }
  return value;
}

/** The gcloud application-default credentials file, when `gcloud auth application-default login` made one. */
function gcloudCredentials(env: NodeJS.ProcessEnv): string | undefined {
  const dir = env.CLOUDSDK_CONFIG ?? join(homedir(), '.config', 'gcloud');
  const file = join(dir, 'application_default_credentials.json');
  return existsSync(file) ? file : undefined;
}

/**
 * Reads and checks the settings. `what` names the feature in messages (`--bigqueryEnabled true`,
 * `bq-replay`); `deadLetterFile` is where failed rows go.
 */
export function bigQueryConfigFromEnv(env: NodeJS.ProcessEnv, what: string, deadLetterFile: string): BigQueryConfig {
  const projectId = env.GCP_PROJECT_ID?.trim();
  if (!projectId) {
    throw new UsageError(`${what} needs a Google Cloud project: set GCP_PROJECT_ID (export GCP_PROJECT_ID=my-project)${what.startsWith('--') ? ', or run with --bigqueryEnabled false' : ''}`);
  }
  const dataset = env.BIGQUERY_DATASET?.trim() || DEFAULT_DATASET;
  if (!/^[A-Za-z0-9_]{1,1024}$/.test(dataset)) {
    throw new UsageError(`BIGQUERY_DATASET "${dataset}" is not a dataset name: letters, digits and underscores only`);
  }
  const apiEndpoint = env.BIGQUERY_API_ENDPOINT?.trim() || undefined;
  if (apiEndpoint !== undefined && !/^https?:\/\/[^/]+/.test(apiEndpoint)) {
    throw new UsageError(`BIGQUERY_API_ENDPOINT must be a URL such as http://127.0.0.1:9050, got "${apiEndpoint}"`);
  }
  const keyFilename = env.GOOGLE_APPLICATION_CREDENTIALS?.trim() || undefined;
  if (apiEndpoint === undefined) {
    if (keyFilename === undefined) {
      if (gcloudCredentials(env) === undefined) {
        throw new UsageError(
          `${what} needs Google Cloud credentials: set GOOGLE_APPLICATION_CREDENTIALS to a service account key file (JSON), or run \`gcloud auth application-default login\``
        );
      }
    } else {
      let parsed: unknown;
      try {
        parsed = JSON.parse(readFileSync(keyFilename, 'utf8'));
      } catch (error) {
        const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
        throw new UsageError(`GOOGLE_APPLICATION_CREDENTIALS=${keyFilename} is not a readable JSON key file (${reason}); point it at a service account key`);
      }
      if (typeof parsed !== 'object' || parsed === null || !('type' in parsed)) {
        throw new UsageError(`GOOGLE_APPLICATION_CREDENTIALS=${keyFilename} is JSON but not a Google credentials file (no "type" field)`);
      }
    }
  }
  return {
    projectId,
    dataset,
    batchSize: positiveInt(env, 'BIGQUERY_BATCH_SIZE', 1000, MAX_BATCH),
    batchTimeoutMs: positiveInt(env, 'BIGQUERY_BATCH_TIMEOUT', 60_000),
    ...(apiEndpoint !== undefined && { apiEndpoint: apiEndpoint.replace(/\/+$/, '') }),
    ...(keyFilename !== undefined && apiEndpoint === undefined && { keyFilename }),
    deadLetterFile,
    retry: { ...DEFAULT_RETRY }
  };
}
