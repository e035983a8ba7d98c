import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DataSourceOptions } from 'typeorm';
import type { Environment } from '../config/environment';
import {
  TweetMetricsHistoryEntity,
  UserMetricsHistoryEntity,
  UserProfileHistoryEntity,
} from '../tweets/history.entity';
import { TweetEntity } from '../tweets/tweet.entity';
import { TwitterUserEntity } from '../tweets/twitter-user.entity';
import { MIGRATIONS } from './migrations';
import { createPGliteDriver } from './pglite.driver';

export const ENTITIES = [
  TwitterUserEntity,
  TweetEntity,
  TweetMetricsHistoryEntity,
  UserMetricsHistoryEntity,
  UserProfileHistoryEntity,
];

export type DatabaseKind = 'postgres' | 'pglite';

export function databaseKind(databaseUrl: string | undefined): DatabaseKind {
  return databaseUrl?.startsWith('postgres') ? 'postgres' : 'pglite';
}

/**
 * PostgreSQL when DATABASE_URL is a postgres:// URL; otherwise the embedded PGlite, on disk under
 * PGLITE_DATA_DIR, or in memory for DATABASE_URL=pglite://memory. Same schema, same migrations.
 * On PostgreSQL, every statement on the pool's connections stops after `statementTimeoutMs` (0: never).
 */
export function buildDataSourceOptions(
  environment: Pick<Environment, 'DATABASE_URL' | 'PGLITE_DATA_DIR'>,
  statementTimeoutMs = 0,
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
    return {
      ...common,
      url: environment.DATABASE_URL,
      applicationName: `twitter-timeline-sync:${process.pid}`,
      // A slow read (a search over a huge table, a lock held elsewhere) fails instead of holding a
      // connection and the request forever. pg sends it as the session's statement_timeout.
      extra: statementTimeoutMs > 0 ? { statement_timeout: statementTimeoutMs } : {},
    };
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
