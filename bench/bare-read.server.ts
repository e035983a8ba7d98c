import { createServer, ServerResponse } from 'node:http';
import { Pool } from 'pg';
import { formatLocal } from '../src/tweets/local-time';

/**
 * The read benchmark's baseline (bench/read.bench.ts): GET /tweets and GET /tweets/:id as a bare
 * `node:http` + `pg` server would serve them, with the service's SQL, written out, and the same JSON
 * byte for byte. No framework, no validation, no logging: what the service is measured against.
 * Only what the benchmark asks: limit, cursor, screenName, and q as plain words. createdAtLocal
 * comes from the service's own formatLocal, the fastest correct one we have: the comparison
 * measures everything around it.
 *
 * Environment: DATABASE_URL, PORT, APP_TIMEZONE.
 */
const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 10 }); // TypeORM's pool size
const timeZone = process.env.APP_TIMEZONE ?? 'UTC';

const TWEET_COLUMNS = `t.id, t.author_id, t.text, t.created_at, t.lang, t.conversation_id, t.in_reply_to_user_id,
  t.in_reply_to_tweet_id, t.referenced_tweets, t.edit_history_tweet_ids, t.retweet_count, t.reply_count,
  t.like_count, t.quote_count, t.bookmark_count, t.impression_count, t.entities, t.media, t.source,
  t.possibly_sensitive, t.origin, t.referenced_only, t.superseded_by, t.deleted_at, t.verified_at,
  u.screen_name AS author_screen_name, u.name AS author_name, u.profile_image_url AS author_profile_image_url,
  to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS keyset_created_at`;

const LIKE_CONTAINING = (param: string) =>
  String.raw`'%' || replace(replace(replace(tts_fold(${param}), '\', '\\'), '%', '\%'), '_', '\_') || '%'`;

/** A row of TWEET_COLUMNS, as pg returns it. */
interface Row {
  id: string;
  author_id: string;
  text: string;
  created_at: Date;
  lang: string | null;
  conversation_id: string | null;
  in_reply_to_user_id: string | null;
  referenced_tweets: { type: string; id: string }[];
  edit_history_tweet_ids: string[];
  retweet_count: string | null;
  reply_count: string | null;
  like_count: string | null;
  quote_count: string | null;
  bookmark_count: string | null;
  impression_count: string | null;
  entities: unknown;
  media: unknown[];
  origin: string;
  deleted_at: Date | null;
  author_screen_name: string | null;
  author_name: string;
  author_profile_image_url: string | null;
  keyset_created_at: string;
}

interface ReferencedRow {
  id: string;
  text: string;
  author_id: string;
  screen_name: string | null;
  name: string;
}

const count = (value: string | null) => (value === null ? null : Number(value));

function toJson(row: Row, referenced: Map<string, ReferencedRow>): object {
  return {
    id: row.id,
    text: row.text,
    createdAt: row.created_at.toISOString(),
    createdAtLocal: formatLocal(row.created_at, timeZone),
    lang: row.lang,
    conversationId: row.conversation_id,
    inReplyToUserId: row.in_reply_to_user_id,
    referencedTweets: row.referenced_tweets.map(({ type, id }) => {
      const stored = referenced.get(id);
      return {
        type,
        id,
        text: stored?.text ?? null,
        author: stored ? { id: stored.author_id, screenName: stored.screen_name, name: stored.name } : null,
      };
    }),
    editHistoryTweetIds: row.edit_history_tweet_ids,
    metrics: {
      retweetCount: count(row.retweet_count),
      replyCount: count(row.reply_count),
      likeCount: count(row.like_count),
      quoteCount: count(row.quote_count),
      bookmarkCount: count(row.bookmark_count),
      impressionCount: count(row.impression_count),
    },
    entities: row.entities,
    media: row.media,
    author: {
      id: row.author_id,
      screenName: row.author_screen_name,
      name: row.author_name,
      profileImageUrl: row.author_profile_image_url,
    },
    url:
      row.author_screen_name === null
        ? `https://x.com/i/web/status/${row.id}`
        : `https://x.com/${row.author_screen_name}/status/${row.id}`,
    deletedAt: row.deleted_at?.toISOString() ?? null,
    origin: row.origin,
  };
}

