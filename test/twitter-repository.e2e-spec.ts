import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from '../src/database/data-source-options';
import { runMigrations } from '../src/database/migrate';
import { TwitterRepository } from '../src/twitter/twitter.repository';
import { createTestDatabase, DATABASE_KINDS, TestDatabase } from './support/databases';
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

describe.each(DATABASE_KINDS)('TwitterRepository on %s', (kind) => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let repository: TwitterRepository;

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
    dataSource = await new DataSource(
      buildDataSourceOptions({ DATABASE_URL: database.url, PGLITE_DATA_DIR: '' }),
    ).initialize();
    await runMigrations(dataSource);
    repository = new TwitterRepository(dataSource);
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
    expect(await repository.upsertUsers([AUTHOR], 'update')).toEqual({ inserted: 1, updated: 0, unchanged: 0 });
    const rows = tweets(5);
    expect(await repository.upsertTweets(rows, 'update')).toEqual({ inserted: 5, updated: 0, unchanged: 0 });
    const before = await stamps();

    await sleep(20);
    expect(await repository.upsertTweets(rows, 'update')).toEqual({ inserted: 0, updated: 0, unchanged: 5 });
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
    });
    expect((await repository.findTweet(rows[0].id, false))!.text).toBe(rows[0].text);
    const after = await stamps();
    for (const row of rows) expect(after.get(row.id)).toEqual(before.get(row.id));

    const renamed = { ...AUTHOR, name: 'renamed' };
    expect(await repository.upsertUsers([renamed], 'insert-only')).toEqual({ inserted: 0, updated: 0, unchanged: 1 });
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
    expect(counts).toEqual({ inserted: 0, updated: 1, unchanged: 0 });
    expect(await repository.findUserByScreenName('TOKYO_BOT')).toMatchObject({
      followersCount: 2,
      description: 'new bio',
    });
  });

  it('stores more rows than fit one statement', async () => {
    await repository.upsertUsers([AUTHOR], 'update');
    expect(await repository.upsertTweets(tweets(1234), 'update')).toEqual({ inserted: 1234, updated: 0, unchanged: 0 });
    expect(await dataSource.query('SELECT count(*)::int AS n FROM tweets')).toEqual([{ n: 1234 }]);
  });

  it('refuses a second account with the same screen name in another case', async () => {
    await repository.upsertUsers([AUTHOR], 'update');
    await expect(repository.upsertUsers([userRow({ id: '42', screenName: 'TOKYO_BOT' })], 'update')).rejects.toThrow(
      /twitter_users_screen_name_key/,
    );
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
});
