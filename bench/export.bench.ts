import { Client } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BenchProcess, startService } from './bench-process';
import { seed } from './read.bench';

/**
 * The export (issue 11): GET /tweets/export of the built service on 1,000,000 stored tweets, JSONL
 * and CSV, against PostgreSQL's own `COPY (SELECT …) TO STDOUT` of the CSV's columns from the same
 * tables in the same order: the fastest the rows can leave the database, so the limit. Reports
 * tweets per second, the ratio, and the service's peak RSS while it exports.
 */
const TWEETS = 1_000_000;
const QUICK_TWEETS = 100_000;

const COPY_SQL = `COPY (
  SELECT t.id, t.created_at, t.created_at AT TIME ZONE 'UTC', t.author_id, u.screen_name, u.name, t.text, t.lang,
         t.conversation_id, t.in_reply_to_user_id, t.in_reply_to_tweet_id, t.referenced_tweets, t.referenced_tweets,
         t.retweet_count, t.reply_count, t.like_count, t.quote_count, t.bookmark_count, t.impression_count,
         t.entities, t.entities, t.entities, t.media, t.source, t.deleted_at, t.id
    FROM tweets t JOIN twitter_users u ON u.id = t.author_id
   WHERE NOT t.referenced_only AND t.superseded_by IS NULL AND t.deleted_at IS NULL
   ORDER BY t.created_at DESC, t.id DESC) TO STDOUT (FORMAT csv, HEADER)`;

/** Bytes and seconds of reading `body` to its end, counting bytes only. */
async function drain(body: NodeJS.ReadableStream): Promise<{ bytes: number; seconds: number }> {
  const started = process.hrtime.bigint();
  let bytes = 0;
  await pipeline(
    body,
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        bytes += chunk.length;
        done();
      },
    }),
  );
  return { bytes, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

async function viaService(service: BenchProcess, query: string): Promise<{ bytes: number; seconds: number }> {
  const response = await fetch(`${service.url}/tweets/export?${query}`);
  if (response.status !== 200 || !response.body) throw new Error(`GET /tweets/export answered ${response.status}`);
  // fetch's stream is the DOM type (the pages' JSX types bring the DOM lib); Node's is the same object.
  return drain(Readable.fromWeb(response.body as import('node:stream/web').ReadableStream));
}

async function viaCopy(databaseUrl: string): Promise<{ bytes: number; seconds: number }> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return await drain(client.query(copyTo(COPY_SQL)));
  } finally {
    await client.end();
  }
}

export async function benchExport(databaseUrl: string, { quick }: { quick: boolean }): Promise<void> {
  const count = quick ? QUICK_TWEETS : TWEETS;
  const seedSeconds = await seed(databaseUrl, count);
  const service = await startService({ DATABASE_URL: databaseUrl, LOG_LEVEL: 'info' });
  try {
    // Warm-up (plans, JIT) on a week of tweets, so that the peak RSS below is each export's own.
    for (const format of ['jsonl', 'csv']) await viaService(service, `format=${format}&until=2020-01-08`);
    await viaCopy(databaseUrl); // and the database's cache
    console.log(
      `\nExport: GET /tweets/export of ${count.toLocaleString('en')} tweets (seeded in ${seedSeconds.toFixed(0)} s) ` +
        "against PostgreSQL's COPY (SELECT …) TO STDOUT of the CSV's columns, the limit; one run each after a warm-up.",
    );
    console.log('| export | size | time | tweets/s | against COPY | service peak RSS (before → during) |');
    console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
    const copy = await viaCopy(databaseUrl);
    const row = (label: string, run: { bytes: number; seconds: number }, extra: string) =>
      console.log(
        `| ${label} | ${(run.bytes / 1024 ** 2).toFixed(0)} MB | ${run.seconds.toFixed(1)} s | ` +
          `${Math.round(count / run.seconds)} | ${(copy.seconds / run.seconds).toFixed(2)}× | ${extra} |`,
      );
    row('COPY … TO STDOUT (CSV)', copy, '');
    for (const format of ['jsonl', 'csv']) {
      const before = service.memory()!.peakRssMb;
      const run = await viaService(service, `format=${format}`);
      row(
        `GET /tweets/export?format=${format}`,
        run,
        `${Math.round(before)} → ${Math.round(service.memory()!.peakRssMb)} MB`,
      );
    }
  } finally {
    await service.stop();
  }
}
