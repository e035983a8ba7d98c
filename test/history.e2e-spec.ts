import request from 'supertest';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from '../src/database/data-source-options';
import { MIGRATIONS } from '../src/database/migrations';
import { History1764800000000 } from '../src/database/migrations/1764800000000-History';
import { generateTimeline } from '../src/fake-x-api/timeline.generator';
import { createTestDatabase, DATABASE_KINDS } from './support/databases';
import { startSyncFixture, SyncFixture, syncNow } from './support/sync-fixture';

jest.setTimeout(120_000);

type Json = Record<string, any>;

const HISTORY_TABLES = ['tweet_metrics_history', 'user_metrics_history', 'user_profile_history'];

/** The number of rows of each history table, in HISTORY_TABLES' order. */
async function historyRows(fx: SyncFixture): Promise<number[]> {
  const dataSource = fx.service.app.get(DataSource);
  const counts: number[] = [];
  for (const table of HISTORY_TABLES) {
    const [{ count }] = await dataSource.query(`SELECT count(*)::int AS count FROM ${table}`);
    counts.push(count);
  }
  return counts;
}

const tweetHistory = async (fx: SyncFixture, id: string): Promise<Json> =>
  (await request(fx.service.url).get(`/tweets/${id}/history`).expect(200)).body;

const userHistory = async (fx: SyncFixture, screenName: string): Promise<Json> =>
  (await request(fx.service.url).get(`/users/${screenName}/history`).expect(200)).body;

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe.each(DATABASE_KINDS)('the history of every change, on %s', (kind) => {
  let fx: SyncFixture | undefined;
  afterEach(async () => {
    await fx?.close();
    fx = undefined;
  });

  it('records a first observation of each tweet and account, then a row only when something changed', async () => {
    fx = await startSyncFixture(kind);
    const user = fx.fake.store.addUser({ username: 'history_keeper' });
    generateTimeline(fx.fake.store, user.id, { seed: 91, count: 30 });
    const tweet = fx.fake.store.postTweet(user.id, 'counting likes');
    fx.fake.store.setMetrics(tweet.id, { like_count: 3, retweet_count: 1, impression_count: 50 });

    await syncNow(fx, { screenNames: ['history_keeper'] });
    const dataSource = fx.service.app.get(DataSource);
    const [{ tweets, users }] = await dataSource.query(
      `SELECT (SELECT count(*)::int FROM tweets) AS tweets, (SELECT count(*)::int FROM twitter_users) AS users`,
    );
    const first = await historyRows(fx);
    expect(first).toEqual([tweets, users, users]);

    // Unchanged re-reads (the refresh re-reads the newest tweets and the account) add nothing.
    await syncNow(fx);
    await syncNow(fx, { full: true });
    expect(await historyRows(fx)).toEqual(first);

    const firstSeen = await tweetHistory(fx, tweet.id);
    expect(firstSeen.metrics).toEqual([
      {
        observedAt: expect.stringMatching(ISO),
        retweetCount: 1,
        replyCount: 0,
        likeCount: 3,
        quoteCount: 0,
        bookmarkCount: 0,
        impressionCount: 50,
      },
    ]);
    expect(firstSeen.versions).toEqual([{ id: tweet.id, text: 'counting likes', createdAt: tweet.createdAt }]);

    fx.fake.store.setMetrics(tweet.id, { like_count: 10, impression_count: 400 });
    await syncNow(fx);
    await syncNow(fx);
    expect(await historyRows(fx)).toEqual([first[0] + 1, first[1], first[2]]);
    const changed = await tweetHistory(fx, tweet.id);
    expect(changed.metrics).toHaveLength(2);
    expect(changed.metrics[0]).toEqual(firstSeen.metrics[0]);
    expect(changed.metrics[1]).toMatchObject({ likeCount: 10, impressionCount: 400, retweetCount: 1 });
    expect(Date.parse(changed.metrics[1].observedAt)).toBeGreaterThan(Date.parse(changed.metrics[0].observedAt));
    // The tweet itself shows the newest observation.
    const stored = (await request(fx.service.url).get(`/tweets/${tweet.id}`).expect(200)).body;
    expect(stored.metrics).toEqual({ ...changed.metrics[1], observedAt: undefined });
  });

  it('lists the stored versions of an edited tweet, oldest first, from any of them', async () => {
    fx = await startSyncFixture(kind);
    const user = fx.fake.store.addUser({ username: 'second_thoughts' });
    const original = fx.fake.store.postTweet(user.id, 'teh first draft');
    await syncNow(fx, { screenNames: ['second_thoughts'] });
    const edited = fx.fake.store.editTweet(original.id, 'the first draft');
    const again = fx.fake.store.editTweet(edited.id, 'the final draft');
    await syncNow(fx);

    // The sync never saw the middle version: X lists it in edit_history_tweet_ids, but it is not stored.
    const versions = [original, again].map((version) => ({
      id: version.id,
      text: version.text,
      createdAt: version.createdAt,
    }));
    const newest = await tweetHistory(fx, again.id);
    expect(newest.versions).toEqual(versions);
    expect(newest.metrics).toHaveLength(1);
    expect((await tweetHistory(fx, original.id)).versions).toEqual(versions);
    await request(fx.service.url).get(`/tweets/${edited.id}/history`).expect(404);
  });

  it('keeps each change of an account: counts, and profile fields with what changed', async () => {
    fx = await startSyncFixture(kind);
    const user = fx.fake.store.addUser({
      username: 'shape_shifter',
      name: 'Shape Shifter',
      description: 'first bio',
      metrics: { followers_count: 10 },
    });
    fx.fake.store.postTweet(user.id, 'hello');
    await syncNow(fx, { screenNames: ['shape_shifter'] });

    fx.fake.store.updateUser(user.id, { name: 'Shape Shifted', description: 'second bio' });
    await syncNow(fx);
    await syncNow(fx);
    user.metrics.followers_count = 25;
    fx.fake.store.renameUser(user.id, 'shifted_shape');
    fx.fake.store.updateUser(user.id, { profileImageUrl: 'https://pbs.twimg.com/profile_images/1/new_normal.jpg' });
    await syncNow(fx);
    await syncNow(fx);

    const history = await userHistory(fx, 'Shifted_Shape');
    expect(history.metrics.map((entry: Json) => entry.followersCount)).toEqual([10, 25]);
    expect(history.metrics[1]).toEqual({
      observedAt: expect.stringMatching(ISO),
      followersCount: 25,
      followingCount: 0,
      tweetCount: 1,
      listedCount: 0,
    });
    expect(history.profiles.map((entry: Json) => entry.changed)).toEqual([
      [],
      ['name', 'description'],
      ['screenName', 'profileImageUrl'],
    ]);
    expect(history.profiles[0]).toMatchObject({
      observedAt: expect.stringMatching(ISO),
      screenName: 'shape_shifter',
      name: 'Shape Shifter',
      description: 'first bio',
    });
    expect(history.profiles[2]).toMatchObject({
      screenName: 'shifted_shape',
      name: 'Shape Shifted',
      description: 'second bio',
      profileImageUrl: 'https://pbs.twimg.com/profile_images/1/new_normal.jpg',
    });
    // By the current screen name only, as GET /users/:screenName.
    await request(fx.service.url).get('/users/shape_shifter/history').expect(404);
    await request(fx.service.url).get('/users/nobody_at_all/history').expect(404);
    await request(fx.service.url).get('/tweets/1/history').expect(404);
    await request(fx.service.url).get('/tweets/not-an-id/history').expect(400);
  });

  it('records observations in insert-only mode, while the stored tweet stays as first seen', async () => {
    fx = await startSyncFixture(kind, { SYNC_SAVE_MODE: 'insert-only' });
    const user = fx.fake.store.addUser({ username: 'frozen_counts' });
    const tweet = fx.fake.store.postTweet(user.id, 'frozen');
    await syncNow(fx, { screenNames: ['frozen_counts'] });
    fx.fake.store.setMetrics(tweet.id, { like_count: 7 });
    await syncNow(fx);
    await syncNow(fx);

    const history = await tweetHistory(fx, tweet.id);
    expect(history.metrics.map((entry: Json) => entry.likeCount)).toEqual([0, 7]);
    const stored = (await request(fx.service.url).get(`/tweets/${tweet.id}`).expect(200)).body;
    expect(stored.metrics.likeCount).toBe(0);
  });

  it('deletes history older than HISTORY_RETENTION_DAYS at a run start, but never the newest row', async () => {
    fx = await startSyncFixture(kind, { HISTORY_RETENTION_DAYS: '30' });
    const user = fx.fake.store.addUser({ username: 'short_memory' });
    const busy = fx.fake.store.postTweet(user.id, 'often liked');
    const quiet = fx.fake.store.postTweet(user.id, 'never liked');
    await syncNow(fx, { screenNames: ['short_memory'] });
    for (const likes of [1, 2]) {
      fx.fake.store.setMetrics(busy.id, { like_count: likes });
      await syncNow(fx);
    }
    expect((await tweetHistory(fx, busy.id)).metrics).toHaveLength(3);

    const dataSource = fx.service.app.get(DataSource);
    for (const table of HISTORY_TABLES) {
      await dataSource.query(`UPDATE ${table} SET observed_at = observed_at - interval '60 days'`);
    }
    fx.fake.store.setMetrics(busy.id, { like_count: 3 });
    await syncNow(fx);

    // The run deleted the old rows before it stored the new observation.
    expect((await tweetHistory(fx, busy.id)).metrics.map((entry: Json) => entry.likeCount)).toEqual([2, 3]);
    expect((await tweetHistory(fx, quiet.id)).metrics.map((entry: Json) => entry.likeCount)).toEqual([0]);
    const account = await userHistory(fx, 'short_memory');
    expect(account.metrics).toHaveLength(1);
    expect(account.profiles).toHaveLength(1);
  });
});

