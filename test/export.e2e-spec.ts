import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse } from 'csv-parse/sync';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { CSV_COLUMNS } from '../src/export/tweet-export';
import type { TweetDto } from '../src/tweets/tweet.dto';
import { startApp, RunningApp } from './support/app';
import { createTestDatabase, DATABASE_KINDS, TestDatabase } from './support/databases';
import { tweetRow, userRow } from './support/fixtures';
import { freePort, startService } from './support/service-process';

const ROOT = join(__dirname, '..');
const NASA = userRow({ id: '11348282', screenName: 'NASA', name: 'NASA, "the agency"' });
const TOKYO = userRow({ id: '1602315478998499329', screenName: 'tokyo_bot', name: '東京ボット 🌸' });

// Texts a CSV writer gets wrong: quotes, commas, line breaks, emoji, CJK, right-to-left, and cells
// a spreadsheet would run as formulas.
const TEXTS = [
  'He said "hello, world"',
  'two\nlines, and a\r\nwindows break',
  '東京で会いましょう 🌸🚀',
  'مرحبا بالعالم שלום עולם',
  '=HYPERLINK("http://evil.example","click")',
  '+1 for this',
  '-2 degrees today',
  '@tokyo_bot see you',
  'plain, simple',
];

const TWEETS = Array.from({ length: 230 }, (_, i) => {
  const id = String(1850000000000000000n + BigInt(i)); // above 2^53
  return tweetRow({
    id,
    authorId: i % 3 === 0 ? TOKYO.id : NASA.id,
    createdAt: new Date(Date.UTC(2024, 0, 1) + i * 3_600_000),
    text: `${TEXTS[i % TEXTS.length]} #${i}`,
    referencedTweets: i % 10 === 5 ? [{ type: 'retweeted', id: String(1850000000000000000n + BigInt(i - 1)) }] : [],
    entities: {
      hashtags: [{ start: 0, end: 4, tag: 'space' }],
      urls: [{ url: 'https://t.co/a', expanded_url: `https://example.com/${i}` }],
    },
    media: i % 4 === 0 ? [{ media_key: `3_${id}`, type: 'photo', url: `https://pbs.twimg.com/media/${i}.jpg` }] : [],
  });
});

/** Every tweet GET /tweets lists with `query`, page after page, as the JSON text of each. */
async function pagedTweets(url: string, query: string): Promise<TweetDto[]> {
  const tweets: TweetDto[] = [];
  for (let cursor: string | null = ''; cursor !== null;) {
    const page: { body: { data: TweetDto[]; nextCursor: string | null } } = await request(url)
      .get(`/tweets?limit=100${query}${cursor ? `&cursor=${cursor}` : ''}`)
      .expect(200);
    tweets.push(...page.body.data);
    cursor = page.body.nextCursor;
  }
  return tweets;
}

