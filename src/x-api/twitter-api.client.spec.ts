import { ConfigService } from '@nestjs/config';
import { Metrics } from '../metrics/metrics';
import { Environment, validateEnvironment } from '../config/environment';
import { FakeXApi, startFakeXApi } from '../fake-x-api/fake-x-api.server';
import { FakeXApiStore, StoredTweet, StoredUser } from '../fake-x-api/fake-x-api.store';
import { RateLimitError, TransientError, TwitterApiClient, UsageCapError } from './twitter-api.client';

const BEARER = 'client-spec-bearer';
const OAUTH1 = {
  consumerKey: 'client-consumer-key',
  consumerSecret: 'client-consumer-secret',
  accessToken: '7-client-access-token',
  accessSecret: 'client-access-secret',
};

/** The real client, configured as the service configures it, talking to the fake over HTTP. */
function clientFor(baseUrl: string, credentials: 'bearer' | 'oauth1' | 'none' = 'bearer'): TwitterApiClient {
  // Every credential is set, empty when unused, so that none comes from the environment running the tests.
  const variables: Record<string, string> = {
    TWITTER_BEARER_TOKEN: credentials === 'bearer' ? BEARER : '',
    TWITTER_CONSUMER_KEY: credentials === 'oauth1' ? OAUTH1.consumerKey : '',
    TWITTER_CONSUMER_SECRET: credentials === 'oauth1' ? OAUTH1.consumerSecret : '',
    TWITTER_ACCESS_TOKEN: credentials === 'oauth1' ? OAUTH1.accessToken : '',
    TWITTER_ACCESS_TOKEN_SECRET: credentials === 'oauth1' ? OAUTH1.accessSecret : '',
  };
  const environment = validateEnvironment({ TWITTER_API_BASE_URL: baseUrl, ...variables });
  return new TwitterApiClient(new ConfigService<Environment, true>({ ...environment, ...variables }), new Metrics());
}

