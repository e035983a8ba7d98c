import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DataSourceOptions } from 'typeorm';
import type { Environment } from '../config/environment';
import { TweetEntity } from '../tweets/tweet.entity';
import { TwitterUserEntity } from '../tweets/twitter-user.entity';
import { MIGRATIONS } from './migrations';
import { createPGliteDriver } from './pglite.driver';

export const ENTITIES = [TwitterUserEntity, TweetEntity];

export type DatabaseKind = 'postgres' | 'pglite';

export function databaseKind(databaseUrl: string | undefined): DatabaseKind {
  return databaseUrl?.startsWith('postgres') ? 'postgres' : 'pglite';
}

/**
 * PostgreSQL when DATABASE_URL is a postgres:// URL; otherwise the embedded PGlite, on disk under
 * PGLITE_DATA_DIR, or in memory for DATABASE_URL=pglite://memory. Same schema, same migrations.
 */
export function buildDataSourceOptions(
  environment: Pick<Environment, 'DATABASE_URL' | 'PGLITE_DATA_DIR'>,
): DataSourceOptions {
  const common = {
    type: 'postgres' as const,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    synchronize: false,
  };
  if (databaseKind(environment.DATABASE_URL) === 'postgres') {
    // Names the process in pg_stat_activity, so an operator can see which replica holds a lock.
    return { ...common, url: environment.DATABASE_URL, applicationName: `twitter-timeline-sync:${process.pid}` };
  }
  return { ...common, driver: createPGliteDriver(pgliteDataDir(environment)) };
}

function pgliteDataDir(environment: Pick<Environment, 'DATABASE_URL' | 'PGLITE_DATA_DIR'>): string | undefined {
  if (environment.DATABASE_URL === 'pglite://memory') return undefined;
  const dataDir = resolve(environment.PGLITE_DATA_DIR);
  // PGlite creates its own folder but not the folders above it.
  mkdirSync(dirname(dataDir), { recursive: true });
  return dataDir;
}
