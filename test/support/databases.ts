import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from '../../src/database/data-source-options';
import { runMigrations } from '../../src/database/migrate';

export type DatabaseKind = 'postgres' | 'pglite';

export const DATABASE_KINDS: DatabaseKind[] = ['postgres', 'pglite'];

// The PostgreSQL server every machine (and CI) runs; each test file gets a database of its own.
const SERVER_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

async function withServer<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: SERVER_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A new, empty PostgreSQL database, or an in-memory PGlite. */
export async function createTestDatabase(kind: DatabaseKind): Promise<TestDatabase> {
  if (kind === 'pglite') return { url: 'pglite://memory', drop: () => Promise.resolve() };
  const name = `tts_test_${randomBytes(6).toString('hex')}`;
  await withServer((client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(SERVER_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () =>
      withServer((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

/** Runs SQL as the server's superuser, outside the service (to break things on purpose). */
export function onServer(sql: string): Promise<unknown> {
  return withServer((client) => client.query(sql));
}

/** The service's own DataSource on `url`, migrated, for tests that drive the database directly. */
export async function openMigrated(url: string): Promise<DataSource> {
  const dataSource = await new DataSource(
    buildDataSourceOptions({ DATABASE_URL: url, PGLITE_DATA_DIR: '' }),
  ).initialize();
  await runMigrations(dataSource);
  return dataSource;
}

/**
 * The plan of the last SQL `dataSource` sends while `read` runs (a screen name may be looked up
 * first). A few thousand rows fit in so few pages that a full scan is cheapest; with full scans
 * priced out, the plan shows whether an index serves the query, as it must on a table of millions.
 */
export async function planOfLastQuery(dataSource: DataSource, read: () => Promise<unknown>): Promise<string> {
  const query = jest.spyOn(dataSource, 'query');
  let sent: [string, unknown[]?];
  try {
    await read();
    sent = query.mock.calls.at(-1) as [string, unknown[]?];
  } finally {
    query.mockRestore();
  }
  const runner = dataSource.createQueryRunner();
  try {
    await runner.startTransaction();
    await runner.query('SET LOCAL enable_seqscan = off');
    const plan = (await runner.query(`EXPLAIN ${sent[0]}`, sent[1])) as { 'QUERY PLAN': string }[];
    return plan.map((line) => line['QUERY PLAN']).join('\n');
  } finally {
    await runner.rollbackTransaction();
    await runner.release();
  }
}
