import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, EntityTarget, QueryFailedError } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';
import { Keyset, Page, toPage } from '../pagination/page';
import { cleanJson, cleanText } from './clean-values';
import type { SearchQuery } from './search-query';
import { TweetMetricsHistoryEntity, UserMetricsHistoryEntity, UserProfileHistoryEntity } from './history.entity';
import { TweetEntity } from './tweet.entity';
import { TwitterUserEntity } from './twitter-user.entity';

export interface TweetFilter {
  limit: number;
  after?: Keyset;
  screenName?: string;
  since?: Date;
  until?: Date;
  search?: SearchQuery;
  includeRaw: boolean;
  /** Deleted tweets (deleted_at set) are left out unless this is set. */
  includeDeleted?: boolean;
}

/** A user as the sync writes it: the API always names its screen name. */
export type TwitterUserRow = Omit<TwitterUserEntity, 'firstSeenAt' | 'updatedAt' | 'screenName'> & {
  screenName: string;
};
/** A tweet as the sync writes it; superseded_by, deleted_at and verified_at are set apart (markSuperseded, markChecked). */
export type TweetRow = Omit<
  TweetEntity,
  'author' | 'fetchedAt' | 'updatedAt' | 'supersededBy' | 'deletedAt' | 'verifiedAt'
>;

export interface ReferencedTweetSummary {
  id: string;
  text: string;
  authorId: string;
  authorScreenName: string | null;
  authorName: string;
}

/** A tweet as read for the API: its columns plus the author's public face. */
export interface TweetRecord extends TweetRow {
  supersededBy: string | null;
  deletedAt: Date | null;
  /** The stored tweets among referencedTweets, by id. */
  referenced: Map<string, ReferencedTweetSummary>;
  authorScreenName: string | null;
  authorName: string;
  authorProfileImageUrl: string | null;
  keyset: Keyset;
}

export interface UserRecord extends Omit<TwitterUserRow, 'screenName'> {
  screenName: string | null;
  keyset: Keyset;
}

export type SaveMode = 'update' | 'insert-only';
/**
 * How rows are written: a save mode of the sync, or `archive` for the X archive import, which inserts
 * what is missing and updates only rows an import stored (a sync's row has newer metrics and the
 * API's raw object); users it only inserts.
 */
export type UpsertMode = SaveMode | 'archive';

export type TweetMetricsObservation = Omit<TweetMetricsHistoryEntity, 'tweetId'>;
export type UserMetricsObservation = Omit<UserMetricsHistoryEntity, 'userId'>;
export type UserProfileObservation = Omit<UserProfileHistoryEntity, 'userId'>;

/** A stored tweet's metrics as they changed and its stored edit versions, oldest first. */
export interface TweetHistory {
  metrics: TweetMetricsObservation[];
  versions: Pick<TweetEntity, 'id' | 'text' | 'createdAt'>[];
}

/** A stored account's counts and profile as they changed, oldest first. */
export interface UserHistory {
  metrics: UserMetricsObservation[];
  profiles: UserProfileObservation[];
}

/** A month of an author's posting: its tweets by kind (a quote that replies counts as a quote). */
export interface TweetsInMonth {
  month: string;
  originals: number;
  replies: number;
  retweets: number;
  quotes: number;
}

/** How a tweet's kind reads in SQL, from its references (t: the tweets row). */
const TWEET_KIND = {
  retweet: `t.referenced_tweets @> '[{"type": "retweeted"}]'`,
  quote: `t.referenced_tweets @> '[{"type": "quoted"}]'`,
  reply: `t.in_reply_to_tweet_id IS NOT NULL`,
};

/** A row PostgreSQL refused even after cleaning, and its error. */
export interface RefusedRow {
  id: string;
  reason: string;
}

export interface UpsertCounts {
  inserted: number;
  updated: number;
  unchanged: number;
  /** Skipped: the other rows of their statement are stored all the same. */
  refused: RefusedRow[];
}

/** How the upsert treats columns that are not simply content (written, and rewritten in `update` mode). */
interface UpsertRules<T> {
  /** Identity and creation: written once, never changed. */
  fixed: (keyof T & string)[];
  /** Written by a method of their own, never by the upsert. */
  apart?: (keyof T & string)[];
  /** Bookkeeping: follows the API in both save modes; the SQL merging it with the stored value. */
  bookkeeping?: Partial<Record<keyof T & string, string>>;
}

