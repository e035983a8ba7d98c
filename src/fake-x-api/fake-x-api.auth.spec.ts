import { ApiResponseError } from 'twitter-api-v2';
import { FakeXApi, startFakeXApi } from './fake-x-api.server';
import { FakeXApiStore, StoredUser } from './fake-x-api.store';
import { signOAuth1 } from './oauth1.verifier';
import { clientForFake, getRaw } from './twitter-client.testing';

const BEARER = 'auth-spec-bearer';
const OAUTH1 = {
  consumerKey: 'consumer-key',
  consumerSecret: 'consumer secret with spaces & symbols!',
  accessToken: '1234-access-token',
  accessSecret: 'access-secret',
};
const OAUTH1_TOKENS = {
  appKey: OAUTH1.consumerKey,
  appSecret: OAUTH1.consumerSecret,
  accessToken: OAUTH1.accessToken,
  accessSecret: OAUTH1.accessSecret,
};
const UNAUTHORIZED_PROBLEM = { title: 'Unauthorized', type: 'about:blank', status: 401, detail: 'Unauthorized' };

describe('fake X API authentication', () => {
  let fake: FakeXApi;
  let user: StoredUser;

  beforeAll(async () => {
    const store = new FakeXApiStore();
    user = store.addUser({ username: 'someone', name: 'Some One' });
    store.addTweet({ authorId: user.id, text: 'hello, world', createdAt: '2024-03-01T10:00:00.000Z' });
    fake = await startFakeXApi({ bearerToken: BEARER, oauth1: OAUTH1, store });
  });

  beforeEach(() => fake.clearRequests());

  afterAll(() => fake.close());

  const rejection = (promise: Promise<unknown>) =>
    promise.then(
      () => {
        throw new Error('expected the request to fail');
      },
      (error: unknown) => error as ApiResponseError,
    );

  describe('bearer token', () => {
    it('accepts the configured token', async () => {
      const { data } = await clientForFake(fake.url, BEARER).v2.userByUsername('someone');

      expect(data.id).toBe(user.id);
      expect(fake.requests()).toEqual([expect.objectContaining({ auth: 'bearer', status: 200 })]);
    });

    it.each([
      ['a wrong token', 'not-the-token'],
      ['no token', undefined],
    ])('answers %s with the 401 problem and no rate-limit headers', async (_, token) => {
      const response = await getRaw(fake.url, '/2/users/by/username/someone', token);

      expect(response.status).toBe(401);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
      expect(JSON.parse(response.text)).toEqual(UNAUTHORIZED_PROBLEM);
      expect(response.headers.get('x-rate-limit-limit')).toBeNull();
    });

    it('answers v1.1 with code 89 for a wrong bearer token', async () => {
      const response = await getRaw(fake.url, '/1.1/statuses/user_timeline.json?screen_name=someone', 'wrong');

      expect(response.status).toBe(401);
      expect(JSON.parse(response.text)).toEqual({ errors: [{ code: 89, message: 'Invalid or expired token.' }] });
    });
  });

  describe('OAuth 1.0a', () => {
    it('verifies the signature of twitter-api-v2 on v2 calls with fields and paginators', async () => {
      const client = clientForFake(fake.url, OAUTH1_TOKENS);

      const { data } = await client.v2.userByUsername('someone', { 'user.fields': ['created_at', 'public_metrics'] });
      const timeline = await client.v2.userTimeline(user.id, {
        'tweet.fields': ['created_at', 'entities'],
        start_time: '2024-01-01T00:00:00Z',
        max_results: 5,
      });

      expect(data.username).toBe('someone');
      expect(timeline.tweets.map((tweet) => tweet.text)).toEqual(['hello, world']);
      expect(fake.requests().map((request) => [request.auth, request.status])).toEqual([
        ['oauth1', 200],
        ['oauth1', 200],
      ]);
    });

    it('verifies the signature of twitter-api-v2 on v1.1 calls', async () => {
      const paginator = await clientForFake(fake.url, OAUTH1_TOKENS).v1.userTimeline(user.id, { count: 5 });

      expect(paginator.tweets.map((tweet) => tweet.full_text)).toEqual(['hello, world']);
    });

    it.each([
      ['consumer secret', { appSecret: 'wrong' }],
      ['access secret', { accessSecret: 'wrong' }],
      ['access token', { accessToken: 'wrong' }],
      ['consumer key', { appKey: 'wrong' }],
    ])('refuses a wrong %s with 401', async (_, change) => {
      const client = clientForFake(fake.url, { ...OAUTH1_TOKENS, ...change });

      const v2Error = await rejection(client.v2.userByUsername('someone'));
      const v1Error = await rejection(client.v1.userTimeline(user.id));

      expect(v2Error.code).toBe(401);
      expect(v2Error.data).toEqual(UNAUTHORIZED_PROBLEM);
      expect(v1Error.code).toBe(401);
      expect(v1Error.data).toEqual({ errors: [{ code: 32, message: 'Could not authenticate you.' }] });
    });

    it('refuses a signature made for other query parameters', async () => {
      const signedUrl = new URL(`${fake.url}/2/users/${user.id}/tweets?max_results=5`);
      const oauthParams = new Map([
        ['oauth_consumer_key', OAUTH1.consumerKey],
        ['oauth_nonce', 'nonce'],
        ['oauth_signature_method', 'HMAC-SHA1'],
        ['oauth_timestamp', String(Math.floor(Date.now() / 1000))],
        ['oauth_token', OAUTH1.accessToken],
        ['oauth_version', '1.0'],
      ]);
      const signature = signOAuth1('GET', signedUrl, oauthParams, OAUTH1);
      const header =
        'OAuth ' +
        [...oauthParams, ['oauth_signature', signature]]
          .map(([key, value]) => `${key}="${encodeURIComponent(value)}"`)
          .join(',');

      const honest = await fetch(signedUrl, { headers: { authorization: header } });
      const tampered = await fetch(`${fake.url}/2/users/${user.id}/tweets?max_results=100`, {
        headers: { authorization: header },
      });

      expect(honest.status).toBe(200);
      expect(tampered.status).toBe(401);
    });

    it('computes the signature of the example in X’s documentation', () => {
      // developer.x.com "Creating a signature"; the body parameter is passed in the query, which signs the same.
      const url = new URL('https://api.twitter.com/1.1/statuses/update.json');
      url.searchParams.set('include_entities', 'true');
      url.searchParams.set('status', 'Hello Ladies + Gentlemen, a signed OAuth request!');
      const oauthParams = new Map([
        ['oauth_consumer_key', 'xvz1evFS4wEEPTGEFPHBog'],
        ['oauth_nonce', 'kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg'],
        ['oauth_signature_method', 'HMAC-SHA1'],
        ['oauth_timestamp', '1318622958'],
        ['oauth_token', '370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb'],
        ['oauth_version', '1.0'],
      ]);

      const signature = signOAuth1('POST', url, oauthParams, {
        consumerSecret: 'kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw',
        accessSecret: 'LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE',
      });

      expect(signature).toBe('hCtSmYh+iHYCEqBWrE7C7hYmtUk=');
    });
  });

  it('refuses OAuth 1.0a when the server was started without OAuth credentials', async () => {
    const bearerOnly = await startFakeXApi({ bearerToken: BEARER });
    try {
      const error = await rejection(clientForFake(bearerOnly.url, OAUTH1_TOKENS).v2.userByUsername('someone'));

      expect(error.code).toBe(401);
    } finally {
      await bearerOnly.close();
    }
  });
});
