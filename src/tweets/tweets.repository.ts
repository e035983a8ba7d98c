import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Keyset, Page, toPage } from '../pagination/page';
import type { TweetEntity } from './tweet.entity';
import type { TwitterUserEntity } from './twitter-user.entity';

export interface TweetFilter {
  limit: number;
  after?: Keyset;
  screenName?: string;
  since?: Date;
  until?: Date;
  q?: string;
  includeRaw: boolean;
}

/** A user as the sync writes it: the API always names its screen name. */
export type TwitterUserRow = Omit<TwitterUserEntity, 'firstSeenAt' | 'updatedAt' | 'screenName'> & {
  screenName: string;
};
/** A tweet as the sync writes it; superseded_by is set apart, by markSuperseded. */
export type TweetRow = Omit<TweetEntity, 'author' | 'searchVector' | 'fetchedAt' | 'updatedAt' | 'supersededBy'>;

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

export interface UpsertCounts {
  inserted: number;
  updated: number;
  unchanged: number;
}

interface ColumnSpec<T> {
  column: string;
  cast: string;
  value: (row: T) => unknown;
  /** Compared and overwritten on conflict (identity and creation columns never change). */
  mutable: boolean;
  /** The value a conflicting row takes, when it is not simply the new one. */
  merge?: string;
}

const json = (value: unknown) => (value === null || value === undefined ? null : JSON.stringify(value));

const USER_COLUMNS: ColumnSpec<TwitterUserRow>[] = [
  { column: 'id', cast: 'bigint', value: (u) => u.id, mutable: false },
  { column: 'screen_name', cast: 'text', value: (u) => u.screenName, mutable: true },
  { column: 'name', cast: 'text', value: (u) => u.name, mutable: true },
  { column: 'description', cast: 'text', value: (u) => u.description, mutable: true },
  { column: 'location', cast: 'text', value: (u) => u.location, mutable: true },
  { column: 'url', cast: 'text', value: (u) => u.url, mutable: true },
  { column: 'profile_image_url', cast: 'text', value: (u) => u.profileImageUrl, mutable: true },
  { column: 'verified', cast: 'boolean', value: (u) => u.verified, mutable: true },
  { column: 'followers_count', cast: 'bigint', value: (u) => u.followersCount, mutable: true },
  { column: 'following_count', cast: 'bigint', value: (u) => u.followingCount, mutable: true },
  { column: 'tweet_count', cast: 'bigint', value: (u) => u.tweetCount, mutable: true },
  { column: 'listed_count', cast: 'bigint', value: (u) => u.listedCount, mutable: true },
  { column: 'created_at', cast: 'timestamptz', value: (u) => u.createdAt, mutable: false },
  { column: 'raw', cast: 'jsonb', value: (u) => json(u.raw), mutable: true },
];