describe.each(DATABASE_KINDS)('the history migration, on %s', (kind) => {
  it('makes what is stored the first observation of each tweet and account', async () => {
    const database = await createTestDatabase(kind);
    const before = MIGRATIONS.indexOf(History1764800000000);
    const source = new DataSource({
      ...buildDataSourceOptions({ DATABASE_URL: database.url, PGLITE_DATA_DIR: '' }),
      migrations: MIGRATIONS.slice(0, before),
    });
    await source.initialize();
    try {
      await source.runMigrations();
      await source.query(`
        INSERT INTO twitter_users (id, screen_name, name, created_at, raw, followers_count, updated_at)
        VALUES (11, 'NASA', 'NASA', now(), '{}', 500, '2026-01-02T03:04:05Z')`);
      await source.query(`
        INSERT INTO tweets (id, author_id, text, created_at, raw, like_count, updated_at)
        VALUES (21, 11, 'liftoff', now(), '{}', 42, '2026-01-03T00:00:00Z')`);
      const runner = source.createQueryRunner();
      await new History1764800000000().up(runner);
      await runner.release();

      const rows = async (sql: string) => (await source.query(sql)).map((row: Json) => ({ ...row }));
      expect(await rows(`SELECT tweet_id::text, observed_at, like_count::int FROM tweet_metrics_history`)).toEqual([
        { tweet_id: '21', observed_at: new Date('2026-01-03T00:00:00Z'), like_count: 42 },
      ]);
      expect(await rows(`SELECT user_id::text, followers_count::int FROM user_metrics_history`)).toEqual([
        { user_id: '11', followers_count: 500 },
      ]);
      expect(await rows(`SELECT user_id::text, screen_name, name, observed_at FROM user_profile_history`)).toEqual([
        { user_id: '11', screen_name: 'NASA', name: 'NASA', observed_at: new Date('2026-01-02T03:04:05Z') },
      ]);
    } finally {
      await source.destroy();
      await database.drop();
    }
  });
});
