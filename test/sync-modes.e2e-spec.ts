import request from 'supertest';
import { generateTimeline } from '../src/fake-x-api/timeline.generator';
import { startApp } from './support/app';
import { DATABASE_KINDS } from './support/databases';
import {
  BEARER,
  listedTweets,
  rateLimitWindowPassed,
  startSyncFixture,
  SyncFixture,
  syncNow,
  SYNC_TOKEN,
} from './support/sync-fixture';

jest.setTimeout(120_000);

type Json = Record<string, any>;

const listedIds = async (fx: SyncFixture, screenName: string) =>
  (await listedTweets(fx, screenName)).map((tweet) => tweet.id);

const timelineIds = (fx: SyncFixture, userId: string) => fx.fake.store.timeline(userId).map((tweet) => tweet.id);

describe.each(DATABASE_KINDS)('sync modes on %s', (kind) => {
  let fx: SyncFixture | undefined;
  afterEach(async () => {
    await fx?.close();
    fx = undefined;
  });

  it('never touches a stored row in insert-only mode', async () => {
    fx = await startSyncFixture(kind, { SYNC_SAVE_MODE: 'insert-only' });
    const user = fx.fake.store.addUser({ username: 'insert_only' });
    generateTimeline(fx.fake.store, user.id, { seed: 7, count: 40 });
    await syncNow(fx, { screenNames: ['insert_only'] });
    const target = fx.fake.store.timeline(user.id)[2];
    const likesBefore = target.metrics.like_count;
    fx.fake.store.setMetrics(target.id, { like_count: likesBefore + 1000 });
    fx.fake.store.postTweet(user.id, 'brand new');
    const run = await syncNow(fx, { screenNames: ['insert_only'] });
    expect(run.accounts[0]).toMatchObject({ status: 'succeeded', inserted: 1, updated: 0 });
    const stored = await request(fx.service.url).get(`/tweets/${target.id}`).expect(200);
    expect(stored.body.metrics.likeCount).toBe(likesBefore);
    expect(await listedIds(fx, 'insert_only')).toEqual(timelineIds(fx, user.id));
  });

  it('ends an account as partial when the rate limit resets too late, sends nothing into the spent window, and the next run fills the gap', async () => {
    const window = { limit: 2, windowSeconds: 1 };
    fx = await startSyncFixture(
      kind,
      { SYNC_MAX_RATE_LIMIT_WAIT_SECONDS: '0' },
      { rateLimits: { userTimeline: window } },
    );
    const user = fx.fake.store.addUser({ username: 'slow_lane' });
    generateTimeline(fx.fake.store, user.id, { seed: 8, count: 420 });
    const first = await syncNow(fx, { screenNames: ['slow_lane'] });
    expect(first.status).toBe('partial');
    expect(first.accounts[0]).toMatchObject({ status: 'partial', pages: 2, fetched: 200 });
    expect(first.accounts[0].error).toMatch(/SYNC_MAX_RATE_LIMIT_WAIT_SECONDS/);
    expect((await listedIds(fx, 'slow_lane')).length).toBe(200);

    // A run started before the reset knows the window is spent: no request goes into a 429.
    fx.fake.clearRequests();
    const early = await syncNow(fx, { screenNames: ['slow_lane'] });
    expect(early.accounts[0]).toMatchObject({
      status: 'partial',
      fetched: 0,
      error: expect.stringMatching(/^rate limited on/),
    });
    expect(fx.fake.requests().filter((r) => r.endpoint === 'userTimeline')).toEqual([]);

    await rateLimitWindowPassed(window.windowSeconds);
    fx.fake.store.postTweet(user.id, 'arrived in between');
    const second = await syncNow(fx, { screenNames: ['slow_lane'] });
    expect(second.accounts[0]).toMatchObject({ status: 'partial', fetched: 101 });
    await rateLimitWindowPassed(window.windowSeconds);
    const third = await syncNow(fx, { screenNames: ['slow_lane'] });
    expect(third.accounts[0]).toMatchObject({ status: 'partial', fetched: 100 });
    await rateLimitWindowPassed(window.windowSeconds);
    const fourth = await syncNow(fx, { screenNames: ['slow_lane'] });
    expect(fourth.accounts[0]).toMatchObject({ status: 'succeeded', fetched: 20 });
    expect(await listedIds(fx, 'slow_lane')).toEqual(timelineIds(fx, user.id));
    expect(fx.fake.requests().filter((r) => r.status === 429)).toEqual([]);
  });

  it('completes a 3,000-tweet backfill over rate-limited runs, fetching every tweet once', async () => {
    const window = { limit: 15, windowSeconds: 1 };
    fx = await startSyncFixture(
      kind,
      { SYNC_MAX_RATE_LIMIT_WAIT_SECONDS: '0' },
      { rateLimits: { userTimeline: window } },
    );
    const user = fx.fake.store.addUser({ username: 'big_history' });
    generateTimeline(fx.fake.store, user.id, { seed: 9, count: 3000 });
    let fetched = 0;
    let runs = 0;
    for (let status = ''; status !== 'succeeded'; runs++) {
      expect(runs).toBeLessThan(10);
      if (runs > 0) await rateLimitWindowPassed(window.windowSeconds);
      const run = await syncNow(fx, { screenNames: ['big_history'] });
      status = run.accounts[0].status;
      expect(['partial', 'succeeded']).toContain(status);
      fetched += run.accounts[0].fetched;
    }
    expect(runs).toBeGreaterThan(1);
    expect(fetched).toBe(3000);
    const pages = fx.fake
      .requests()
      .filter(
        (r) => r.endpoint === 'userTimeline' && r.status === 200 && (r.query.until_id || r.query.pagination_token),
      )
      .map((r) => JSON.stringify([r.query.since_id, r.query.until_id, r.query.pagination_token]));
    expect(pages.length).toBeGreaterThan(20);
    expect(new Set(pages).size).toBe(pages.length);
    const ids = await listedIds(fx, 'big_history');
    expect(new Set(ids).size).toBe(3000);
    expect(ids).toEqual(timelineIds(fx, user.id));
  });

  it('fails every account at once on 401, without retrying, and shows no credential', async () => {
    fx = await startSyncFixture(kind, { TWITTER_BEARER_TOKEN: 'wrong-token-abc' });
    fx.fake.store.addUser({ username: 'one' });
    fx.fake.store.addUser({ username: 'two' });
    const run = await syncNow(fx, { screenNames: ['one', 'two'] });
    expect(run.status).toBe('failed');
    expect(run.accounts.map((a: Json) => a.status)).toEqual(['failed', 'failed']);
    expect(run.error).toMatch(/401/);
    expect(run.accounts[1].error).toMatch(/not synced.*401/);
    // The run's one look at the project's usage, and the one request that met the 401.
    expect(fx.fake.requests().map((r) => r.endpoint)).toEqual(['usageTweets', 'userByUsername']);
    expect(JSON.stringify(run)).not.toContain('wrong-token-abc');
  });

  it('stops the run when the usage cap is reached', async () => {
    fx = await startSyncFixture(kind);
    for (const username of ['cap_one', 'cap_two']) {
      const user = fx.fake.store.addUser({ username });
      generateTimeline(fx.fake.store, user.id, { seed: 3, count: 10 });
    }
    fx.fake.injectFault({ kind: 'usageCapped' }, { endpoint: 'userTimeline', times: 10 });
    const run = await syncNow(fx, { screenNames: ['cap_one', 'cap_two'] });
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/usage cap/i);
    expect(fx.fake.requests().filter((r) => r.endpoint === 'userTimeline')).toHaveLength(1);
  });

  it('stores v1.1 timelines with the same ids, text and references as v2', async () => {
    fx = await startSyncFixture(kind, { TWITTER_API_VERSION: '1.1' });
    const user = fx.fake.store.addUser({ username: 'legacy_api' });
    generateTimeline(fx.fake.store, user.id, { seed: 11, count: 450 });
    const run = await syncNow(fx, { screenNames: ['legacy_api'] });
    expect(run.accounts[0]).toMatchObject({ status: 'succeeded', fetched: 450, userId: user.id });
    const timeline = fx.fake.store.timeline(user.id);
    expect(BigInt(timeline[0].id)).toBeGreaterThan(2n ** 53n);
    expect(await listedIds(fx, 'legacy_api')).toEqual(timeline.map((tweet) => tweet.id));
    for (const source of timeline.slice(0, 60)) {
      const stored = (await request(fx.service.url).get(`/tweets/${source.id}`).expect(200)).body;
      // v1.1 has no note_tweet: it cuts long posts at 279 characters and an ellipsis.
      if ([...source.text].length > 280) expect(source.text.startsWith(stored.text.replace(/…$/, ''))).toBe(true);
      else expect(stored.text).toBe(source.text);
      expect(stored.createdAt).toBe(new Date(Math.floor(Date.parse(source.createdAt) / 1000) * 1000).toISOString());
      expect(stored.referencedTweets.map((ref: Json) => [ref.type, ref.id])).toEqual(
        source.references.map((ref) => [ref.type, ref.id]),
      );
    }
    const requests = fx.fake.requests().filter((r) => r.endpoint === 'statusesUserTimeline');
    expect(requests.map((r) => r.query.max_id)).toEqual([
      undefined,
      expect.any(String),
      expect.any(String),
      expect.any(String),
    ]);
    fx.fake.clearRequests();
    fx.fake.store.postTweet(user.id, 'after the backfill');
    const next = await syncNow(fx, { screenNames: ['legacy_api'] });
    expect(next.accounts[0]).toMatchObject({ status: 'succeeded', inserted: 1 });
    expect(fx.fake.requests().find((r) => r.endpoint === 'statusesUserTimeline')?.query.since_id).toBe(timeline[0].id);
  });

  it('signs requests with OAuth 1.0a, and fails with a wrong secret', async () => {
    const oauth1 = {
      consumerKey: 'ck-123',
      consumerSecret: 'cs-456',
      accessToken: 'at-789',
      accessTokenSecret: 'ats-000',
    };
    const oauthVariables = (consumerSecret: string) => ({
      TWITTER_BEARER_TOKEN: '',
      TWITTER_CONSUMER_KEY: oauth1.consumerKey,
      TWITTER_CONSUMER_SECRET: consumerSecret,
      TWITTER_ACCESS_TOKEN: oauth1.accessToken,
      TWITTER_ACCESS_TOKEN_SECRET: oauth1.accessTokenSecret,
    });
    fx = await startSyncFixture(kind, oauthVariables(oauth1.consumerSecret), {
      oauth1: {
        consumerKey: oauth1.consumerKey,
        consumerSecret: oauth1.consumerSecret,
        accessToken: oauth1.accessToken,
        accessSecret: oauth1.accessTokenSecret,
      },
    });
    const user = fx.fake.store.addUser({ username: 'signed_in' });
    generateTimeline(fx.fake.store, user.id, { seed: 12, count: 20 });
    const run = await syncNow(fx, { screenNames: ['signed_in'] });
    expect(run.accounts[0]).toMatchObject({ status: 'succeeded', fetched: 20 });
    expect(fx.fake.requests().every((r) => r.auth === 'oauth1')).toBe(true);
    await fx.service.close();

    fx.service = await startApp({
      DATABASE_URL: fx.database.url,
      TWITTER_API_BASE_URL: fx.fake.url,
      SYNC_API_TOKEN: SYNC_TOKEN,
      ...oauthVariables('not-the-secret'),
    });
    const refused = await syncNow(fx, { screenNames: ['signed_in'] });
    expect(refused.accounts[0]).toMatchObject({ status: 'failed' });
    expect(refused.error).toMatch(/401/);
    expect(JSON.stringify(refused)).not.toMatch(/not-the-secret|cs-456|ats-000/);
  });

  it('guards POST /sync with SYNC_API_TOKEN and validates its body', async () => {
    fx = await startSyncFixture(kind, { TWITTER_SCREEN_NAMES: 'guarded' });
    const user = fx.fake.store.addUser({ username: 'guarded' });
    generateTimeline(fx.fake.store, user.id, { seed: 5, count: 30 });
    const url = fx.service.url;
    await request(url).post('/sync').expect(401);
    await request(url).post('/sync').set('authorization', 'Bearer nope').expect(401);
    await request(url).post('/sync').set('authorization', `Basic ${SYNC_TOKEN}`).expect(401);
    const bad = await request(url)
      .post('/sync')
      .set('authorization', `Bearer ${SYNC_TOKEN}`)
      .send({ screenNames: ['has space'] })
      .expect(400);
    expect(bad.body.message.join(' ')).toContain('screenNames');
    const unknown = await request(url)
      .post('/sync')
      .set('authorization', `Bearer ${SYNC_TOKEN}`)
      .send({ colour: 'blue' })
      .expect(400);
    expect(unknown.body.message.join(' ')).toContain('colour');

    fx.fake.injectFault({ kind: 'delay', ms: 1500 }, { endpoint: 'userTimeline' });
    const started = await request(url).post('/sync').set('authorization', `Bearer ${SYNC_TOKEN}`).expect(202);
    expect(started.body).toEqual({ runId: expect.any(String), status: 'running' });
    expect(started.headers.location).toBe(`/sync/runs/${started.body.runId}`);
    const busy = await request(url).post('/sync').set('authorization', `Bearer ${SYNC_TOKEN}`).expect(409);
    expect(busy.body).toMatchObject({ statusCode: 409, runId: started.body.runId });
    const running = await request(url).get(started.headers.location).expect(200);
    expect(running.body).toMatchObject({ id: started.body.runId, status: 'running', finishedAt: null });

    let finished: Json;
    const deadline = Date.now() + 20_000;
    do {
      expect(Date.now()).toBeLessThan(deadline);
      await new Promise((resolve) => setTimeout(resolve, 200));
      finished = (await request(url).get(started.headers.location).expect(200)).body;
    } while (finished.status === 'running');
    expect(finished).toMatchObject({ status: 'succeeded', trigger: 'manual', accounts: [{ screenName: 'guarded' }] });

    const latest = await syncNow(fx);
    const pages: Json[] = [];
    let cursor: string | null = null;
    do {
      const page: request.Response = await request(url)
        .get('/sync/runs')
        .query({ limit: 1, ...(cursor ? { cursor } : {}) })
        .expect(200);
      expect(page.body.data.length).toBeLessThanOrEqual(1);
      pages.push(...page.body.data);
      cursor = page.body.nextCursor;
    } while (cursor);
    const ids = pages.map((run) => run.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.slice(0, 2)).toEqual([latest.id, started.body.runId]);
    const startedAts = pages.map((run) => run.startedAt);
    expect([...startedAts].sort().reverse()).toEqual(startedAts);
    await request(url).get('/sync/runs/00000000-0000-0000-0000-000000000000').expect(404);
    await request(url).get('/sync/runs/not-a-uuid').expect(400);
    await request(url).get('/sync/runs?cursor=bogus').expect(400);
  });

  it('answers 403 when no SYNC_API_TOKEN is set', async () => {
    fx = await startSyncFixture(kind, { SYNC_API_TOKEN: '' });
    const response = await request(fx.service.url).post('/sync').set('authorization', `Bearer ${BEARER}`).expect(403);
    expect(response.body.message).toBe('manual sync is disabled: set SYNC_API_TOKEN');
  });
});
