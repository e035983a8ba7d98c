import { DataSource } from 'typeorm';
import { parseSearchQuery } from '../src/tweets/search-query';
import { TweetsRepository } from '../src/tweets/tweets.repository';
import { createTestDatabase, DATABASE_KINDS, openMigrated, planOfLastQuery, TestDatabase } from './support/databases';
import { tweetRow, userRow } from './support/fixtures';

const AUTHOR = userRow({ id: '1602315478998499329', screenName: 'tokyo_bot' });
const tweets = (count: number, firstId = 1850000000000000000n) =>
  Array.from({ length: count }, (_, i) =>
    tweetRow({
      id: String(firstId + BigInt(i)),
      authorId: AUTHOR.id,
      createdAt: new Date(Date.UTC(2024, 0, 1, 0, 0, i)),
    }),
  );
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(DATABASE_KINDS)('TweetsRepository on %s', (kind) => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let repository: TweetsRepository;

  /** When each stored tweet was first stored and last changed, in ms. */
  const stamps = async () => {
    const rows = await dataSource.query<{ id: string; fetched_at: Date; updated_at: Date }[]>(
      'SELECT id, fetched_at, updated_at FROM tweets',
    );
    return new Map(
      rows.map((row) => [
        row.id,
        { fetchedAt: new Date(row.fetched_at).getTime(), updatedAt: new Date(row.updated_at).getTime() },
      ]),
    );
  };

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    dataSource = await openMigrated(database.url);
    repository = new TweetsRepository(dataSource);
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  beforeEach(async () => {
    await dataSource.query('DELETE FROM tweets');
    await dataSource.query('DELETE FROM twitter_users');
  });

  it('inserts, then finds nothing to change, then updates only what changed', async () => {
    expect(await repository.upsertUsers([AUTHOR], 'update')).toEqual({
      inserted: 1,
      updated: 0,
      unchanged: 0,
      refused: [],
    });
    const rows = tweets(5);
    expect(await repository.upsertTweets(rows, 'update')).toEqual({
      inserted: 5,
      updated: 0,
      unchanged: 0,
      refused: [],
    });
    const before = await stamps();

    await sleep(20);
    expect(await repository.upsertTweets(rows, 'update')).toEqual({
      inserted: 0,
      updated: 0,
      unchanged: 5,
      refused: [],
    });
    expect(await stamps()).toEqual(before);

    const edited = {
      ...rows[2],
      likeCount: 99,
      text: 'edited text',
      editHistoryTweetIds: [rows[2].id, '1860000000000000000'],
    };
    expect(
      await repository.upsertTweets([...rows.slice(0, 2), edited, ...tweets(1, 1870000000000000000n)], 'update'),
    ).toEqual({
      inserted: 1,
      updated: 1,
      unchanged: 2,
      refused: [],
    });
    const after = await stamps();
    expect(after.get(edited.id)!.updatedAt).toBeGreaterThan(before.get(edited.id)!.updatedAt);
    expect(after.get(edited.id)!.fetchedAt).toBe(before.get(edited.id)!.fetchedAt);
    expect(after.get(rows[0].id)).toEqual(before.get(rows[0].id));
    const stored = await repository.findTweet(edited.id, true);
    expect(stored).toMatchObject({
      text: 'edited text',
      likeCount: 99,
      editHistoryTweetIds: [edited.id, '1860000000000000000'],
    });
  });

  it('never touches an existing row in insert-only mode', async () => {
    await repository.upsertUsers([AUTHOR], 'update');
    const rows = tweets(3);
    await repository.upsertTweets(rows, 'update');
    const before = await stamps();
    const changed = rows.map((row) => ({ ...row, likeCount: 1000, text: 'changed' }));
    expect(await repository.upsertTweets([...changed, ...tweets(2, 1880000000000000000n)], 'insert-only')).toEqual({
      inserted: 2,
      updated: 0,
      unchanged: 3,
      refused: [],
    });
    expect((await repository.findTweet(rows[0].id, false))!.text).toBe(rows[0].text);
    const after = await stamps();
    for (const row of rows) expect(after.get(row.id)).toEqual(before.get(row.id));

    const renamed = { ...AUTHOR, name: 'renamed' };
    expect(await repository.upsertUsers([renamed], 'insert-only')).toEqual({
      inserted: 0,
      updated: 0,
      unchanged: 1,
      refused: [],
    });
    expect((await repository.findUserByScreenName(AUTHOR.screenName))!.name).toBe(AUTHOR.name);
  });

  it('updates a changed profile and keeps the last copy of an id given twice', async () => {
    await repository.upsertUsers([AUTHOR], 'update');
    const counts = await repository.upsertUsers(
      [
        { ...AUTHOR, followersCount: 1 },
        { ...AUTHOR, followersCount: 2, description: 'new bio' },
      ],
      'update',
    );
    expect(counts).toEqual({ inserted: 0, updated: 1, unchanged: 0, refused: [] });
    expect(await repository.findUserByScreenName('TOKYO_BOT')).toMatchObject({
      followersCount: 2,
      description: 'new bio',
    });
  });

  it('stores more rows than fit one statement', async () => {
    await repository.upsertUsers([AUTHOR], 'update');
    expect(await repository.upsertTweets(tweets(1234), 'update')).toEqual({
      inserted: 1234,
      updated: 0,
      unchanged: 0,
      refused: [],
    });
    expect(await dataSource.query('SELECT count(*)::int AS n FROM tweets')).toEqual([{ n: 1234 }]);
  });

  it('hands a screen name taken over by another account to that account', async () => {
    await repository.upsertUsers([AUTHOR], 'update');
    await repository.upsertTweets(tweets(1), 'update');
    // X let another account take the name (in another case); the stored one's new name is unknown.
    const newcomer = userRow({ id: '42', screenName: 'TOKYO_BOT' });
    expect(await repository.upsertUsers([newcomer], 'update')).toMatchObject({ inserted: 1 });
    expect(await repository.findUserByScreenName('tokyo_bot')).toMatchObject({ id: '42', screenName: 'TOKYO_BOT' });
    const orphan = (await repository.findUsers(10)).items.find((user) => user.id === AUTHOR.id)!;
    expect(orphan.screenName).toBeNull();
    const tweet = (await repository.findTweets({ limit: 1, includeRaw: false })).items[0];
    expect(tweet).toMatchObject({ authorId: AUTHOR.id, authorScreenName: null });
    // Fetched again under its new name, the first account gets it back.
    await repository.upsertUsers([{ ...AUTHOR, screenName: 'tokyo_bot_2' }], 'update');
    expect(await repository.findUserByScreenName('tokyo_bot_2')).toMatchObject({ id: AUTHOR.id });
    // Two accounts swapping names in one batch.
    await repository.upsertUsers(
      [
        { ...AUTHOR, screenName: 'TOKYO_BOT' },
        { ...newcomer, screenName: 'tokyo_bot_2' },
      ],
      'update',
    );
    expect(await repository.findUserByScreenName('tokyo_bot')).toMatchObject({ id: AUTHOR.id });
    expect(await repository.findUserByScreenName('tokyo_bot_2')).toMatchObject({ id: '42' });
  });

  it('keeps a write made beside a transaction out of that transaction', async () => {
    const other = userRow({ id: '43', screenName: 'other_account' });
    const failing = dataSource.transaction(async (manager) => {
      await repository.upsertUsers([AUTHOR], 'update', manager);
      await sleep(300);
      throw new Error('rolled back on purpose');
    });
    await sleep(50); // the transaction is open now
    await repository.upsertUsers([other], 'update');
    await expect(failing).rejects.toThrow('rolled back on purpose');
    expect(await repository.findUserByScreenName(AUTHOR.screenName)).toBeNull();
    expect(await repository.findUserByScreenName(other.screenName)).toMatchObject({ id: '43' });
  });

  it('stores text and raw JSON with NUL and lone surrogates cleaned, in every column', async () => {
    const dirty = 'nul\u0000 and lone \ud800 surrogate 🚀';
    const clean = 'nul and lone \ufffd surrogate 🚀';
    await repository.upsertUsers([{ ...AUTHOR, name: dirty, raw: { name: dirty, ['k\u0000']: [dirty] } }], 'update');
    const [row] = tweets(1);
    const written = {
      ...row,
      text: dirty,
      source: dirty,
      entities: { note: dirty },
      raw: { text: dirty, nested: [dirty] },
    };
    expect(await repository.upsertTweets([written], 'update')).toMatchObject({ inserted: 1, refused: [] });
    expect(await repository.findTweet(row.id, true)).toMatchObject({
      text: clean,
      source: clean,
      entities: { note: clean },
      raw: { text: clean, nested: [clean] },
    });
    expect(await repository.findUserByScreenName(AUTHOR.screenName)).toMatchObject({
      name: clean,
      raw: { name: clean, k: [clean] },
    });
    // Cleaned the same way each time: a second write of the same tweet changes nothing.
    expect(await repository.upsertTweets([written], 'update')).toMatchObject({ unchanged: 1 });
  });

  it.each([
    ['inside a transaction', true],
    ['on its own', false],
  ])('skips a row PostgreSQL refuses, %s, and stores the others of its statement', async (_, inTransaction) => {
    await repository.upsertUsers([AUTHOR], 'update');
    const rows = tweets(5);
    rows[2] = { ...rows[2], likeCount: 1e20 }; // beyond bigint
    const write = (manager = dataSource.manager) => repository.upsertTweets(rows, 'update', manager);
    const counts = inTransaction ? await dataSource.transaction((manager) => write(manager)) : await write();
    expect(counts).toEqual({
      inserted: 4,
      updated: 0,
      unchanged: 0,
      refused: [{ id: rows[2].id, reason: expect.stringMatching(/out of range for type bigint/) }],
    });
    const stored = await dataSource.query<{ id: string }[]>('SELECT id FROM tweets ORDER BY id');
    expect(stored.map((row) => row.id)).toEqual([rows[0], rows[1], rows[3], rows[4]].map((row) => row.id));
  });

  it('turns a reference into a timeline tweet and follows a rename in insert-only mode, content frozen', async () => {
    await repository.upsertUsers([AUTHOR], 'insert-only');
    const [row] = tweets(1);
    await repository.upsertTweets([{ ...row, referencedOnly: true }], 'insert-only');
    expect((await repository.findTweets({ limit: 10, includeRaw: false })).items).toEqual([]);
    const counts = await repository.upsertTweets([{ ...row, text: 'changed' }], 'insert-only');
    expect(counts).toEqual({ inserted: 0, updated: 1, unchanged: 0, refused: [] });
    const listed = (await repository.findTweets({ limit: 10, includeRaw: false })).items;
    expect(listed).toMatchObject([{ id: row.id, text: row.text, referencedOnly: false }]);
    // A reference again later does not hide it.
    await repository.upsertTweets([{ ...row, referencedOnly: true }], 'insert-only');
    expect((await repository.findTweet(row.id, false))!.referencedOnly).toBe(false);

    await repository.upsertUsers([{ ...AUTHOR, screenName: 'tokyo_bot_new', name: 'renamed' }], 'insert-only');
    expect(await repository.findUserByScreenName('tokyo_bot_new')).toMatchObject({ id: AUTHOR.id, name: AUTHOR.name });
  });
});

