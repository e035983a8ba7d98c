import { join } from 'node:path';
import autocannon from 'autocannon';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from '../src/database/data-source-options';
import { runMigrations } from '../src/database/migrate';
import { encodeCursor } from '../src/pagination/cursor';
import { BenchProcess, median, startProcess, startService } from './bench-process';

/**
 * The read path (issue 10): GET /tweets and GET /tweets/:id of the built service on 1,000,000 stored
 * tweets, against a bare node:http + pg server (bench/bare-read.server.ts) running the same SQL and
 * writing the same JSON. Both are driven by autocannon in turns (a warm-up each, then A B A B …),
 * and each cell reports the medians. Target: at least 0.8× the bare server's requests per second in
 * every cell, p99 at one connection within 1.5× of it, and a deep page within 10% of page 1.
 */
const TWEETS = 1_000_000;
const QUICK_TWEETS = 100_000;
const AUTHORS = 300;
const TIME_ZONE = 'America/New_York';
const BARE_MAIN = join(__dirname, 'bare-read.server.js');
const SEARCH_WORDS = ['orbit', 'launch', 'rocket', 'crew', 'moon', 'mars', 'comet', 'galaxy', 'nebula', 'station'];

/**
 * Set-based, so the server does the work in seconds: AUTHORS accounts taking turns; every tenth
 * tweet a retweet of a stored one; entities and media as X sends them, so that a page of 20 is
 * about 17 KB of JSON; one of SEARCH_WORDS in each text (every word in a tenth of them).
 */
const SEED_SQL = (count: number) => `
  INSERT INTO twitter_users (id, screen_name, name, description, profile_image_url, verified,
                             followers_count, following_count, tweet_count, listed_count, created_at, raw)
  SELECT 1000 + a, 'author_' || a, 'Author number ' || a, 'One of the accounts of the read benchmark',
         'https://pbs.twimg.com/profile_images/' || (1000 + a) || '/avatar_normal.jpg', a % 7 = 0,
         a * 1000, a * 10, ${count / AUTHORS}, a, '2010-01-01', '{}'::jsonb
    FROM generate_series(1, ${AUTHORS}) a;
  INSERT INTO tweets (id, author_id, text, created_at, lang, conversation_id, referenced_tweets,
                      edit_history_tweet_ids, retweet_count, reply_count, like_count, quote_count,
                      bookmark_count, impression_count, entities, media, source, possibly_sensitive, raw, origin)
  SELECT id, 1000 + n % ${AUTHORS} + 1,
         CASE WHEN retweet THEN 'RT @author_' || ((n - 7) % ${AUTHORS} + 1) || ': ' ELSE '' END ||
           'Tweet ' || n || ' of the read benchmark on #space with @author_' || (n * 7 % ${AUTHORS} + 1) ||
           ' about the ' || (${`'{${SEARCH_WORDS.join(',')}}'`}::text[])[1 + (n / 10) % 10] ||
           ', a link https://t.co/' || substr(md5(n::text), 1, 10) || ' and a few more words 🚀',
         timestamptz '2020-01-01' + n * interval '1 minute', 'en', id,
         CASE WHEN retweet THEN jsonb_build_array(jsonb_build_object('type', 'retweeted', 'id', (id - 7)::text))
              ELSE '[]'::jsonb END,
         jsonb_build_array(id::text), n % 97, n % 13, n % 1009, n % 7, n % 5, n * 3,
         jsonb_build_object(
           'hashtags', jsonb_build_array(jsonb_build_object('start', 30, 'end', 36, 'tag', 'space')),
           'mentions', jsonb_build_array(jsonb_build_object('start', 42, 'end', 52,
                                         'username', 'author_' || (n * 7 % ${AUTHORS} + 1), 'id', (1001 + n * 7 % ${AUTHORS})::text)),
           'urls', jsonb_build_array(jsonb_build_object('start', 70, 'end', 93, 'url', 'https://t.co/' || substr(md5(n::text), 1, 10),
                                     'expanded_url', 'https://www.example.com/articles/' || n || '/the-read-benchmark',
                                     'display_url', 'example.com/articles/' || n || '/the-…'))),
         CASE WHEN n % 3 = 0 THEN jsonb_build_array(jsonb_build_object(
                'media_key', '3_' || id, 'type', 'photo', 'url', 'https://pbs.twimg.com/media/' || md5(n::text) || '.jpg',
                'width', 1200, 'height', 800, 'alt_text', null))
              ELSE '[]'::jsonb END,
         'Twitter Web App', false, '{}'::jsonb, 'api'
    FROM (SELECT n, 1850000000000000000 + n AS id, n % 10 = 0 AND n > 7 AS retweet
            FROM generate_series(1, ${count}) n) numbered;`;

