import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { SyncProgress } from './sync-progress';
import { Keyset, Page, toPage } from '../pagination/page';

export type RunTrigger = 'manual' | 'schedule' | 'startup';
export type RunStatus = 'running' | 'succeeded' | 'partial' | 'failed' | 'interrupted';
export type AccountStatus = 'succeeded' | 'partial' | 'failed' | 'not_found' | 'protected';

export interface AccountResult {
  screenName: string;
  userId: string | null;
  status: AccountStatus;
  pages: number;
  fetched: number;
  inserted: number;
  updated: number;
  unchanged: number;
  /** Tweets PostgreSQL refused even after cleaning; each is logged with the reason. */
  skipped: number;
  newestId: string | null;
  error: string | null;
}

export interface SyncRun {
  id: string;
  trigger: RunTrigger;
  status: RunStatus;
  startedAt: Date;
  finishedAt: Date | null;
  error: string | null;
  accounts: AccountResult[];
}

export interface SyncAccount {
  screenName: string;
  userId: string | null;
  progress: SyncProgress;
}

const RUN_SELECT = `id::text, trigger, status, started_at, finished_at, error, accounts,
  to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS keyset_started_at`;

/** The only place with queries on sync_runs and sync_accounts. */
@Injectable()
export class SyncRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Runs `work` in one transaction; every write given its manager commits or rolls back together. */
  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  async createRun(trigger: RunTrigger, manager: EntityManager = this.dataSource.manager): Promise<SyncRun> {
    // clock_timestamp(), not now(): the claim's transaction may have waited for an interrupted run's
    // last page, and this run starts after it.
    const rows: Record<string, unknown>[] = await manager.query(
      `INSERT INTO sync_runs (trigger, status, started_at) VALUES ($1, 'running', clock_timestamp()) RETURNING ${RUN_SELECT}`,
      [trigger],
    );
    return toRun(rows[0]);
  }

  /**
   * Records how a run ended. A run another process already marked interrupted keeps that
   * finished_at: the moment from which it could store nothing more (see holdsRun).
   */
  async finishRun(id: string, status: RunStatus, accounts: AccountResult[], error: string | null): Promise<SyncRun> {
    // Wrapped in a SELECT: TypeORM answers a bare UPDATE with [rows, count] on pg but rows on PGlite.
    const rows: Record<string, unknown>[] = await this.dataSource.query(
      `WITH finished AS (
         UPDATE sync_runs SET status = $2, accounts = $3::jsonb, error = $4, finished_at = coalesce(finished_at, now())
          WHERE id = $1 RETURNING *
       )
       SELECT ${RUN_SELECT} FROM finished`,
      [id, status, JSON.stringify(accounts), error],
    );
    return toRun(rows[0]);
  }

  /**
   * Marks runs left `running` by a process that is gone or lost the lock; call only while holding
   * the sync lock. It waits for any page transaction of those runs in progress (holdsRun's row lock).
   */
  async interruptAbandonedRuns(manager: EntityManager = this.dataSource.manager): Promise<void> {
    await manager.query(
      `UPDATE sync_runs SET status = 'interrupted', finished_at = clock_timestamp(),
              error = 'the process running this sync stopped or lost the sync lock before it finished'
        WHERE status = 'running'`,
    );
  }

  /**
   * Whether the run may still write: true while it is `running`. Call inside the transaction of
   * each write; its row lock holds off interruptAbandonedRuns until that transaction ends, so once
   * another process has interrupted the run, no write of the run commits any more.
   */
  async holdsRun(id: string, manager: EntityManager): Promise<boolean> {
    const rows: unknown[] = await manager.query(
      `SELECT 1 FROM sync_runs WHERE id = $1 AND status = 'running' FOR SHARE`,
      [id],
    );
    return rows.length > 0;
  }

  /** Deletes the records of runs that started more than `days` days ago. */
  async deleteRunsOlderThan(days: number): Promise<void> {
    await this.dataSource.query(
      `DELETE FROM sync_runs WHERE started_at < now() - make_interval(days => $1) AND status <> 'running'`,
      [days],
    );
  }

  async findRunningRunId(): Promise<string | null> {
    const rows: { id: string }[] = await this.dataSource.query(
      `SELECT id::text FROM sync_runs WHERE status = 'running' ORDER BY started_at DESC LIMIT 1`,
    );
    return rows[0]?.id ?? null;
  }

  async findRun(id: string): Promise<SyncRun | null> {
    const rows: Record<string, unknown>[] = await this.dataSource.query(
      `SELECT ${RUN_SELECT} FROM sync_runs WHERE id = $1::uuid`,
      [id],
    );
    return rows.length ? toRun(rows[0]) : null;
  }

  /** Newest first (started_at, id). */
  async findRuns(limit: number, after?: Keyset): Promise<Page<SyncRun & { keyset: Keyset }>> {
    const params: unknown[] = [limit + 1];
    let where = '';
    if (after) {
      params.push(after.createdAt, after.id);
      where = 'WHERE (started_at, id) < ($2::timestamptz, $3::uuid)';
    }
    const rows: Record<string, unknown>[] = await this.dataSource.query(
      `SELECT ${RUN_SELECT} FROM sync_runs ${where} ORDER BY started_at DESC, id DESC LIMIT $1`,
      params,
    );
    const runs = rows.map((row) => ({
      ...toRun(row),
      keyset: { createdAt: row.keyset_started_at as string, id: row.id as string },
    }));
    return toPage(runs, limit);
  }

  /** The account's sync state (created on first use); screen names are compared in lower case. */
  async findOrCreateAccount(screenName: string): Promise<SyncAccount> {
    const rows: Record<string, unknown>[] = await this.dataSource.query(
      `INSERT INTO sync_accounts (screen_name) VALUES (lower($1))
       ON CONFLICT (screen_name) DO UPDATE SET screen_name = EXCLUDED.screen_name
       RETURNING screen_name, user_id::text, since_id::text, pending_ranges, backfilled`,
      [screenName],
    );
    const row = rows[0];
    return {
      screenName: row.screen_name as string,
      userId: row.user_id as string | null,
      progress: {
        sinceId: row.since_id as string | null,
        ranges: row.pending_ranges as SyncProgress['ranges'],
        backfilled: row.backfilled as number,
      },
    };
  }

  /** Saves where the account's sync stands; pass the manager of the page's transaction. */
  async saveProgress(
    screenName: string,
    userId: string | null,
    progress: SyncProgress,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<void> {
    await manager.query(
      `UPDATE sync_accounts
          SET user_id = $2::bigint, since_id = $3::bigint, pending_ranges = $4::jsonb, backfilled = $5, updated_at = now()
        WHERE screen_name = lower($1)`,
      [screenName, userId, progress.sinceId, JSON.stringify(progress.ranges), progress.backfilled],
    );
  }

  /** Records how the account's part of run `runId` ended, unless that run may no longer write (holdsRun). */
  async recordAccountOutcome(
    runId: string,
    screenName: string,
    status: AccountStatus,
    error: string | null,
  ): Promise<void> {
    await this.dataSource.query(
      `UPDATE sync_accounts SET last_run_at = now(), last_status = $3, last_error = $4, updated_at = now()
        WHERE screen_name = lower($2)
          AND EXISTS (SELECT 1 FROM sync_runs WHERE id = $1 AND status = 'running' FOR SHARE)`,
      [runId, screenName, status, error],
    );
  }
}

function toRun(row: Record<string, unknown>): SyncRun {
  return {
    id: row.id as string,
    trigger: row.trigger as RunTrigger,
    status: row.status as RunStatus,
    startedAt: new Date(row.started_at as string),
    finishedAt: row.finished_at ? new Date(row.finished_at as string) : null,
    error: row.error as string | null,
    // Runs recorded before `skipped` existed skipped nothing.
    accounts: (row.accounts as AccountResult[]).map((account) => ({ ...account, skipped: account.skipped ?? 0 })),
  };
}