describe('TwitterApiClient against the fake X API', () => {
  let fake: FakeXApi;
  let store: FakeXApiStore;
  let client: TwitterApiClient;
  let author: StoredUser;
  /** 12 plain posts, then a reply, a quote and a retweet of the quote (newest first) */
  let authorTweets: StoredTweet[];
  let suspended: StoredUser;
  let locked: StoredUser;

  beforeAll(async () => {
    store = new FakeXApiStore();
    author = store.addUser({ username: 'author', name: 'The Author', description: 'Writes' });
    const other = store.addUser({ username: 'other' });
    const original = store.addTweet({ authorId: other.id, text: 'the original', createdAt: at(0) });
    for (let i = 1; i <= 12; i++) store.addTweet({ authorId: author.id, text: `post ${i}`, createdAt: at(i) });
    store.addTweet({ authorId: author.id, text: '@other a reply', replyToId: original.id, createdAt: at(13) });
    const quote = store.addTweet({ authorId: author.id, text: 'quoting', quoteOfId: original.id, createdAt: at(14) });
    store.addTweet({ authorId: author.id, retweetOfId: quote.id, createdAt: at(15) });
    authorTweets = store.timeline(author.id);
    suspended = store.addUser({ username: 'suspended_one', suspended: true });
    locked = store.addUser({ username: 'locked_one', protected: true });
    fake = await startFakeXApi({ bearerToken: BEARER, oauth1: OAUTH1, store });
    client = clientFor(fake.url);
  });

  beforeEach(() => {
    fake.clearFaults();
    fake.clearRequests();
    fake.resetRateLimits();
    fake.resetPostsServed();
    fake.setMonthlyPostCap(null);
  });

  afterAll(() => fake.close());

  describe('findUserById', () => {
    it('finds the user with its profile fields and the rate limit', async () => {
      const lookup = await client.findUserById(author.id);

      expect(lookup.user).toEqual(
        expect.objectContaining({ id: author.id, username: 'author', description: 'Writes', protected: false }),
      );
      expect(lookup.problem).toBeUndefined();
      expect(lookup.postsDelivered).toBe(0);
      expect(lookup.rateLimit).toEqual({ remaining: 299, resetAt: expect.any(Date) });
      expect(fake.requests()).toEqual([
        expect.objectContaining({ path: `/2/users/${author.id}`, endpoint: 'userById', status: 200 }),
      ]);
    });

    it('says not_found for an unknown id and suspended for a suspended account', async () => {
      const unknown = await client.findUserById('1234567890123456789');
      const banned = await client.findUserById(suspended.id);

      expect(unknown).toEqual({
        problem: { kind: 'not_found', detail: 'Could not find user with id: [1234567890123456789].' },
        rateLimit: expect.objectContaining({ remaining: 299 }),
        postsDelivered: 0,
      });
      expect(banned.user).toBeUndefined();
      expect(banned.problem).toEqual({ kind: 'suspended', detail: `User has been suspended: [${suspended.id}].` });
    });

    it('follows the account through a rename, which the username lookup does not', async () => {
      const renamer = store.addUser({ username: 'before_name' });
      store.renameUser(renamer.id, 'after_name');

      expect((await client.findUserById(renamer.id)).user?.username).toBe('after_name');
      expect((await client.findUserByUsername('before_name')).problem?.kind).toBe('not_found');
    });

    it('keeps findUserByUsername as it was, with postsDelivered', async () => {
      const lookup = await client.findUserByUsername('AUTHOR');

      expect(lookup.user?.id).toBe(author.id);
      expect(lookup.postsDelivered).toBe(0);
    });
  });

  describe('findV1User', () => {
    it('finds the v1.1 user by id or by screen name', async () => {
      const byId = await client.findV1User({ userId: author.id });
      const byName = await client.findV1User({ screenName: 'Author' });
      const protectedOne = await client.findV1User({ userId: locked.id });

      expect(byId.user).toEqual(
        expect.objectContaining({ id_str: author.id, screen_name: 'author', name: 'The Author', statuses_count: 15 }),
      );
      expect(byName.user).toEqual(byId.user);
      expect(byId).toEqual(expect.objectContaining({ postsDelivered: 0, rateLimit: expect.any(Object) }));
      expect(protectedOne.user?.protected).toBe(true);
      expect(fake.requests().map((request) => request.query)).toEqual([
        { user_id: author.id },
        { screen_name: 'Author' },
        { user_id: locked.id },
      ]);
    });

    it('turns 404 code 50 and 403 code 63 into problems, not errors', async () => {
      const unknown = await client.findV1User({ screenName: 'nobody_here' });
      const banned = await client.findV1User({ userId: suspended.id });

      expect(unknown).toEqual({
        problem: { kind: 'not_found', detail: 'User not found.' },
        rateLimit: expect.objectContaining({ remaining: 899 }),
        postsDelivered: 0,
      });
      expect(banned.problem).toEqual({ kind: 'suspended', detail: 'User has been suspended.' });
    });

    it('throws the usual errors for other failures', async () => {
      fake.injectFault({ kind: 'status', status: 503 }, { endpoint: 'usersShow' });
      const unavailable = client.findV1User({ userId: author.id });
      await expect(unavailable).rejects.toBeInstanceOf(TransientError);

      fake.injectFault({ kind: 'status', status: 429 }, { endpoint: 'usersShow' });
      await expect(client.findV1User({ userId: author.id })).rejects.toBeInstanceOf(RateLimitError);
    });
  });

  describe('fetchUsage', () => {
    it("reads the project's figures with a bearer token", async () => {
      const page = await client.fetchTimelinePage(author.id, { maxResults: 5 });

      const usage = await client.fetchUsage();

      expect(usage).toEqual({
        projectUsage: page.postsDelivered,
        projectCap: 10_000_000,
        capResetDay: expect.any(Number),
        rateLimit: { remaining: 49, resetAt: expect.any(Date) },
      });
      expect(usage!.capResetDay).toBeGreaterThanOrEqual(1);
      expect(usage!.capResetDay).toBeLessThanOrEqual(31);
    });

    it('accepts the counts as strings, as X documents them', async () => {
      const documented = await startFakeXApi({ bearerToken: BEARER, monthlyPostCap: 5000, usageCountsAsStrings: true });
      try {
        const usage = await clientFor(documented.url).fetchUsage();

        expect(usage).toEqual(expect.objectContaining({ projectUsage: 0, projectCap: 5000 }));
      } finally {
        await documented.close();
      }
    });

    it('answers null without asking when there is no bearer token', async () => {
      expect(await clientFor(fake.url, 'oauth1').fetchUsage()).toBeNull();
      expect(await clientFor(fake.url, 'none').fetchUsage()).toBeNull();
      expect(fake.requests()).toEqual([]);
    });
  });

  describe('fetchTimelinePage', () => {
    it('counts the tweets it delivered, includes.tweets too', async () => {
      const page = await client.fetchTimelinePage(author.id, { maxResults: 5 });

      expect(page.body.data).toHaveLength(5);
      expect(page.postsDelivered).toBe(5 + (page.body.includes?.tweets?.length ?? 0));
      // The retweet, the quote and the reply bring the quote and the original along.
      expect(page.body.includes?.tweets?.length).toBe(2);
      expect(page.postsDelivered).toBe(fake.postsServed());
    });

    it('sends exclude=replies,retweets only when something is excluded', async () => {
      const both = await client.fetchTimelinePage(author.id, { maxResults: 100, exclude: ['replies', 'retweets'] });
      const none = await client.fetchTimelinePage(author.id, { maxResults: 100, exclude: [] });
      await client.fetchTimelinePage(author.id, { maxResults: 100 });

      expect(both.body.data?.map((tweet) => tweet.id)).toEqual(
        authorTweets
          .filter((tweet) => tweet.text.startsWith('quoting') || tweet.text.startsWith('post'))
          .map(({ id }) => id),
      );
      expect(none.body.data).toHaveLength(15);
      expect(fake.requests().map((request) => request.query.exclude)).toEqual([
        'replies,retweets',
        undefined,
        undefined,
      ]);
    });

    it('reports an empty page and a protected account with postsDelivered 0', async () => {
      const newest = authorTweets[0].id;
      const empty = await client.fetchTimelinePage(author.id, { maxResults: 5, sinceId: newest });
      const refused = await client.fetchTimelinePage(locked.id, { maxResults: 5 });

      expect(empty.postsDelivered).toBe(0);
      expect(refused.problem?.kind).toBe('protected');
      expect(refused.postsDelivered).toBe(0);
    });

    it('throws UsageCapError once the monthly cap is reached', async () => {
      fake.setMonthlyPostCap(3);
      const passing = await client.fetchTimelinePage(author.id, { maxResults: 5 });

      await expect(client.fetchTimelinePage(author.id, { maxResults: 5 })).rejects.toBeInstanceOf(UsageCapError);
      expect(passing.body.data).toHaveLength(5);
    });
  });

  describe('lookupTweets', () => {
    it('answers the found tweets as a timeline body and lists the ids X could not find', async () => {
      const gone = store.addTweet({ authorId: author.id, text: 'to be deleted', createdAt: at(16) });
      store.deleteTweet(gone.id);
      const quote = authorTweets.find((tweet) => tweet.text.startsWith('quoting'))!;

      const lookup = await client.lookupTweets([quote.id, gone.id]);

      expect(lookup.body.data?.map((tweet) => tweet.id)).toEqual([quote.id]);
      expect(lookup.missing).toEqual([gone.id]);
      // The quoted original comes along in includes and counts as read.
      expect(lookup.postsDelivered).toBe(2);
      expect(lookup.postsDelivered).toBe(fake.postsServed());
      expect(fake.requests()[0]).toEqual(expect.objectContaining({ endpoint: 'tweetsLookup', status: 200 }));
    });
  });

  describe('fetchStatusesPage', () => {
    it('still takes a bare screen name, and a user id or screen name object', async () => {
      const byName = await client.fetchStatusesPage('author', { count: 3 });
      const byId = await client.fetchStatusesPage({ userId: author.id }, { count: 3 });
      const byObject = await client.fetchStatusesPage({ screenName: 'author' }, { count: 3 });

      expect(byName.statuses.map((status) => status.id_str)).toEqual(authorTweets.slice(0, 3).map(({ id }) => id));
      expect(byId.statuses).toEqual(byName.statuses);
      expect(byObject.statuses).toEqual(byName.statuses);
      const queries = fake.requests().map((request) => request.query);
      expect(queries.map((query) => [query.screen_name, query.user_id])).toEqual([
        ['author', undefined],
        [undefined, author.id],
        ['author', undefined],
      ]);
      expect(queries[0]).toEqual(expect.objectContaining({ include_rts: 'true', exclude_replies: 'false' }));
    });

    it('counts the statuses with the retweeted and quoted statuses inside them', async () => {
      const page = await client.fetchStatusesPage({ userId: author.id }, { count: 3 });

      // The retweet carries the quote and the original it quotes; the quote carries the original.
      expect(page.statuses).toHaveLength(3);
      expect(page.postsDelivered).toBe(3 + 2 + 1);
      expect(page.postsDelivered).toBe(fake.postsServed());
    });

    it('sends exclude_replies=true and include_rts=false for the exclusions', async () => {
      const page = await client.fetchStatusesPage(
        { userId: author.id },
        { count: 200, exclude: ['replies', 'retweets'] },
      );
      await client.fetchStatusesPage({ userId: author.id }, { count: 200, exclude: ['retweets'] });

      expect(page.statuses).toHaveLength(13);
      expect(page.postsDelivered).toBe(13 + 1);
      expect(fake.requests().map(({ query }) => [query.exclude_replies, query.include_rts])).toEqual([
        ['true', 'false'],
        ['false', 'false'],
      ]);
    });
  });
});

function at(minutes: number): string {
  return new Date(Date.UTC(2025, 0, 1) + minutes * 60_000).toISOString();
}
