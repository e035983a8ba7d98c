import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from '../src/database/data-source-options';
import { MIGRATIONS } from '../src/database/migrations';
import { parseSearchQuery } from '../src/tweets/search-query';
import { TweetsRepository } from '../src/tweets/tweets.repository';
import { startApp, RunningApp } from './support/app';
import { createTestDatabase, DATABASE_KINDS, TestDatabase } from './support/databases';
import { tweetRow, userRow } from './support/fixtures';

const ALICE = userRow({ id: '1001', screenName: 'alice' });
const BOB = userRow({ id: '1602315478998499329', screenName: 'bob' });

// The n-th tweet, written on day n of January 2025 at noon UTC: newest first is the larger n first.
const TEXTS: [number, typeof ALICE, string][] = [
  [1, ALICE, 'Kubernetes rollout went fine'],
  [2, ALICE, 'Notes from the Café on Main Street'],
  [3, BOB, 'cafe au lait, again'],
  [4, ALICE, 'Back at the launch pad today'],
  [5, BOB, 'pad launch order is wrong'],
  [6, BOB, '東京タワーに行きました'],
  [7, ALICE, '100% sure about this'],
  [8, ALICE, '1000 reasons to stay'],
  [9, BOB, 'snake_case names'],
  [10, BOB, 'snakescase'],
  [11, ALICE, 'files in C:\\temp today'],
  [12, ALICE, 'files in C:temp today'],
  [13, BOB, 'KUBERNETES operators, deep dive'],
  [14, ALICE, 'kubernetes in Paris, at a café'],
  [15, BOB, 'ÉCOLE opens'],
];
const id = (n: number) => String(1850000000000000000n + BigInt(n));
const TWEETS = TEXTS.map(([n, author, text]) =>
  tweetRow({ id: id(n), authorId: author.id, createdAt: new Date(Date.UTC(2025, 0, n, 12)), text }),
);
/** The ids of these tweets, newest first, as GET /tweets lists them. */
const newestFirst = (...numbers: number[]) => [...numbers].sort((a, b) => b - a).map(id);

describe.each(DATABASE_KINDS)('search with q on %s', (kind) => {
  let database: TestDatabase;
  let service: RunningApp;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    service = await startApp({ DATABASE_URL: database.url });
    await service.repository.upsertUsers([ALICE, BOB], 'update');
    await service.repository.upsertTweets(TWEETS, 'update');
  });

  afterAll(async () => {
    await service?.close();
    await database?.drop();
  });

  async function search(q: string, more = ''): Promise<string[]> {
    const response = await request(service.url)
      .get(`/tweets?limit=100&q=${encodeURIComponent(q)}${more}`)
      .expect(200);
    return response.body.data.map((tweet: { id: string }) => tweet.id);
  }

  async function allPages(path: string): Promise<string[]> {
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const response: request.Response = await request(service.url)
        .get(cursor ? `${path}&cursor=${encodeURIComponent(cursor)}` : path)
        .expect(200);
      ids.push(...response.body.data.map((tweet: { id: string }) => tweet.id));
      cursor = response.body.nextCursor;
    } while (cursor);
    return ids;
  }

  it.each([
    ['kubern', [1, 13, 14]],
    ['netes', [1, 13, 14]],
    ['KUBERNETES', [1, 13, 14]],
    ['rollOUT', [1]],
  ])('finds parts of words, in any case: %s', async (q, numbers) => {
    expect(await search(q)).toEqual(newestFirst(...numbers));
  });

  it.each([
    ['cafe', [2, 3, 14]],
    ['café', [2, 3, 14]],
    ['CAFÉ', [2, 3, 14]],
    ['ecole', [15]],
    ['École', [15]],
  ])('ignores accents both ways: %s', async (q, numbers) => {
    expect(await search(q)).toEqual(newestFirst(...numbers));
  });

  it.each([
    ['東京', [6]],
    ['タワー', [6]],
    ['京タ', [6]],
    ['大阪', []],
  ])('finds a part of a CJK run: %s', async (q, numbers) => {
    expect(await search(q)).toEqual(newestFirst(...numbers));
  });

  it('finds an exact phrase, where words alone find them in any order', async () => {
    expect(await search('"launch pad"')).toEqual(newestFirst(4));
    expect(await search('launch pad')).toEqual(newestFirst(4, 5));
    expect(await search('"CAFE au"')).toEqual(newestFirst(3));
    expect(await search('"au cafe"')).toEqual([]);
  });

  it('leaves out excluded words and phrases', async () => {
    expect(await search('cafe -paris')).toEqual(newestFirst(2, 3));
    expect(await search('kubernetes -"deep dive"')).toEqual(newestFirst(1, 14));
    expect(await search('cafe -CAFÉ')).toEqual([]);
    expect(await search('-kubernetes', '&screenName=bob')).toEqual(newestFirst(3, 5, 6, 9, 10, 15));
  });

  it('takes %, _ and \\ in a term literally, the fullwidth ones too', async () => {
    expect(await search('100%')).toEqual(newestFirst(7));
    expect(await search('100％')).toEqual(newestFirst(7));
    expect(await search('%')).toEqual(newestFirst(7));
    expect(await search('snake_case')).toEqual(newestFirst(9));
    expect(await search('_')).toEqual(newestFirst(9));
    expect(await search('C:\\temp')).toEqual(newestFirst(11));
    expect(await search('C:＼temp')).toEqual(newestFirst(11));
  });

  it('finds terms shorter than three characters', async () => {
    expect(await search('ai')).toEqual(newestFirst(2, 3));
    expect(await search('ai ok')).toEqual([]);
    expect(await search('東')).toEqual(newestFirst(6));
    expect(await search('É')).toEqual(await search('e'));
  });

  it('combines with screenName, since and until, and pages within the results', async () => {
    expect(await search('kubernetes', '&screenName=ALICE')).toEqual(newestFirst(1, 14));
    expect(await search('cafe', '&since=2025-01-03&until=2025-01-14')).toEqual(newestFirst(3));
    expect(await allPages('/tweets?limit=1&q=cafe')).toEqual(newestFirst(2, 3, 14));
    expect(await allPages('/tweets?limit=1&q=kubern&screenName=alice')).toEqual(newestFirst(1, 14));
    expect(await allPages('/tweets?limit=2&q=e&screenName=bob&until=2025-01-15')).toEqual(newestFirst(3, 5, 9, 10, 13));
  });

  it.each([
    ['""', 'q must contain a word or "a phrase" to search for'],
    ['-', 'q must contain a word or "a phrase" to search for'],
    ['  "  " ', 'q must contain a word or "a phrase" to search for'],
    [Array.from({ length: 17 }, (_, i) => `w${i}`).join(' '), 'q must have at most 16 words and phrases'],
  ])('answers 400 naming q for q=%j', async (q, message) => {
    const response = await request(service.url)
      .get(`/tweets?q=${encodeURIComponent(q)}`)
      .expect(400);
    expect(response.body.message).toEqual([message]);
  });
});