const TWEET_COLUMNS: ColumnSpec<TweetRow>[] = [
  { column: 'id', cast: 'bigint', value: (t) => t.id, mutable: false },
  { column: 'author_id', cast: 'bigint', value: (t) => t.authorId, mutable: false },
  { column: 'text', cast: 'text', value: (t) => t.text, mutable: true },
  { column: 'created_at', cast: 'timestamptz', value: (t) => t.createdAt, mutable: false },
  { column: 'lang', cast: 'text', value: (t) => t.lang, mutable: true },
  { column: 'conversation_id', cast: 'bigint', value: (t) => t.conversationId, mutable: true },
  { column: 'in_reply_to_user_id', cast: 'bigint', value: (t) => t.inReplyToUserId, mutable: true },
  { column: 'in_reply_to_tweet_id', cast: 'bigint', value: (t) => t.inReplyToTweetId, mutable: true },
  { column: 'referenced_tweets', cast: 'jsonb', value: (t) => json(t.referencedTweets), mutable: true },
  { column: 'edit_history_tweet_ids', cast: 'jsonb', value: (t) => json(t.editHistoryTweetIds), mutable: true },
  { column: 'retweet_count', cast: 'bigint', value: (t) => t.retweetCount, mutable: true },
  { column: 'reply_count', cast: 'bigint', value: (t) => t.replyCount, mutable: true },
  { column: 'like_count', cast: 'bigint', value: (t) => t.likeCount, mutable: true },
  { column: 'quote_count', cast: 'bigint', value: (t) => t.quoteCount, mutable: true },
  { column: 'bookmark_count', cast: 'bigint', value: (t) => t.bookmarkCount, mutable: true },
  { column: 'impression_count', cast: 'bigint', value: (t) => t.impressionCount, mutable: true },
  { column: 'entities', cast: 'jsonb', value: (t) => json(t.entities), mutable: true },
  { column: 'media', cast: 'jsonb', value: (t) => json(t.media), mutable: true },
  { column: 'source', cast: 'text', value: (t) => t.source, mutable: true },
  { column: 'possibly_sensitive', cast: 'boolean', value: (t) => t.possiblySensitive, mutable: true },
  { column: 'raw', cast: 'jsonb', value: (t) => json(t.raw), mutable: true },
  // Once seen in a timeline, a tweet stays a timeline tweet when it turns up again as a reference.
  {
    column: 'referenced_only',
    cast: 'boolean',
    value: (t) => t.referencedOnly,
    mutable: true,
    merge: 'target.referenced_only AND EXCLUDED.referenced_only',
  },
];

// PostgreSQL takes at most 65,535 parameters a statement; 500 rows of ~20 columns stay well below.
const ROWS_PER_STATEMENT = 500;

