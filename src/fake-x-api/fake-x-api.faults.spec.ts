import { ApiPartialResponseError, ApiRequestError, ApiResponseError, TwitterApi } from 'twitter-api-v2';
import { FakeXApi, startFakeXApi } from './fake-x-api.server';
import { FakeXApiStore, StoredUser } from './fake-x-api.store';
import { clientForFake, getRaw } from './twitter-client.testing';

const TOKEN = 'faults-spec-token';

describe('fake X API rate limits and faults', () => {
  let fake: FakeXApi;
  let client: TwitterApi;
  let user: StoredUser;

  const get = (path: string) => getRaw(fake.url, path, TOKEN);
  const failure = (promise: Promise<unknown>) =>
    promise.then(
      () => {
        throw new Error('expected the request to fail');
      },
      (error: unknown) => error,
    );

  beforeAll(async () => {
    const store = new FakeXApiStore();
    user = store.addUser({ username: 'target' });
    store.addTweet({ authorId: user.id, text: 'only post', createdAt: '2024-02-01T00:00:00.000Z' });
    fake = await startFakeXApi({
      bearerToken: TOKEN,
      store,
      rateLimits: { userTimeline: { limit: 3, windowSeconds: 60 }, userByUsername: { limit: 50, windowSeconds: 60 } },
    });
    client = clientForFake(fake.url, TOKEN);
  });

  beforeEach(() => {
    fake.clearFaults();
    fake.clearRequests();
    fake.resetRateLimits();
  });

  afterAll(() => fake.close());

  describe('rate limits', () => {
    it('counts down x-rate-limit-remaining within a window that ends at x-rate-limit-reset', async () => {
      const before = Math.floor(Date.now() / 1000);
      const first = await get(`/2/users/${user.id}/tweets`);
      const second = await get(`/2/users/${user.id}/tweets`);
      const reset = Number(first.headers.get('x-rate-limit-reset'));

      expect(first.headers.get('x-rate-limit-limit')).toBe('3');
      expect(first.headers.get('x-rate-limit-remaining')).toBe('2');
      expect(second.headers.get('x-rate-limit-remaining')).toBe('1');
      expect(second.headers.get('x-rate-limit-reset')).toBe(String(reset));
      expect(reset).toBeGreaterThanOrEqual(before + 60);
      expect(reset).toBeLessThanOrEqual(before + 62);
    });

    it('answers 429 once the window is used up', async () => {
      for (let i = 0; i < 3; i++) await client.v2.userTimeline(user.id);

      const error = (await failure(client.v2.userTimeline(user.id))) as ApiResponseError;
      const raw = await get(`/2/users/${user.id}/tweets`);

      expect(error).toBeInstanceOf(ApiResponseError);
      expect(error.code).toBe(429);
      expect(error.rateLimitError).toBe(true);
      expect(error.rateLimit).toEqual({ limit: 3, remaining: 0, reset: expect.any(Number) });
      expect(raw.headers.get('content-type')).toBe('application/problem+json');
      expect(JSON.parse(raw.text)).toEqual({
        title: 'Too Many Requests',
        detail: 'Too Many Requests',
        type: 'about:blank',
        status: 429,
      });
    });

    it('serves again once the window is over', async () => {
      const shortWindow = await startFakeXApi({
        bearerToken: TOKEN,
        rateLimits: { userByUsername: { limit: 1, windowSeconds: 0.3 } },
      });
      try {
        const path = '/2/users/by/username/anyone';
        const statuses = [
          (await getRaw(shortWindow.url, path, TOKEN)).status,
          (await getRaw(shortWindow.url, path, TOKEN)).status,
        ];
        await new Promise((resolve) => setTimeout(resolve, 350));
        statuses.push((await getRaw(shortWindow.url, path, TOKEN)).status);

        expect(statuses).toEqual([200, 429, 200]);
      } finally {
        await shortWindow.close();
      }
    });

    it('lets twitter-api-v2 stop fetchLast silently when x-rate-limit-remaining reaches 0', async () => {
      const store = fake.store;
      const chatty = store.addUser({ username: 'chatty' });
      for (let i = 0; i < 30; i++) {
        store.addTweet({
          authorId: chatty.id,
          text: `post ${i}`,
          createdAt: new Date(Date.UTC(2024, 0, 1, i)).toISOString(),
        });
      }

      const paginator = await client.v2.userTimeline(chatty.id, { max_results: 5 });
      await paginator.fetchLast();

      // No error: the caller has to notice that the paginator is neither done nor allowed to go on.
      expect(paginator.tweets).toHaveLength(15);
      expect(paginator.done).toBe(false);
      expect(paginator.rateLimit.remaining).toBe(0);
    });

    it('keeps a separate window per endpoint', async () => {
      for (let i = 0; i < 3; i++) await client.v2.userTimeline(user.id);

      const lookup = await client.v2.userByUsername('target');
      const v1 = await get('/1.1/statuses/user_timeline.json?screen_name=target');

      expect(lookup.data.id).toBe(user.id);
      expect(v1.headers.get('x-rate-limit-limit')).toBe('900');
    });

    it('answers v1.1 with code 88 when exhausted', async () => {
      const limited = await startFakeXApi({
        bearerToken: TOKEN,
        rateLimits: { statusesUserTimeline: { limit: 0, windowSeconds: 60 } },
      });
      try {
        const response = await getRaw(limited.url, '/1.1/statuses/user_timeline.json?screen_name=x', TOKEN);

        expect(response.status).toBe(429);
        expect(JSON.parse(response.text)).toEqual({ errors: [{ code: 88, message: 'Rate limit exceeded' }] });
        expect(response.headers.get('x-rate-limit-remaining')).toBe('0');
      } finally {
        await limited.close();
      }
    });
  });

  describe('faults', () => {
    it('answers 429 with the given reset time', async () => {
      fake.injectFault({ kind: 'status', status: 429, resetAt: 2_000_000_000 });

      const error = (await failure(client.v2.userByUsername('target'))) as ApiResponseError;

      expect(error.code).toBe(429);
      expect(error.rateLimit).toEqual({ limit: 50, remaining: 0, reset: 2_000_000_000 });
    });

    it.each([
      [500, 'Internal Server Error'],
      [502, 'Bad Gateway'],
      [503, 'Service Unavailable'],
    ] as const)('answers %i with its problem body', async (status, title) => {
      fake.injectFault({ kind: 'status', status });

      const error = (await failure(client.v2.userTimeline(user.id))) as ApiResponseError;

      expect(error.code).toBe(status);
      expect(error.data).toEqual({ title, detail: title, type: 'about:blank', status });
    });

    it('answers the monthly usage cap with 429 while the rate limit has room', async () => {
      fake.injectFault({ kind: 'usageCapped' });

      const error = (await failure(client.v2.userTimeline(user.id))) as ApiResponseError;

      expect(error.code).toBe(429);
      expect(error.data).toEqual(
        expect.objectContaining({ title: 'UsageCapExceeded', type: 'https://api.twitter.com/2/problems/usage-capped' }),
      );
      expect(error.rateLimit?.remaining).toBe(3);
    });

    it('answers 402 when the credits are depleted', async () => {
      fake.injectFault({ kind: 'creditsDepleted' });

      const error = (await failure(client.v2.userTimeline(user.id))) as ApiResponseError;

      expect(error.code).toBe(402);
      expect(error.data).toEqual({
        detail: 'credits depleted',
        status: 402,
        title: 'Payment Required',
        type: 'https://api.x.com/2/problems/credits-depleted',
      });
    });

    it('delays an answer', async () => {
      fake.injectFault({ kind: 'delay', ms: 150 });
      const started = Date.now();

      const page = await client.v2.userTimeline(user.id);

      expect(Date.now() - started).toBeGreaterThanOrEqual(150);
      expect(page.tweets).toHaveLength(1);
    });

    it('answers an HTML page that twitter-api-v2 hands over as a string', async () => {
      fake.injectFault({ kind: 'html', status: 502 });

      const error = (await failure(client.v2.userTimeline(user.id))) as ApiResponseError;

      expect(error.code).toBe(502);
      expect(typeof error.data).toBe('string');
      expect(error.data as unknown as string).toContain('<html>');
    });

    it('answers a 200 whose JSON is cut in half', async () => {
      fake.injectFault({ kind: 'truncatedJson' });

      const error = await failure(client.v2.userTimeline(user.id));

      expect(error).toBeInstanceOf(ApiPartialResponseError);
    });

    it('drops the connection', async () => {
      fake.injectFault({ kind: 'dropConnection' });

      const error = await failure(client.v2.userTimeline(user.id));

      expect(error).toBeInstanceOf(ApiRequestError);
      expect(fake.requests()).toEqual([expect.objectContaining({ endpoint: 'userTimeline', status: null })]);
    });

    it('answers only the given number of requests, only on the given endpoint', async () => {
      fake.injectFault({ kind: 'status', status: 503 }, { times: 2, endpoint: 'userTimeline' });

      await client.v2.userByUsername('target');
      await failure(client.v2.userTimeline(user.id));
      await failure(client.v2.userTimeline(user.id));
      await client.v2.userTimeline(user.id);

      expect(fake.requests().map((request) => [request.endpoint, request.status])).toEqual([
        ['userByUsername', 200],
        ['userTimeline', 503],
        ['userTimeline', 503],
        ['userTimeline', 200],
      ]);
    });

    it('answers v1.1 with v1.1 error bodies', async () => {
      fake.injectFault({ kind: 'status', status: 503 });

      const response = await get('/1.1/statuses/user_timeline.json?screen_name=target');

      expect(response.status).toBe(503);
      expect(JSON.parse(response.text)).toEqual({ errors: [{ code: 130, message: 'Over capacity' }] });
    });
  });

  describe('control endpoint', () => {
    it('takes faults as JSON and shows the request log', async () => {
      const created = await fetch(`${fake.url}/_control/faults`, {
        method: 'POST',
        body: JSON.stringify({ kind: 'status', status: 500, times: 1, endpoint: 'userTimeline' }),
      });
      const failed = await get(`/2/users/${user.id}/tweets?max_results=5`);
      const log = await (await fetch(`${fake.url}/_control/requests`)).json();

      expect(created.status).toBe(201);
      expect(failed.status).toBe(500);
      expect(log).toEqual([
        {
          method: 'GET',
          path: `/2/users/${user.id}/tweets`,
          query: { max_results: '5' },
          endpoint: 'userTimeline',
          auth: 'bearer',
          status: 500,
        },
      ]);
    });

    it('refuses an unknown fault and clears faults on DELETE', async () => {
      const refused = await fetch(`${fake.url}/_control/faults`, { method: 'POST', body: '{"kind":"meteor"}' });
      await fetch(`${fake.url}/_control/faults`, { method: 'POST', body: '{"kind":"dropConnection"}' });
      const cleared = await fetch(`${fake.url}/_control/faults`, { method: 'DELETE' });

      expect(refused.status).toBe(400);
      expect(cleared.status).toBe(204);
      expect((await get(`/2/users/${user.id}/tweets`)).status).toBe(200);
    });
  });
});