describe.each(DATABASE_KINDS)('GET /tweets/export on %s', (kind) => {
  let database: TestDatabase;
  let service: RunningApp;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    service = await startApp({ DATABASE_URL: database.url, APP_TIMEZONE: 'Asia/Kathmandu' });
    await service.repository.upsertUsers([NASA, TOKYO], 'update');
    await service.repository.upsertTweets(TWEETS, 'update');
    await service.repository.markChecked([], [TWEETS[7].id]); // deleted on X
  });

  afterAll(async () => {
    await service?.close();
    await database?.drop();
  });

  const FILTERS = [
    '',
    '&screenName=nasa',
    '&since=2024-01-03T00:00:00Z&until=2024-01-06',
    '&q=hello',
    '&include=deleted',
    '&include=raw,deleted',
  ];

  it.each(FILTERS)('writes JSONL that is GET /tweets, line for line, with filters "%s"', async (filter) => {
    const response = await request(service.url).get(`/tweets/export?format=jsonl${filter}`).expect(200);
    expect(response.headers['content-type']).toBe('application/x-ndjson');
    expect(response.headers['content-disposition']).toMatch(/^attachment; filename="tweets.*\.jsonl"$/);
    const lines = response.text.split('\n');
    expect(lines.pop()).toBe(''); // every line ends with \n
    const paged = await pagedTweets(service.url, filter);
    expect(paged.length).toBeGreaterThan(0);
    expect(lines).toEqual(paged.map((tweet) => JSON.stringify(tweet)));
  });

  it.each(FILTERS)('writes CSV that parses back to GET /tweets, with filters "%s"', async (filter) => {
    const response = await request(service.url).get(`/tweets/export?format=csv${filter}`).expect(200);
    expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
    const rows: Record<string, string>[] = parse(response.text, { columns: true, relax_quotes: false });
    expect(Object.keys(rows[0])).toEqual([...CSV_COLUMNS]);
    const paged = await pagedTweets(service.url, filter);
    expect(rows.map((row) => row.id)).toEqual(paged.map((tweet) => tweet.id));
    const unformula = (cell: string) => (/^'[=+\-@]/.test(cell) ? cell.slice(1) : cell);
    for (const [i, tweet] of paged.entries()) {
      const row = rows[i];
      expect(unformula(row.text)).toBe(tweet.text);
      expect(row.created_at).toBe(tweet.createdAt);
      expect(row.created_at_local).toBe(tweet.createdAtLocal);
      expect(row.author_id).toBe(tweet.author.id);
      expect(row.author_screen_name).toBe(tweet.author.screenName);
      expect(row.author_name).toBe(tweet.author.name);
      expect(row.like_count).toBe(String(tweet.metrics.likeCount));
      expect(row.deleted_at).toBe(tweet.deletedAt ?? '');
      expect(row.url).toBe(tweet.url);
      expect(row.type).toBe(tweet.referencedTweets.some((ref) => ref.type === 'retweeted') ? 'retweet' : 'tweet');
      expect(row.hashtags).toBe('space');
      expect(row.urls).toBe(`https://example.com/${Number(BigInt(tweet.id) - 1850000000000000000n)}`);
    }
  });

  it('keeps every id exact and writes no cell a spreadsheet would run as a formula', async () => {
    const response = await request(service.url).get('/tweets/export?format=csv&include=deleted').expect(200);
    const rows: Record<string, string>[] = parse(response.text, { columns: true });
    expect(new Set(rows.map((row) => row.id))).toEqual(new Set(TWEETS.map((tweet) => tweet.id)));
    expect(rows.filter((row) => row.author_id === TOKYO.id).length).toBeGreaterThan(0);
    for (const row of rows) for (const cell of Object.values(row)) expect(cell).not.toMatch(/^[=+\-@]/);
    expect(rows.find((row) => row.text.startsWith("'=HYPERLINK"))).toBeDefined();
    expect(rows.find((row) => row.text === "'@tokyo_bot see you #7")).toBeDefined();
  });

  it('answers 400 naming the field for a bad format or filter', async () => {
    const bad = await request(service.url).get('/tweets/export?format=xlsx').expect(400);
    expect(JSON.stringify(bad.body)).toContain('format must be one of: jsonl, csv');
    const since = await request(service.url).get('/tweets/export?since=yesterday').expect(400);
    expect(JSON.stringify(since.body)).toContain('since must be');
  });
});

