import 'reflect-metadata';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from '../src/database/data-source-options';
import { runMigrations } from '../src/database/migrate';
import { TweetRow, TweetsRepository } from '../src/tweets/tweets.repository';
import { benchConcurrentAccounts } from './accounts.bench';
import { median } from './bench-process';
import { benchExport } from './export.bench';
import { benchPages } from './pages.bench';
import { benchRead } from './read.bench';
import { benchServiceProcess } from './service-process.bench';
import { benchSearch } from './search.bench';
import { withDatabase } from './database';

/**
 * `npm run bench`: the upsert path against a hand-written pg baseline of the same SQL on the same
 * rows, the service as a process on each database (bench/service-process.bench.ts), search, the
 * read path against a bare server (bench/read.bench.ts), and many accounts synced concurrently
 * (bench/accounts.bench.ts; `npm run bench -- --quick` syncs fewer of them), and the pages' HTML
 * against the JSON of the same data (bench/pages.bench.ts). Ratios are against
 * baselines measured in this same run, so they hold on any machine.
 */
const ROWS = 20_000;
const PAGE = 100; // what one sync page upserts in one statement
const REPEATS = 5;

function tweetRows(count: number, authorId: string, salt: number): TweetRow[] {
  return Array.from({ length: count }, (_, i) => ({
    id: String(1850000000000000000n + BigInt(i)),
    authorId,
    text: `benchmark tweet ${i} with some words, an emoji 🚀 and a link https://t.co/abc${salt}`,
    createdAt: new Date(Date.UTC(2024, 0, 1) + i * 1000),
    lang: 'en',
    conversationId: String(1850000000000000000n + BigInt(i)),
    inReplyToUserId: null,
    inReplyToTweetId: null,
    referencedTweets: [],
    editHistoryTweetIds: [String(1850000000000000000n + BigInt(i))],
    retweetCount: i % 50,
    replyCount: i % 7,
    likeCount: (i * 3 + salt) % 1000,
    quoteCount: 0,
    bookmarkCount: 1,
    impressionCount: i * 10,
    entities: { hashtags: [{ start: 0, end: 5, tag: 'bench' }] },
    media: [],
    source: 'Bench',
    possiblySensitive: false,
    referencedOnly: false,
    origin: 'api',
    raw: { id: String(i), text: `benchmark tweet ${i}`, public_metrics: { like_count: (i * 3 + salt) % 1000 } },
  }));
}

const COLUMNS: [string, string, (t: TweetRow) => unknown][] = [
  ['id', 'bigint', (t) => t.id],
  ['author_id', 'bigint', (t) => t.authorId],
  ['text', 'text', (t) => t.text],
  ['created_at', 'timestamptz', (t) => t.createdAt],
  ['lang', 'text', (t) => t.lang],
  ['conversation_id', 'bigint', (t) => t.conversationId],
  ['in_reply_to_user_id', 'bigint', (t) => t.inReplyToUserId],
  ['in_reply_to_tweet_id', 'bigint', (t) => t.inReplyToTweetId],
  ['referenced_tweets', 'jsonb', (t) => JSON.stringify(t.referencedTweets)],
  ['edit_history_tweet_ids', 'jsonb', (t) => JSON.stringify(t.editHistoryTweetIds)],
  ['retweet_count', 'bigint', (t) => t.retweetCount],
  ['reply_count', 'bigint', (t) => t.replyCount],
  ['like_count', 'bigint', (t) => t.likeCount],
  ['quote_count', 'bigint', (t) => t.quoteCount],
  ['bookmark_count', 'bigint', (t) => t.bookmarkCount],
  ['impression_count', 'bigint', (t) => t.impressionCount],
  ['entities', 'jsonb', (t) => JSON.stringify(t.entities)],
  ['media', 'jsonb', (t) => JSON.stringify(t.media)],
  ['source', 'text', (t) => t.source],
  ['possibly_sensitive', 'boolean', (t) => t.possiblySensitive],
  ['raw', 'jsonb', (t) => JSON.stringify(t.raw)],
  ['referenced_only', 'boolean', (t) => t.referencedOnly],
  ['origin', 'text', (t) => t.origin],
];