describe.each(DATABASE_KINDS)('query plans on %s', (kind) => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let repository: TweetsRepository;
  const authors = ['alpha', 'beta', 'gamma'].map((screenName, i) => userRow({ id: String(1000 + i), screenName }));

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    dataSource = await openMigrated(database.url);
    repository = new TweetsRepository(dataSource);
    await repository.upsertUsers(authors, 'update');
    const rows = Array.from({ length: 6000 }, (_, i) =>
      tweetRow({
        id: String(1850000000000000000n + BigInt(i)),
        // beta writes one tweet in fifty: a per-account read must not wade through everyone's.
        authorId: i % 50 === 0 ? authors[1].id : i % 2 === 0 ? authors[0].id : authors[2].id,
        createdAt: new Date(Date.UTC(2024, 0, 1) + i * 60_000),
        text: i === 4321 ? 'a rare aardvark sighting' : `ordinary tweet number ${i}`,
      }),
    );
    await repository.upsertTweets(rows, 'update');
    // As autovacuum would by now: the trigram index's pending entries merged, statistics taken.
    await dataSource.query('VACUUM ANALYZE');
  }, 60_000);

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  const planOf = (read: () => Promise<unknown>) => planOfLastQuery(dataSource, read);

  const after = { createdAt: '2024-01-03T00:00:00.000000Z', id: '1850000000000003000' };

  it.each([
    ['the newest tweets', { limit: 20 }, 'tweets_newest_idx'],
    ['a later page', { limit: 20, after }, 'tweets_newest_idx'],
    ['a time range', { limit: 20, since: new Date('2024-01-02'), until: new Date('2024-01-03') }, 'tweets_newest_idx'],
    ['one account', { limit: 20, screenName: 'BETA' }, 'tweets_author_newest_idx'],
    ['one account, later page', { limit: 20, screenName: 'beta', after }, 'tweets_author_newest_idx'],
    ['a three-term search', { limit: 20, search: parseSearchQuery('Rare AARDV "sighting"') }, 'tweets_search_idx'],
  ])('reads %s through an index, with no scan of all tweets', async (_, filter, index) => {
    const plan = await planOf(() => repository.findTweets({ includeRaw: false, ...filter }));
    expect(plan).toContain(index);
    expect(plan).not.toMatch(/Seq Scan on tweets|Seq Scan on twitter_users/);
  });

  it('reads one tweet, a page of accounts and one account through indexes', async () => {
    expect(await planOf(() => repository.findTweet('1850000000000000042', false))).toContain('tweets_pkey');
    expect(await planOf(() => repository.findUserByScreenName('GAMMA'))).toContain('twitter_users_screen_name_key');
    expect(await planOf(() => repository.findUsers(20, after))).toContain('twitter_users_newest_idx');
    expect(await planOf(() => repository.findOldestTimelineTweetId(authors[1].id))).toContain(
      'tweets_author_newest_idx',
    );
  });
});