const TWEET_RULES: UpsertRules<TweetEntity> = {
  fixed: ['id', 'authorId', 'createdAt'],
  apart: ['supersededBy', 'deletedAt', 'verifiedAt'],
  // Once seen in a timeline, a tweet stays a timeline tweet when it turns up again as a reference.
  bookkeeping: { referencedOnly: 'target.referenced_only AND EXCLUDED.referenced_only' },
};

const USER_RULES: UpsertRules<TwitterUserEntity> = {
  fixed: ['id', 'createdAt'],
  // Lookups by screen name must follow a rename even when the profile is frozen.
  bookkeeping: { screenName: 'EXCLUDED.screen_name' },
};

interface WrittenColumn {
  column: ColumnMetadata;
  /** On conflict: never, in `update` mode only (content), or in both modes with this merge. */
  onConflict: 'never' | 'content' | { merge: string };
}

/**
 * A table's columns as its entity declares them: the one list the upsert, the SELECT lists and the
 * row mapping are built from (the migrations are history; a test keeps them equal to the entities).
 */
class Table {
  readonly name: string;
  /** What a row read for the API holds: every column but the timestamps SQL keeps. */
  private readonly readable: ColumnMetadata[];
  /** The readable columns whose values the driver converts (a transformer). */
  private readonly converted: ColumnMetadata[];
  readonly written: WrittenColumn[];

  constructor(
    private readonly dataSource: DataSource,
    entity: EntityTarget<object>,
    rules: UpsertRules<Record<string, unknown>>,
    /** The history tables the upsert adds a row to for each change it sees. */
    readonly histories: HistoryTable[] = [],
  ) {
    const metadata = dataSource.getMetadata(entity);
    this.name = metadata.tableName;
    this.readable = metadata.columns.filter((c) => c.isSelect && !c.isCreateDate && !c.isUpdateDate);
    // pg already returns text, bigint (as strings), jsonb, booleans and timestamps as declared.
    this.converted = this.readable.filter((column) => column.transformer !== undefined);
    this.written = this.readable
      .filter((column) => !rules.apart?.includes(column.propertyName))
      .map((column) => {
        const merge = rules.bookkeeping?.[column.propertyName];
        if (merge !== undefined) return { column, onConflict: { merge } };
        return { column, onConflict: rules.fixed.includes(column.propertyName) ? 'never' : 'content' };
      });
  }

  /**
   * `alias.column AS "property", …` of the readable columns but those in `omit` (property names):
   * pg then builds each row with the entity's property names, and properties() has little to do.
   */
  select(alias: string, omit: string[] = []): string {
    return this.readable
      .filter((column) => !omit.includes(column.propertyName))
      .map((column) => `${alias}.${column.databaseName} AS "${column.propertyName}"`)
      .join(', ');
  }

  /**
   * The entity's properties out of a row of select(), typed as the entity says: the row itself,
   * with the values pg does not return as the entity declares them converted in place (the counts,
   * bigint in SQL and numbers here). Every row served passes here: it copies nothing.
   */
  properties(row: Record<string, unknown>): Record<string, unknown> {
    for (const column of this.converted) {
      if (column.propertyName in row) {
        row[column.propertyName] = this.dataSource.driver.prepareHydratedValue(row[column.propertyName], column);
      }
    }
    return row;
  }
}

/**
 * A history table (history.entity.ts): a row per change of some of the followed table's columns,
 * kept under the same names, by (key, observed_at).
 */
class HistoryTable extends Table {
  /** The column naming the followed row: tweet_id, user_id. */
  readonly key: string;
  /** The followed table's columns it keeps. */
  readonly kept: string[];

  constructor(dataSource: DataSource, entity: EntityTarget<object>) {
    super(dataSource, entity, { fixed: [] });
    const metadata = dataSource.getMetadata(entity);
    this.key = metadata.primaryColumns.find((column) => column.propertyName !== 'observedAt')!.databaseName;
    this.kept = metadata.columns.filter((column) => !column.isPrimary).map((column) => column.databaseName);
  }
}

/** A value as bound to `$n::<type>`, cleaned of what PostgreSQL refuses in text and jsonb. */
function bindable(column: ColumnMetadata, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (column.type === 'jsonb') return cleanJson(value);
  return typeof value === 'string' ? cleanText(value) : value;
}

// Rows a statement: a refused row sends its whole batch through the row-by-row retry.
const ROWS_PER_STATEMENT = 500;