async function referencedTweets(rows: Row[]): Promise<Map<string, ReferencedRow>> {
  const ids = [...new Set(rows.flatMap((row) => row.referenced_tweets.map((ref) => ref.id)))];
  if (ids.length === 0) return new Map();
  const { rows: found } = await pool.query<ReferencedRow>(
    `SELECT t.id, t.text, t.author_id, u.screen_name, u.name
       FROM tweets t JOIN twitter_users u ON u.id = t.author_id
      WHERE t.id = ANY($1::bigint[])`,
    [ids],
  );
  return new Map(found.map((row) => [row.id, row]));
}

async function listTweets(query: URLSearchParams): Promise<object | null> {
  const limit = Number(query.get('limit') ?? 20);
  const params: unknown[] = [];
  const param = (value: unknown) => `$${params.push(value)}`;
  const where = ['NOT t.referenced_only', 't.superseded_by IS NULL', 't.deleted_at IS NULL'];
  const screenName = query.get('screenName');
  if (screenName !== null) {
    const { rows } = await pool.query<{ id: string }>(
      `SELECT u.id FROM twitter_users u WHERE lower(u.screen_name) = lower($1)`,
      [screenName],
    );
    if (rows.length === 0) return { data: [], nextCursor: null };
    where.push(`t.author_id = ${param(rows[0].id)}::bigint`);
  }
  for (const term of query.get('q')?.split(/\s+/).filter(Boolean) ?? []) {
    where.push(`t.text_folded LIKE ${LIKE_CONTAINING(param(term))}`);
  }
  const cursor = query.get('cursor');
  if (cursor !== null) {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as [string, string];
    where.push(`(t.created_at, t.id) < (${param(createdAt)}::timestamptz, ${param(id)}::bigint)`);
  }
  const { rows } = await pool.query<Row>(
    `SELECT ${TWEET_COLUMNS}
       FROM (SELECT * FROM tweets t
              WHERE ${where.join(' AND ')}
              ORDER BY t.created_at DESC, t.id DESC
              LIMIT ${param(limit + 1)}) t
       JOIN twitter_users u ON u.id = t.author_id
      ORDER BY t.created_at DESC, t.id DESC`,
    params,
  );
  const page = rows.slice(0, limit);
  const referenced = await referencedTweets(page);
  const last = page[page.length - 1];
  return {
    data: page.map((row) => toJson(row, referenced)),
    nextCursor:
      rows.length > limit ? Buffer.from(JSON.stringify([last.keyset_created_at, last.id])).toString('base64url') : null,
  };
}

async function findTweet(id: string): Promise<object | null> {
  const { rows } = await pool.query<Row>(
    `SELECT ${TWEET_COLUMNS} FROM tweets t JOIN twitter_users u ON u.id = t.author_id WHERE t.id = $1::bigint`,
    [id],
  );
  return rows.length ? toJson(rows[0], await referencedTweets(rows)) : null;
}

function send(response: ServerResponse, status: number, body: object): void {
  const json = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(json),
  });
  response.end(json);
}

createServer((request, response) => {
  const url = new URL(request.url ?? '/', 'http://localhost');
  const one = /^\/tweets\/(\d+)$/.exec(url.pathname);
  const answer =
    url.pathname === '/tweets' ? listTweets(url.searchParams) : one ? findTweet(one[1]) : Promise.resolve(null);
  answer.then(
    (body) => send(response, body ? 200 : 404, body ?? { message: 'not found' }),
    (error: Error) => send(response, 500, { message: error.message }),
  );
}).listen(Number(process.env.PORT), '127.0.0.1');

// An orderly exit, so that --cpu-prof writes its profile.
process.once('SIGTERM', () => process.exit(0));
