import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { SyncProgress } from './sync-progress';
import { Keyset, Page, toPage } from '../pagination/page';

export type RunTrigger = 'manual' | 'schedule' | 'startup';
export type RunStatus = 'running' | 'succeeded' | 'partial' | 'failed' | 'interrupted';
/** How an account's part of a run ended; `pending` and `running` only while the run runs. */
export type AccountStatus = 'succeeded' | 'partial' | 'failed' | 'not_found' | 'protected' | 'pending' | 'running';
/** What X says of the account: `unresolved` until a lookup gave its user id. */
export type AccountState = 'unresolved' | 'active' | 'protected' | 'suspended' | 'deleted';
export type Exclusion = 'replies' | 'retweets';

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
  /** A first backfill in this run: the account's tweets it stored so far, and the most it fetches. */
  backfill: { stored: number; atMost: number } | null;
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
  id: string;
  screenName: string;
  userId: string | null;
  state: AccountState;
  exclude: Exclusion[];
  progress: SyncProgress;
}

const RUN_SELECT = `id::text, trigger, status, started_at, finished_at, error, accounts,
  to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS keyset_started_at`;

/** The queries of sync_runs, and of the sync state of sync_accounts (src/accounts manages the list). */
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

  /**
   * The accounts a run syncs, longest-waiting first so that runs cut short by the rate limit or
   * the budget serve every account in turn: all enabled ones, or those named (found by current or
   * previous screen name, added when not stored yet).
   */
  async findAccountsToSync(screenNames?: string[]): Promise<SyncAccount[]> {
    if (screenNames) await this.addAccounts(screenNames);
    // Named accounts keep the order they were named in.
    const rows: Record<string, unknown>[] = screenNames
      ? await this.dataSource.query(
          `SELECT ${ACCOUNT_SELECT} FROM sync_accounts a WHERE a.id = ANY($1::bigint[])
            ORDER BY array_position($1::bigint[], a.id)`,
          [await this.findAccountIds(screenNames)],
        )
      : await this.dataSource.query(
          `SELECT ${ACCOUNT_SELECT} FROM sync_accounts a WHERE a.enabled
            ORDER BY a.last_succeeded_at NULLS FIRST, a.created_at, a.id`,
        );
    return rows.map(toAccount);
  }

  /** Of these screen names, those of stored accounts that are paused. */
  async findPaused(screenNames: string[]): Promise<string[]> {
    const rows: { screen_name: string }[] = await this.dataSource.query(
      `SELECT screen_name FROM sync_accounts WHERE NOT enabled AND id = ANY($1::bigint[]) ORDER BY screen_name`,
      [await this.findAccountIds(screenNames)],
    );
    return rows.map((row) => row.screen_name);
  }

  async hasEnabledAccounts(): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(`SELECT 1 FROM sync_accounts WHERE enabled LIMIT 1`);
    return rows.length > 0;
  }

  /**
   * Adds, enabled and unresolved, each of `screenNames` that no account has or had as its screen
   * name, in their order; answers the names added. Replicas starting together add each name once.
   */
  async addAccounts(screenNames: string[]): Promise<string[]> {
    if (screenNames.length === 0) return [];
    const rows: { screen_name: string }[] = await this.dataSource.query(
      `INSERT INTO sync_accounts (screen_name)
       SELECT given.name FROM unnest($1::text[]) WITH ORDINALITY AS given (name, position)
        WHERE NOT EXISTS (
          SELECT 1 FROM sync_accounts a
           WHERE lower(a.screen_name) = lower(given.name)
              OR EXISTS (SELECT 1 FROM unnest(a.previous_screen_names) AS p (name) WHERE lower(p.name) = lower(given.name)))
        ORDER BY given.position
       ON CONFLICT DO NOTHING
       RETURNING screen_name`,
      [screenNames],
    );
    return rows.map((row) => row.screen_name);
  }

  /** Each name's account: the current holder of the name, else the newest account that had it. */
  private async findAccountIds(screenNames: string[]): Promise<string[]> {
    const rows: { id: string }[] = await this.dataSource.query(
      `SELECT found.id FROM unnest($1::text[]) WITH ORDINALITY AS named (name, position),
         LATERAL (SELECT a.id::text FROM sync_accounts a
                   WHERE lower(a.screen_name) = lower(named.name)
                      OR lower(named.name) = ANY (SELECT lower(p) FROM unnest(a.previous_screen_names) p)
                   ORDER BY lower(a.screen_name) = lower(named.name) DESC, a.created_at DESC LIMIT 1) AS found
        ORDER BY named.position`,
      [screenNames],
    );
    return [...new Set(rows.map((row) => row.id))];
  }

  /** Another account already followed under this user id, if any. */
  async findAccountByUserId(userId: string): Promise<{ id: string; screenName: string } | null> {
    const rows: { id: string; screen_name: string }[] = await this.dataSource.query(
      `SELECT id::text, screen_name FROM sync_accounts WHERE user_id = $1::bigint`,
      [userId],
    );
    return rows[0] ? { id: rows[0].id, screenName: rows[0].screen_name } : null;
  }

  /**
   * The account of user `userId`, or else the unresolved one named `screenName` (which gets the user
   * id), locked until `manager`'s transaction ends; null when neither is stored.
   */
  async lockAccountOfUser(
    userId: string,
    screenName: string,
    manager: EntityManager,
  ): Promise<{ id: string; progress: SyncProgress } | null> {
    await manager.query(
      `UPDATE sync_accounts SET user_id = $1::bigint, updated_at = now()
        WHERE user_id IS NULL AND lower(screen_name) = lower($2)
          AND NOT EXISTS (SELECT 1 FROM sync_accounts WHERE user_id = $1::bigint)`,
      [userId, screenName],
    );
    const rows: Record<string, unknown>[] = await manager.query(
      `SELECT id::text, since_id::text, pending_ranges, backfilled FROM sync_accounts WHERE user_id = $1::bigint FOR UPDATE`,
      [userId],
    );
    return rows[0] ? { id: rows[0].id as string, progress: progressOf(rows[0]) } : null;
  }

  /**
   * Holds the account's row until the page's transaction ends, so a DELETE of the account waits for
   * it; false once the account is gone (removed while it synced).
   */
  async lockAccount(id: string, manager: EntityManager): Promise<boolean> {
    const rows: unknown[] = await manager.query(`SELECT 1 FROM sync_accounts WHERE id = $1 FOR UPDATE`, [id]);
    return rows.length > 0;
  }

  /**
   * What X says the account is now: its user id, its screen name (the old one joins the previous
   * names) and its status. The name is kept when another stored account still holds it (its own
   * next lookup renames it); answers the name kept.
   */
  async saveIdentity(
    id: string,
    identity: { userId: string | null; screenName: string; status: AccountState },
  ): Promise<string> {
    const rows: { screen_name: string }[] = await this.dataSource.query(
      `WITH taken AS (
         SELECT EXISTS (SELECT 1 FROM sync_accounts WHERE lower(screen_name) = lower($3) AND id <> $1) AS yes
       ), saved AS (
         UPDATE sync_accounts a SET
           user_id = $2::bigint, status = $4, updated_at = now(),
           screen_name = CASE WHEN taken.yes THEN a.screen_name ELSE $3 END,
           previous_screen_names = CASE
             WHEN taken.yes OR lower(a.screen_name) = lower($3) THEN a.previous_screen_names
             ELSE ARRAY(SELECT p FROM unnest(a.previous_screen_names) p
                         WHERE lower(p) NOT IN (lower($3), lower(a.screen_name))) || a.screen_name END
           FROM taken WHERE a.id = $1 RETURNING a.screen_name
       )
       SELECT screen_name FROM saved`,
      [id, identity.userId, identity.screenName, identity.status],
    );
    return rows[0]?.screen_name ?? identity.screenName;
  }

  async saveStatus(id: string, status: AccountState): Promise<void> {
    await this.dataSource.query(
      `WITH saved AS (UPDATE sync_accounts SET status = $2, updated_at = now() WHERE id = $1 RETURNING 1)
       SELECT count(*) FROM saved`,
      [id, status],
    );
  }

  /** Saves where the account's sync stands; pass the manager of the page's transaction. */
  async saveProgress(
    id: string,
    userId: string | null,
    progress: SyncProgress,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<void> {
    await manager.query(
      `UPDATE sync_accounts
          SET user_id = $2::bigint, since_id = $3::bigint, pending_ranges = $4::jsonb, backfilled = $5, updated_at = now()
        WHERE id = $1`,
      [id, userId, progress.sinceId, JSON.stringify(progress.ranges), progress.backfilled],
    );
  }

  /** Records how the account's part of run `runId` ended, unless that run may no longer write (holdsRun). */
  async recordAccountOutcome(runId: string, id: string, status: AccountStatus, error: string | null): Promise<void> {
    await this.dataSource.query(
      `WITH recorded AS (
         UPDATE sync_accounts SET last_run_at = now(), last_status = $3, last_error = $4, updated_at = now(),
                last_succeeded_at = CASE WHEN $3 = 'succeeded' THEN now() ELSE last_succeeded_at END
          WHERE id = $2
            AND EXISTS (SELECT 1 FROM sync_runs WHERE id = $1 AND status = 'running' FOR SHARE)
          RETURNING 1
       )
       SELECT count(*) FROM recorded`,
      [runId, id, status, error],
    );
  }

  /** What a running run has done so far, for GET /sync/runs/:id; the end of the run overwrites it. */
  async saveRunAccounts(runId: string, accounts: AccountResult[]): Promise<void> {
    await this.dataSource.query(
      `WITH saved AS (UPDATE sync_runs SET accounts = $2::jsonb WHERE id = $1 AND status = 'running' RETURNING 1)
       SELECT count(*) FROM saved`,
      [runId, JSON.stringify(accounts)],
    );
  }
}

const ACCOUNT_SELECT = `a.id::text, a.screen_name, a.user_id::text, a.status, a.exclude,
  a.since_id::text, a.pending_ranges, a.backfilled`;

function toAccount(row: Record<string, unknown>): SyncAccount {
  return {
    id: row.id as string,
    screenName: row.screen_name as string,
    userId: row.user_id as string | null,
    state: row.status as AccountState,
    exclude: row.exclude as Exclusion[],
    progress: progressOf(row),
  };
}

/** The progress columns of a sync_accounts row (since_id as text). */
export function progressOf(row: Record<string, unknown>): SyncProgress {
  return {
    sinceId: row.since_id as string | null,
    ranges: row.pending_ranges as SyncProgress['ranges'],
    backfilled: row.backfilled as number,
  };
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
    accounts: (row.accounts as AccountResult[]).map((account) => ({
      ...account,
      skipped: account.skipped ?? 0,
      backfill: account.backfill ?? null,
    })),
  };
}