// created_at at microsecond precision: a JavaScript Date (milliseconds) would round keysets.
const keysetCreatedAt = (alias: string) =>
  `to_char(${alias}.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS keyset_created_at`;

/**
 * SQL for the LIKE pattern `%term%` of the term bound at `param`, folded as t.text_folded is (the
 * trigram index). Escaped after folding: unaccent turns ％ into %, which must stay a literal too.
 */
const likeContaining = (param: string) =>
  String.raw`'%' || replace(replace(replace(tts_fold(${param}), '\', '\\'), '%', '\%'), '_', '\_') || '%'`;

/** The only place with queries on tweets, twitter_users and their history tables. */
@Injectable()
export class TweetsRepository {
  private readonly tweets: Table;
  private readonly users: Table;
  private readonly tweetMetricsHistory: HistoryTable;
  private readonly userMetricsHistory: HistoryTable;
  private readonly userProfileHistory: HistoryTable;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.tweetMetricsHistory = new HistoryTable(dataSource, TweetMetricsHistoryEntity);
    this.userMetricsHistory = new HistoryTable(dataSource, UserMetricsHistoryEntity);
    this.userProfileHistory = new HistoryTable(dataSource, UserProfileHistoryEntity);
    this.tweets = new Table(dataSource, TweetEntity, TWEET_RULES, [this.tweetMetricsHistory]);
    this.users = new Table(dataSource, TwitterUserEntity, USER_RULES, [
      this.userMetricsHistory,
      this.userProfileHistory,
    ]);
  }

  /**
   * Inserts new users and, in `update` mode, rewrites those whose fields changed (the screen name in
   * both modes); one statement per 500 rows. A stored account whose screen name one of `rows` now
   * holds loses it first (to NULL). Rows PostgreSQL refuses are skipped and listed in `refused`.
   */
  async upsertUsers(
    rows: TwitterUserRow[],
    mode: UpsertMode,
    manager = this.dataSource.manager,
  ): Promise<UpsertCounts> {
    // An archive's screen name may be years old: it never takes a name from another stored account.
    if (rows.length > 0 && mode !== 'archive') {
      await manager.query(
        `UPDATE twitter_users t SET screen_name = NULL, updated_at = now()
           FROM unnest($1::bigint[], $2::text[]) AS v (id, screen_name)
          WHERE lower(t.screen_name) = lower(v.screen_name) AND t.id <> v.id`,
        [rows.map((row) => row.id), rows.map((row) => row.screenName)],
      );
    }
    return upsert(manager, this.users, rows, mode);
  }

  /**
   * As upsertUsers, for tweets; their authors must be stored first. Content is frozen in
   * `insert-only` mode, but a tweet stored as a reference becomes a timeline tweet in both.
   */
  upsertTweets(rows: TweetRow[], mode: UpsertMode, manager = this.dataSource.manager): Promise<UpsertCounts> {
    return upsert(manager, this.tweets, rows, mode);
  }

  /** Newest first (created_at, id), one indexed query; `limit + 1` rows are read to know if more follow. */
  async findTweets(filter: TweetFilter): Promise<Page<TweetRecord>> {
    const conditions = await this.tweetConditions(filter);
    if (!conditions) return { items: [], next: null };
    const { where, params } = conditions;
    // The page first, then its authors: joined before the LIMIT, the planner may drive the query
    // from the few authors and read each one's tweets whole, which a search's estimates invite.
    const rows: Record<string, unknown>[] = await this.dataSource.query(
      `SELECT ${this.tweetSelect(filter.includeRaw)}
         FROM (SELECT * FROM tweets t
                WHERE ${where}
                ORDER BY t.created_at DESC, t.id DESC
                LIMIT $${params.push(filter.limit + 1)}) t
         JOIN twitter_users u ON u.id = t.author_id
        ORDER BY t.created_at DESC, t.id DESC`,
      params,
    );
    return toPage(await this.withReferences(rows.map((row) => this.toTweetRecord(row))), filter.limit);
  }

  /** How many tweets findTweets lists with `filter` from its start (for an export's progress). */
  async countTweets(filter: Omit<TweetFilter, 'limit' | 'after' | 'includeRaw'>): Promise<number> {
    const conditions = await this.tweetConditions(filter);
    if (!conditions) return 0;
    const [{ count }] = await this.dataSource.query<{ count: string }[]>(
      `SELECT count(*) FROM tweets t WHERE ${conditions.where}`,
      conditions.params,
    );
    return Number(count);
  }

  /** The WHERE of findTweets and countTweets, or null when the screen name is nobody's. */
  private async tweetConditions(
    filter: Omit<TweetFilter, 'limit' | 'includeRaw'>,
  ): Promise<{ where: string; params: unknown[] } | null> {
    const params: unknown[] = [];
    const param = (value: unknown) => `$${params.push(value)}`;
    // The conditions of the partial indexes: timeline tweets, newest version only.
    const where = ['NOT t.referenced_only', 't.superseded_by IS NULL'];
    // Not in the partial indexes' condition, so that both listings use them; deleted tweets are few.
    if (!filter.includeDeleted) where.push('t.deleted_at IS NULL');
    if (filter.screenName !== undefined) {
      // Resolved first, so the planner sees the author's id (and its share of the table) and can
      // pick tweets_author_newest_idx; inside a sub-select the id would be unknown when planning.
      const author = await this.findUserByScreenName(filter.screenName);
      if (!author) return null;
      where.push(`t.author_id = ${param(author.id)}::bigint`);
    }
    if (filter.since) where.push(`t.created_at >= ${param(filter.since)}::timestamptz`);
    if (filter.until) where.push(`t.created_at < ${param(filter.until)}::timestamptz`);
    if (filter.search) {
      const contains = (term: string) => `t.text_folded LIKE ${likeContaining(param(term))}`;
      where.push(...filter.search.include.map(contains));
      where.push(...filter.search.exclude.map((term) => `NOT ${contains(term)}`));
    }
    if (filter.after) {
      where.push(
        `(t.created_at, t.id) < (${param(filter.after.createdAt)}::timestamptz, ${param(filter.after.id)}::bigint)`,
      );
    }
    return { where: where.join(' AND '), params };
  }

  /** One tweet with its author, or null. */
  async findTweet(id: string, includeRaw: boolean): Promise<TweetRecord | null> {
    const rows: Record<string, unknown>[] = await this.dataSource.query(
      `SELECT ${this.tweetSelect(includeRaw)}
         FROM tweets t JOIN twitter_users u ON u.id = t.author_id
        WHERE t.id = $1::bigint`,
      [id],
    );
    return rows.length ? (await this.withReferences([this.toTweetRecord(rows[0])]))[0] : null;
  }

  /** The stored replies to a tweet (newest versions), oldest first; along tweets_replies_idx. */
  findReplies(id: string, limit: number): Promise<TweetRecord[]> {
    return this.findTweetsWhere(
      't.in_reply_to_tweet_id = $1::bigint AND t.superseded_by IS NULL',
      [id],
      't.created_at, t.id',
      limit,
    );
  }

  /** The author's listed tweets with the most likes (retweets left out: their likes are the original's). */
  findMostLiked(authorId: string, limit: number): Promise<TweetRecord[]> {
    return this.findTweetsWhere(
      `t.author_id = $1::bigint AND NOT t.referenced_only AND t.superseded_by IS NULL AND t.deleted_at IS NULL
         AND t.like_count IS NOT NULL AND NOT t.referenced_tweets @> '[{"type": "retweeted"}]'`,
      [authorId],
      't.like_count DESC, t.created_at DESC, t.id DESC',
      limit,
    );
  }

  /** The author's listed tweets per month in `timeZone` (yyyy-MM), oldest first, by kind. */
  async countTweetsByMonth(authorId: string, timeZone: string): Promise<TweetsInMonth[]> {
    const rows: Record<string, string>[] = await this.dataSource.query(
      `SELECT to_char(t.created_at AT TIME ZONE $2, 'YYYY-MM') AS month,
              count(*) FILTER (WHERE ${TWEET_KIND.retweet}) AS retweets,
              count(*) FILTER (WHERE ${TWEET_KIND.quote} AND NOT ${TWEET_KIND.retweet}) AS quotes,
              count(*) FILTER (WHERE ${TWEET_KIND.reply} AND NOT ${TWEET_KIND.retweet} AND NOT ${TWEET_KIND.quote}) AS replies,
              count(*) AS total
         FROM tweets t
        WHERE t.author_id = $1::bigint AND NOT t.referenced_only AND t.superseded_by IS NULL AND t.deleted_at IS NULL
        GROUP BY 1 ORDER BY 1`,
      [authorId, timeZone],
    );
    return rows.map((row) => {
      const [retweets, quotes, replies, total] = [row.retweets, row.quotes, row.replies, row.total].map(Number);
      return { month: row.month, originals: total - retweets - quotes - replies, replies, retweets, quotes };
    });
  }

  private async findTweetsWhere(where: string, params: unknown[], orderBy: string, limit: number) {
    const rows: Record<string, unknown>[] = await this.dataSource.query(
      `SELECT ${this.tweetSelect(false)}
         FROM (SELECT * FROM tweets t WHERE ${where} ORDER BY ${orderBy} LIMIT $${params.length + 1}) t
         JOIN twitter_users u ON u.id = t.author_id
        ORDER BY ${orderBy}`,
      [...params, limit],
    );
    return this.withReferences(rows.map((row) => this.toTweetRecord(row)));
  }

  /** The id of the author's oldest listed tweet, or null; read backwards along tweets_author_newest_idx. */
  async findOldestTimelineTweetId(authorId: string, manager = this.dataSource.manager): Promise<string | null> {
    const rows: { id: string }[] = await manager.query(
      `SELECT t.id FROM tweets t
        WHERE t.author_id = $1::bigint AND NOT t.referenced_only AND t.superseded_by IS NULL
        ORDER BY t.created_at, t.id LIMIT 1`,
      [authorId],
    );
    return rows[0]?.id ?? null;
  }

  /**
   * The author's listed tweets worth asking X about: those newer than `seenFrom` (the oldest id a
   * re-read of this run saw) that no read of the run saw, and the `oldestChecked` checked longest
   * ago (never checked first, along tweets_verify_idx) but those `seen`. Ids, oldest first, each once.
   */
  async findTweetsToVerify(
    authorId: string,
    { seenFrom, seen, oldestChecked }: { seenFrom: string | null; seen: string[]; oldestChecked: number },
  ): Promise<string[]> {
    const listed = 't.author_id = $1::bigint AND NOT t.referenced_only AND t.superseded_by IS NULL';
    const rows: { id: string }[] = await this.dataSource.query(
      `(SELECT t.id FROM tweets t
         WHERE ${listed} AND $2::bigint IS NOT NULL AND t.id >= $2::bigint AND t.id <> ALL($3::bigint[]))
       UNION
       (SELECT t.id FROM tweets t WHERE ${listed} AND t.id <> ALL($3::bigint[])
         ORDER BY t.verified_at NULLS FIRST, t.id LIMIT $4)
       ORDER BY id`,
      [authorId, seenFrom, seen, oldestChecked],
    );
    return rows.map((row) => row.id);
  }

  /**
   * What X answered about stored tweets: `found` are there (deleted_at cleared), `missing` are gone
   * (deleted_at set once, when first noticed). Both count as checked now; no row is ever removed.
   */
  async markChecked(found: string[], missing: string[], manager = this.dataSource.manager): Promise<void> {
    // updated_at moves only when deleted_at does: verified_at is bookkeeping.
    if (found.length > 0) {
      await manager.query(
        `UPDATE tweets SET deleted_at = NULL, verified_at = now(),
                updated_at = CASE WHEN deleted_at IS NULL THEN updated_at ELSE now() END
          WHERE id = ANY($1::bigint[])`,
        [found],
      );
    }
    if (missing.length > 0) {
      await manager.query(
        `UPDATE tweets SET deleted_at = coalesce(deleted_at, now()), verified_at = now(),
                updated_at = CASE WHEN deleted_at IS NULL THEN now() ELSE updated_at END
          WHERE id = ANY($1::bigint[])`,
        [missing],
      );
    }
  }

  /**
   * Tweets an X archive lists as deleted by their owner: deleted_at is when the archive says, unless
   * a sync noticed it first. Answers how many were marked.
   */
  async markDeletedAt(deleted: { id: string; deletedAt: Date }[], manager = this.dataSource.manager): Promise<number> {
    if (deleted.length === 0) return 0;
    const rows: unknown[] = await manager.query(
      `WITH marked AS (
         UPDATE tweets t SET deleted_at = v.deleted_at, updated_at = now()
           FROM unnest($1::bigint[], $2::timestamptz[]) AS v (id, deleted_at)
          WHERE t.id = v.id AND t.deleted_at IS NULL
         RETURNING 1
       )
       SELECT 1 FROM marked`,
      [deleted.map((tweet) => tweet.id), deleted.map((tweet) => tweet.deletedAt.toISOString())],
    );
    return rows.length;
  }

  /** Points older versions of edited tweets at their newest version, which alone is listed. */
  async markSuperseded(versions: { id: string; newestId: string }[], manager = this.dataSource.manager): Promise<void> {
    if (versions.length === 0) return;
    await manager.query(
      `UPDATE tweets t SET superseded_by = v.newest_id, updated_at = now()
         FROM unnest($1::bigint[], $2::bigint[]) AS v (id, newest_id)
        WHERE t.id = v.id AND t.superseded_by IS DISTINCT FROM v.newest_id`,
      [versions.map((v) => v.id), versions.map((v) => v.newestId)],
    );
  }

  /** Fills in the stored tweets the records reference, in one query for all of them. */
  private async withReferences(records: TweetRecord[]): Promise<TweetRecord[]> {
    const ids = [...new Set(records.flatMap((record) => record.referencedTweets.map((ref) => ref.id)))];
    if (ids.length === 0) return records;
    const rows: Record<string, unknown>[] = await this.dataSource.query(
      `SELECT t.id, t.text, t.author_id, u.screen_name, u.name
         FROM tweets t JOIN twitter_users u ON u.id = t.author_id
        WHERE t.id = ANY($1::bigint[])`,
      [ids],
    );
    const byId = new Map(
      rows.map((row) => [
        row.id as string,
        {
          id: row.id as string,
          text: row.text as string,
          authorId: row.author_id as string,
          authorScreenName: row.screen_name as string | null,
          authorName: row.name as string,
        },
      ]),
    );
    for (const record of records) {
      for (const ref of record.referencedTweets) {
        const found = byId.get(ref.id);
        if (found) record.referenced.set(ref.id, found);
      }
    }
    return records;
  }

  /** The tweet's metrics as they changed and its stored edit versions, oldest first; null when it is not stored. */
  async findTweetHistory(id: string): Promise<TweetHistory | null> {
    // An older version keeps the list it was stored with; its newest version (superseded_by) lists them all.
    const found: { edit_history_tweet_ids: string[] }[] = await this.dataSource.query(
      `SELECT coalesce(newest.edit_history_tweet_ids, t.edit_history_tweet_ids) AS edit_history_tweet_ids
         FROM tweets t LEFT JOIN tweets newest ON newest.id = t.superseded_by
        WHERE t.id = $1::bigint`,
      [id],
    );
    if (found.length === 0) return null;
    // An edit is always newer than what it edits.
    const versionIds = [...new Set([...found[0].edit_history_tweet_ids, id])];
    const versions: TweetHistory['versions'] = await this.dataSource.query(
      `SELECT id, text, created_at AS "createdAt" FROM tweets WHERE id = ANY($1::bigint[]) ORDER BY created_at, id`,
      [versionIds],
    );
    return {
      metrics: (await this.readHistory(this.tweetMetricsHistory, id)) as TweetMetricsObservation[],
      versions,
    };
  }

  /** The account's counts and profile as they changed, oldest first; null when no account has this screen name. */
  async findUserHistory(screenName: string): Promise<UserHistory | null> {
    const user = await this.findUserByScreenName(screenName);
    if (!user) return null;
    return {
      metrics: (await this.readHistory(this.userMetricsHistory, user.id)) as UserMetricsObservation[],
      profiles: (await this.readHistory(this.userProfileHistory, user.id)) as UserProfileObservation[],
    };
  }

  /**
   * Deletes the history rows observed more than `days` days ago, but never a tweet's or account's
   * newest one: it explains what is stored now, and the next change is told apart from it.
   */
  async deleteHistoryOlderThan(days: number): Promise<void> {
    for (const history of [this.tweetMetricsHistory, this.userMetricsHistory, this.userProfileHistory]) {
      await this.dataSource.query(
        `DELETE FROM ${history.name} h
          WHERE h.observed_at < now() - make_interval(days => $1)
            AND EXISTS (SELECT FROM ${history.name} newer
                         WHERE newer.${history.key} = h.${history.key} AND newer.observed_at > h.observed_at)`,
        [days],
      );
    }
  }

  /** One tweet's or account's rows of `history`, oldest first, along its primary key. */
  private async readHistory(history: HistoryTable, id: string): Promise<Record<string, unknown>[]> {
    const rows: Record<string, unknown>[] = await this.dataSource.query(
      `SELECT ${history.select('h')} FROM ${history.name} h
        WHERE h.${history.key} = $1::bigint ORDER BY h.observed_at`,
      [id],
    );
    return rows.map((row) => history.properties(row));
  }

  /** Newest accounts first (created_at, id). */
  async findUsers(limit: number, after?: Keyset): Promise<Page<UserRecord>> {
    const params: unknown[] = [limit + 1];
    let where = '';
    if (after) {
      params.push(after.createdAt, after.id);
      where = 'WHERE (u.created_at, u.id) < ($2::timestamptz, $3::bigint)';
    }
    const rows: Record<string, unknown>[] = await this.dataSource.query(
      `SELECT ${this.userSelect()} FROM twitter_users u ${where} ORDER BY u.created_at DESC, u.id DESC LIMIT $1`,
      params,
    );
    return toPage(
      rows.map((row) => this.toUserRecord(row)),
      limit,
    );
  }

  /** The account with this screen name, compared case-insensitively, or null. */
  async findUserByScreenName(screenName: string): Promise<UserRecord | null> {
    const rows: Record<string, unknown>[] = await this.dataSource.query(
      `SELECT ${this.userSelect()} FROM twitter_users u WHERE lower(u.screen_name) = lower($1)`,
      [screenName],
    );
    return rows.length ? this.toUserRecord(rows[0]) : null;
  }

  private tweetSelect(includeRaw: boolean): string {
    return `${this.tweets.select('t', includeRaw ? [] : ['raw'])},
      u.screen_name AS author_screen_name, u.name AS author_name,
      u.profile_image_url AS author_profile_image_url, ${keysetCreatedAt('t')}`;
  }

  private userSelect(): string {
    return `${this.users.select('u')}, ${keysetCreatedAt('u')}`;
  }

  private toTweetRecord(row: Record<string, unknown>): TweetRecord {
    return Object.assign(this.tweets.properties(row) as TweetRow & Pick<TweetRecord, 'supersededBy' | 'deletedAt'>, {
      referenced: new Map(),
      authorScreenName: row.author_screen_name as string | null,
      authorName: row.author_name as string,
      authorProfileImageUrl: row.author_profile_image_url as string | null,
      keyset: { createdAt: row.keyset_created_at as string, id: row.id as string },
    });
  }

  private toUserRecord(row: Record<string, unknown>): UserRecord {
    return {
      ...(this.users.properties(row) as Omit<UserRecord, 'keyset'>),
      keyset: { createdAt: row.keyset_created_at as string, id: row.id as string },
    };
  }
}

