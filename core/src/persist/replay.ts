/**
 * `tickbridge bq-replay FILE`: sends the rows of a dead-letter file (the engine's ticks or the
 * processor's candles) again, to the dataset and table each line names, with its original
 * insertId, and the same retries. Rows that fail again go to `<FILE>.remaining.ndjson`.
 *
 * A row can be both in BigQuery and in the file (its request failed after BigQuery stored it),
 * and BigQuery forgets insertIds after about a minute: so the replay first reads the table's
 * `insert_id` column and never sends a row the table already holds (no row doubled).
 */
import { createReadStream } from 'node:fs';
import { appendFile, rm } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { UsageError } from '../errors.js';
import { BigQueryClient, type InsertClient } from './client.js';
import { bigQueryConfigFromEnv, type BigQueryConfig } from './config.js';
import type { Row } from './schema.js';
import { parseDeadLetter, remainingFileFor } from './deadLetter.js';
import { RowSender } from './sender.js';

export interface ReplayResult {
  rows: number;
  written: number;
  /** Rows the table already held (stored by an attempt that looked failed): not sent again. */
  alreadyStored: number;
  failed: number;
  /** Lines that are not dead-letter rows (kept in the remaining file as they were). */
  malformed: number;
  remainingFile: string;
}

/** Replays `file`; `client` defaults to the official client configured from the environment. */
export async function replayDeadLetters(file: string, config: BigQueryConfig, client?: InsertClient, batchSize = config.batchSize): Promise<ReplayResult> {
  const remainingFile = remainingFileFor(file);
  await rm(remainingFile, { force: true });
  const insertClient = client ?? (await BigQueryClient.create(config));
  const sender = new RowSender(insertClient, config.retry, remainingFile);
  const stored = new Map<string, Set<string>>();
  let alreadyStored = 0;
  const groups = new Map<string, Row[]>();
  let rows = 0;
  let malformed = 0;
  let stream: ReturnType<typeof createReadStream> | undefined;
  try {
    stream = createReadStream(file, 'utf8');
    await new Promise<void>((resolve, reject) => stream!.once('open', () => resolve()).once('error', reject));
  } catch (error) {
    throw new UsageError(`bq-replay: cannot read ${file}: ${(error as Error).message}`);
  }
  const flush = async (key: string, list: Row[]) => {
    const [dataset, table] = key.split('\u0000') as [string, string];
    let ids = stored.get(key);
    if (ids === undefined && insertClient.storedInsertIds) {
      try {
        ids = await insertClient.storedInsertIds(dataset, table);
      } catch {
        ids = new Set(); // no such table (yet): the insert reports it for each row
      }
      stored.set(key, ids);
    }
    const fresh = ids ? list.filter((row) => !ids.has(row.insertId)) : list;
    alreadyStored += list.length - fresh.length;
    if (fresh.length) await sender.send(dataset, table, fresh);
  };
  for await (const line of createInterface({ input: stream, crlfDelay: Infinity })) {
    if (line.trim() === '') continue;
    const letter = parseDeadLetter(line);
    if (!letter) {
      malformed++;
      await appendFile(remainingFile, `${line}\n`);
      continue;
    }
    rows++;
    const key = `${letter.dataset}\u0000${letter.table}`;
    const list = groups.get(key) ?? [];
    list.push({ table: letter.table, insertId: letter.insertId, json: letter.row });
    groups.set(key, list);
    if (list.length >= batchSize) {
      groups.delete(key);
      await flush(key, list);
    }
  }
  for (const [key, list] of groups) await flush(key, list);
  const { rowsWritten, rowsDeadLettered } = sender.counters;
  return { rows, written: rowsWritten, alreadyStored, failed: rowsDeadLettered, malformed, remainingFile };
}

/** The CLI command: returns the exit code. */
export async function bqReplayCommand(file: string, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const config = bigQueryConfigFromEnv(env, 'bq-replay', remainingFileFor(file));
  const result = await replayDeadLetters(file, config);
  const where = `project ${config.projectId}${config.apiEndpoint ? ` at ${config.apiEndpoint}` : ''}`;
  console.log(`bq-replay: ${result.written} of ${result.rows} rows written to ${where}${result.alreadyStored ? `; ${result.alreadyStored} were already stored, not sent again` : ''}`);
  if (result.failed || result.malformed) {
    console.error(`bq-replay: ${result.failed} rows failed again${result.malformed ? `, ${result.malformed} lines are not dead-letter rows` : ''}; they are in ${result.remainingFile}`);
    return 1;
  }
  return 0;
}
