import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Keyset, Page, toPage } from '../pagination/page';
import { SyncProgress } from '../sync/sync-progress';
import { progressOf } from '../sync/sync.repository';

export const ACCOUNT_STATUSES = ['unresolved', 'active', 'protected', 'suspended', 'deleted'] as const;
export type AccountStatus = (typeof ACCOUNT_STATUSES)[number];

/** What the timeline request may leave out (`exclude=replies,retweets`). */
export const EXCLUDABLE = ['replies', 'retweets'] as const;
export type Excluded = (typeof EXCLUDABLE)[number];

/** An account of the list to sync, with what is stored of its timeline. */
export interface AccountRecord {
  id: string;
  /** X's casing; unique case-insensitively. */
  screenName: string;
  userId: string | null;
  enabled: boolean;
  exclude: Excluded[];
  status: AccountStatus;
  progress: SyncProgress;
  previousScreenNames: string[];
  lastRunAt: Date | null;
  lastSucceededAt: Date | null;
  lastError: string | null;
  createdAt: Date;
  /** Timeline tweets stored, newest version only: what GET /tweets lists of the account. */
  storedTweets: number;
  newestTweetId: string | null;
  keyset: Keyset;
}

export interface AccountFilter {
  limit: number;
  after?: Keyset;
  enabled?: boolean;
  status?: AccountStatus;
}

export interface NewAccount {
  screenName: string;
  userId: string | null;
  status: AccountStatus;
  enabled: boolean;
  exclude: Excluded[];
}

/** Which stored account a new one would duplicate, and how. */
export interface Duplicate {
  screenName: string;
  userId: string | null;
  matched: 'screenName' | 'userId' | 'previousScreenName';
}

export interface PurgeCounts {
  screenName: string;
  accounts: number;
  tweets: number;
  users: number;
}

// The predicate of GET /tweets (and of the partial index tweets_author_newest_idx, which serves both).
const LISTED = 'NOT t.referenced_only AND t.superseded_by IS NULL';

const ACCOUNT_SELECT = `a.id::text, a.screen_name, a.user_id::text, a.enabled, a.exclude, a.status,
  a.since_id::text, a.pending_ranges, a.backfilled, a.previous_screen_names,
  a.last_run_at, a.last_succeeded_at, a.last_error, a.created_at,
  to_char(a.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS keyset_created_at,
  timeline.stored_tweets, timeline.newest_tweet_id`;

// Per account, two index lookups on tweets_author_newest_idx; an unresolved account has none.
const WITH_TIMELINE = `CROSS JOIN LATERAL (
  SELECT (SELECT count(*) FROM tweets t WHERE t.author_id = a.user_id AND ${LISTED})::int AS stored_tweets,
         (SELECT t.id::text FROM tweets t WHERE t.author_id = a.user_id AND ${LISTED}
           ORDER BY t.created_at DESC, t.id DESC LIMIT 1) AS newest_tweet_id
) timeline`;

// $1 is the screen name: a current name first, else the newest account that had it before.
const NAMED = `(lower(a.screen_name) = lower($1)
  OR EXISTS (SELECT 1 FROM unnest(a.previous_screen_names) AS p (name) WHERE lower(p.name) = lower($1)))`;
const NAMED_ORDER = `(lower(a.screen_name) = lower($1)) DESC, a.created_at DESC, a.id DESC`;