/** The SQLSTATE classes of a value or row PostgreSQL refuses: data exception, integrity, program limit. */
const REFUSAL = /^(22|23|54)/;

function isRefusal(error: unknown): error is QueryFailedError {
  return error instanceof QueryFailedError && REFUSAL.test(String((error as { code?: unknown }).code));
}

/** Orders snowflake ids as numbers (they pass 2^53) without parsing them. */
export function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

async function upsert<T extends { id: string }>(
  manager: EntityManager,
  table: Table,
  rows: T[],
  mode: UpsertMode,
): Promise<UpsertCounts> {
  // One statement may not touch a row twice; the last copy of an id wins. In id order, so that
  // concurrent pages sharing rows (an original retweeted by two accounts, its author) lock them
  // in the same order and never deadlock.
  const unique = [...new Map(rows.map((row) => [row.id, row])).values()].sort((a, b) => compareIds(a.id, b.id));
  const counts: UpsertCounts = { inserted: 0, updated: 0, unchanged: 0, refused: [] };
  const add = (written: Omit<UpsertCounts, 'refused'>) => {
    counts.inserted += written.inserted;
    counts.updated += written.updated;
    counts.unchanged += written.unchanged;
  };
  for (let start = 0; start < unique.length; start += ROWS_PER_STATEMENT) {
    const chunk = unique.slice(start, start + ROWS_PER_STATEMENT);
    // Each statement under a savepoint (a transaction of its own outside one), so that a refused
    // value rolls back only that statement and the rows can be tried one by one.
    try {
      add(await manager.transaction((inner) => writeRows(inner, table, chunk, mode)));
    } catch (error) {
      if (!isRefusal(error)) throw error;
      for (const row of chunk) {
        try {
          add(await manager.transaction((inner) => writeRows(inner, table, [row], mode)));
        } catch (rowError) {
          if (!isRefusal(rowError)) throw rowError;
          counts.refused.push({ id: row.id, reason: rowError.message });
        }
      }
    }
  }
  return counts;
}

