/**
 * The BigQuery calls Tickbridge makes, through the official `@google-cloud/bigquery` client:
 * datasets get/insert, tables get/insert and tabledata.insertAll. The client's own retries
 * are off: `sender.ts` retries (policy.ts), so that every attempt is counted and bounded.
 */
import type { BigQuery, BigQueryOptions } from '@google-cloud/bigquery';
import type { BigQueryConfig } from './config.js';
import { REQUEST_TIMEOUT_MS } from './policy.js';
import type { Row, TableSpec } from './schema.js';
import { tableResource } from './schema.js';

/** A row the service refused: `reason` is BigQuery's (`invalid`, `backendError`, `stopped` …). */
export interface RowFailure {
  row: Row;
  reason: string;
  message: string;
}

export interface InsertClient {
  /** Inserts the rows of one table; resolves with the rows that failed, throws on a request error. */
  insert(dataset: string, table: string, rows: Row[]): Promise<RowFailure[]>;
  /** The `insert_id` of every row the table holds (tabledata.list: no query cost). */
  storedInsertIds?(dataset: string, table: string): Promise<Set<string>>;
}

/** A request-level error: `status` is the HTTP status, undefined for a network error. */
export function errorStatus(error: unknown): number | undefined {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'number' ? code : undefined;
}

/** An auth client that adds no header (what google-auth-library's PassThroughClient does). */
const ANONYMOUS = { getRequestHeaders: async () => new Headers() } as unknown as NonNullable<BigQueryOptions['authClient']>;

export class BigQueryClient implements InsertClient {
  private constructor(
    private readonly bigquery: BigQuery,
    readonly projectId: string
  ) {}

  /** Loads the client library only when BigQuery is used (it is large). */
  static async create(config: Pick<BigQueryConfig, 'projectId' | 'apiEndpoint' | 'keyFilename'>): Promise<BigQueryClient> {
    const { BigQuery } = await import('@google-cloud/bigquery');
    const bigquery = new BigQuery({
      projectId: config.projectId,
      // An emulator or a local fake: requests carry no credentials (no lookup of default
      // credentials or of the GCE metadata server either).
      ...(config.apiEndpoint !== undefined && { apiEndpoint: config.apiEndpoint, authClient: ANONYMOUS }),
      ...(config.keyFilename !== undefined && { keyFilename: config.keyFilename }),
      retryOptions: { autoRetry: false, maxRetries: 0 },
      // honoured by the client's base Service for every request, though not in its typings
      ...({ timeout: REQUEST_TIMEOUT_MS } as BigQueryOptions)
    });
    return new BigQueryClient(bigquery, config.projectId);
  }

  /** Creates the dataset and the tables that do not exist yet. */
  async ensureTables(dataset: string, tables: readonly TableSpec[]): Promise<string[]> {
    const created: string[] = [];
    const ds = this.bigquery.dataset(dataset);
    const [datasetExists] = await ds.exists();
    if (!datasetExists) {
      await ignoreConflict(ds.create());
      created.push(dataset);
    }
    for (const spec of tables) {
      const table = ds.table(spec.name);
      const [exists] = await table.exists();
      if (exists) continue;
      await ignoreConflict(table.create(tableResource(spec)));
      created.push(`${dataset}.${spec.name}`);
    }
    return created;
  }

  async storedInsertIds(dataset: string, table: string): Promise<Set<string>> {
    const [rows] = await this.bigquery.dataset(dataset).table(table).getRows({ selectedFields: 'insert_id', skipParsing: true, autoPaginate: true });
    return new Set((rows as unknown as { f: { v: unknown }[] }[]).map((row) => String(row.f[0]?.v)));
  }

  async insert(dataset: string, table: string, rows: Row[]): Promise<RowFailure[]> {
    const raw = rows.map((row) => ({ insertId: row.insertId, json: row.json }));
    try {
      await this.bigquery.dataset(dataset).table(table).insert(raw, { raw: true, skipInvalidRows: true, partialRetries: 0 });
      return [];
    } catch (error) {
      if ((error as Error).name !== 'PartialFailureError') throw error;
      const byRaw = new Map<unknown, Row>(raw.map((item, i) => [item, rows[i] as Row]));
      const failures = (error as { errors?: { row?: unknown; errors?: { reason?: string; message?: string }[] }[] }).errors ?? [];
      return failures.flatMap((failure) => {
        const row = byRaw.get(failure.row);
        const first = failure.errors?.[0];
        return row ? [{ row, reason: first?.reason ?? 'unknown', message: first?.message ?? 'row refused' }] : [];
      });
    }
  }
}

async function ignoreConflict(promise: Promise<unknown>): Promise<void> {
  try {
    await promise;
  } catch (error) {
    if (errorStatus(error) !== 409) throw error; // created meanwhile by another writer
  }
}
