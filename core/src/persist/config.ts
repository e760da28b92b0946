/**
 * BigQuery settings from the environment, as the declared policy names and parses them (the
 * processor's persist/bigquery/settings.py reads the same variables the same way), checked
 * once at start: a missing project or missing credentials is a UsageError naming the fix, never
 * a stack trace in the middle of a stream.
 */
import { UsageError } from '../errors.js';
import { checkCredentials } from './credentials.js';
import { DEFAULT_RETRY, ENV, type RetryPolicy } from './policy.js';

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

export const DEFAULT_DATASET: string = ENV.dataset.default;

type EnvKey = 'project' | 'dataset' | 'batch_size' | 'batch_timeout_ms' | 'api_endpoint' | 'key_file';

/** The trimmed value of the policy's variable; undefined when unset or empty. */
function envText(env: NodeJS.ProcessEnv, key: EnvKey): string | undefined {
  return env[ENV[key].name]?.trim() || undefined;
}

/** Decimal digits from 1 to the policy's max; the policy's default when unset. */
function wholeNumber(env: NodeJS.ProcessEnv, key: 'batch_size' | 'batch_timeout_ms'): number {
  const { name, default: fallback, max } = ENV[key];
  const text = envText(env, key);
  if (text === undefined) return fallback;
  const value = /^[0-9]+$/.test(text) ? Number(text) : 0;
  if (value <= 0 || value > max) throw new UsageError(`${name} must be a whole number from 1 to ${max}, got "${text}"`);
  return value;
}

/**
 * Reads and checks the settings. `what` names the feature in messages (`--bigqueryEnabled true`,
 * `bq-replay`); `deadLetterFile` is where failed rows go.
 */
export function bigQueryConfigFromEnv(env: NodeJS.ProcessEnv, what: string, deadLetterFile: string): BigQueryConfig {
  const projectId = envText(env, 'project');
  if (!projectId) {
    throw new UsageError(`${what} needs a Google Cloud project: set GCP_PROJECT_ID (export GCP_PROJECT_ID=my-project)${what.startsWith('--') ? ', or run with --bigqueryEnabled false' : ''}`);
  }
  const dataset = envText(env, 'dataset') ?? DEFAULT_DATASET;
  if (!new RegExp(ENV.dataset.pattern).test(dataset)) {
    throw new UsageError(`BIGQUERY_DATASET "${dataset}" is not a dataset name: letters, digits and underscores only`);
  }
  const apiEndpoint = envText(env, 'api_endpoint');
  if (apiEndpoint !== undefined && !new RegExp(ENV.api_endpoint.pattern).test(apiEndpoint)) {
    throw new UsageError(`BIGQUERY_API_ENDPOINT must be a URL such as http://127.0.0.1:9050, got "${apiEndpoint}"`);
  }
  const keyFilename = apiEndpoint === undefined ? checkCredentials(envText(env, 'key_file'), env, what) : undefined;
  return {
    projectId,
    dataset,
    batchSize: wholeNumber(env, 'batch_size'),
    batchTimeoutMs: wholeNumber(env, 'batch_timeout_ms'),
    ...(apiEndpoint !== undefined && { apiEndpoint: apiEndpoint.replace(/\/+$/, '') }),
    ...(keyFilename !== undefined && { keyFilename }),
    deadLetterFile,
    retry: { ...DEFAULT_RETRY }
  };
}