/** One INSERT … ON CONFLICT of `rows` (at most ROWS_PER_STATEMENT). */
async function writeRows<T>(
  manager: EntityManager,
  table: Table,
  rows: T[],
  mode: UpsertMode,
): Promise<Omit<UpsertCounts, 'refused'>> {
  // One array a column, unnested: a statement of a few parameters, which PostgreSQL parses and
  // plans in a fraction of the time a VALUES list of thousands took (half of a sync page's time).
  const params = table.written.map(({ column }) =>
    rows.map((row) => bindable(column, (row as Record<string, unknown>)[column.propertyName])),
  );
  const arrays = table.written.map(({ column }, i) => `$${i + 1}::${String(column.type)}[]`);
  const hasOrigin = table.written.some(({ column }) => column.databaseName === 'origin');
  // insert-only freezes content; bookkeeping columns follow in every mode; an import rewrites only
  // what an import stored, and leaves a table without origin (users) as it finds it.
  const changed = table.written.filter(
    ({ onConflict }) =>
      onConflict !== 'never' && (mode === 'archive' ? hasOrigin : mode === 'update' || onConflict !== 'content'),
  );
  const names = changed.map(({ column }) => column.databaseName);
  const merged = changed.map(({ column, onConflict }) => {
    if (typeof onConflict === 'object') return onConflict.merge;
    const observed = `EXCLUDED.${column.databaseName}`;
    return mode === 'archive'
      ? `CASE WHEN target.origin = 'archive' THEN ${observed} ELSE target.${column.databaseName} END`
      : observed;
  });
  const onConflict =
    changed.length === 0
      ? 'DO NOTHING'
      : `DO UPDATE SET ${names.map((name, i) => `${name} = ${merged[i]}`).join(', ')}, updated_at = now()
         WHERE (${names.map((name) => `target.${name}`).join(', ')}) IS DISTINCT FROM (${merged.join(', ')})`;
  const columns = table.written.map(({ column }) => column.databaseName).join(', ');
  const histories = table.histories.map((history, i) => `, history_${i} AS (${insertChanges(history, mode)})`);
  // xmax is 0 only on a freshly inserted row version; unchanged rows are not returned at all.
  const written: { inserted: boolean }[] = await manager.query(
    `WITH observed (${columns}) AS (SELECT * FROM unnest(${arrays.join(', ')})),
     written AS (
       INSERT INTO ${table.name} AS target (${columns}) SELECT ${columns} FROM observed
       ON CONFLICT (id) ${onConflict}
       RETURNING target.id, (xmax = 0) AS inserted, ${hasOrigin ? `target.origin = 'archive'` : 'true'} AS from_archive
     )${histories.join('')}
     SELECT inserted FROM written`,
    params,
  );
  const inserted = written.filter((row) => row.inserted).length;
  return { inserted, updated: written.length - inserted, unchanged: rows.length - written.length };
}

