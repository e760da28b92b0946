// The strict fake BigQuery (python/tests/fake_bigquery.py) as a child process, for the TS tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { PYTHON_DIR, VENV_PYTHON } from '../../src/paths.js';

export interface FakeRow {
  insertId: string;
  json: Record<string, unknown>;
}

export interface FakeState {
  datasets: string[];
  tables: Record<string, { resource: Record<string, unknown>; rows: FakeRow[] }>;
  counts: Record<string, number>;
  /** Requests refused with an injected status, by table name. */
  status_faults_by_table: Record<string, number>;
}

export class FakeBigQuery {
  private constructor(
    private readonly child: ChildProcess,
    readonly endpoint: string
  ) {}

  static async start(): Promise<FakeBigQuery> {
    const child = spawn(VENV_PYTHON, [join(PYTHON_DIR, 'tests', 'fake_bigquery.py'), '--port', '0'], { stdio: ['pipe', 'pipe', 'inherit'] });
    const port = await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`fake BigQuery exited with ${code}`)));
      createInterface({ input: child.stdout }).once('line', (line) => resolve((JSON.parse(line) as { port: number }).port));
    });
    return new FakeBigQuery(child, `http://127.0.0.1:${port}`);
  }

  async state(): Promise<FakeState> {
    return (await (await fetch(`${this.endpoint}/_fake/state`)).json()) as FakeState;
  }

  async rows(table: string, project = 'tb-test', dataset = 'market_data_streaming'): Promise<FakeRow[]> {
    return (await this.state()).tables[`${project}.${dataset}.${table}`]?.rows ?? [];
  }

  async faults(faults: Record<string, unknown>[]): Promise<void> {
    const response = await fetch(`${this.endpoint}/_fake/faults`, { method: 'POST', body: JSON.stringify(faults), headers: { 'content-type': 'application/json' } });
    if (!response.ok) throw new Error(`faults refused: ${await response.text()}`);
  }

  /** Ends the fake (it exits when its stdin closes; the kill is by its own pid). */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.stdin!.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  }
}

/** One line of a tick dead-letter file: a BTCUSDT trade with insertId `<prefix>-<i>`. */
export function deadLetterTrade(prefix: string, i: number) {
  const insertId = `${prefix}-${i}`;
  return {
    dataset: 'market_data_streaming',
    table: 'trades',
    insertId,
    row: { exchange: 'binance', symbol: 'BTCUSDT', timestamp: '2024-08-08T23:54:00.000001Z', local_timestamp: '2024-08-08T23:54:00.1Z', insert_id: insertId, id: null, price: 1 + i, amount: 1, side: 'buy' },
    error: '500: injected',
    failedAt: '2024-08-08T23:55:00.000Z'
  };
}