// created_at at microsecond precision: a JavaScript Date (milliseconds) would round keysets.
const KEYSET_CREATED_AT = `to_char(%s AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

const TWEET_SELECT = `
  t.id, t.author_id, t.text, t.created_at, t.lang, t.conversation_id, t.in_reply_to_user_id,
  t.in_reply_to_tweet_id, t.referenced_tweets, t.edit_history_tweet_ids, t.retweet_count,
  t.reply_count, t.like_count, t.quote_count, t.bookmark_count, t.impression_count, t.entities,
  t.media, t.source, t.possibly_sensitive, t.referenced_only, t.superseded_by,
  u.screen_name AS author_screen_name, u.name AS author_name,
  u.profile_image_url AS author_profile_image_url,
  ${KEYSET_CREATED_AT.replace('%s', 't.created_at')} AS keyset_created_at`;

const USER_SELECT = `
  u.id, u.screen_name, u.name, u.description, u.location, u.url, u.profile_image_url, u.verified,
  u.followers_count, u.following_count, u.tweet_count, u.listed_count, u.created_at, u.raw,
  ${KEYSET_CREATED_AT.replace('%s', 'u.created_at')} AS keyset_created_at`;

/** The only place with queries on tweets and twitter_users. */
@Injectable()
export class TweetsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Inserts new users and, in `update` mode, rewrites those whose fields changed; one statement per
   * 500 rows. A stored account whose screen name one of `rows` now holds loses it first (to NULL).
   */
  async upsertUsers(rows: TwitterUserRow[], mode: SaveMode, manager = this.dataSource.manager): Promise<UpsertCounts> {
    if (rows.length > 0) {
      await manager.query(
        `UPDATE twitter_users t SET screen_name = NULL, updated_at = now()
           FROM unnest($1::bigint[], $2::text[]) AS v (id, screen_name)
          WHERE lower(t.screen_name) = lower(v.screen_name) AND t.id <> v.id`,
        [rows.map((row) => row.id), rows.map((row) => row.screenName)],
      );
    }
    return upsert(manager, 'twitter_users', USER_COLUMNS, rows, mode);
  }

  /** As upsertUsers, for tweets; their authors must be stored first. */
  upsertTweets(rows: TweetRow[], mode: SaveMode, manager = this.dataSource.manager): Promise<UpsertCounts> {
    return upsert(manager, 'tweets', TWEET_COLUMNS, rows, mode);
  }

  /** Newest first (created_at, id), one indexed query; `limit + 1` rows are read to know if more follow. */
  async findTweets(filter: TweetFilter): Promise<Page<TweetRecord>> {
    const params: unknown[] = [];
    const param = (value: unknown) => `$${params.push(value)}`;
    // The conditions of the partial indexes: timeline tweets, newest version only.
    const where = ['NOT t.referenced_only', 't.superseded_by IS NULL'];
    if (filter.screenName !== undefined) {
      // Resolved first, so the planner sees the author's id (and its share of the table) and can
      // pick tweets_author_newest_idx; inside a sub-select the id would be unknown when planning.
      const author = await this.findUserByScreenName(filter.screenName);
      if (!author) return { items: [], next: null };
      where.push(`t.author_id = ${param(author.id)}::bigint`);
    }
    if (filter.since) where.push(`t.created_at >= ${param(filter.since)}::timestamptz`);
    if (filter.until) where.push(`t.created_at < ${param(filter.until)}::timestamptz`);
    if (filter.q !== undefined) where.push(`t.search_vector @@ websearch_to_tsquery('simple', ${param(filter.q)})`);
    if (filter.after) {
      where.push(
        `(t.created_at, t.id) < (${param(filter.after.createdAt)}::timestamptz, ${param(filter.after.id)}::bigint)`,
      );
    }
    const rows: Record<string, unknown>[] = await this.dataSource.query(
      `SELECT ${TWEET_SELECT}${filter.includeRaw ? ', t.raw' : ''}
         FROM tweets t JOIN twitter_users u ON u.id = t.author_id
        WHERE ${where.join(' AND ')}
        ORDER BY t.created_at DESC, t.id DESC
        LIMIT ${param(filter.limit + 1)}`,
      params,
    );
    return toPage(await this.withReferences(rows.map(toTweetRecord)), filter.limit);
  }

  /** One tweet with its author, or null. */
  async findTweet(id: string, includeRaw: boolean): Promise<TweetRecord | null> {
    const rows: Record<string, unknown>[] = await this.dataSource.query(
      `SELECT ${TWEET_SELECT}${includeRaw ? ', t.raw' : ''}
         FROM tweets t JOIN twitter_users u ON u.id = t.author_id
        WHERE t.id = $1::bigint`,
      [id],
    );
    return rows.length ? (await this.withReferences([toTweetRecord(rows[0])]))[0] : null;
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

  /** Newest accounts first (created_at, id). */
  async findUsers(limit: number, after?: Keyset): Promise<Page<UserRecord>> {
    const params: unknown[] = [limit + 1];
    let where = '';
    if (after) {
      params.push(after.createdAt, after.id);
      where = 'WHERE (u.created_at, u.id) < ($2::timestamptz, $3::bigint)';
    }
    const rows: Record<string, unknown>[] = await this.dataSource.query(
      `SELECT ${USER_SELECT} FROM twitter_users u ${where} ORDER BY u.created_at DESC, u.id DESC LIMIT $1`,
      params,
    );
    return toPage(rows.map(toUserRecord), limit);
  }

  /** The account with this screen name, compared case-insensitively, or null. */
  async findUserByScreenName(screenName: string): Promise<UserRecord | null> {
    const rows: Record<string, unknown>[] = await this.dataSource.query(
      `SELECT ${USER_SELECT} FROM twitter_users u WHERE lower(u.screen_name) = lower($1)`,
      [screenName],
    );
    return rows.length ? toUserRecord(rows[0]) : null;
  }
}

async function upsert<T extends { id: string }>(
  manager: EntityManager,
  table: string,
  columns: ColumnSpec<T>[],
  rows: T[],
  mode: SaveMode,
): Promise<UpsertCounts> {
  // One statement may not touch a row twice; the last copy of an id wins.
  const unique = [...new Map(rows.map((row) => [row.id, row])).values()];
  const counts: UpsertCounts = { inserted: 0, updated: 0, unchanged: 0 };
  for (let start = 0; start < unique.length; start += ROWS_PER_STATEMENT) {
    const chunk = unique.slice(start, start + ROWS_PER_STATEMENT);
    const params: unknown[] = [];
    const values = chunk.map(
      (row) => `(${columns.map((c) => `$${params.push(c.value(row) ?? null)}::${c.cast}`).join(', ')})`,
    );
    const mutable = columns.filter((c) => c.mutable);
    const merged = mutable.map((c) => c.merge ?? `EXCLUDED.${c.column}`);
    const onConflict =
      mode === 'insert-only'
        ? 'DO NOTHING'
        : `DO UPDATE SET ${mutable.map((c, i) => `${c.column} = ${merged[i]}`).join(', ')}, updated_at = now()
           WHERE (${mutable.map((c) => `target.${c.column}`).join(', ')}) IS DISTINCT FROM (${merged.join(', ')})`;
    // xmax is 0 only on a freshly inserted row version; unchanged rows are not returned at all.
    const written: { inserted: boolean }[] = await manager.query(
      `INSERT INTO ${table} AS target (${columns.map((c) => c.column).join(', ')})
       VALUES ${values.join(', ')}
       ON CONFLICT (id) ${onConflict}
       RETURNING (xmax = 0) AS inserted`,
      params,
    );
    const inserted = written.filter((row) => row.inserted).length;
    counts.inserted += inserted;
    counts.updated += written.length - inserted;
    counts.unchanged += chunk.length - written.length;
  }
  return counts;
}

// bigint counts arrive as strings (pg) or numbers (PGlite); a count fits a JS number.
const count = (value: unknown) => (value === null || value === undefined ? null : Number(value));
const date = (value: unknown) => (value instanceof Date ? value : new Date(value as string));

function toTweetRecord(row: Record<string, unknown>): TweetRecord {
  return {
    id: row.id as string,
    authorId: row.author_id as string,
    text: row.text as string,
    createdAt: date(row.created_at),
    lang: row.lang as string | null,
    conversationId: row.conversation_id as string | null,
    inReplyToUserId: row.in_reply_to_user_id as string | null,
    inReplyToTweetId: row.in_reply_to_tweet_id as string | null,
    referencedTweets: row.referenced_tweets as TweetRecord['referencedTweets'],
    editHistoryTweetIds: row.edit_history_tweet_ids as string[],
    retweetCount: count(row.retweet_count),
    replyCount: count(row.reply_count),
    likeCount: count(row.like_count),
    quoteCount: count(row.quote_count),
    bookmarkCount: count(row.bookmark_count),
    impressionCount: count(row.impression_count),
    entities: row.entities as TweetRecord['entities'],
    media: row.media as TweetRecord['media'],
    source: row.source as string | null,
    possiblySensitive: row.possibly_sensitive as boolean | null,
    raw: row.raw as Record<string, unknown>,
    referencedOnly: row.referenced_only as boolean,
    supersededBy: row.superseded_by as string | null,
    referenced: new Map(),
    authorScreenName: row.author_screen_name as string | null,
    authorName: row.author_name as string,
    authorProfileImageUrl: row.author_profile_image_url as string | null,
    keyset: { createdAt: row.keyset_created_at as string, id: row.id as string },
  };
}

function toUserRecord(row: Record<string, unknown>): UserRecord {
  return {
    id: row.id as string,
    screenName: row.screen_name as string | null,
    name: row.name as string,
    description: row.description as string | null,
    location: row.location as string | null,
    url: row.url as string | null,
    profileImageUrl: row.profile_image_url as string | null,
    verified: row.verified as boolean,
    followersCount: count(row.followers_count),
    followingCount: count(row.following_count),
    tweetCount: count(row.tweet_count),
    listedCount: count(row.listed_count),
    createdAt: date(row.created_at),
    raw: row.raw as Record<string, unknown>,
    keyset: { createdAt: row.keyset_created_at as string, id: row.id as string },
  };
}