/** The baseline: the same multi-row INSERT … ON CONFLICT, written by hand on a bare pg client. */
async function rawUpsert(client: Client, rows: TweetRow[]): Promise<void> {
  const params: unknown[] = [];
  const values = rows.map(
    (row) => `(${COLUMNS.map(([, cast, value]) => `$${params.push(value(row))}::${cast}`).join(', ')})`,
  );
  const mutable = COLUMNS.map(([name]) => name).filter((name) => !['id', 'author_id', 'created_at'].includes(name));
  await client.query(
    `INSERT INTO tweets AS target (${COLUMNS.map(([name]) => name).join(', ')}) VALUES ${values.join(', ')}
     ON CONFLICT (id) DO UPDATE SET ${mutable.map((c) => `${c} = EXCLUDED.${c}`).join(', ')}, updated_at = now()
     WHERE (${mutable.map((c) => `target.${c}`).join(', ')}) IS DISTINCT FROM (${mutable.map((c) => `EXCLUDED.${c}`).join(', ')})
     RETURNING (xmax = 0) AS inserted`,
    params,
  );
}

async function timeRowsPerSecond(work: () => Promise<void>, reset: () => Promise<void>): Promise<number> {
  const rates: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    await reset();
    const started = process.hrtime.bigint();
    await work();
    rates.push(ROWS / (Number(process.hrtime.bigint() - started) / 1e9));
  }
  return median(rates);
}

async function benchUpsert(url: string): Promise<void> {
  const dataSource = await new DataSource(
    buildDataSourceOptions({ DATABASE_URL: url, PGLITE_DATA_DIR: '' }),
  ).initialize();
  await runMigrations(dataSource);
  const repository = new TweetsRepository(dataSource);
  const client = new Client({ connectionString: url });
  await client.connect();
  const author = '1602315478998499329';
  await dataSource.query(
    `INSERT INTO twitter_users (id, screen_name, name, created_at, raw) VALUES ($1, 'bench', 'Bench', now(), '{}')`,
    [author],
  );
  const fresh = tweetRows(ROWS, author, 0);
  const changed = tweetRows(ROWS, author, 1);
  const pages = (rows: TweetRow[]) =>
    Array.from({ length: rows.length / PAGE }, (_, i) => rows.slice(i * PAGE, (i + 1) * PAGE));
  const empty = async () => {
    await dataSource.query('TRUNCATE tweets CASCADE'); // and the tables that reference it (metrics history)
  };
  const filled = async () => {
    await empty();
    for (const page of pages(fresh)) await rawUpsert(client, page);
  };
  const viaRepository = (rows: TweetRow[]) => async () => {
    for (const page of pages(rows)) await repository.upsertTweets(page, 'update');
  };
  const viaRaw = (rows: TweetRow[]) => async () => {
    for (const page of pages(rows)) await rawUpsert(client, page);
  };

  await viaRepository(fresh)(); // warm-up: connections, plans, JIT
  await viaRaw(fresh)();
  const cases: [string, () => Promise<void>, () => Promise<void>, () => Promise<void>][] = [
    ['insert new rows', viaRepository(fresh), viaRaw(fresh), empty],
    ['update changed rows', viaRepository(changed), viaRaw(changed), filled],
    ['skip unchanged rows', viaRepository(fresh), viaRaw(fresh), filled],
  ];
  console.log(`\nUpsert of ${ROWS} tweets, ${PAGE} per statement, PostgreSQL (median of ${REPEATS}):`);
  console.log('| case | TweetsRepository.upsertTweets | raw pg baseline | ratio |');
  console.log('| --- | ---: | ---: | ---: |');
  for (const [name, ours, baseline, reset] of cases) {
    const ourRate = await timeRowsPerSecond(ours, reset);
    const baseRate = await timeRowsPerSecond(baseline, reset);
    console.log(
      `| ${name} | ${Math.round(ourRate)} rows/s | ${Math.round(baseRate)} rows/s | ${(ourRate / baseRate).toFixed(2)}× |`,
    );
  }
  await client.end();
  await dataSource.destroy();
}

/** `npm run bench -- --only read,search` runs some sections; `--quick` a shorter version of each. */
async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const only = process.argv.find((arg, i) => process.argv[i - 1] === '--only')?.split(',');
  const sections: Record<string, () => Promise<void>> = {
    upsert: () => withDatabase(benchUpsert),
    service: benchServiceProcess,
    search: () => withDatabase((url) => benchSearch(url, { quick })),
    read: () => withDatabase((url) => benchRead(url, { quick })),
    export: () => withDatabase((url) => benchExport(url, { quick })),
    accounts: () => benchConcurrentAccounts({ quick }),
    pages: () => withDatabase((url) => benchPages(url, { quick })),
  };
  const unknown = only?.filter((name) => !(name in sections)) ?? [];
  if (unknown.length > 0)
    throw new Error(`--only takes ${Object.keys(sections).join(', ')}; not ${unknown.join(', ')}`);
  for (const [name, run] of Object.entries(sections)) if (!only || only.includes(name)) await run();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
