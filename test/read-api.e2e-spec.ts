import request from 'supertest';
import { DataSource } from 'typeorm';
import { startApp, RunningApp } from './support/app';
import { createTestDatabase, DATABASE_KINDS, onServer, TestDatabase } from './support/databases';
import { tweetRow, userRow } from './support/fixtures';
import type { TweetRow } from '../src/tweets/tweets.repository';

const NASA = userRow({ id: '11348282', screenName: 'NASA', name: 'NASA' });
const TOKYO = userRow({
  id: '1602315478998499329', // above 2^53
  screenName: 'tokyo_bot',
  name: '東京ボット 🌸',
  createdAt: new Date('2022-12-12T15:00:00.000Z'),
});
const QUIET = userRow({
  id: '9007199254740993', // 2^53 + 1: a JavaScript number would turn it into ...992
  screenName: 'Quiet_One',
  name: 'Quiet',
  description: null,
  location: null,
  url: null,
  profileImageUrl: null,
  verified: false,
  followersCount: null,
  followingCount: null,
  tweetCount: null,
  listedCount: null,
  createdAt: new Date('2015-01-01T00:00:00.000Z'),
});

const LAUNCH = tweetRow({
  id: '1850000000000000001',
  authorId: NASA.id,
  createdAt: new Date('2024-10-26T14:00:00.000Z'),
  text: 'Launch day! 🚀 Watch live & ask questions <3',
  raw: { id: '1850000000000000001', text: 'Launch day! 🚀 Watch live &amp; ask questions &lt;3' },
});
// Same instant as LAUNCH: the id breaks the tie.
const MEETUP = tweetRow({
  id: '1850000000000000002',
  authorId: TOKYO.id,
  createdAt: new Date('2024-10-26T14:00:00.000Z'),
  text: '東京で会いましょう 🌸 meetup tonight',
  lang: 'ja',
});
const REPLY = tweetRow({
  id: '1850000000000000003',
  authorId: NASA.id,
  createdAt: new Date('2024-10-27T09:30:00.123Z'),
  text: '@tokyo_bot See you at the launch pad https://t.co/xyz #Artemis $SPCE',
  lang: 'en',
  conversationId: '1850000000000000002',
  inReplyToUserId: TOKYO.id,
  inReplyToTweetId: MEETUP.id,
  referencedTweets: [{ type: 'replied_to', id: MEETUP.id }],
  editHistoryTweetIds: ['1850000000000000003'],
  retweetCount: 10,
  replyCount: 20,
  likeCount: 3_000_000_000, // above 2^31
  quoteCount: 0,
  bookmarkCount: 7,
  impressionCount: 123_456_789_012,
  entities: {
    mentions: [{ start: 0, end: 10, username: 'tokyo_bot', id: TOKYO.id }],
    urls: [{ start: 37, end: 60, url: 'https://t.co/xyz', expanded_url: 'https://nasa.gov/artemis' }],
    hashtags: [{ start: 61, end: 69, tag: 'Artemis' }],
    cashtags: [{ start: 70, end: 75, tag: 'SPCE' }],
  },
  media: [{ media_key: '3_1850000000000000003', type: 'photo', url: 'https://pbs.twimg.com/media/x.jpg' }],
  source: 'Twitter Web App',
  possiblySensitive: false,
});
// Both sides of the 2024 daylight-saving changes in New York.
const BEFORE_SPRING = tweetRow({
  id: '1766740000000000001',
  authorId: NASA.id,
  createdAt: new Date('2024-03-10T06:59:59.000Z'),
});
const AFTER_SPRING = tweetRow({
  id: '1766740000000000002',
  authorId: NASA.id,
  createdAt: new Date('2024-03-10T07:00:00.000Z'),
});
const BEFORE_FALL = tweetRow({
  id: '1852900000000000001',
  authorId: NASA.id,
  createdAt: new Date('2024-11-03T05:59:59.000Z'),
});
const AFTER_FALL = tweetRow({
  id: '1852900000000000002',
  authorId: NASA.id,
  createdAt: new Date('2024-11-03T06:00:00.000Z'),
});
const QUIET_TWEETS = Array.from({ length: 8 }, (_, day) =>
  tweetRow({
    id: `17000000000000000${10 + day}`,
    authorId: QUIET.id,
    createdAt: new Date(Date.UTC(2023, 5, 1 + day, 12)),
    text: day % 2 === 0 ? `quiet thoughts on gardening, day ${day}` : `quiet thoughts on cooking, day ${day}`,
  }),
);

