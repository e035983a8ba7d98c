import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from '../src/database/data-source-options';
import { MIGRATIONS } from '../src/database/migrations';
import { createTestDatabase, DATABASE_KINDS } from './support/databases';
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

const TABLES = [
  'archive_imports',
  'migrations',
  'post_reads',
  'schedule_entries',
  'sync_accounts',
  'sync_runs',
  'tweet_metrics_history',
  'tweets',
  'twitter_users',
  'user_metrics_history',
  'user_profile_history',
  'x_project_usage',
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
  'sync_accounts_screen_name_key',
  'sync_accounts_user_id_key',
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

describe.each(DATABASE_KINDS)('the accounts migration, on %s', (kind) => {
  it('keeps the accounts synced before, with their X casing and what their last run said', async () => {
    // Two data sources in turn: PGlite in a folder, since one in memory ends with its data source.
    const database = kind === 'postgres' ? await createTestDatabase(kind) : null;
    const folder = mkdtempSync(join(tmpdir(), 'tts-accounts-migration-'));
    const before = MIGRATIONS.findIndex((migration) => migration.name === 'Accounts1764600000000');
    const options = buildDataSourceOptions({ DATABASE_URL: database?.url, PGLITE_DATA_DIR: join(folder, 'pglite') });
    const source = new DataSource({ ...options, migrations: MIGRATIONS.slice(0, before) });
    await source.initialize();
    try {
      await source.runMigrations();
      await source.query(
        `INSERT INTO twitter_users (id, screen_name, name, created_at, raw) VALUES (11, 'NASA', 'NASA', now(), '{}')`,
      );
      await source.query(`
        INSERT INTO sync_accounts (screen_name, user_id, since_id, backfilled, last_run_at, last_status) VALUES
          ('nasa', 11, 500, 20, '2026-11-30T10:00:00Z', 'succeeded'),
          ('hidden', 12, NULL, 0, '2026-11-30T10:00:00Z', 'protected'),
          ('never_ran', NULL, NULL, 0, NULL, NULL)`);
      // Up to this migration, so that undoLastMigration below undoes it.
      const next = new DataSource({ ...options, migrations: MIGRATIONS.slice(0, before + 1) });
      await source.destroy();
      await next.initialize();
      try {
        await next.runMigrations();
        const rows = await next.query(
          `SELECT screen_name, user_id::text, since_id::text, status, enabled, exclude, previous_screen_names,
                  last_succeeded_at IS NOT NULL AS succeeded_once
             FROM sync_accounts ORDER BY id`,
        );
        expect(rows).toEqual([
          expect.objectContaining({
            screen_name: 'NASA',
            user_id: '11',
            since_id: '500',
            status: 'active',
            succeeded_once: true,
          }),
          expect.objectContaining({ screen_name: 'hidden', status: 'protected', succeeded_once: false }),
          expect.objectContaining({
            screen_name: 'never_ran',
            status: 'unresolved',
            enabled: true,
            exclude: [],
            previous_screen_names: [],
          }),
        ]);
        await next.undoLastMigration();
        expect(await next.query(`SELECT screen_name FROM sync_accounts ORDER BY screen_name`)).toEqual([
          { screen_name: 'hidden' },
          { screen_name: 'nasa' },
          { screen_name: 'never_ran' },
        ]);
      } finally {
        await next.destroy();
      }
    } finally {
      if (source.isInitialized) await source.destroy();
      await database?.drop();
      rmSync(folder, { recursive: true, force: true });
    }
  }, 60_000);
});