interface Measurement {
  requestsPerSecond: number;
  p99Ms: number;
}

interface Cell {
  label: string;
  path: string;
  connections: number;
}

export async function seed(databaseUrl: string, count: number): Promise<number> {
  const dataSource = await new DataSource(
    buildDataSourceOptions({ DATABASE_URL: databaseUrl, PGLITE_DATA_DIR: '' }),
  ).initialize();
  await runMigrations(dataSource);
  await dataSource.destroy();
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const started = process.hrtime.bigint();
    // The indexes are built once after the rows, as CREATE INDEX does fastest.
    const { rows: indexes } = await client.query<{ indexname: string; indexdef: string }>(
      `SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'tweets' AND indexname <> 'tweets_pkey'`,
    );
    for (const { indexname } of indexes) await client.query(`DROP INDEX ${indexname}`);
    await client.query(SEED_SQL(count));
    for (const { indexdef } of indexes) await client.query(indexdef);
    await client.query('VACUUM ANALYZE');
    return Number(process.hrtime.bigint() - started) / 1e9;
  } finally {
    await client.end();
  }
}

/** The cursor that continues after the listing's first `offset` rows (`where` on tweets t). */
async function cursorAfter(databaseUrl: string, where: string, offset: number): Promise<string> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ created_at: string; id: string }>(
      `SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_at, id
         FROM tweets t WHERE NOT referenced_only AND superseded_by IS NULL AND deleted_at IS NULL AND ${where}
        ORDER BY created_at DESC, id DESC OFFSET $1 LIMIT 1`,
      [offset - 1],
    );
    return encodeCursor({ createdAt: rows[0].created_at, id: rows[0].id });
  } finally {
    await client.end();
  }
}

async function load(url: string, connections: number, seconds: number): Promise<Measurement> {
  const result = await autocannon({ url, connections, duration: seconds });
  if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0) {
    throw new Error(`${url}: ${result.non2xx} answers not 2xx, ${result.errors} errors, ${result.timeouts} timeouts`);
  }
  return { requestsPerSecond: result.requests.average, p99Ms: result.latency.p99 };
}

async function sameBodies(service: BenchProcess, bare: BenchProcess, path: string): Promise<number> {
  const [ours, theirs] = await Promise.all(
    [service, bare].map((server) => fetch(server.url + path).then((response) => response.text())),
  );
  if (ours !== theirs) {
    throw new Error(
      `${path}: the bare server's JSON differs from the service's:\n${ours.slice(0, 800)}\n${theirs.slice(0, 800)}`,
    );
  }
  return Buffer.byteLength(ours);
}

export interface ReadBenchOptions {
  quick: boolean;
}