const ALL_TWEETS = [LAUNCH, MEETUP, REPLY, BEFORE_SPRING, AFTER_SPRING, BEFORE_FALL, AFTER_FALL, ...QUIET_TWEETS];

/** What GET /tweets must return: newest first, ties broken by the larger id. */
function newestFirst(tweets: TweetRow[]): string[] {
  return [...tweets]
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (BigInt(b.id) > BigInt(a.id) ? 1 : -1))
    .map((tweet) => tweet.id);
}

async function readAllPages(url: string, path: string, startCursor: string | null = null): Promise<string[]> {
  const ids: string[] = [];
  let cursor = startCursor;
  do {
    const separator = path.includes('?') ? '&' : '?';
    const response: request.Response = await request(url)
      .get(cursor ? `${path}${separator}cursor=${encodeURIComponent(cursor)}` : path)
      .expect(200);
    ids.push(...response.body.data.map((item: { id: string }) => item.id));
    cursor = response.body.nextCursor;
  } while (cursor);
  return ids;
}

describe.each(DATABASE_KINDS)('read API on %s', (kind) => {
  let database: TestDatabase;
  let service: RunningApp;
  // Every tweet this suite has stored; a test that stores one more adds it here.
  const stored = [...ALL_TWEETS];

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    service = await startApp({ DATABASE_URL: database.url, APP_TIMEZONE: 'America/New_York' });
    await service.repository.upsertUsers([NASA, TOKYO, QUIET], 'update');
    await service.repository.upsertTweets(ALL_TWEETS, 'update');
  });

  afterAll(async () => {
    await service?.close();
    await database?.drop();
  });

  describe('GET /tweets', () => {
    it('returns every field of a tweet, ids as strings and counts as numbers', async () => {
      const response = await request(service.url).get('/tweets?limit=100').expect(200);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      const reply = response.body.data.find((tweet: { id: string }) => tweet.id === REPLY.id);
      expect(reply).toStrictEqual({
        id: '1850000000000000003',
        text: '@tokyo_bot See you at the launch pad https://t.co/xyz #Artemis $SPCE',
        createdAt: '2024-10-27T09:30:00.123Z',
        createdAtLocal: '2024-10-27T05:30:00.123-04:00',
        lang: 'en',
        conversationId: '1850000000000000002',
        inReplyToUserId: '1602315478998499329',
        referencedTweets: [
          {
            type: 'replied_to',
            id: '1850000000000000002',
            text: '東京で会いましょう 🌸 meetup tonight',
            author: { id: '1602315478998499329', screenName: 'tokyo_bot', name: '東京ボット 🌸' },
          },
        ],
        editHistoryTweetIds: ['1850000000000000003'],
        metrics: {
          retweetCount: 10,
          replyCount: 20,
          likeCount: 3_000_000_000,
          quoteCount: 0,
          bookmarkCount: 7,
          impressionCount: 123_456_789_012,
        },
        entities: REPLY.entities,
        media: REPLY.media,
        author: {
          id: '11348282',
          screenName: 'NASA',
          name: 'NASA',
          profileImageUrl: 'https://pbs.twimg.com/profile_images/11348282/photo_normal.jpg',
        },
        url: 'https://x.com/NASA/status/1850000000000000003',
        deletedAt: null,
        origin: 'api',
      });
    });

    it('keeps emoji, CJK text and ids above 2^53 intact', async () => {
      const response = await request(service.url).get('/tweets?screenName=tokyo_bot').expect(200);
      expect(response.body.data).toHaveLength(1);
      expect(response.body.data[0]).toMatchObject({
        id: '1850000000000000002',
        text: '東京で会いましょう 🌸 meetup tonight',
        lang: 'ja',
        author: { id: '1602315478998499329', screenName: 'tokyo_bot', name: '東京ボット 🌸' },
      });
      // The wire format itself carries the id as a string, not a (rounded) number.
      expect(response.text).toContain('"id":"1602315478998499329"');
    });

    it('lists newest first, the larger id first on equal times, 20 by default', async () => {
      const response = await request(service.url).get('/tweets').expect(200);
      expect(response.body.data.map((tweet: { id: string }) => tweet.id)).toEqual(newestFirst(stored));
      expect(response.body.nextCursor).toBeNull();
      const launchIndex = response.body.data.findIndex((tweet: { id: string }) => tweet.id === LAUNCH.id);
      expect(response.body.data[launchIndex - 1].id).toBe(MEETUP.id);
    });

    it('shows createdAtLocal in APP_TIMEZONE on both sides of a DST change', async () => {
      const response = await request(service.url).get('/tweets?limit=100').expect(200);
      const local = (id: string) => response.body.data.find((tweet: { id: string }) => tweet.id === id).createdAtLocal;
      expect(local(BEFORE_SPRING.id)).toBe('2024-03-10T01:59:59.000-05:00');
      expect(local(AFTER_SPRING.id)).toBe('2024-03-10T03:00:00.000-04:00');
      expect(local(BEFORE_FALL.id)).toBe('2024-11-03T01:59:59.000-04:00');
      expect(local(AFTER_FALL.id)).toBe('2024-11-03T01:00:00.000-05:00');
    });

    it('pages through everything with no duplicate and no gap', async () => {
      for (const limit of [1, 4, 7]) {
        expect(await readAllPages(service.url, `/tweets?limit=${limit}`)).toEqual(newestFirst(stored));
      }
    });

    it('stays stable when new tweets arrive during paging', async () => {
      const first = await request(service.url).get('/tweets?limit=5').expect(200);
      const newer = tweetRow({
        id: '1860000000000000001',
        authorId: NASA.id,
        createdAt: new Date('2025-01-01T00:00:00Z'),
      });
      await service.repository.upsertTweets([newer], 'update');
      const rest = await readAllPages(service.url, '/tweets?limit=5', first.body.nextCursor);
      const seen = [...first.body.data.map((tweet: { id: string }) => tweet.id), ...rest];
      expect(seen).toEqual(newestFirst(stored));
      stored.push(newer); // stored from now on: the tests below expect it
      const again = await request(service.url).get('/tweets?limit=1').expect(200);
      expect(again.body.data[0].id).toBe(newer.id);
    });

    it('filters by screen name, case-insensitively, and pages within the filter', async () => {
      const nasaTweets = stored.filter((tweet) => tweet.authorId === NASA.id);
      expect(await readAllPages(service.url, '/tweets?screenName=nasa&limit=2')).toEqual(newestFirst(nasaTweets));
      const unknown = await request(service.url).get('/tweets?screenName=nobody_here').expect(200);
      expect(unknown.body).toEqual({ data: [], nextCursor: null });
    });

    it('filters by since (inclusive) and until (exclusive)', async () => {
      const response = await request(service.url)
        .get('/tweets?since=2024-10-26T14:00:00Z&until=2024-11-03T06:00:00Z&limit=100')
        .expect(200);
      expect(response.body.data.map((tweet: { id: string }) => tweet.id)).toEqual(
        newestFirst([LAUNCH, MEETUP, REPLY, BEFORE_FALL]),
      );
      const withOffset = await request(service.url)
        .get(`/tweets?since=${encodeURIComponent('2024-11-03T01:00:00-05:00')}&until=2024-11-04`)
        .expect(200);
      expect(withOffset.body.data.map((tweet: { id: string }) => tweet.id)).toEqual([AFTER_FALL.id]);
      const byDate = await request(service.url).get('/tweets?since=2023-06-08&until=2023-06-09').expect(200);
      expect(byDate.body.data.map((tweet: { id: string }) => tweet.id)).toEqual([QUIET_TWEETS[7].id]);
    });

    it('searches the text with q, and pages the results', async () => {
      const gardening = QUIET_TWEETS.filter((tweet) => tweet.text.includes('gardening'));
      expect(await readAllPages(service.url, '/tweets?q=gardening&limit=3')).toEqual(newestFirst(gardening));
      const phrase = await request(service.url)
        .get(`/tweets?q=${encodeURIComponent('"launch pad"')}`)
        .expect(200);
      expect(phrase.body.data.map((tweet: { id: string }) => tweet.id)).toEqual([REPLY.id]);
      const excluded = await request(service.url).get(`/tweets?q=${encodeURIComponent('quiet -cooking')}&limit=100`);
      expect(excluded.body.data.map((tweet: { id: string }) => tweet.id)).toEqual(newestFirst(gardening));
      const combined = await request(service.url).get('/tweets?q=launch&screenName=NASA&until=2024-10-27T00:00:00Z');
      expect(combined.body.data.map((tweet: { id: string }) => tweet.id)).toEqual([LAUNCH.id]);
    });

    it('returns the raw API object only with include=raw', async () => {
      const plain = await request(service.url).get('/tweets?screenName=NASA&limit=100').expect(200);
      expect(plain.body.data.every((tweet: object) => !('raw' in tweet))).toBe(true);
      const withRaw = await request(service.url).get('/tweets?screenName=NASA&limit=100&include=raw').expect(200);
      const launch = withRaw.body.data.find((tweet: { id: string }) => tweet.id === LAUNCH.id);
      expect(launch.raw).toEqual({ id: LAUNCH.id, text: 'Launch day! 🚀 Watch live &amp; ask questions &lt;3' });
      expect(launch.text).toBe('Launch day! 🚀 Watch live & ask questions <3');
    });

    it.each([
      ['limit=0', 'limit'],
      ['limit=101', 'limit'],
      ['limit=abc', 'limit'],
      ['limit=1.5', 'limit'],
      ['limit=', 'limit'],
      ['cursor=not-a-cursor', 'cursor'],
      [`cursor=${Buffer.from('["2024-01-01",1]').toString('base64url')}`, 'cursor'],
      ['since=yesterday', 'since'],
      ['since=2024-13-01T00:00:00Z', 'since'],
      ['until=2024-05-01T12:00:00', 'until'],
      ['since=2024-05-02&until=2024-05-01', 'until'],
      ['screenName=has-dash', 'screenName'],
      ['screenName=waytoolongscreenname', 'screenName'],
      ['q=', 'q'],
      ['include=everything', 'include'],
      ['colour=blue', 'colour'],
      ['limit=5&limit=6', 'limit'],
    ])('answers 400 naming the parameter for ?%s', async (query, parameter) => {
      const response = await request(service.url).get(`/tweets?${query}`).expect(400);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      expect(response.body.statusCode).toBe(400);
      expect(response.body.message.join(' ')).toContain(parameter);
    });
  });

  describe('GET /tweets/:id', () => {
    it('finds a tweet by an id above 2^53', async () => {
      const response = await request(service.url).get(`/tweets/${MEETUP.id}`).expect(200);
      expect(response.body).toMatchObject({ id: MEETUP.id, text: MEETUP.text, author: { id: TOKYO.id } });
      expect(response.body.raw).toBeUndefined();
      const withRaw = await request(service.url).get(`/tweets/${LAUNCH.id}?include=raw`).expect(200);
      expect(withRaw.body.raw).toEqual(LAUNCH.raw);
    });

    it('answers 404 for a tweet that is not stored', async () => {
      const response = await request(service.url).get('/tweets/1850000000000000999').expect(404);
      expect(response.body).toMatchObject({ statusCode: 404 });
    });

    it.each(['abc', '12a', '12345678901234567890', '9999999999999999999', '-1'])(
      'answers 400 for the id %s',
      async (id) => {
        const response = await request(service.url).get(`/tweets/${id}`).expect(400);
        expect(response.body.message.join(' ')).toContain('id');
      },
    );

    it('answers 400 for an unknown parameter', async () => {
      const response = await request(service.url).get(`/tweets/${LAUNCH.id}?verbose=1`).expect(400);
      expect(response.body.message.join(' ')).toContain('verbose');
    });
  });

  describe('GET /users', () => {
    it('lists accounts newest first with every field', async () => {
      const response = await request(service.url).get('/users').expect(200);
      expect(response.body.nextCursor).toBeNull();
      expect(response.body.data.map((user: { id: string }) => user.id)).toEqual([TOKYO.id, QUIET.id, NASA.id]);
      expect(response.body.data[0]).toStrictEqual({
        id: '1602315478998499329',
        screenName: 'tokyo_bot',
        name: '東京ボット 🌸',
        description: 'Exploring the universe 🚀',
        location: 'Washington, DC',
        url: 'https://t.co/abc',
        profileImageUrl: 'https://pbs.twimg.com/profile_images/1602315478998499329/photo_normal.jpg',
        verified: true,
        metrics: { followersCount: 89_000_000, followingCount: 250, tweetCount: 71_234, listedCount: 98_765 },
        createdAt: '2022-12-12T15:00:00.000Z',
        createdAtLocal: '2022-12-12T10:00:00.000-05:00',
      });
      expect(response.body.data[1]).toMatchObject({
        id: '9007199254740993',
        description: null,
        profileImageUrl: null,
        verified: false,
        metrics: { followersCount: null, followingCount: null, tweetCount: null, listedCount: null },
      });
    });

    it('pages the accounts', async () => {
      expect(await readAllPages(service.url, '/users?limit=1')).toEqual([TOKYO.id, QUIET.id, NASA.id]);
      expect(await readAllPages(service.url, '/users?limit=2')).toEqual([TOKYO.id, QUIET.id, NASA.id]);
    });

    it.each([['limit=0'], ['limit=x'], ['cursor=%%%'], ['screenName=NASA']])('answers 400 for ?%s', async (query) => {
      const response = await request(service.url).get(`/users?${query}`).expect(400);
      expect(response.body.message.join(' ')).toContain(query.split('=')[0]);
    });

    it('finds an account by screen name, case-insensitively', async () => {
      const response = await request(service.url).get('/users/nasa').expect(200);
      expect(response.body).toMatchObject({
        id: NASA.id,
        screenName: 'NASA',
        createdAtLocal: '2007-12-19T15:20:32.000-05:00',
      });
    });

    it('answers 404 for an unknown account and 400 for an impossible screen name', async () => {
      await request(service.url).get('/users/nobody_here').expect(404);
      const response = await request(service.url).get('/users/not-valid!').expect(400);
      expect(response.body.message.join(' ')).toContain('screenName');
    });
  });

  it('answers unknown routes with a JSON 404', async () => {
    const response = await request(service.url).get('/no/such/route').expect(404);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.body.statusCode).toBe(404);
  });

  it('serves the OpenAPI document', async () => {
    const response = await request(service.url).get('/docs-json').expect(200);
    expect(Object.keys(response.body.paths)).toEqual(
      expect.arrayContaining(['/tweets', '/tweets/{id}', '/users', '/users/{screenName}', '/health']),
    );
    await request(service.url).get('/docs').expect(200);
  });

  it('reports health 200 while the database answers', async () => {
    const response = await request(service.url).get('/health').expect(200);
    expect(response.body).toMatchObject({ status: 'ok', info: { database: { status: 'up' } } });
  });
});

describe('GET /health when the database is gone', () => {
  it('answers 503 on PostgreSQL', async () => {
    const database = await createTestDatabase('postgres');
    const service = await startApp({ DATABASE_URL: database.url });
    const name = new URL(database.url).pathname.slice(1);
    try {
      await onServer(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
      await onServer(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name}'`);
      const response = await request(service.url).get('/health').expect(503);
      expect(response.body).toMatchObject({ status: 'error', error: { database: { status: 'down' } } });
      await onServer(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`);
      await request(service.url).get('/health').expect(200);
    } finally {
      await service.close().catch(() => undefined);
      await database.drop();
    }
  });

  it('answers 503 on PGlite', async () => {
    const service = await startApp({ DATABASE_URL: 'pglite://memory' });
    try {
      await request(service.url).get('/health').expect(200);
      await service.app.get(DataSource).destroy();
      await request(service.url).get('/health').expect(503);
    } finally {
      await service.close().catch(() => undefined);
    }
  });
});
