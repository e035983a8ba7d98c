import { DataSource, MigrationExecutor } from 'typeorm';

// Any constant both sides agree on: replicas starting together take turns migrating.
const MIGRATION_LOCK_KEY = 7_261_873_519;

/**
 * Runs pending migrations. On PostgreSQL, replicas starting at once would race to create the same
 * tables, so they take turns under an advisory lock; PGlite has one process and one connection.
 * Neither the wait for the lock nor a migration has a statement timeout (DATABASE_STATEMENT_TIMEOUT_MS).
 */
export async function runMigrations(dataSource: DataSource): Promise<void> {
  if (dataSource.options.driver) {
    await dataSource.runMigrations({ transaction: 'all' });
    return;
  }
  const lockHolder = dataSource.createQueryRunner();
  try {
    await lockHolder.query('SET statement_timeout = 0');
    await lockHolder.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const migrations = new MigrationExecutor(dataSource, lockHolder);
    migrations.transaction = 'all';
    await migrations.executePendingMigrations();
  } finally {
    await lockHolder.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    // Back to the pool's own setting before the connection serves anything else.
    await lockHolder.query('RESET statement_timeout').catch(() => undefined);
    await lockHolder.release();
  }
}
