import request from 'supertest';
import { DataSource } from 'typeorm';
import { StoredUser } from '../src/fake-x-api/fake-x-api.store';
import { TweetsRepository } from '../src/tweets/tweets.repository';
import { DATABASE_KINDS, planOfLastQuery } from './support/databases';
import { listedTweets, startSyncFixture, SyncFixture, syncNow } from './support/sync-fixture';

jest.setTimeout(60_000);

type Json = Record<string, any>;

const HOUR = 3_600_000;

/** A fake account with `count` plain posts an hour apart; its timeline, newest first. */
function accountWithPosts(fx: SyncFixture, username: string, count: number): { user: StoredUser; ids: string[] } {
  const user = fx.fake.store.addUser({ username });
  for (let i = 0; i < count; i++) {
    fx.fake.store.addTweet({
      authorId: user.id,
      text: `post ${i}`,
      createdAt: new Date(Date.UTC(2025, 0, 1) + i * HOUR).toISOString(),
    });
  }
  return { user, ids: fx.fake.store.timeline(user.id).map((tweet) => tweet.id) };
}

/** The ids of each GET /2/tweets request since the log was last cleared. */
const lookups = (fx: SyncFixture): string[][] =>
  fx.fake
    .requests()
    .filter((r) => r.endpoint === 'tweetsLookup')
    .map((r) => r.query.ids.split(','));

const getTweet = async (fx: SyncFixture, id: string): Promise<Json> =>
  (await request(fx.service.url).get(`/tweets/${id}`).expect(200)).body;

async function listedWithDeleted(fx: SyncFixture, screenName: string): Promise<Json[]> {
  const tweets: Json[] = [];
  let cursor: string | null = null;
  do {
    const page: request.Response = await request(fx.service.url)
      .get('/tweets')
      .query({ screenName, limit: 100, include: 'deleted', ...(cursor ? { cursor } : {}) })
      .expect(200);
    tweets.push(...page.body.data);
    cursor = page.body.nextCursor;
  } while (cursor);
  return tweets;
}