/** The queries on sync_accounts that manage the list (the sync keeps its cursor columns itself). */
@Injectable()
export class AccountsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Runs `work` in one transaction; every write given its manager commits or rolls back together. */
  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /** The list's order, oldest added first (created_at, id); one query, `limit + 1` rows read. */
  async findAccounts(filter: AccountFilter): Promise<Page<AccountRecord>> {
    const params: unknown[] = [];
    const param = (value: unknown) => `$${params.push(value)}`;
    const where = ['true'];
    if (filter.enabled !== undefined) where.push(`a.enabled = ${param(filter.enabled)}::boolean`);
    if (filter.status !== undefined) where.push(`a.status = ${param(filter.status)}`);
    if (filter.after) {
      where.push(
        `(a.created_at, a.id) > (${param(filter.after.createdAt)}::timestamptz, ${param(filter.after.id)}::bigint)`,
      );
    }
    const rows: Record<string, unknown>[] = await this.dataSource.query(
      `SELECT ${ACCOUNT_SELECT} FROM sync_accounts a ${WITH_TIMELINE}
        WHERE ${where.join(' AND ')}
        ORDER BY a.created_at, a.id
        LIMIT ${param(filter.limit + 1)}`,
      params,
    );
    return toPage(rows.map(toAccount), filter.limit);
  }

  /**
   * The account named `screenName` (case-insensitively): the one that has it now, else the newest
   * one that had it before; null when none did.
   */
  async findAccount(screenName: string): Promise<AccountRecord | null> {
    const rows: Record<string, unknown>[] = await this.dataSource.query(
      `SELECT ${ACCOUNT_SELECT} FROM sync_accounts a ${WITH_TIMELINE}
        WHERE ${NAMED} ORDER BY ${NAMED_ORDER} LIMIT 1`,
      [screenName],
    );
    return rows.length ? toAccount(rows[0]) : null;
  }

  async findAccountById(id: string): Promise<AccountRecord | null> {
    const rows: Record<string, unknown>[] = await this.dataSource.query(
      `SELECT ${ACCOUNT_SELECT} FROM sync_accounts a ${WITH_TIMELINE} WHERE a.id = $1::bigint`,
      [id],
    );
    return rows.length ? toAccount(rows[0]) : null;
  }

  /**
   * The stored account a new one named `screenName` (of user `userId`, if known) would duplicate:
   * same current name, same user id or, with `previousNames`, a name it had before.
   */
  async findDuplicate(screenName: string, userId: string | null, previousNames: boolean): Promise<Duplicate | null> {
    const rows: Record<string, unknown>[] = await this.dataSource.query(
      `SELECT a.screen_name, a.user_id::text,
              CASE WHEN lower(a.screen_name) = lower($1) THEN 'screenName'
                   WHEN a.user_id = $2::bigint THEN 'userId'
                   ELSE 'previousScreenName' END AS matched
         FROM sync_accounts a
        WHERE lower(a.screen_name) = lower($1) OR a.user_id = $2::bigint OR ($3::boolean AND ${NAMED})
        ORDER BY (lower(a.screen_name) = lower($1)) DESC, (a.user_id = $2::bigint) DESC NULLS LAST,
                 a.created_at DESC, a.id DESC
        LIMIT 1`,
      [screenName, userId, previousNames],
    );
    if (rows.length === 0) return null;
    const row = rows[0];
    return {
      screenName: row.screen_name as string,
      userId: row.user_id as string | null,
      matched: row.matched as Duplicate['matched'],
    };
  }

  /**
   * Adds an account at the end of the list; answers its id, or null when a unique index refused it
   * (the name or the user id is stored already, e.g. by a POST at the same moment).
   */
  async insertAccount(account: NewAccount, manager: EntityManager = this.dataSource.manager): Promise<string | null> {
    // No conflict target: every unique index of the table (name and user id) counts, and a refused
    // row leaves the transaction usable.
    const rows: { id: string }[] = await manager.query(
      `INSERT INTO sync_accounts (screen_name, user_id, status, enabled, exclude)
       VALUES ($1, $2::bigint, $3, $4::boolean, $5::text[])
       ON CONFLICT DO NOTHING
       RETURNING id::text`,
      [account.screenName, account.userId, account.status, account.enabled, account.exclude],
    );
    return rows[0]?.id ?? null;
  }

  /** Changes whether the account is synced and what it leaves out; its cursor stays. False when it is gone. */
  async updateAccount(id: string, change: { enabled?: boolean; exclude?: Excluded[] }): Promise<boolean> {
    // Wrapped in a SELECT: TypeORM answers a bare UPDATE with [rows, count] on pg but rows on PGlite.
    const rows: unknown[] = await this.dataSource.query(
      `WITH changed AS (
         UPDATE sync_accounts
            SET enabled = coalesce($2::boolean, enabled), exclude = coalesce($3::text[], exclude), updated_at = now()
          WHERE id = $1::bigint
         RETURNING id
       )
       SELECT id::text FROM changed`,
      [id, change.enabled ?? null, change.exclude ?? null],
    );
    return rows.length > 0;
  }

  /** Removes the account from the list; its tweets and user row stay. False when it was gone already. */
  async deleteAccount(id: string): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `WITH gone AS (DELETE FROM sync_accounts WHERE id = $1::bigint RETURNING id) SELECT id::text FROM gone`,
      [id],
    );
    return rows.length > 0;
  }

  /**
   * In one transaction: removes the account (first, so that a run syncing it stops at its next page:
   * the sync locks the account's row in each page transaction), then every stored tweet of its user
   * (timeline, edit versions and copies stored as references alike), then the user row. Null when
   * the account was gone already.
   */
  async purgeAccount(id: string): Promise<PurgeCounts | null> {
    return this.dataSource.transaction(async (manager) => {
      // A large archive takes longer than DATABASE_STATEMENT_TIMEOUT_MS allows a statement (PostgreSQL;
      // PGlite has no timeout, and takes the SET all the same).
      await manager.query('SET LOCAL statement_timeout = 0');
      const accounts: { screen_name: string; user_id: string | null }[] = await manager.query(
        `WITH gone AS (DELETE FROM sync_accounts WHERE id = $1::bigint RETURNING screen_name, user_id)
         SELECT screen_name, user_id::text FROM gone`,
        [id],
      );
      if (accounts.length === 0) return null;
      const [{ screen_name: screenName, user_id: userId }] = accounts;
      if (userId === null) return { screenName, accounts: 1, tweets: 0, users: 0 };
      const count = async (sql: string) => {
        const rows: { count: number }[] = await manager.query(
          `WITH gone AS (${sql} RETURNING 1) SELECT count(*)::int AS count FROM gone`,
          [userId],
        );
        return rows[0].count;
      };
      const tweets = await count('DELETE FROM tweets WHERE author_id = $1::bigint');
      const users = await count('DELETE FROM twitter_users WHERE id = $1::bigint');
      return { screenName, accounts: 1, tweets, users };
    });
  }
}

function toAccount(row: Record<string, unknown>): AccountRecord {
  return {
    id: row.id as string,
    screenName: row.screen_name as string,
    userId: row.user_id as string | null,
    enabled: row.enabled as boolean,
    exclude: row.exclude as Excluded[],
    status: row.status as AccountStatus,
    progress: progressOf(row),
    previousScreenNames: row.previous_screen_names as string[],
    lastRunAt: toDate(row.last_run_at),
    lastSucceededAt: toDate(row.last_succeeded_at),
    lastError: row.last_error as string | null,
    createdAt: toDate(row.created_at)!,
    storedTweets: row.stored_tweets as number,
    newestTweetId: row.newest_tweet_id as string | null,
    keyset: { createdAt: row.keyset_created_at as string, id: row.id as string },
  };
}

const toDate = (value: unknown): Date | null => (value === null ? null : new Date(value as string | Date));
