import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import { Client } from 'pg';
import { createTestDatabase } from './support/databases';
import { ROOT } from './support/service-process';

const run = promisify(execFile);

/** `npm run migration:run` as a user types it, in a folder with no .env, with only these variables. */
async function migrationRun(variables: Record<string, string>): Promise<string> {
  const { stdout } = await run('npm', ['run', '--silent', '--prefix', ROOT, 'migration:run'], {
    cwd: tmpdir(),
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...variables },
  });
  return stdout;
}

// typeorm_metadata records the generated search_vector column for TypeORM's schema diff.
const TABLES = [
  'migrations',
  'schedule_entries',
  'sync_accounts',
  'sync_runs',
  'tweets',
  'twitter_users',
  'typeorm_metadata',
];
const TABLES_SQL = `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`;
const INDEXES_SQL = `SELECT indexname FROM pg_indexes WHERE schemaname = 'public' ORDER BY indexname`;
const INDEXES = [
  'PK_migrations', // TypeORM's own table
  'tweets_author_newest_idx',
  'tweets_newest_idx',
  'tweets_pkey',
  'tweets_search_idx',
  'twitter_users_newest_idx',
  'twitter_users_pkey',
  'twitter_users_screen_name_key',
  'sync_accounts_pkey',
  'sync_runs_pkey',
  'sync_runs_newest_idx',
  'schedule_entries_pkey',
];

describe('npm run migration:run', () => {
  it('creates the schema on an empty PostgreSQL database, then has nothing left to do', async () => {
    const database = await createTestDatabase('postgres');
    try {
      const first = await migrationRun({ DATABASE_URL: database.url });
      expect(first).toContain('Migration InitialSchema1764000000000 has been executed successfully');
      expect(first).toContain('Migration SyncState1764100000000 has been executed successfully');
      expect(first).toContain('Migration ScheduleEntries1764200000000 has been executed successfully');
      expect(first).toContain('Migration ReleasedScreenNames1764300000000 has been executed successfully');
      const second = await migrationRun({ DATABASE_URL: database.url });
      expect(second).toContain('No migrations are pending');
      expect(second).not.toContain('has been executed');

      const client = new Client({ connectionString: database.url });
      await client.connect();
      try {
        expect((await client.query(TABLES_SQL)).rows.map((row) => row.table_name)).toEqual(TABLES);
        expect((await client.query(INDEXES_SQL)).rows.map((row) => row.indexname)).toEqual(
          expect.arrayContaining(INDEXES.filter((name) => name !== 'PK_migrations')),
        );
      } finally {
        await client.end();
      }
    } finally {
      await database.drop();
    }
  }, 120_000);

  it('creates the same schema in a new PGlite folder, then has nothing left to do', async () => {
    const workDir = mkdtempSync(join(tmpdir(), 'tts-migrate-'));
    const dataDir = join(workDir, 'deeper', 'pglite');
    try {
      const first = await migrationRun({ PGLITE_DATA_DIR: dataDir });
      expect(first).toContain('Migration InitialSchema1764000000000 has been executed successfully');
      expect(first).toContain('Migration SyncState1764100000000 has been executed successfully');
      expect(first).toContain('Migration ScheduleEntries1764200000000 has been executed successfully');
      expect(first).toContain('Migration ReleasedScreenNames1764300000000 has been executed successfully');
      const second = await migrationRun({ PGLITE_DATA_DIR: dataDir });
      expect(second).toContain('No migrations are pending');
      expect(second).not.toContain('has been executed');

      const db = await PGlite.create({ dataDir });
      try {
        expect((await db.query<{ table_name: string }>(TABLES_SQL)).rows.map((row) => row.table_name)).toEqual(TABLES);
        expect((await db.query<{ indexname: string }>(INDEXES_SQL)).rows.map((row) => row.indexname)).toEqual(
          expect.arrayContaining(INDEXES.filter((name) => name !== 'PK_migrations')),
        );
      } finally {
        await db.close();
      }
    } finally {
      rmSync(workDir, { recursive: true, force: true });
    }
  }, 120_000);
});