/** The benchmark on a seeded database; returns the service's start-up time for the report. */
export async function benchRead(databaseUrl: string, { quick }: ReadBenchOptions): Promise<void> {
  const count = quick ? QUICK_TWEETS : TWEETS;
  const seconds = quick ? 1 : 2;
  const rounds = quick ? 1 : 2; // A B A B
  const seedSeconds = await seed(databaseUrl, count);
  const deep = Math.round(count * 0.9);
  const author = 'author_1';
  const authorTweets = Math.floor(count / AUTHORS);
  const word = SEARCH_WORDS[0];
  const listings = [
    { label: 'all', query: '', where: 'true', deepOffset: deep },
    {
      label: `screenName=${author}`,
      query: `&screenName=${author}`,
      where: `author_id = 1001`,
      deepOffset: Math.round(authorTweets * 0.9),
    },
    { label: `q=${word}`, query: `&q=${word}`, where: `text_folded LIKE '%${word}%'`, deepOffset: deep / 10 },
  ];
  const cells: Cell[] = [];
  for (const listing of listings) {
    const deepCursor = await cursorAfter(databaseUrl, listing.where, listing.deepOffset);
    for (const limit of [20, 100]) {
      for (const [page, cursor] of [
        ['page 1', ''],
        [`${listing.deepOffset.toLocaleString('en')} deep`, `&cursor=${deepCursor}`],
      ]) {
        for (const connections of [1, 50]) {
          cells.push({
            label: `${listing.label} | ${limit} | ${page}`,
            path: `/tweets?limit=${limit}${listing.query}${cursor}`,
            connections,
          });
        }
      }
    }
  }
  const retweetId = String(1850000000000000000n + 10n);
  for (const connections of [1, 50])
    cells.push({ label: `/tweets/:id | | `, path: `/tweets/${retweetId}`, connections });

  const service = await startService({ DATABASE_URL: databaseUrl, APP_TIMEZONE: TIME_ZONE, LOG_LEVEL: 'info' });
  const bare = await startProcess(
    BARE_MAIN,
    { DATABASE_URL: databaseUrl, APP_TIMEZONE: TIME_ZONE },
    { readyPath: '/tweets?limit=1' },
  );
  try {
    console.log(
      `\nReads: the built service against a bare node:http + pg server with the same SQL and JSON, ` +
        `${count.toLocaleString('en')} stored tweets (seeded in ${seedSeconds.toFixed(0)} s), APP_TIMEZONE=${TIME_ZONE}, ` +
        `autocannon ${seconds} s a turn, median of ${rounds} turns each. Target: ratio ≥ 0.80, p99 at 1 connection ≤ 1.5× the bare one's.`,
    );
    console.log(
      '| listing | limit | page | connections | body | service req/s | bare req/s | ratio | service p99 | bare p99 | p99 ratio |',
    );
    console.log('| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    const results = new Map<string, Measurement>();
    for (const cell of cells) {
      const bytes = await sameBodies(service, bare, cell.path);
      const turns: Record<'service' | 'bare', Measurement[]> = { service: [], bare: [] };
      await load(service.url + cell.path, cell.connections, 1); // warm-up
      await load(bare.url + cell.path, cell.connections, 1);
      for (let round = 0; round < rounds; round++) {
        turns.service.push(await load(service.url + cell.path, cell.connections, seconds));
        turns.bare.push(await load(bare.url + cell.path, cell.connections, seconds));
      }
      const [ours, theirs] = [turns.service, turns.bare].map((measured) => ({
        requestsPerSecond: median(measured.map((m) => m.requestsPerSecond)),
        p99Ms: median(measured.map((m) => m.p99Ms)),
      }));
      results.set(`${cell.label}|${cell.connections}`, ours);
      const ratio = ours.requestsPerSecond / theirs.requestsPerSecond;
      console.log(
        `| ${cell.label} | ${cell.connections} | ${(bytes / 1024).toFixed(1)} KB | ${Math.round(ours.requestsPerSecond)} | ` +
          `${Math.round(theirs.requestsPerSecond)} | ${ratio.toFixed(2)}× | ${ours.p99Ms} ms | ${theirs.p99Ms} ms | ` +
          `${(ours.p99Ms / Math.max(theirs.p99Ms, 1)).toFixed(2)}× |`,
      );
    }
    console.log('\nA deep page against page 1 (the service, requests per second):');
    console.log('| listing | limit | connections | deep / page 1 |');
    console.log('| --- | ---: | ---: | ---: |');
    for (const listing of listings) {
      for (const limit of [20, 100]) {
        for (const connections of [1, 50]) {
          const first = results.get(`${listing.label} | ${limit} | page 1|${connections}`)!;
          const deepest = [...results].find(
            ([key]) => key.startsWith(`${listing.label} | ${limit} | `) && key.endsWith(` deep|${connections}`),
          )![1];
          console.log(
            `| ${listing.label} | ${limit} | ${connections} | ${(deepest.requestsPerSecond / first.requestsPerSecond).toFixed(2)}× |`,
          );
        }
      }
    }
  } finally {
    await Promise.all([service.stop(), bare.stop()]);
  }
}
