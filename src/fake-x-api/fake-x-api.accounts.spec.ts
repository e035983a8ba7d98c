import { ApiResponseError, TwitterApiReadOnly } from 'twitter-api-v2';
import { FakeXApi, startFakeXApi } from './fake-x-api.server';
import { FakeXApiStore, StoredTweet, StoredUser } from './fake-x-api.store';
import { clientForFake, getRaw } from './twitter-client.testing';
import { daysUntilCapReset } from './v2.handlers';

const TOKEN = 'accounts-spec-token';
const OAUTH1 = {
  consumerKey: 'accounts-consumer-key',
  consumerSecret: 'accounts-consumer-secret',
  accessToken: '42-accounts-access-token',
  accessSecret: 'accounts-access-secret',
};
const RESOURCE_NOT_FOUND = 'https://api.twitter.com/2/problems/resource-not-found';

type Json = Record<string, any>;

describe('fake X API: accounts followed by id, renames, the monthly post cap and latency', () => {
  let fake: FakeXApi;
  let store: FakeXApiStore;
  let client: TwitterApiReadOnly;
  /** 30 plain posts */
  let followed: StoredUser;
  let followedTweets: StoredTweet[];
  /** a retweet of a quote, a quote, a reply and a plain post (newest first) */
  let sharer: StoredUser;
  let suspended: StoredUser;
  let locked: StoredUser;

  const get = (path: string) => getRaw(fake.url, path, TOKEN);
  const getJson = async (path: string): Promise<any> => JSON.parse((await get(path)).text);
  const control = (method: string, path: string, body?: unknown) =>
    fetch(`${fake.url}/_control/${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body) });
  const rejection = (promise: Promise<unknown>) =>
    promise.then(
      () => {
        throw new Error('expected the request to fail');
      },
      (error: unknown) => error as ApiResponseError,
    );

  beforeAll(async () => {
    store = new FakeXApiStore();
    followed = store.addUser({ username: 'followed', name: 'Followed One', description: 'Archived' });
    followedTweets = [];
    for (let i = 0; i < 30; i++) {
      followedTweets.unshift(store.addTweet({ authorId: followed.id, text: `post ${i}`, createdAt: at(i) }));
    }
    sharer = store.addUser({ username: 'sharer' });
    const original = store.addTweet({ authorId: followed.id, text: 'the original', createdAt: at(40) });
    const quote = store.addTweet({ authorId: followed.id, text: 'a quote', quoteOfId: original.id, createdAt: at(41) });
    store.addTweet({ authorId: sharer.id, text: 'plain', createdAt: at(42) });
    store.addTweet({ authorId: sharer.id, text: '@followed a reply', replyToId: original.id, createdAt: at(43) });
    store.addTweet({ authorId: sharer.id, text: 'quoting', quoteOfId: original.id, createdAt: at(44) });
    store.addTweet({ authorId: sharer.id, retweetOfId: quote.id, createdAt: at(45) });
    suspended = store.addUser({ username: 'gone_dark', suspended: true });
    locked = store.addUser({ username: 'locked_up', protected: true });
    fake = await startFakeXApi({ bearerToken: TOKEN, oauth1: OAUTH1, store });
    client = clientForFake(fake.url, TOKEN).readOnly;
  });

  beforeEach(() => {
    fake.clearFaults();
    fake.clearRequests();
    fake.resetRateLimits();
    fake.resetPostsServed();
    fake.setMonthlyPostCap(null);
  });

  afterAll(() => fake.close());

  describe('GET /2/users/:id', () => {
    it('answers the default fields only: id, name, username', async () => {
      const response = await get(`/2/users/${followed.id}`);

      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(JSON.parse(response.text)).toEqual({
        data: { id: followed.id, name: 'Followed One', username: 'followed' },
      });
    });

    it('renders the user.fields exactly as the username lookup does', async () => {
      const fields = 'user.fields=created_at,description,protected,public_metrics,url,verified';

      const byId = await getJson(`/2/users/${followed.id}?${fields}`);
      const byUsername = await getJson(`/2/users/by/username/followed?${fields}`);

      expect(byId).toEqual(byUsername);
      expect(Object.keys(byId.data)).toContain('public_metrics');
    });

    it('is what twitter-api-v2 calls for v2.user(id)', async () => {
      const { data } = await client.v2.user(locked.id, { 'user.fields': ['protected'] });

      expect(data).toEqual({ id: locked.id, name: 'locked_up', username: 'locked_up', protected: true });
      expect(fake.requests()).toEqual([
        expect.objectContaining({ path: `/2/users/${locked.id}`, endpoint: 'userById', status: 200 }),
      ]);
    });

    it('answers an unknown id with 200, errors[] and no data', async () => {
      const id = '1234567890123456789';

      expect(await getJson(`/2/users/${id}`)).toEqual({
        errors: [
          {
            value: id,
            detail: `Could not find user with id: [${id}].`,
            title: 'Not Found Error',
            resource_type: 'user',
            parameter: 'id',
            resource_id: id,
            type: RESOURCE_NOT_FOUND,
          },
        ],
      });
    });

    it('answers a suspended user with 200 and a "Forbidden" error naming the id', async () => {
      expect(await getJson(`/2/users/${suspended.id}`)).toEqual({
        errors: [
          {
            value: suspended.id,
            detail: `User has been suspended: [${suspended.id}].`,
            title: 'Forbidden',
            resource_type: 'user',
            parameter: 'id',
            resource_id: suspended.id,
            type: RESOURCE_NOT_FOUND,
          },
        ],
      });
    });

    it.each(['abc', '12345678901234567890'])('refuses the id %s with the 400 invalid-request problem', async (id) => {
      const response = await get(`/2/users/${id}?user.fields=nonsense`);

      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
      expect(JSON.parse(response.text)).toEqual({
        errors: [
          {
            parameters: { id: [id] },
            message: `The \`id\` query parameter value [${id}] does not match ^[0-9]{1,19}$`,
          },
          expect.objectContaining({ parameters: { 'user.fields': ['nonsense'] } }),
        ],
        title: 'Invalid Request',
        detail: 'One or more parameters to your request was invalid.',
        type: 'https://api.twitter.com/2/problems/invalid-request',
      });
    });

    it('has its own rate-limit window of 300 requests, and faults aimed at it', async () => {
      const first = await get(`/2/users/${followed.id}`);
      await get('/2/users/by/username/followed');
      const second = await get(`/2/users/${followed.id}`);
      fake.injectFault({ kind: 'status', status: 503 }, { endpoint: 'userById' });
      const byUsername = await get('/2/users/by/username/followed');
      const faulted = await get(`/2/users/${followed.id}`);

      expect(first.headers.get('x-rate-limit-limit')).toBe('300');
      expect(first.headers.get('x-rate-limit-remaining')).toBe('299');
      expect(second.headers.get('x-rate-limit-remaining')).toBe('298');
      expect(byUsername.status).toBe(200);
      expect(faulted.status).toBe(503);
    });
  });

  describe('GET /1.1/users/show.json', () => {
    const show = (query: string) => get(`/1.1/users/show.json?${query}`);

    it('answers the user object the statuses carry, by user_id or screen_name', async () => {
      const byId = await show(`user_id=${followed.id}`);
      const byName = await show('screen_name=FOLLOWED');
      const [status] = await getJson(`/1.1/statuses/user_timeline.json?user_id=${followed.id}&count=1`);

      expect(byId.status).toBe(200);
      expect(byId.headers.get('content-type')).toBe('application/json;charset=utf-8');
      expect(byId.text).toContain(`{"id":${followed.id},"id_str":"${followed.id}"`);
      expect(JSON.parse(byId.text)).toEqual(status.user);
      expect(byName.text).toBe(byId.text);
      expect(JSON.parse(byId.text)).toEqual(
        expect.objectContaining({ id_str: followed.id, screen_name: 'followed', statuses_count: 32, protected: false }),
      );
    });

    it('shows a protected account, flagged', async () => {
      const user = await client.v1.user({ user_id: locked.id });

      expect(user).toEqual(expect.objectContaining({ id_str: locked.id, screen_name: 'locked_up', protected: true }));
    });

    it('answers an unknown account 404 code 50, a suspended one 403 code 63', async () => {
      const unknown = await show('user_id=1234567890123456789');
      const unknownName = await show('screen_name=nobody_at_all');
      const banned = await show(`screen_name=${suspended.username}`);

      expect([unknown.status, JSON.parse(unknown.text)]).toEqual([
        404,
        { errors: [{ code: 50, message: 'User not found.' }] },
      ]);
      expect(unknownName.text).toBe(unknown.text);
      expect([banned.status, JSON.parse(banned.text)]).toEqual([
        403,
        { errors: [{ code: 63, message: 'User has been suspended.' }] },
      ]);
      const error = await rejection(client.v1.user({ user_id: '1234567890123456789' }));
      expect(error.code).toBe(404);
      expect(error.errors).toEqual([{ code: 50, message: 'User not found.' }]);
    });

    it('answers 400 code 38 when neither user_id nor screen_name is given', async () => {
      const response = await show('include_entities=false');

      expect(response.status).toBe(400);
      expect(JSON.parse(response.text)).toEqual({
        errors: [{ code: 38, message: 'user_id or screen_name parameter is missing.' }],
      });
    });

    it('has its own rate-limit window of 900 requests, and v1.1 fault bodies', async () => {
      const first = await show(`user_id=${followed.id}`);
      fake.injectFault({ kind: 'status', status: 503 }, { endpoint: 'usersShow' });
      const faulted = await show(`user_id=${followed.id}`);
      const unauthenticated = await getRaw(fake.url, `/1.1/users/show.json?user_id=${followed.id}`);

      expect(first.headers.get('x-rate-limit-limit')).toBe('900');
      expect(first.headers.get('x-rate-limit-remaining')).toBe('899');
      expect([faulted.status, JSON.parse(faulted.text)]).toEqual([
        503,
        { errors: [{ code: 130, message: 'Over capacity' }] },
      ]);
      expect([unauthenticated.status, JSON.parse(unauthenticated.text)]).toEqual([
        401,
        { errors: [{ code: 32, message: 'Could not authenticate you.' }] },
      ]);
    });
  });

  describe('GET /2/usage/tweets', () => {
    it('answers the project figures: posts served, the default cap, the days left until the reset', async () => {
      await get(`/2/users/${followed.id}/tweets?max_results=7`);
      const before = Date.now();
      const response = await get('/2/usage/tweets');
      const after = Date.now();
      const { data } = JSON.parse(response.text) as { data: Json };

      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(Object.keys(data).sort()).toEqual(['cap_reset_day', 'project_cap', 'project_id', 'project_usage']);
      expect(data).toEqual(
        expect.objectContaining({
          project_usage: 7,
          project_cap: 10_000_000,
          project_id: expect.stringMatching(/^\d+$/),
        }),
      );
      // The reset day defaults to the 1st of the month.
      expect([daysUntilCapReset(1, before), daysUntilCapReset(1, after)]).toContain(data.cap_reset_day);
    });

    it('reports the configured cap and reset day', async () => {
      const capped = await startFakeXApi({ bearerToken: TOKEN, monthlyPostCap: 1234, capResetDay: 15 });
      try {
        const before = Date.now();
        const { data } = JSON.parse((await getRaw(capped.url, '/2/usage/tweets', TOKEN)).text) as { data: Json };
        const after = Date.now();

        expect(data.project_cap).toBe(1234);
        expect([daysUntilCapReset(15, before), daysUntilCapReset(15, after)]).toContain(data.cap_reset_day);
      } finally {
        await capped.close();
      }
    });

    it('sends the counts as strings of digits, as X documents them, when asked to', async () => {
      const documented = await startFakeXApi({ bearerToken: TOKEN, monthlyPostCap: 5000, usageCountsAsStrings: true });
      try {
        const { data } = JSON.parse((await getRaw(documented.url, '/2/usage/tweets', TOKEN)).text) as { data: Json };

        expect(data).toEqual(
          expect.objectContaining({ project_cap: '5000', project_usage: '0', cap_reset_day: expect.any(Number) }),
        );
      } finally {
        await documented.close();
      }
    });

    it('takes days from 1 to 90 and the documented usage.fields', async () => {
      const fine = await get('/2/usage/tweets?days=90&usage.fields=project_usage,cap_reset_day');
      const tooMany = await get('/2/usage/tweets?days=91&usage.fields=everything');
      const zero = await get('/2/usage/tweets?days=0');
      const word = await get('/2/usage/tweets?days=week');

      expect(fine.status).toBe(200);
      expect(tooMany.status).toBe(400);
      expect(JSON.parse(tooMany.text).errors).toEqual([
        { parameters: { days: ['91'] }, message: 'The `days` query parameter value [91] is not between 1 and 90' },
        expect.objectContaining({ parameters: { 'usage.fields': ['everything'] } }),
      ]);
      expect([zero.status, word.status]).toEqual([400, 400]);
    });

    it('refuses OAuth 1.0a with the 403 "Unsupported Authentication" problem', async () => {
      const userClient = clientForFake(fake.url, {
        appKey: OAUTH1.consumerKey,
        appSecret: OAUTH1.consumerSecret,
        accessToken: OAUTH1.accessToken,
        accessSecret: OAUTH1.accessSecret,
      }).readOnly;

      const error = await rejection(userClient.v2.get('usage/tweets'));
      const lookup = await userClient.v2.user(followed.id);

      expect(error.code).toBe(403);
      expect(error.data).toEqual({
        title: 'Unsupported Authentication',
        detail: expect.stringContaining('Supported authentication types are [OAuth 2.0 Application-Only]'),
        type: 'https://api.twitter.com/2/problems/unsupported-authentication',
        status: 403,
      });
      expect(lookup.data.id).toBe(followed.id);
      expect(fake.requests().map((request) => [request.auth, request.status])).toEqual([
        ['oauth1', 403],
        ['oauth1', 200],
      ]);
    });

    it('has its own rate-limit window of 50 requests', async () => {
      const response = await get('/2/usage/tweets');

      expect(response.headers.get('x-rate-limit-limit')).toBe('50');
      expect(response.headers.get('x-rate-limit-remaining')).toBe('49');
    });
  });

  describe('posts served', () => {
    it('counts the tweets of data and includes.tweets of v2 timelines', async () => {
      const plain = await getJson(`/2/users/${followed.id}/tweets?max_results=10`);
      const withIncludes = await getJson(`/2/users/${sharer.id}/tweets?expansions=referenced_tweets.id,author_id`);

      expect(plain.data).toHaveLength(10);
      expect(withIncludes.data).toHaveLength(4);
      expect(withIncludes.includes.tweets.length).toBeGreaterThan(0);
      expect(fake.postsServed()).toBe(10 + 4 + withIncludes.includes.tweets.length);
    });

    it('counts every v1.1 status with the retweeted and quoted statuses inside it', async () => {
      const statuses: Json[] = await getJson(`/1.1/statuses/user_timeline.json?user_id=${sharer.id}`);
      const retweet = statuses[0];

      expect(statuses).toHaveLength(4);
      // The retweet carries the quote it retweets, which carries the post it quotes.
      expect(retweet.retweeted_status.quoted_status.id_str).toBeDefined();
      expect(statuses[1].quoted_status).toBeDefined();
      expect(fake.postsServed()).toBe(4 + 2 + 1);
    });

    it('counts a pinned tweet a lookup includes, and nothing for users alone or for errors', async () => {
      const pinner = store.addUser({ username: 'pinner' });
      const pinned = store.addTweet({ authorId: pinner.id, text: 'pinned', createdAt: at(50) });
      store.updateUser(pinner.id, { pinnedTweetId: pinned.id });

      await get(`/2/users/${pinner.id}`);
      await get('/2/users/by/username/pinner');
      await get(`/1.1/users/show.json?user_id=${pinner.id}`);
      await get(`/2/users/${locked.id}/tweets`);
      await get(`/2/users/by/username/${suspended.username}?expansions=pinned_tweet_id`);
      expect(fake.postsServed()).toBe(0);

      const withPinned = await getJson(`/2/users/${pinner.id}?expansions=pinned_tweet_id`);
      expect(withPinned.includes.tweets).toEqual([expect.objectContaining({ id: pinned.id })]);
      expect(fake.postsServed()).toBe(1);
    });

    it('counts nothing for a cut-off answer', async () => {
      fake.injectFault({ kind: 'truncatedJson' }, { endpoint: 'userTimeline' });

      expect((await get(`/2/users/${followed.id}/tweets`)).status).toBe(200);
      expect(fake.postsServed()).toBe(0);
    });
  });

  describe('the monthly post cap', () => {
    const timeline = (maxResults = 10) => get(`/2/users/${followed.id}/tweets?max_results=${maxResults}`);

    it('sends the answer that passes the cap whole, then closes the timelines with 429 UsageCapExceeded', async () => {
      fake.setMonthlyPostCap(15);

      const first = await timeline();
      const passing = await timeline();
      const refused = await timeline();
      const refusedV1 = await get(`/1.1/statuses/user_timeline.json?user_id=${followed.id}`);

      expect(JSON.parse(first.text).data).toHaveLength(10);
      expect(JSON.parse(passing.text).data).toHaveLength(10);
      expect(fake.postsServed()).toBe(20);
      expect(refused.status).toBe(429);
      expect(refused.headers.get('content-type')).toBe('application/problem+json');
      // Not a rate limit: the window still has room, and the refused request was not counted in it.
      expect(refused.headers.get('x-rate-limit-remaining')).toBe(passing.headers.get('x-rate-limit-remaining'));
      expect(Number(refused.headers.get('x-rate-limit-remaining'))).toBeGreaterThan(0);
      expect(refusedV1.status).toBe(429);
      expect(refusedV1.text).toBe(refused.text);
      expect(fake.postsServed()).toBe(20);
    });

    it('answers exactly as the usageCapped fault does', async () => {
      fake.injectFault({ kind: 'usageCapped' });
      const fault = await timeline();
      fake.setMonthlyPostCap(0);
      const capped = await timeline();

      expect(capped.status).toBe(fault.status);
      expect(capped.text).toBe(fault.text);
      expect(capped.headers.get('x-rate-limit-remaining')).toBe(fault.headers.get('x-rate-limit-remaining'));
      const error = await rejection(client.v2.userTimeline(followed.id));
      expect(error.code).toBe(429);
      expect(error.data).toEqual(
        expect.objectContaining({ title: 'UsageCapExceeded', type: 'https://api.twitter.com/2/problems/usage-capped' }),
      );
    });

    it('leaves lookups and the usage open, and reopens when lifted or when the month starts again', async () => {
      fake.setMonthlyPostCap(5);
      await timeline(5);

      const lookup = await get(`/2/users/${followed.id}`);
      const show = await get(`/1.1/users/show.json?user_id=${followed.id}`);
      const usage = await getJson('/2/usage/tweets');
      const refused = await timeline(5);
      fake.setMonthlyPostCap(null);
      const lifted = await timeline(5);
      fake.setMonthlyPostCap(10);
      const stillRefused = await timeline(5);
      fake.resetPostsServed();
      const newMonth = await timeline(5);

      expect([lookup.status, show.status]).toEqual([200, 200]);
      expect(usage.data).toEqual(expect.objectContaining({ project_usage: 5, project_cap: 5 }));
      expect([refused.status, lifted.status, stillRefused.status, newMonth.status]).toEqual([429, 200, 429, 200]);
    });

    it('is refused when it is not a whole number of posts', async () => {
      expect(() => fake.setMonthlyPostCap(-1)).toThrow(/monthlyPostCap/);
      expect(() => fake.setMonthlyPostCap(2.5)).toThrow(/monthlyPostCap/);
      await expect(startFakeXApi({ monthlyPostCap: Number.NaN })).rejects.toThrow(/monthlyPostCap/);
      await expect(startFakeXApi({ capResetDay: 32 })).rejects.toThrow(/capResetDay/);
      await expect(startFakeXApi({ latencyMs: -5 })).rejects.toThrow(/latencyMs/);
    });
  });

  describe('renames', () => {
    it('keep the id, free the old name and show the new one wherever the user appears', async () => {
      const renamer = store.addUser({ username: 'old_handle', name: 'Renamer' });
      const post = store.addTweet({ authorId: renamer.id, text: 'before the rename', createdAt: at(60) });

      const renamed = store.renameUser(renamer.id, 'new_handle');
      const byId = await getJson(`/2/users/${renamer.id}`);
      const byOldName = await getJson('/2/users/by/username/old_handle');
      const byNewName = await getJson('/2/users/by/username/NEW_HANDLE');
      const page = await getJson(`/2/users/${renamer.id}/tweets?expansions=author_id`);
      const [status] = await getJson(`/1.1/statuses/user_timeline.json?user_id=${renamer.id}`);
      const show = await getJson(`/1.1/users/show.json?user_id=${renamer.id}`);
      const oldTimeline = await get('/1.1/statuses/user_timeline.json?screen_name=old_handle');

      expect(renamed).toEqual(expect.objectContaining({ id: renamer.id, username: 'new_handle' }));
      expect(byId.data).toEqual({ id: renamer.id, name: 'Renamer', username: 'new_handle' });
      expect(byOldName.errors[0].detail).toBe('Could not find user with username: [old_handle].');
      expect(byNewName.data.id).toBe(renamer.id);
      expect(page.data.map((tweet: Json) => tweet.id)).toEqual([post.id]);
      expect(page.includes.users).toEqual([expect.objectContaining({ id: renamer.id, username: 'new_handle' })]);
      expect(status.user.screen_name).toBe('new_handle');
      expect(show.screen_name).toBe('new_handle');
      expect(oldTimeline.status).toBe(404);
    });

    it('let another account take the old name, which then finds that account', async () => {
      const first = store.addUser({ username: 'popular_name' });
      store.renameUser(first.id, 'moved_on');
      const taker = store.addUser({ username: 'Popular_Name' });

      const byOldName = await getJson('/2/users/by/username/popular_name');
      const show = await getJson('/1.1/users/show.json?screen_name=popular_name');

      expect(byOldName.data.id).toBe(taker.id);
      expect(show.id_str).toBe(taker.id);
      expect((await getJson(`/2/users/${first.id}`)).data.username).toBe('moved_on');
    });

    it('refuse a name another user holds, in any case, and a name X would not accept', () => {
      const mover = store.addUser({ username: 'mover' });

      expect(() => store.renameUser(mover.id, 'FOLLOWED')).toThrow('username taken: FOLLOWED');
      expect(() => store.renameUser(mover.id, 'much_too_long_for_x')).toThrow(/not a valid username/);
      expect(() => store.renameUser('1', 'anything')).toThrow(/no such user/);
      expect(store.requireUser(mover.id).username).toBe('mover');
      // A user may change the case of its own name.
      expect(store.renameUser(mover.id, 'Mover').username).toBe('Mover');
    });
  });

  describe('control routes', () => {
    it('set and lift the monthly cap and report the usage', async () => {
      await get(`/2/users/${followed.id}/tweets?max_results=5`);

      const set = await control('POST', 'monthly-cap', { cap: 5 });
      const refused = await get(`/2/users/${followed.id}/tweets`);
      const usage = await control('GET', 'usage');
      const lifted = await control('POST', 'monthly-cap', { cap: null });
      const served = await get(`/2/users/${followed.id}/tweets`);
      const bad = await Promise.all([
        control('POST', 'monthly-cap', { cap: -1 }),
        control('POST', 'monthly-cap', { cap: '5' }),
        control('POST', 'monthly-cap'),
      ]);

      expect([set.status, await set.json()]).toEqual([200, { postsServed: 5, monthlyPostCap: 5, capResetDay: 1 }]);
      expect(refused.status).toBe(429);
      expect(await usage.json()).toEqual({ postsServed: 5, monthlyPostCap: 5, capResetDay: 1 });
      expect(lifted.status).toBe(200);
      expect(served.status).toBe(200);
      expect(bad.map((response) => response.status)).toEqual([400, 400, 400]);
      // The control routes are not API requests.
      expect(fake.requests().map((request) => request.path)).toEqual([
        `/2/users/${followed.id}/tweets`,
        `/2/users/${followed.id}/tweets`,
        `/2/users/${followed.id}/tweets`,
      ]);
    });

    it('rename a user', async () => {
      const user = store.addUser({ username: 'via_control' });

      const renamed = await control('POST', `users/${user.id}/rename`, { username: 'controlled' });
      const taken = await control('POST', `users/${user.id}/rename`, { username: 'followed' });
      const unknown = await control('POST', 'users/1/rename', { username: 'whoever' });
      const noName = await control('POST', `users/${user.id}/rename`, { name: 'x' });

      expect([renamed.status, await renamed.json()]).toEqual([200, { id: user.id, username: 'controlled' }]);
      expect([taken.status, await taken.json()]).toEqual([409, { error: 'username taken: followed' }]);
      expect(unknown.status).toBe(404);
      expect(noName.status).toBe(400);
      expect(store.requireUser(user.id).username).toBe('controlled');
    });
  });

  describe('latency', () => {
    const LATENCY_MS = 300;
    let slow: FakeXApi;

    beforeAll(async () => {
      slow = await startFakeXApi({ bearerToken: TOKEN, store, latencyMs: LATENCY_MS });
    });

    afterAll(() => slow.close());

    it('answers every request after latencyMs, without holding the others up', async () => {
      const started = Date.now();
      const answers = Promise.all(
        Array.from({ length: 10 }, () => getRaw(slow.url, `/2/users/${followed.id}/tweets`, TOKEN)),
      );
      // The control routes answer at once: they show all ten requests received and none answered yet.
      let pending: { status: number | null }[] = [];
      while (pending.length < 10) {
        pending = (await (await fetch(`${slow.url}/_control/requests`)).json()) as { status: number | null }[];
      }

      expect(pending.map((request) => request.status)).toEqual(Array(10).fill(null));
      expect((await answers).map((answer) => answer.status)).toEqual(Array(10).fill(200));
      expect(Date.now() - started).toBeGreaterThanOrEqual(LATENCY_MS);
    });
  });
});

describe('daysUntilCapReset', () => {
  it.each([
    [1, '2025-03-10T12:00:00Z', 22],
    [15, '2025-03-10T00:00:00Z', 5],
    [10, '2025-03-09T23:59:59Z', 1],
    // On the reset day itself the cap has just reset: the next reset is a month away.
    [10, '2025-03-10T00:00:00Z', 31],
    [10, '2025-03-10T08:00:00Z', 31],
    // A month shorter than the reset day resets on its last day.
    [31, '2025-02-10T00:00:00Z', 18],
    [31, '2025-12-31T06:00:00Z', 31],
    [1, '2025-12-15T00:00:00Z', 17],
  ])('counts from day %d at %s: %d days left', (resetDay, now, expected) => {
    expect(daysUntilCapReset(resetDay, Date.parse(now))).toBe(expected);
  });
});

function at(minutes: number): string {
  return new Date(Date.UTC(2025, 0, 1) + minutes * 60_000).toISOString();
}
