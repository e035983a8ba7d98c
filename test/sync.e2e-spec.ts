import request from 'supertest';
import { StoredTweet } from '../src/fake-x-api/fake-x-api.store';
import { generateTimeline } from '../src/fake-x-api/timeline.generator';
import { DATABASE_KINDS } from './support/databases';
import { listedTweets, startSyncFixture, SyncFixture, syncNow } from './support/sync-fixture';

jest.setTimeout(60_000);

type Json = Record<string, any>;

const listed = listedTweets;

const timelineRequests = (fx: SyncFixture) => fx.fake.requests().filter((r) => r.endpoint === 'userTimeline');

/** What GET /tweets/:id must say about a tweet of the fake, field by field. */
function expectSameTweet(stored: Json, source: StoredTweet, fx: SyncFixture): void {
  const author = fx.fake.store.findUserById(source.authorId)!;
  expect(stored).toMatchObject({
    id: source.id,
    text: source.text,
    createdAt: source.createdAt,
    lang: source.lang,
    conversationId: source.conversationId,
    inReplyToUserId: source.inReplyToUserId ?? null,
    editHistoryTweetIds: source.editHistoryTweetIds,
    metrics: {
      retweetCount: source.metrics.retweet_count,
      replyCount: source.metrics.reply_count,
      likeCount: source.metrics.like_count,
      quoteCount: source.metrics.quote_count,
      bookmarkCount: source.metrics.bookmark_count,
      impressionCount: source.metrics.impression_count,
    },
    author: { id: author.id, screenName: author.username, name: author.name },
    url: `https://x.com/${author.username}/status/${source.id}`,
  });
  expect(stored.referencedTweets.map((ref: Json) => [ref.type, ref.id])).toEqual(
    source.references.map((ref) => [ref.type, ref.id]),
  );
  for (const ref of stored.referencedTweets) {
    const original = fx.fake.store.findTweet(ref.id)!;
    expect(ref.text).toBe(original.text);
    expect(ref.author.id).toBe(original.authorId);
  }
  expect(stored.media.map((media: Json) => media.media_key)).toEqual(source.mediaKeys);
}