/**
 * The INSERT (a part of writeRows' statement) of a `history` row for each observed row whose kept
 * columns differ from its newest history row, or that has none yet: one row per change, none for an
 * unchanged re-read. It compares what the API sent, not what the upsert wrote, so it records in
 * insert-only mode too: that mode freezes the stored tweet or profile, not the record of what X
 * showed over time. (Two runs storing the same row at once may both record the same values.)
 * An import records only the rows it wrote as its own: an archive's counts are older than a sync's.
 */
function insertChanges(history: HistoryTable, mode: UpsertMode): string {
  const kept = history.kept.join(', ');
  const seen = history.kept.map((name) => `o.${name}`).join(', ');
  const imported = mode === 'archive' ? 'JOIN written w ON w.id = o.id AND w.from_archive' : '';
  return `INSERT INTO ${history.name} (${history.key}, observed_at, ${kept})
       SELECT o.id, now(), ${seen} FROM observed o ${imported}
        WHERE NOT EXISTS (
          SELECT FROM (SELECT ${kept} FROM ${history.name} h WHERE h.${history.key} = o.id
                        ORDER BY h.observed_at DESC LIMIT 1) newest
           WHERE (${history.kept.map((name) => `newest.${name}`).join(', ')}) IS NOT DISTINCT FROM (${seen}))
       -- The same row stored twice in one transaction (one now()): the last values win.
       ON CONFLICT (${history.key}, observed_at) DO UPDATE
         SET ${history.kept.map((name) => `${name} = EXCLUDED.${name}`).join(', ')}`;
}