describe.each(DATABASE_KINDS)('the substring search migration on %s', (kind) => {
  it('works on a database that has tweets and keeps its extensions in a schema of their own', async () => {
    // Two data sources in turn: PGlite in a folder, since one in memory ends with its data source.
    const database = kind === 'postgres' ? await createTestDatabase(kind) : null;
    const folder = mkdtempSync(join(tmpdir(), 'tts-search-migration-'));
    const before = MIGRATIONS.findIndex((migration) => migration.name === 'SubstringSearch1764900000000');
    const options = buildDataSourceOptions({ DATABASE_URL: database?.url, PGLITE_DATA_DIR: join(folder, 'pglite') });
    const older = new DataSource({ ...options, migrations: MIGRATIONS.slice(0, before) });
    await older.initialize();
    try {
      await older.runMigrations();
      await older.query(`CREATE SCHEMA extensions`);
      await older.query(`CREATE EXTENSION pg_trgm SCHEMA extensions`);
      await older.query(`CREATE EXTENSION unaccent SCHEMA extensions`);
      await older.query(
        `INSERT INTO twitter_users (id, screen_name, name, created_at, raw) VALUES (11, 'NASA', 'NASA', now(), '{}')`,
      );
      await older.query(
        `INSERT INTO tweets (id, author_id, text, created_at, raw) VALUES (21, 11, 'Café Kubernetes', now(), '{}')`,
      );
      await older.destroy();
      // Every migration since, too: the repository reads the columns the entities declare now.
      const current = new DataSource({ ...options, migrations: MIGRATIONS });
      await current.initialize();
      try {
        await current.runMigrations();
        const [index] = await current.query<{ indexdef: string }[]>(
          `SELECT indexdef FROM pg_indexes WHERE indexname = 'tweets_search_idx'`,
        );
        expect(index.indexdef).toContain('gin (text_folded extensions.gin_trgm_ops)');
        const repository = new TweetsRepository(current);
        const found = await repository.findTweets({
          limit: 10,
          includeRaw: false,
          search: parseSearchQuery('cafe KUBERN'),
        });
        expect(found.items.map((tweet) => tweet.id)).toEqual(['21']);

        for (let undone = MIGRATIONS.length; undone > before; undone--) await current.undoLastMigration();
        const columns = await current.query<{ column_name: string }[]>(
          `SELECT column_name FROM information_schema.columns WHERE table_name = 'tweets' AND column_name = 'search_vector'`,
        );
        expect(columns).toEqual([{ column_name: 'search_vector' }]);
        expect(await current.query(`SELECT id FROM tweets WHERE search_vector @@ 'kubernetes'::tsquery`)).toEqual([
          { id: '21' },
        ]);
      } finally {
        await current.destroy();
      }
    } finally {
      if (older.isInitialized) await older.destroy();
      await database?.drop();
      rmSync(folder, { recursive: true, force: true });
    }
  }, 60_000);
});