describe.each(DATABASE_KINDS)('a large export on %s', (kind) => {
  const COUNT = 100_000;
  let database: TestDatabase;
  let folder: string;
  let variables: Record<string, string>;
  let service: RunningApp;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    folder = mkdtempSync(join(tmpdir(), 'tts-export-'));
    // PGlite in a folder, which the service process of the memory test opens after this one closes.
    variables = kind === 'pglite' ? { PGLITE_DATA_DIR: join(folder, 'data') } : { DATABASE_URL: database.url };
    service = await startApp(variables);
    await service.repository.upsertUsers([NASA], 'update');
    await seedMany(service, COUNT);
  }, 180_000);

  afterAll(async () => {
    await service?.close();
    await database?.drop();
    rmSync(folder, { recursive: true, force: true });
  });

  it('stops reading the database when the client goes away', async () => {
    const findTweets = jest.spyOn(service.repository, 'findTweets');
    try {
      await new Promise<void>((resolve, reject) => {
        const outgoing = httpRequest(`${service.url}/tweets/export?format=csv`, (response) => {
          response.once('data', () => {
            outgoing.destroy();
            resolve();
          });
        });
        outgoing.on('error', () => undefined).end();
        setTimeout(() => reject(new Error('no data in 10 s')), 10_000).unref();
      });
      await sleep(500);
      const afterAbort = findTweets.mock.calls.length;
      await sleep(1000);
      expect(findTweets.mock.calls.length).toBe(afterAbort);
      // 100,000 rows are 200 batches; the ones read before the socket's buffers filled are all.
      expect(afterAbort).toBeLessThan(100);
    } finally {
      findTweets.mockRestore();
    }
  }, 300_000);

  it('streams 100,000 tweets with flat memory, in a service whose heap could not hold them', async () => {
    await service.close();
    // 64 MB of heap: the export is over 30 MB of JSON, several times that as objects.
    const child = await startService(await freePort(), {
      ...variables,
      LOG_LEVEL: 'warn',
      NODE_OPTIONS: '--max-old-space-size=64',
    });
    try {
      const peakRss = () => {
        const status = readFileSync(`/proc/${child.process.pid}/status`, 'utf8');
        return Number(/^VmHWM:\s+(\d+) kB/m.exec(status)![1]) / 1024;
      };
      // Warm: the first request loads what every later one uses.
      await request(child.url).get('/tweets/export?format=jsonl&since=2099-01-01').expect(200);
      const before = peakRss();
      let bytes = 0;
      let lines = 0;
      await new Promise<void>((resolve, reject) => {
        httpRequest(`${child.url}/tweets/export?format=jsonl`, (response) => {
          response.on('data', (chunk: Buffer) => {
            bytes += chunk.length;
            for (const byte of chunk) if (byte === 0x0a) lines++;
          });
          response.on('end', resolve);
          response.on('error', reject);
        })
          .on('error', reject)
          .end();
      });
      expect(lines).toBe(COUNT);
      expect(bytes).toBeGreaterThan(30 * 1024 ** 2);
      expect(peakRss() - before).toBeLessThan(100);
    } finally {
      await child.stop();
    }
  }, 300_000);
});

/** `count` tweets of NASA, set-based: seconds, where 100,000 rows through the upsert take a minute. */
async function seedMany(service: RunningApp, count: number): Promise<void> {
  await service.app.get(DataSource).query(
    `INSERT INTO tweets (id, author_id, text, created_at, raw, origin, entities, media)
     SELECT 1850000000000000000 + n, ${NASA.id}, 'tweet number ' || n || ', with "quotes" and 🚀',
            timestamptz '2020-01-01' + n * interval '1 minute', '{}'::jsonb, 'api', '{"hashtags":[]}'::jsonb, '[]'::jsonb
       FROM generate_series(1, ${count}) n`,
  );
}

describe('npm run export', () => {
  let database: TestDatabase;
  let service: RunningApp;
  let folder: string;

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    service = await startApp({ DATABASE_URL: database.url });
    await service.repository.upsertUsers([NASA, TOKYO], 'update');
    await service.repository.upsertTweets(TWEETS, 'update');
    folder = mkdtempSync(join(tmpdir(), 'tts-export-'));
  });

  afterAll(async () => {
    await service?.close();
    await database?.drop();
    rmSync(folder, { recursive: true, force: true });
  });

  async function runExport(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const child = spawn(process.execPath, [join(ROOT, 'dist', 'src', 'export', 'export.command.js'), ...args], {
      cwd: folder,
      env: { PATH: process.env.PATH ?? '', DATABASE_URL: database.url },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    return { code, stdout, stderr };
  }

  it('writes what GET /tweets/export answers, to a file or to stdout', async () => {
    const output = join(folder, 'nasa.csv');
    const toFile = await runExport([
      '--format',
      'csv',
      '--screen-name',
      'NASA',
      '--since',
      '2024-01-02',
      '--output',
      output,
    ]);
    expect(toFile.code).toBe(0);
    const served = await request(service.url).get('/tweets/export?format=csv&screenName=NASA&since=2024-01-02');
    expect(readFileSync(output, 'utf8')).toBe(served.text);
    expect(toFile.stderr).toMatch(/\d+ tweets exported to /);
    const toStdout = await runExport(['--q', 'hello']);
    expect(toStdout.code).toBe(0);
    const servedText = (await request(service.url).get('/tweets/export?q=hello')).text;
    expect(toStdout.stdout).toBe(servedText);
  });

  it('refuses a bad option with the message of the endpoint', async () => {
    const result = await runExport(['--format', 'xlsx']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('format must be one of: jsonl, csv');
    const unknown = await runExport(['--colour', 'red']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('usage: npm run export');
  });
});