describe.each(DATABASE_KINDS)('deleted tweets on %s', (kind) => {
  // Screen names have at most 15 characters.
  const prefix = kind === 'postgres' ? 'pg' : 'lite';

  describe('found missing by the refresh', () => {
    let fx: SyncFixture;

    // Only what the refresh misses is looked up.
    beforeAll(async () => {
      fx = await startSyncFixture(kind, { SYNC_VERIFY_PER_RUN: '0' });
    });

    afterAll(() => fx?.close());

    it('marks a tweet deleted on X, hides it from the listing, and unmarks it once X has it again', async () => {
      const { user, ids } = accountWithPosts(fx, `${prefix}_refreshed`, 30);
      await syncNow(fx, { screenNames: [user.username] });
      expect(lookups(fx)).toEqual([]);
      const gone = ids[5];
      fx.fake.store.deleteTweet(gone);
      fx.fake.clearRequests();

      const run = await syncNow(fx, { screenNames: [user.username] });

      expect(run.accounts[0]).toMatchObject({ status: 'succeeded', error: null });
      expect(lookups(fx)).toEqual([[gone]]);
      expect((await listedTweets(fx, user.username)).map((tweet) => tweet.id)).toEqual(ids.filter((id) => id !== gone));
      const withDeleted = await listedWithDeleted(fx, user.username);
      expect(withDeleted.map((tweet) => tweet.id)).toEqual(ids);
      const marked = withDeleted.find((tweet) => tweet.id === gone)!;
      expect(marked.deletedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      expect(withDeleted.filter((tweet) => tweet.deletedAt !== null)).toHaveLength(1);
      expect(await getTweet(fx, gone)).toMatchObject({ id: gone, text: 'post 24', deletedAt: marked.deletedAt });

      // Marked once: a later run keeps the first date.
      await syncNow(fx, { screenNames: [user.username] });
      expect((await getTweet(fx, gone)).deletedAt).toBe(marked.deletedAt);

      fx.fake.store.restoreTweet(gone);
      fx.fake.clearRequests();
      await syncNow(fx, { screenNames: [user.username] });

      // The refresh read it again: nothing to look up.
      expect(lookups(fx)).toEqual([]);
      expect((await getTweet(fx, gone)).deletedAt).toBeNull();
      expect((await listedTweets(fx, user.username)).map((tweet) => tweet.id)).toEqual(ids);
    });

    it('answers 400 for an include it does not know, and takes raw and deleted together', async () => {
      const refused = await request(fx.service.url).get('/tweets').query({ include: 'everything' }).expect(400);
      expect(JSON.stringify(refused.body)).toContain('include must be raw, deleted, or both');
      const both = await request(fx.service.url).get('/tweets').query({ include: 'raw,deleted', limit: 1 }).expect(200);
      expect(both.body.data[0]).toHaveProperty('raw');
      expect(both.body.data[0]).toHaveProperty('deletedAt');
    });
  });

  describe('checked longest ago', () => {
    let fx: SyncFixture;
    let dataSource: DataSource;

    // No refresh: every lookup is one of the SYNC_VERIFY_PER_RUN checked longest ago.
    beforeAll(async () => {
      fx = await startSyncFixture(kind, { SYNC_REFRESH_RECENT: '0', SYNC_VERIFY_PER_RUN: '150' });
      dataSource = fx.service.app.get(DataSource);
    });

    afterAll(() => fx?.close());

    it('checks 150 a run in requests of at most 100 ids, the longest unchecked first, and counts the posts', async () => {
      const { user, ids } = accountWithPosts(fx, `${prefix}_verified`, 250);
      const oldestFirst = [...ids].reverse();
      await syncNow(fx, { screenNames: [user.username] });
      // The first run read all 250 in the timeline: checked then, and not again in that run.
      expect(lookups(fx)).toEqual([]);

      const [oldest, newest, remetered] = [oldestFirst[0], oldestFirst[249], oldestFirst[120]];
      fx.fake.store.deleteTweet(oldest);
      fx.fake.store.deleteTweet(newest);
      fx.fake.store.setMetrics(remetered, { like_count: 77 });
      fx.fake.clearRequests();
      const second = await syncNow(fx, { screenNames: [user.username] });

      expect(second.accounts[0]).toMatchObject({ status: 'succeeded', updated: 1 });
      expect(lookups(fx)).toEqual([oldestFirst.slice(0, 100), oldestFirst.slice(100, 150)]);
      expect((await getTweet(fx, oldest)).deletedAt).not.toBeNull();
      // Not checked yet: still listed as it was.
      expect((await getTweet(fx, newest)).deletedAt).toBeNull();
      expect((await getTweet(fx, remetered)).metrics.likeCount).toBe(77);

      fx.fake.store.restoreTweet(oldest);
      fx.fake.clearRequests();
      await syncNow(fx, { screenNames: [user.username] });

      // The 100 checked only by the first run, then the 50 of the second run's first request.
      expect(lookups(fx).map((batch) => batch.length)).toEqual([100, 50]);
      expect(lookups(fx).flat().sort()).toEqual([...oldestFirst.slice(150), ...oldestFirst.slice(0, 50)].sort());
      expect((await getTweet(fx, newest)).deletedAt).not.toBeNull();
      expect((await getTweet(fx, oldest)).deletedAt).toBeNull();
      // Nothing is removed.
      expect(await listedWithDeleted(fx, user.username)).toHaveLength(250);
      expect(await listedTweets(fx, user.username)).toHaveLength(249);

      // The lookups are posts read like the timeline pages, in GET /usage as on X's side.
      const usage = (await request(fx.service.url).get('/usage').expect(200)).body;
      expect(fx.fake.postsServed()).toBeGreaterThan(250);
      expect(usage.postsRead).toBe(fx.fake.postsServed());
    });

    it('finds what to check and lists deleted tweets through indexes', async () => {
      const repository = fx.service.app.get(TweetsRepository);
      const [{ id: authorId }] = await dataSource.query<{ id: string }[]>(
        `SELECT id FROM twitter_users WHERE screen_name = $1`,
        [`${prefix}_verified`],
      );
      const plan = (read: () => Promise<unknown>) => planOfLastQuery(dataSource, read);

      const toVerify = await plan(() =>
        repository.findTweetsToVerify(authorId, { seenFrom: null, seen: [], oldestChecked: 100 }),
      );
      expect(toVerify).toContain('tweets_verify_idx');
      expect(toVerify).not.toMatch(/Seq Scan on tweets/);
      for (const includeDeleted of [false, true]) {
        const listing = await plan(() => repository.findTweets({ limit: 20, includeRaw: false, includeDeleted }));
        // The partial indexes serve both: deleted_at is a filter on what they hold.
        expect(listing).toMatch(/tweets_(author_)?newest_idx/);
        expect(listing).not.toMatch(/Seq Scan on tweets/);
      }
    });
  });
});
