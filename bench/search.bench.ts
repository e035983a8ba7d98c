import { Client } from 'pg';
import { createApp } from '../src/app.setup';
import { validateEnvironment } from '../src/config/environment';
import { median } from './bench-process';

/**
 * Search at scale (issue 9, section 4): GET /tweets?q= over HTTP on 1,000,000 stored tweets, seeded
 * with set-based SQL in a database of its own. Target: a three-term q under 50 ms.
 */
const TWEETS = 1_000_000;
const QUICK_TWEETS = 100_000;
const AUTHORS = 300;
const REQUESTS = 30;
const TARGET_MS = 50;

// Words of the seeded texts; each tweet gets twelve of them, chosen by a hash of its number.
const WORDS = [
  'launch',
  'orbit',
  'rocket',
  'kubernetes',
  'café',
  'naïve',
  'résumé',
  'telescope',
  'galaxy',
  'nebula',
  'mission',
  'crew',
  'station',
  'astronaut',
  'moon',
  'mars',
  'jupiter',
  'saturn',
  'comet',
  'asteroid',
  'satellite',
  'booster',
  'payload',
  'capsule',
  'engine',
  'thrust',
  'gravity',
  'eclipse',
  'aurora',
  'meteor',
  '東京タワー',
  '宇宙',
  'ロケット',
  'spacewalk',
  'countdown',
  'liftoff',
  'splashdown',
  'docking',
  'module',
  'solar',
];

const QUERIES: { label: string; q: string }[] = [
  { label: 'three words', q: 'launch rocket crew' },
  { label: 'three parts of words, accents ignored', q: 'kubern cafe naive' },
  { label: 'a phrase and an exclusion', q: '"orbit rocket" -mars' },
  { label: 'CJK inside a run', q: '東京タワ ロケット' },
  { label: 'three words, none together', q: 'launch zzzz rocket' },
];

// Seeds with a few statements the server runs itself: seconds, not minutes of round trips.
const SEED_SQL = (count: number) => `
  INSERT INTO twitter_users (id, screen_name, name, created_at, raw)
  SELECT 1000 + a, 'author_' || a, 'Author ' || a, '2010-01-01', '{}'::jsonb FROM generate_series(1, ${AUTHORS}) a;
  INSERT INTO tweets (id, author_id, text, created_at, raw, origin)
  SELECT 1850000000000000000 + n, 1000 + n % ${AUTHORS} + 1,
         (SELECT string_agg(w[1 + abs(hashint8(n::bigint * 16 + k)) % array_length(w, 1)], ' ')
            FROM generate_series(1, 12) k),
         timestamptz '2020-01-01' + n * interval '1 minute', '{}'::jsonb, 'api'
    FROM generate_series(1, ${count}) n, (SELECT $$${`{${WORDS.map((word) => `"${word}"`).join(',')}}`}$$::text[] AS w) words;
  ANALYZE tweets;`;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export async function benchSearch(databaseUrl: string, { quick }: { quick: boolean }): Promise<void> {
  const count = quick ? QUICK_TWEETS : TWEETS;
  const app = await createApp(
    validateEnvironment({ DATABASE_URL: databaseUrl, LOG_LEVEL: 'error', SCHEDULER_ENABLED: 'false' }),
  );
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    // The trigram index is built once after the rows, as CREATE INDEX does fastest.
    const { rows } = await client.query<{ indexdef: string }>(
      `SELECT indexdef FROM pg_indexes WHERE indexname = 'tweets_search_idx'`,
    );
    const started = process.hrtime.bigint();
    await client.query('DROP INDEX tweets_search_idx');
    await client.query(SEED_SQL(count));
    await client.query(rows[0].indexdef);
    await client.query('ANALYZE tweets');
    const seedSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    console.log(
      `\nSearch: GET /tweets?q= over HTTP on ${count.toLocaleString('en')} stored tweets (seeded and indexed in ${seedSeconds.toFixed(0)} s), ` +
        `limit 20, ${REQUESTS} requests each after 3 to warm up; target: a three-term q under ${TARGET_MS} ms:`,
    );
    console.log('| q | found (page 1) | median | p95 |');
    console.log('| --- | ---: | ---: | ---: |');
    let slowestThreeTerms = 0;
    for (const { label, q } of QUERIES) {
      const get = async () => {
        const response = await fetch(`${url}/tweets?q=${encodeURIComponent(q)}`);
        if (response.status !== 200) throw new Error(`GET /tweets?q=${q} answered ${response.status}`);
        return (await response.json()) as { data: unknown[] };
      };
      for (let i = 0; i < 3; i++) await get();
      const times: number[] = [];
      let found = 0;
      for (let i = 0; i < REQUESTS; i++) {
        const start = process.hrtime.bigint();
        found = (await get()).data.length;
        times.push(Number(process.hrtime.bigint() - start) / 1e6);
      }
      console.log(
        `| ${label}: \`${q}\` | ${found} | ${median(times).toFixed(1)} ms | ${percentile(times, 95).toFixed(1)} ms |`,
      );
      if (label.startsWith('three')) slowestThreeTerms = Math.max(slowestThreeTerms, median(times));
    }
    console.log(
      `Target: a three-term q under ${TARGET_MS} ms: ${slowestThreeTerms < TARGET_MS ? 'met' : 'NOT met'} ` +
        `(slowest median ${slowestThreeTerms.toFixed(1)} ms).`,
    );
  } finally {
    await client.end();
    await app.close();
  }
}