describe.each(DATABASE_KINDS)('sync on %s', (kind) => {
  let fx: SyncFixture;
  let accounts = 0;
  /** A new account on the fake with `count` generated tweets; a unique screen name per test. */
  const newAccount = (count: number, extra: Json = {}) => {
    const user = fx.fake.store.addUser({ username: `${kind}_acct${++accounts}`, ...extra });
    const tweets = count ? generateTimeline(fx.fake.store, user.id, { seed: accounts, count }) : [];
    return { user, tweets };
  };

  beforeAll(async () => {
    fx = await startSyncFixture(kind, { SYNC_MAX_RATE_LIMIT_WAIT_SECONDS: '10' });
  });

  afterAll(() => fx?.close());

  beforeEach(() => {
    fx.fake.clearFaults();
    fx.fake.clearRequests();
    fx.fake.resetRateLimits();
  });

  it('stores every tweet and user of a first sync, each field equal to the source', async () => {
    const { user } = newAccount(230);
    const run = await syncNow(fx, { screenNames: [user.username] });
    const timeline = fx.fake.store.timeline(user.id);
    expect(run).toMatchObject({ status: 'succeeded', trigger: 'manual', error: null });
    expect(run.accounts).toEqual([
      expect.objectContaining({
        screenName: user.username,
        userId: user.id,
        status: 'succeeded',
        pages: 3,
        fetched: 230,
        updated: 0,
        unchanged: 0,
        newestId: timeline[0].id,
        error: null,
      }),
    ]);
    const tweets = await listed(fx, user.username);
    expect(tweets.map((tweet) => tweet.id)).toEqual(timeline.map((tweet) => tweet.id));
    for (const [i, source] of timeline.entries()) expectSameTweet(tweets[i], source, fx);

    const profile = await request(fx.service.url).get(`/users/${user.username}`).expect(200);
    expect(profile.body).toMatchObject({
      id: user.id,
      screenName: user.username,
      name: user.name,
      description: user.description || null,
      profileImageUrl: user.profileImageUrl,
      verified: user.verified,
      metrics: {
        followersCount: user.metrics.followers_count,
        followingCount: user.metrics.following_count,
        tweetCount: user.metrics.tweet_count,
        listedCount: user.metrics.listed_count,
      },
      createdAt: user.createdAt,
    });
    // The originals of retweets and quotes are stored too, findable but not listed.
    const referenced = timeline.flatMap((tweet) => tweet.references.map((ref) => ref.id));
    expect(referenced.length).toBeGreaterThan(0);
    for (const id of referenced) {
      const original = await request(fx.service.url).get(`/tweets/${id}`).expect(200);
      expectSameTweet(original.body, fx.fake.store.findTweet(id)!, fx);
    }
  });

  it('asks only for what is new on the next sync, and refreshes what changed', async () => {
    const { user } = newAccount(120);
    await syncNow(fx, { screenNames: [user.username] });
    const newestBefore = fx.fake.store.timeline(user.id)[0];
    const posted = [
      fx.fake.store.postTweet(user.id, 'first new one'),
      fx.fake.store.postTweet(user.id, 'second & last'),
    ];
    const liked = fx.fake.store.timeline(user.id)[5];
    fx.fake.store.setMetrics(liked.id, { like_count: 123456 });
    const edited = fx.fake.store.editTweet(fx.fake.store.timeline(user.id)[3].id, 'edited <text> 🚀');
    fx.fake.clearRequests();

    const run = await syncNow(fx, { screenNames: [user.username] });
    const sinceIds = timelineRequests(fx).map((r) => r.query.since_id);
    expect(sinceIds[0]).toBe(newestBefore.id);
    expect(run.accounts[0]).toMatchObject({ status: 'succeeded', fetched: 3 + 100 });
    expect(run.accounts[0].inserted).toBe(3);
    expect(run.accounts[0].updated).toBeGreaterThanOrEqual(1);

    const tweets = await listed(fx, user.username);
    const timeline = fx.fake.store.timeline(user.id);
    expect(tweets.map((tweet) => tweet.id)).toEqual(timeline.map((tweet) => tweet.id));
    expect(tweets.find((tweet) => tweet.id === liked.id)!.metrics.likeCount).toBe(123456);
    expect(tweets.find((tweet) => tweet.id === posted[1].id)!.text).toBe('second & last');
    const newest = tweets.find((tweet) => tweet.id === edited.id)!;
    expect(newest.text).toBe('edited <text> 🚀');
    expect(newest.editHistoryTweetIds).toEqual(edited.editHistoryTweetIds);
    // The older version stays stored, but only the newest is listed.
    const older = edited.editHistoryTweetIds[0];
    expect(tweets.some((tweet) => tweet.id === older)).toBe(false);
    await request(fx.service.url).get(`/tweets/${older}`).expect(200);

    const quiet = await syncNow(fx, { screenNames: [user.username] });
    expect(quiet.accounts[0]).toMatchObject({ status: 'succeeded', inserted: 0, updated: 0 });
  });

  it('waits for a rate limit that resets soon, then completes', async () => {
    const { user } = newAccount(250);
    fx.fake.injectFault(
      { kind: 'status', status: 429, resetAt: Math.ceil(Date.now() / 1000) + 2 },
      { endpoint: 'userTimeline' },
    );
    const started = Date.now();
    const run = await syncNow(fx, { screenNames: [user.username] });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
    expect(run.accounts[0]).toMatchObject({ status: 'succeeded', fetched: 250, inserted: expect.any(Number) });
    expect((await listed(fx, user.username)).length).toBe(250);
  });

  it('waits a backoff step, not a back-to-back retry, when the rate limit says it already reset', async () => {
    const { user } = newAccount(30);
    // The X API's clock is a minute behind ours (skew): its reset instant is already past here.
    fx.fake.injectFault(
      { kind: 'status', status: 429, resetAt: Math.floor(Date.now() / 1000) - 60 },
      { endpoint: 'userTimeline', times: 2 },
    );
    const started = Date.now();
    const run = await syncNow(fx, { screenNames: [user.username] });
    expect(Date.now() - started).toBeGreaterThanOrEqual(2 * 500); // two waits of one backoff step (500 ms)
    expect(run.accounts[0]).toMatchObject({ status: 'succeeded', fetched: 30 });
    expect(timelineRequests(fx).map((r) => r.status)).toEqual([429, 429, 200]);
  });

  it('retries a server error twice, then succeeds', async () => {
    const { user } = newAccount(30);
    fx.fake.injectFault({ kind: 'status', status: 500 }, { endpoint: 'userTimeline', times: 2 });
    const run = await syncNow(fx, { screenNames: [user.username] });
    expect(run.accounts[0]).toMatchObject({ status: 'succeeded', fetched: 30 });
    expect(timelineRequests(fx).map((r) => r.status)).toEqual([500, 500, 200]);
  });

  it('fails only the account whose timeline keeps failing', async () => {
    const healthy = newAccount(10).user;
    const broken = newAccount(10).user;
    const path = `/2/users/${broken.id}/tweets`;
    fx.fake.injectFault({ kind: 'status', status: 500 }, { endpoint: 'userTimeline', path, times: 4 });
    const run = await syncNow(fx, { screenNames: [broken.username, healthy.username] });
    expect(run.status).toBe('partial');
    expect(run.accounts[0]).toMatchObject({ screenName: broken.username, status: 'failed', fetched: 0 });
    expect(run.accounts[0].error).toMatch(/500.*after 3 retries/);
    expect(run.accounts[1]).toMatchObject({ screenName: healthy.username, status: 'succeeded', fetched: 10 });
    expect(await listed(fx, broken.username)).toEqual([]);
  });

  it.each([
    ['an HTML page', { kind: 'html', status: 200 }],
    ['a cut-off JSON body', { kind: 'truncatedJson' }],
  ] as const)('fails the account on %s and stores nothing from that page', async (_, fault) => {
    const { user } = newAccount(150);
    fx.fake.injectFault({ kind: 'delay', ms: 0 }, { endpoint: 'userTimeline' });
    fx.fake.injectFault(fault, { endpoint: 'userTimeline' });
    const run = await syncNow(fx, { screenNames: [user.username] });
    expect(run.accounts[0]).toMatchObject({ status: 'failed', pages: 1, fetched: 100 });
    expect(run.accounts[0].error).toMatch(/JSON/);
    expect((await listed(fx, user.username)).length).toBe(100);
    // The next run fetches the rest and nothing twice.
    fx.fake.clearRequests();
    const next = await syncNow(fx, { screenNames: [user.username] });
    expect(next.accounts[0]).toMatchObject({ status: 'succeeded', fetched: 50 });
    expect((await listed(fx, user.username)).map((t) => t.id)).toEqual(
      fx.fake.store.timeline(user.id).map((t) => t.id),
    );
  });

  it('resumes after a failure on page 3 of 5 with no gap and no duplicate', async () => {
    const { user } = newAccount(480);
    fx.fake.injectFault({ kind: 'delay', ms: 0 }, { endpoint: 'userTimeline', times: 2 });
    fx.fake.injectFault({ kind: 'dropConnection' }, { endpoint: 'userTimeline', times: 4 });
    const failed = await syncNow(fx, { screenNames: [user.username] });
    expect(failed.accounts[0]).toMatchObject({ status: 'failed', pages: 2, fetched: 200 });
    fx.fake.clearRequests();
    const clean = await syncNow(fx, { screenNames: [user.username] });
    expect(clean.accounts[0]).toMatchObject({ status: 'succeeded', fetched: 280, inserted: expect.any(Number) });
    const tweets = await listed(fx, user.username);
    expect(tweets.map((t) => t.id)).toEqual(fx.fake.store.timeline(user.id).map((t) => t.id));
    expect(new Set(tweets.map((t) => t.id)).size).toBe(480);
    // The clean run asked for what is newer than the stored stretch, then for what lies below it.
    const oldestStored = fx.fake.store.timeline(user.id)[199].id;
    const [newer, below] = timelineRequests(fx).map((r) => r.query);
    expect(newer).toMatchObject({ since_id: fx.fake.store.timeline(user.id)[0].id });
    expect(below).toMatchObject({ until_id: oldestStored });
    expect(below.since_id).toBeUndefined();
  });

  it('reports unknown, suspended and protected accounts without failing the others', async () => {
    const suspended = newAccount(5, { suspended: true }).user;
    const secret = newAccount(5, { protected: true }).user;
    const fine = newAccount(5).user;
    const run = await syncNow(fx, {
      screenNames: ['no_such_user', suspended.username, secret.username, fine.username],
    });
    expect(run.status).toBe('succeeded');
    expect(run.accounts.map((a: Json) => [a.screenName, a.status])).toEqual([
      ['no_such_user', 'not_found'],
      [suspended.username, 'not_found'],
      [secret.username, 'protected'],
      [fine.username, 'succeeded'],
    ]);
    expect(run.accounts[1].error).toMatch(/suspended/);
  });
});
