import request from 'supertest';
import { DataSource } from 'typeorm';
import { FakeXApiOptions } from '../src/fake-x-api/fake-x-api.server';
import { FakeXApiStore, isReply, isRetweet, StoredUser } from '../src/fake-x-api/fake-x-api.store';
import { generateTimeline } from '../src/fake-x-api/timeline.generator';
import { daysUntilCapReset } from '../src/fake-x-api/v2.handlers';
import { DATABASE_KINDS } from './support/databases';
import {
  listedTweets,
  rateLimitWindowPassed,
  startSyncFixture,
  SyncFixture,
  syncNow,
  SYNC_TOKEN,
} from './support/sync-fixture';

jest.setTimeout(90_000);

type Json = Record<string, any>;

const AUTHORIZED = { authorization: `Bearer ${SYNC_TOKEN}` };
const BUDGET_MESSAGE = /^monthly post budget reached \((\d+) of 100\)$/;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A user of the fake X with `count` generated tweets. */
function fakeUser(fx: SyncFixture, username: string, count: number, seed: number): StoredUser {
  const user = fx.fake.store.addUser({ username });
  if (count > 0) generateTimeline(fx.fake.store, user.id, { seed, count });
  return user;
}

/** POST /accounts as a user's script would: 201, the account, and where it lives. */
async function addAccount(fx: SyncFixture, screenName: string, extra: Json = {}): Promise<Json> {
  const response = await request(fx.service.url)
    .post('/accounts')
    .set(AUTHORIZED)
    .send({ screenName, ...extra })
    .expect(201);
  expect(response.headers.location).toBe(`/accounts/${response.body.screenName}`);
  return response.body;
}

async function findAccount(fx: SyncFixture, screenName: string): Promise<Json> {
  return (await request(fx.service.url).get(`/accounts/${screenName}`).expect(200)).body;
}

async function changeAccount(fx: SyncFixture, screenName: string, change: Json): Promise<Json> {
  return (await request(fx.service.url).patch(`/accounts/${screenName}`).set(AUTHORIZED).send(change).expect(200)).body;
}

/** Every account GET /accounts lists, through all pages. */
async function listedAccounts(fx: SyncFixture, query: Json = {}): Promise<Json[]> {
  const accounts: Json[] = [];
  let cursor: string | null = null;
  do {
    const page: request.Response = await request(fx.service.url)
      .get('/accounts')
      .query({ ...query, limit: 100, ...(cursor ? { cursor } : {}) })
      .expect(200);
    accounts.push(...page.body.data);
    cursor = page.body.nextCursor;
  } while (cursor);
  return accounts;
}

const listedIds = async (fx: SyncFixture, screenName: string) =>
  (await listedTweets(fx, screenName)).map((tweet) => tweet.id);

const timelineIds = (fx: SyncFixture, userId: string) => fx.fake.store.timeline(userId).map((tweet) => tweet.id);

/** The fake's timeline requests for this user: v2 names the id in the path, v1.1 in user_id. */
const timelineRequestsOf = (fx: SyncFixture, userId: string) =>
  fx.fake
    .requests()
    .filter(
      (r) =>
        (r.endpoint === 'userTimeline' && r.path === `/2/users/${userId}/tweets`) ||
        (r.endpoint === 'statusesUserTimeline' && r.query.user_id === userId),
    );

/** Every request of the fake about this user, by id or by name. */
const requestsAbout = (fx: SyncFixture, user: StoredUser) =>
  fx.fake
    .requests()
    .filter(
      (r) =>
        r.path.split('/').includes(user.id) ||
        r.path.toLowerCase().endsWith(`/${user.username.toLowerCase()}`) ||
        r.query.user_id === user.id ||
        r.query.screen_name?.toLowerCase() === user.username.toLowerCase(),
    );

/** Rows of tweets authored by this user, every version and reference copy included (SQL, outside the API). */
async function storedRows(fx: SyncFixture, userId: string): Promise<number> {
  const rows: { count: number }[] = await fx.service.app
    .get(DataSource)
    .query(`SELECT count(*)::int AS count FROM tweets WHERE author_id = $1::bigint`, [userId]);
  return rows[0].count;
}

async function usage(fx: SyncFixture): Promise<Json> {
  return (await request(fx.service.url).get('/usage').expect(200)).body;
}

describe.each(DATABASE_KINDS)('accounts sync on %s', (kind) => {
  describe('on one service', () => {
    let fx: SyncFixture;
    let seed = 0;

    beforeAll(async () => {
      // No refresh of recent tweets: the request log then shows exactly what each run asked for.
      fx = await startSyncFixture(kind, { SYNC_REFRESH_RECENT: '0' });
    });

    afterAll(() => fx?.close());

    beforeEach(() => {
      fx.fake.clearFaults();
      fx.fake.clearRequests();
      fx.fake.resetRateLimits();
    });

    it('follows a renamed account by its user id: same cursor, found under both names, listed under the new one', async () => {
      const user = fakeUser(fx, 'old_name', 120, ++seed);
      const added = await addAccount(fx, 'old_name');
      expect(added).toMatchObject({
        screenName: 'old_name',
        userId: user.id,
        status: 'active',
        enabled: true,
        exclude: [],
        previousScreenNames: [],
        storedTweets: 0,
        newestTweetId: null,
      });
      const first = await syncNow(fx, { screenNames: ['old_name'] });
      expect(first.accounts).toEqual([expect.objectContaining({ status: 'succeeded', userId: user.id, fetched: 120 })]);
      const newestBefore = timelineIds(fx, user.id)[0];

      fx.fake.store.renameUser(user.id, 'new_name');
      const posted = [fx.fake.store.postTweet(user.id, 'first as new_name'), fx.fake.store.postTweet(user.id, 'again')];
      fx.fake.clearRequests();
      const second = await syncNow(fx, { screenNames: ['old_name'] });
      expect(second.accounts).toEqual([
        expect.objectContaining({
          screenName: 'new_name',
          userId: user.id,
          status: 'succeeded',
          fetched: 2,
          inserted: 2,
          newestId: posted[1].id,
        }),
      ]);
      // Looked up by its id, never by the old name; then asked only for what is newer than its cursor.
      const log = fx.fake.requests();
      expect(log.filter((r) => r.endpoint === 'userByUsername')).toEqual([]);
      expect(log.filter((r) => r.endpoint === 'userById').map((r) => r.path)).toEqual([`/2/users/${user.id}`]);
      expect(log.filter((r) => r.endpoint === 'userTimeline').map((r) => r.query.since_id)).toEqual([newestBefore]);

      for (const name of ['old_name', 'new_name', 'NEW_Name']) {
        expect(await findAccount(fx, name)).toMatchObject({
          screenName: 'new_name',
          userId: user.id,
          status: 'active',
          previousScreenNames: ['old_name'],
          storedTweets: 122,
          newestTweetId: posted[1].id,
          backfill: { complete: true, stored: 120 },
        });
      }
      await request(fx.service.url).get('/users/old_name').expect(404);
      const profile = await request(fx.service.url).get('/users/new_name').expect(200);
      expect(profile.body).toMatchObject({ id: user.id, screenName: 'new_name' });
      expect(await listedIds(fx, 'new_name')).toEqual(timelineIds(fx, user.id));
      expect(await listedIds(fx, 'old_name')).toEqual([]);
      const run = await request(fx.service.url).get(`/sync/runs/${second.id}`).expect(200);
      expect(run.body.accounts.map((a: Json) => a.screenName)).toEqual(['new_name']);

      // Named by its new name it is the same account: nothing is added to the list.
      const third = await syncNow(fx, { screenNames: ['new_name'] });
      expect(third.accounts).toEqual([
        expect.objectContaining({ screenName: 'new_name', userId: user.id, status: 'succeeded', inserted: 0 }),
      ]);
      const same = (await listedAccounts(fx)).filter(
        (a) => a.userId === user.id || ['old_name', 'new_name'].includes(a.screenName),
      );
      expect(same).toHaveLength(1);
    });

    it('never syncs the account that takes a renamed account’s old name; POST /accounts of that name adds it', async () => {
      const first = fakeUser(fx, 'taken_name', 40, ++seed);
      await addAccount(fx, 'taken_name');
      await syncNow(fx, { screenNames: ['taken_name'] });
      const firstRows = await storedRows(fx, first.id);

      fx.fake.store.renameUser(first.id, 'moved_away');
      const newHolder = fakeUser(fx, 'taken_name', 30, ++seed);
      const firstPost = fx.fake.store.postTweet(first.id, 'still me');
      fx.fake.store.postTweet(newHolder.id, 'the name is mine now');
      fx.fake.clearRequests();

      const run = await syncNow(fx, { screenNames: ['taken_name'] });
      expect(run.accounts).toEqual([
        expect.objectContaining({ screenName: 'moved_away', userId: first.id, status: 'succeeded', inserted: 1 }),
      ]);
      expect(requestsAbout(fx, newHolder)).toEqual([]);
      expect(await storedRows(fx, newHolder.id)).toBe(0);
      expect(await storedRows(fx, first.id)).toBe(firstRows + 1);
      await request(fx.service.url).get('/users/taken_name').expect(404);
      expect(await listedIds(fx, 'taken_name')).toEqual([]);
      expect(await listedIds(fx, 'moved_away')).toEqual(timelineIds(fx, first.id));
      expect((await listedIds(fx, 'moved_away'))[0]).toBe(firstPost.id);
      // The old name still finds the account it belonged to.
      expect(await findAccount(fx, 'taken_name')).toMatchObject({
        screenName: 'moved_away',
        userId: first.id,
        previousScreenNames: ['taken_name'],
      });

      const added = await addAccount(fx, 'taken_name');
      expect(added).toMatchObject({ screenName: 'taken_name', userId: newHolder.id, status: 'active' });
      expect(added.userId).not.toBe(first.id);
      // The current holder of a name comes before the account that had it.
      expect(await findAccount(fx, 'taken_name')).toMatchObject({ userId: newHolder.id, previousScreenNames: [] });
      fx.fake.clearRequests();
      const next = await syncNow(fx, { screenNames: ['taken_name'] });
      expect(next.accounts).toEqual([
        expect.objectContaining({ screenName: 'taken_name', userId: newHolder.id, status: 'succeeded', fetched: 31 }),
      ]);
      expect(timelineRequestsOf(fx, first.id)).toEqual([]);
      expect(await listedIds(fx, 'taken_name')).toEqual(timelineIds(fx, newHolder.id));
      expect(await listedIds(fx, 'moved_away')).toEqual(timelineIds(fx, first.id));
      expect(await findAccount(fx, 'moved_away')).toMatchObject({ userId: first.id, storedTweets: 41 });
    });

    it('passes exclude to the timeline request; what is stored stays and nothing is fetched again', async () => {
      const user = fakeUser(fx, 'no_replies', 80, ++seed);
      await addAccount(fx, 'no_replies');
      await syncNow(fx, { screenNames: ['no_replies'] });
      const before = await listedIds(fx, 'no_replies');
      const timeline = fx.fake.store.timeline(user.id);
      const storedReplies = timeline.filter(isReply).map((tweet) => tweet.id);
      const storedRetweets = timeline.filter(isRetweet).map((tweet) => tweet.id);
      expect(storedReplies.length).toBeGreaterThan(0);
      expect(storedRetweets.length).toBeGreaterThan(0);

      const changed = await changeAccount(fx, 'no_replies', { exclude: ['retweets', 'replies'] });
      expect(changed).toMatchObject({ screenName: 'no_replies', exclude: ['replies', 'retweets'], enabled: true });
      const other = fakeUser(fx, 'someone_else', 0, ++seed);
      const reply = fx.fake.store.addTweet({ authorId: user.id, text: 'a reply', replyToId: timeline[0].id });
      const retweet = fx.fake.store.addTweet({
        authorId: user.id,
        retweetOfId: fx.fake.store.postTweet(other.id, 'worth a retweet').id,
      });
      const plain = fx.fake.store.postTweet(user.id, 'a plain post');
      fx.fake.clearRequests();

      const run = await syncNow(fx, { screenNames: ['no_replies'] });
      expect(run.accounts[0]).toMatchObject({ status: 'succeeded', fetched: 1, inserted: 1, newestId: plain.id });
      expect(timelineRequestsOf(fx, user.id).map((r) => [r.query.since_id, r.query.exclude])).toEqual([
        [timeline[0].id, 'replies,retweets'],
      ]);
      const after = await listedIds(fx, 'no_replies');
      expect(after).toEqual([plain.id, ...before]);
      for (const id of [...storedReplies, ...storedRetweets]) expect(after).toContain(id);
      await request(fx.service.url).get(`/tweets/${reply.id}`).expect(404);
      await request(fx.service.url).get(`/tweets/${retweet.id}`).expect(404);
      expect(await findAccount(fx, 'no_replies')).toMatchObject({ exclude: ['replies', 'retweets'] });
    });

    it('purges an account’s tweets and user row on DELETE ?purge=true; a plain DELETE keeps the archive', async () => {
      const purged = fakeUser(fx, 'purge_me', 40, ++seed);
      const kept = fakeUser(fx, 'keep_my_tweets', 30, ++seed);
      await addAccount(fx, 'purge_me');
      await addAccount(fx, 'keep_my_tweets');
      await syncNow(fx, { screenNames: ['purge_me', 'keep_my_tweets'] });
      const rows = await storedRows(fx, purged.id);
      expect(rows).toBeGreaterThanOrEqual(40);

      await request(fx.service.url).delete('/accounts/purge_me?purge=true').expect(401);
      const gone = await request(fx.service.url).delete('/accounts/purge_me?purge=true').set(AUTHORIZED).expect(200);
      expect(gone.body).toEqual({ screenName: 'purge_me', deleted: { accounts: 1, tweets: rows, users: 1 } });
      expect(await storedRows(fx, purged.id)).toBe(0);
      const listed = await request(fx.service.url).get('/tweets').query({ screenName: 'purge_me' }).expect(200);
      expect(listed.body.data).toEqual([]);
      await request(fx.service.url).get('/accounts/purge_me').expect(404);
      await request(fx.service.url).get('/users/purge_me').expect(404);

      const keptIds = await listedIds(fx, 'keep_my_tweets');
      expect(keptIds).toEqual(timelineIds(fx, kept.id));
      await request(fx.service.url).delete('/accounts/keep_my_tweets').set(AUTHORIZED).expect(204);
      await request(fx.service.url).get('/accounts/keep_my_tweets').expect(404);
      expect(await listedIds(fx, 'keep_my_tweets')).toEqual(keptIds);
      await request(fx.service.url).get('/users/keep_my_tweets').expect(200);
      expect((await listedAccounts(fx)).map((a) => a.screenName)).not.toContain('keep_my_tweets');
    });

    it('keeps the tweets of an account that becomes suspended, protected or deleted, and resumes when it is back', async () => {
      const suspended = fakeUser(fx, 'will_suspend', 20, ++seed);
      const locked = fakeUser(fx, 'will_protect', 20, ++seed);
      const deleted = fakeUser(fx, 'will_delete', 20, ++seed);
      const names = [suspended, locked, deleted].map((user) => user.username);
      for (const name of names) await addAccount(fx, name);
      await syncNow(fx, { screenNames: names });
      const before = await Promise.all(names.map((name) => listedIds(fx, name)));

      fx.fake.store.updateUser(suspended.id, { suspended: true });
      fx.fake.store.updateUser(locked.id, { protected: true });
      // The fake has no way to delete a user: take it out of the store's users and put it back later.
      const users = fx.fake.store['users'];
      users.delete(deleted.id);
      const run = await syncNow(fx, { screenNames: names });
      expect(run.accounts.map((a: Json) => [a.screenName, a.status])).toEqual([
        ['will_suspend', 'not_found'],
        ['will_protect', 'protected'],
        ['will_delete', 'not_found'],
      ]);
      expect(run.accounts[0].error).toMatch(/suspended/);
      expect(run.accounts[2].error).toMatch(/no longer exists/);
      expect((await findAccount(fx, 'will_suspend')).status).toBe('suspended');
      expect((await findAccount(fx, 'will_protect')).status).toBe('protected');
      expect((await findAccount(fx, 'will_delete')).status).toBe('deleted');
      expect(await Promise.all(names.map((name) => listedIds(fx, name)))).toEqual(before);
      for (const name of names) expect((await findAccount(fx, name)).storedTweets).toBe(20);

      fx.fake.store.updateUser(suspended.id, { suspended: false });
      fx.fake.store.updateUser(locked.id, { protected: false });
      users.set(deleted.id, deleted);
      const posted = [suspended, locked, deleted].map((user) => fx.fake.store.postTweet(user.id, 'back again'));
      fx.fake.clearRequests();
      const back = await syncNow(fx, { screenNames: names });
      expect(back.accounts).toEqual(
        posted.map((tweet, i) =>
          expect.objectContaining({ screenName: names[i], status: 'succeeded', inserted: 1, newestId: tweet.id }),
        ),
      );
      // Resumed from the cursor: one request each, for what is newer than its newest stored tweet.
      for (const [i, user] of [suspended, locked, deleted].entries()) {
        expect(timelineRequestsOf(fx, user.id).map((r) => r.query.since_id)).toEqual([before[i][0]]);
        expect(await findAccount(fx, user.username)).toMatchObject({ status: 'active', storedTweets: 21 });
      }
    });
  });

  describe('each on a service of its own', () => {
    let current: SyncFixture | undefined;
    const start = async (variables: Record<string, string> = {}, fakeOptions: FakeXApiOptions = {}) =>
      (current = await startSyncFixture(kind, variables, fakeOptions));

    afterEach(async () => {
      await current?.close();
      current = undefined;
    });

    it('skips a paused account, refuses to sync it by name, and resumes it from its cursor', async () => {
      const fx = await start({ SYNC_REFRESH_RECENT: '0' });
      const paused = fakeUser(fx, 'pause_me', 60, 1);
      const running = fakeUser(fx, 'keep_going', 60, 2);
      await addAccount(fx, 'pause_me');
      await addAccount(fx, 'keep_going');
      const first = await syncNow(fx);
      expect(first.accounts.map((a: Json) => [a.screenName, a.status])).toEqual([
        ['pause_me', 'succeeded'],
        ['keep_going', 'succeeded'],
      ]);
      const cursor = timelineIds(fx, paused.id)[0];

      expect(await changeAccount(fx, 'pause_me', { enabled: false })).toMatchObject({
        screenName: 'pause_me',
        enabled: false,
        newestTweetId: cursor,
        backfill: { complete: true, stored: 60 },
      });
      const posted = [fx.fake.store.postTweet(paused.id, 'while paused'), fx.fake.store.postTweet(paused.id, 'more')];
      fx.fake.store.postTweet(running.id, 'business as usual');
      fx.fake.clearRequests();
      const whilePaused = await syncNow(fx);
      expect(whilePaused.accounts).toEqual([
        expect.objectContaining({ screenName: 'keep_going', status: 'succeeded', inserted: 1 }),
      ]);
      expect(requestsAbout(fx, paused)).toEqual([]);
      const refused = await request(fx.service.url)
        .post('/sync')
        .set(AUTHORIZED)
        .send({ screenNames: ['pause_me'] })
        .expect(400);
      expect(refused.body.message).toEqual([expect.stringMatching(/^screenNames: .*pause_me/)]);
      expect((await listedAccounts(fx, { enabled: 'false' })).map((a) => a.screenName)).toEqual(['pause_me']);
      expect((await listedAccounts(fx, { enabled: 'true' })).map((a) => a.screenName)).toEqual(['keep_going']);
      expect(await findAccount(fx, 'pause_me')).toMatchObject({ newestTweetId: cursor, storedTweets: 60 });

      expect(await changeAccount(fx, 'pause_me', { enabled: true })).toMatchObject({ enabled: true });
      fx.fake.clearRequests();
      const resumed = await syncNow(fx);
      // The longest-waiting account comes first.
      expect(resumed.accounts.map((a: Json) => a.screenName)).toEqual(['pause_me', 'keep_going']);
      expect(resumed.accounts[0]).toMatchObject({ status: 'succeeded', fetched: 2, inserted: 2 });
      expect(timelineRequestsOf(fx, paused.id).map((r) => r.query.since_id)).toEqual([cursor]);
      expect(await listedIds(fx, 'pause_me')).toEqual(timelineIds(fx, paused.id));
      expect((await listedIds(fx, 'pause_me')).slice(0, 2)).toEqual([posted[1].id, posted[0].id]);
    });

    it('syncs 200 accounts at SYNC_CONCURRENCY=16 inside one shared rate limit: no 429, every tweet stored once', async () => {
      // One page each (PGlite spends most of its time per page transaction); the limits still take
      // five windows for the lookups and five for the timelines.
      const tweetsEach = 80;
      const store = new FakeXApiStore();
      const users = Array.from({ length: 200 }, (_, i) => {
        const user = store.addUser({ username: `many_${i}` });
        // A stretch of time of its own for each account keeps the generator fast.
        const newestAt = new Date(Date.UTC(2012, 0, 1 + 20 * i)).toISOString();
        generateTimeline(store, user.id, { seed: 1000 + i, count: tweetsEach, newestAt });
        return user;
      });
      const window = { limit: 40, windowSeconds: 2 };
      const fx = await start(
        {
          TWITTER_SCREEN_NAMES: users.map((user) => user.username).join(','),
          SYNC_CONCURRENCY: '16',
          SYNC_MAX_RATE_LIMIT_WAIT_SECONDS: '30',
          SYNC_REFRESH_RECENT: '0',
        },
        { store, rateLimits: { userTimeline: window, userById: window, userByUsername: window } },
      );

      const run = await syncNow(fx);
      expect(run.accounts).toHaveLength(200);
      expect(run.accounts.filter((a: Json) => a.status !== 'succeeded' || a.fetched !== tweetsEach)).toEqual([]);
      expect(run).toMatchObject({ status: 'succeeded', error: null });
      const log = fx.fake.requests();
      expect(log.filter((r) => r.status !== 200)).toEqual([]);
      // One lookup and one page each: nothing asked twice.
      expect(log.filter((r) => r.endpoint === 'userByUsername')).toHaveLength(200);
      expect(log.filter((r) => r.endpoint === 'userTimeline')).toHaveLength(200);

      const rows: { id: string; author_id: string }[] = await fx.service.app
        .get(DataSource)
        .query(`SELECT id::text, author_id::text FROM tweets WHERE NOT referenced_only AND superseded_by IS NULL`);
      const storedByAuthor = new Map<string, string[]>();
      for (const row of rows) storedByAuthor.set(row.author_id, [...(storedByAuthor.get(row.author_id) ?? []), row.id]);
      expect(storedByAuthor.size).toBe(200);
      for (const user of users) {
        expect(storedByAuthor.get(user.id)!.sort()).toEqual(timelineIds(fx, user.id).sort());
      }
      const accounts = await listedAccounts(fx);
      expect(accounts.map((a) => [a.screenName, a.userId, a.status, a.storedTweets, a.backfill.complete])).toEqual(
        users.map((user) => [user.username, user.id, 'active', tweetsEach, true]),
      );
    }, 240_000);

    it('stops the accounts a spent window cannot serve in time, and serves them first on the next runs', async () => {
      const window = { limit: 5, windowSeconds: 1 };
      const fx = await start(
        { SYNC_CONCURRENCY: '2', SYNC_MAX_RATE_LIMIT_WAIT_SECONDS: '0', SYNC_REFRESH_RECENT: '0' },
        { rateLimits: { userTimeline: window } },
      );
      const names = Array.from({ length: 6 }, (_, i) => fakeUser(fx, `queue_${i}`, 150, 10 + i).username);
      for (const name of names) await addAccount(fx, name);

      const first = await syncNow(fx);
      expect(first.status).toBe('partial');
      expect(first.accounts.map((a: Json) => a.screenName)).toEqual(names);
      const stopped = first.accounts.filter((a: Json) => a.status !== 'succeeded');
      expect(stopped.length).toBeGreaterThan(0);
      expect(stopped.length).toBeLessThan(names.length);
      for (const account of stopped) {
        expect(account).toMatchObject({
          status: 'partial',
          error: expect.stringMatching(
            /^rate limited on \/2\/users\/:id\/tweets until \S+, beyond SYNC_MAX_RATE_LIMIT_WAIT_SECONDS \(0\)$/i,
          ),
        });
      }
      expect(fx.fake.requests().filter((r) => r.endpoint === 'userTimeline')).toHaveLength(5);

      const succeeded = new Set(
        first.accounts.filter((a: Json) => a.status === 'succeeded').map((a: Json) => a.screenName),
      );
      let previous = first;
      for (let runs = 1; succeeded.size < names.length; runs++) {
        expect(runs).toBeLessThan(6);
        await rateLimitWindowPassed(window.windowSeconds);
        const next = await syncNow(fx);
        // Longest-waiting first: what the last run did not finish leads, in the same order.
        const unfinished = previous.accounts
          .filter((a: Json) => a.status !== 'succeeded')
          .map((a: Json) => a.screenName);
        expect(next.accounts.map((a: Json) => a.screenName).slice(0, unfinished.length)).toEqual(unfinished);
        expect(next.accounts.map((a: Json) => a.screenName).sort()).toEqual([...names].sort());
        for (const account of next.accounts) {
          if (account.status === 'succeeded') succeeded.add(account.screenName);
          else expect(account).toMatchObject({ status: 'partial', error: expect.stringMatching(/^rate limited on/) });
        }
        previous = next;
      }
      expect(fx.fake.requests().filter((r) => r.status === 429)).toEqual([]);
      for (const name of names) {
        expect(await findAccount(fx, name)).toMatchObject({ storedTweets: 150, backfill: { complete: true } });
        expect(await listedIds(fx, name)).toEqual(timelineIds(fx, fx.fake.store.findUserByUsername(name)!.id));
      }
    });

    it('stops a run before it passes SYNC_MONTHLY_POST_BUDGET, counts what was read, and asks X nothing more', async () => {
      const fx = await start({ SYNC_MONTHLY_POST_BUDGET: '100' });
      const names = Array.from({ length: 3 }, (_, i) => fakeUser(fx, `thrifty_${i}`, 150, 20 + i).username);
      for (const name of names) await addAccount(fx, name);

      const run = await syncNow(fx);
      expect(run.status).toBe('partial');
      const readWhenStopped = run.accounts.map((account: Json) => {
        expect(account).toMatchObject({ status: 'partial', error: expect.stringMatching(BUDGET_MESSAGE) });
        return Number(BUDGET_MESSAGE.exec(account.error)![1]);
      });
      const served = fx.fake.postsServed();
      expect(served).toBeGreaterThan(0);
      expect(served).toBeLessThanOrEqual(100);
      const month = await usage(fx);
      expect(month).toMatchObject({ month: new Date().toISOString().slice(0, 7), postsRead: served, budget: 100 });
      for (const read of readWhenStopped) expect(read).toBeLessThanOrEqual(month.postsRead);
      expect(month.byAccount.map((a: Json) => a.screenName).sort()).toEqual(
        names.filter((_, i) => run.accounts[i].fetched > 0).sort(),
      );
      expect(month.byAccount.reduce((sum: number, a: Json) => sum + a.postsRead, 0)).toBe(served);
      const stored = (await listedAccounts(fx)).reduce((sum, a) => sum + a.storedTweets, 0);
      expect(stored).toBeGreaterThan(0);
      expect(stored).toBeLessThanOrEqual(served);

      fx.fake.clearRequests();
      const later = await syncNow(fx);
      for (const account of later.accounts) {
        expect(account).toMatchObject({ status: 'partial', fetched: 0, error: expect.stringMatching(BUDGET_MESSAGE) });
      }
      expect(fx.fake.requests().map((r) => r.endpoint)).toEqual(['usageTweets']);
      expect(fx.fake.postsServed()).toBe(served);
      expect((await usage(fx)).postsRead).toBe(served);
    });

    it('stops the whole run on the X API’s monthly cap answer, without retrying into it', async () => {
      const fx = await start({ SYNC_CONCURRENCY: '1' }, { monthlyPostCap: 50 });
      const capped = fakeUser(fx, 'first_in_line', 150, 30);
      const waiting = fakeUser(fx, 'never_reached', 150, 31);
      await addAccount(fx, 'first_in_line');
      await addAccount(fx, 'never_reached');

      const run = await syncNow(fx);
      expect(run.status).not.toBe('succeeded');
      expect(run.error).toMatch(/usage cap/i);
      expect(run.accounts.map((a: Json) => a.screenName)).toEqual(['first_in_line', 'never_reached']);
      expect(run.accounts[0].error).toMatch(/usage cap/i);
      expect(run.accounts[1].error).toMatch(/^not synced: .*usage cap/i);
      // The page that passed the cap arrived whole and is stored; the next one was refused once.
      expect(timelineRequestsOf(fx, capped.id).map((r) => r.status)).toEqual([200, 429]);
      expect(timelineRequestsOf(fx, waiting.id)).toEqual([]);
      expect(fx.fake.requests().filter((r) => r.status === 429)).toHaveLength(1);
      expect((await findAccount(fx, 'first_in_line')).storedTweets).toBe(100);
    });

    it('shows the X project’s usage from GET /2/usage/tweets, read once per run', async () => {
      const fx = await start({}, { monthlyPostCap: 1_000_000, capResetDay: 15 });
      expect(await usage(fx)).toEqual({
        month: new Date().toISOString().slice(0, 7),
        postsRead: 0,
        budget: null,
        xProjectUsage: null,
        xProjectCap: null,
        xCapResetDay: null,
        byAccount: [],
      });
      fakeUser(fx, 'usage_counted', 30, 40);
      await addAccount(fx, 'usage_counted');

      fx.fake.clearRequests();
      await syncNow(fx);
      expect(fx.fake.requests().filter((r) => r.endpoint === 'usageTweets')).toHaveLength(1);
      const afterFirst = fx.fake.postsServed();
      expect(await usage(fx)).toEqual({
        month: new Date().toISOString().slice(0, 7),
        postsRead: afterFirst,
        budget: null,
        // Read at the start of the run, before it read anything.
        xProjectUsage: 0,
        xProjectCap: 1_000_000,
        xCapResetDay: daysUntilCapReset(15, Date.now()),
        byAccount: [{ screenName: 'usage_counted', postsRead: afterFirst }],
      });

      fx.fake.clearRequests();
      await syncNow(fx);
      expect(fx.fake.requests().filter((r) => r.endpoint === 'usageTweets')).toHaveLength(1);
      expect(await usage(fx)).toMatchObject({ xProjectUsage: afterFirst, xProjectCap: 1_000_000 });
    });

    it('shows each account pending, running with its counts so far, then finished, while a run runs', async () => {
      const fx = await start({ SYNC_CONCURRENCY: '2', SYNC_REFRESH_RECENT: '0' }, { latencyMs: 300 });
      const names = Array.from({ length: 4 }, (_, i) => fakeUser(fx, `watched_${i}`, 500, 50 + i).username);
      for (const name of names) await addAccount(fx, name);

      const started = await request(fx.service.url).post('/sync').set(AUTHORIZED).send({}).expect(202);
      const snapshots: Json[] = [];
      for (;;) {
        const run = (await request(fx.service.url).get(`/sync/runs/${started.body.runId}`).expect(200)).body;
        if (run.status !== 'running') {
          snapshots.push(run);
          break;
        }
        snapshots.push(run);
        await sleep(100);
      }
      const whileRunning = snapshots.slice(0, -1).filter((run) => run.accounts.length > 0);
      const statuses = (run: Json) => run.accounts.map((a: Json) => a.status);
      expect(whileRunning.some((run) => statuses(run).includes('pending') && statuses(run).includes('running'))).toBe(
        true,
      );
      expect(whileRunning.some((run) => run.accounts.some((a: Json) => a.status === 'running' && a.fetched > 0))).toBe(
        true,
      );
      for (const run of whileRunning) {
        expect(run.accounts.map((a: Json) => a.screenName)).toEqual(names);
        expect(statuses(run).filter((status: string) => status === 'running').length).toBeLessThanOrEqual(2);
      }
      // Counts only grow.
      for (const [i] of names.entries()) {
        const fetched = snapshots.filter((run) => run.accounts.length > 0).map((run) => run.accounts[i].fetched);
        expect(fetched).toEqual([...fetched].sort((a, b) => a - b));
      }
      const last = snapshots[snapshots.length - 1];
      expect(last.status).toBe('succeeded');
      expect(last.accounts.map((a: Json) => [a.screenName, a.status, a.fetched])).toEqual(
        names.map((name) => [name, 'succeeded', 500]),
      );
    });

    it('adds TWITTER_SCREEN_NAMES at start-up and syncs every enabled account, those added at runtime too', async () => {
      const store = new FakeXApiStore();
      const seeded = ['seeded_one', 'seeded_two'].map((username, i) => {
        const user = store.addUser({ username });
        generateTimeline(store, user.id, { seed: 60 + i, count: 25 });
        return user;
      });
      const fx = await start({ TWITTER_SCREEN_NAMES: 'seeded_one,seeded_two' }, { store });
      expect((await listedAccounts(fx)).map((a) => [a.screenName, a.userId, a.status, a.enabled])).toEqual([
        ['seeded_one', null, 'unresolved', true],
        ['seeded_two', null, 'unresolved', true],
      ]);
      const added = fakeUser(fx, 'added_later', 25, 62);
      const paused = fakeUser(fx, 'added_paused', 25, 63);
      await addAccount(fx, 'added_later');
      expect(await addAccount(fx, 'added_paused', { enabled: false })).toMatchObject({ enabled: false });

      const run = await syncNow(fx);
      expect(run.accounts.map((a: Json) => [a.screenName, a.userId, a.status, a.fetched])).toEqual(
        [...seeded, added].map((user) => [user.username, user.id, 'succeeded', 25]),
      );
      expect(requestsAbout(fx, paused).filter((r) => r.endpoint !== 'userByUsername')).toEqual([]);
      expect((await listedAccounts(fx)).map((a) => [a.screenName, a.userId, a.status, a.storedTweets])).toEqual([
        ['seeded_one', seeded[0].id, 'active', 25],
        ['seeded_two', seeded[1].id, 'active', 25],
        ['added_later', added.id, 'active', 25],
        ['added_paused', paused.id, 'active', 0],
      ]);
      for (const user of [...seeded, added])
        expect(await listedIds(fx, user.username)).toEqual(timelineIds(fx, user.id));
    });

    it('follows a renamed account by user id on API v1.1 too', async () => {
      const fx = await start({ TWITTER_API_VERSION: '1.1', SYNC_REFRESH_RECENT: '0' });
      const user = fakeUser(fx, 'v1_before', 40, 70);
      expect(await addAccount(fx, 'v1_before')).toMatchObject({ userId: user.id, status: 'active' });
      expect(
        fx.fake
          .requests()
          .filter((r) => r.endpoint === 'usersShow')
          .map((r) => r.query.screen_name),
      ).toEqual(['v1_before']);
      const first = await syncNow(fx, { screenNames: ['v1_before'] });
      expect(first.accounts[0]).toMatchObject({ status: 'succeeded', userId: user.id, fetched: 40 });
      const cursor = timelineIds(fx, user.id)[0];

      fx.fake.store.renameUser(user.id, 'v1_after');
      const posted = fx.fake.store.postTweet(user.id, 'renamed on v1.1');
      fx.fake.clearRequests();
      const second = await syncNow(fx, { screenNames: ['v1_before'] });
      expect(second.accounts[0]).toMatchObject({
        screenName: 'v1_after',
        userId: user.id,
        status: 'succeeded',
        inserted: 1,
        newestId: posted.id,
      });
      const log = fx.fake.requests();
      expect(log.filter((r) => r.endpoint === 'usersShow').map((r) => r.query)).toEqual([
        expect.objectContaining({ user_id: user.id }),
      ]);
      expect(log.some((r) => r.query.screen_name !== undefined)).toBe(false);
      const timeline = log.filter((r) => r.endpoint === 'statusesUserTimeline').map((r) => r.query);
      expect(timeline.length).toBeGreaterThan(0);
      for (const query of timeline) expect(query).toMatchObject({ user_id: user.id, since_id: cursor });
      expect(await findAccount(fx, 'v1_before')).toMatchObject({
        screenName: 'v1_after',
        userId: user.id,
        previousScreenNames: ['v1_before'],
        storedTweets: 41,
      });
      expect(await listedIds(fx, 'v1_after')).toEqual(timelineIds(fx, user.id));
      await request(fx.service.url).get('/users/v1_before').expect(404);
    });
  });
});
