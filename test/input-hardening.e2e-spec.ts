import { Agent } from 'node:http';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { MAX_FAILURES } from '../src/auth/failed-attempts';
import { RunningApp, startApp } from './support/app';
import { createTestDatabase, DATABASE_KINDS, TestDatabase } from './support/databases';
import { tweetRow, userRow } from './support/fixtures';
import { freePort, startService } from './support/service-process';

jest.setTimeout(60_000);

const TOKEN = 'input-hardening-token-0123456789';
const auth = { authorization: `Bearer ${TOKEN}` };
const cursorOf = (keyset: unknown) => Buffer.from(JSON.stringify(keyset)).toString('base64url');
const RUN_ID = '6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b';
const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

const NASA = userRow({ id: '11348282', screenName: 'NASA', name: 'NASA' });
const LEAP_DAY = tweetRow({
  id: '1763000000000000001',
  authorId: NASA.id,
  createdAt: new Date('2024-02-29T12:00:00Z'),
});

interface Call {
  method: 'get' | 'post' | 'patch';
  path: string;
  body?: string | object;
  type?: string;
  headers?: Record<string, string>;
}

describe.each(DATABASE_KINDS)('input hardening on %s', (kind) => {
  let database: TestDatabase;
  let app: RunningApp;

  const call = ({ method, path, body, type, headers }: Call) => {
    const server = request(app.url);
    const test = server[method](path).set(headers ?? {});
    if (type) void test.set('content-type', type);
    return body === undefined ? test : test.send(body);
  };

  /** Every 4xx is JSON with a message; a 400's message names `field`. */
  async function expectRefused(input: Call, status: number, field?: string | RegExp) {
    const response = await call(input);
    expect({ path: input.path, status: response.status }).toEqual({ path: input.path, status });
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    const messages = [response.body.message].flat();
    expect(messages.length).toBeGreaterThan(0);
    if (typeof field === 'string') expect(messages.join('\n')).toContain(field);
    if (field instanceof RegExp) expect(messages.join('\n')).toMatch(field);
    return response;
  }

  const schedules = async () => (await request(app.url).get('/schedules').set(auth).expect(200)).body;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    app = await startApp({ DATABASE_URL: database.url, SYNC_API_TOKEN: TOKEN });
    await app.repository.upsertUsers([NASA], 'update');
    await app.repository.upsertTweets([LEAP_DAY], 'update');
  });
  afterAll(async () => {
    await app.close();
    await database.drop();
  });

  describe('a NUL character', () => {
    it.each<[string, Call]>([
      ['q', { method: 'get', path: '/tweets?q=a%00b' }],
      ['screenName', { method: 'get', path: '/tweets?screenName=NASA%00' }],
      ['since', { method: 'get', path: '/tweets?since=2024-01-01%00' }],
      ['until', { method: 'get', path: '/tweets?until=%00' }],
      ['cursor', { method: 'get', path: '/tweets?cursor=abc%00' }],
      ['include', { method: 'get', path: '/tweets?include=raw%00' }],
      ['limit', { method: 'get', path: '/tweets?limit=1%00' }],
      ['id', { method: 'get', path: '/tweets/1%002' }],
      ['include', { method: 'get', path: '/tweets/1?include=%00' }],
      ['cursor', { method: 'get', path: '/users?cursor=%00' }],
      ['screenName', { method: 'get', path: '/users/NA%00SA' }],
      ['cursor', { method: 'get', path: '/sync/runs?cursor=%00' }],
      ['id', { method: 'get', path: `/sync/runs/${RUN_ID}%00` }],
      ['wait', { method: 'post', path: '/sync?wait=%00', headers: auth }],
      ['screenNames.0', { method: 'post', path: '/sync', body: { screenNames: ['NASA\u0000'] }, headers: auth }],
      ['full', { method: 'post', path: '/sync', body: { full: '\u0000' }, headers: auth }],
      ['cron', { method: 'patch', path: '/schedules/hello', body: { cron: '* * * * *\u0000' }, headers: auth }],
      ['a\\u0000', { method: 'patch', path: '/schedules/hello', body: { 'a\u0000': 1 }, headers: auth }],
      ['name', { method: 'patch', path: '/schedules/hel%00lo', body: { enabled: false }, headers: auth }],
      ['name', { method: 'post', path: '/schedules/hello%00/run', headers: auth }],
      ['x', { method: 'get', path: '/health?x=%00' }],
      ['x', { method: 'get', path: '/docs-json?x=%00' }],
      ['path', { method: 'get', path: '/no-such-route%00' }],
      [
        'screenNames',
        {
          method: 'post',
          path: '/sync',
          body: 'screenNames=a%00',
          type: 'application/x-www-form-urlencoded',
          headers: auth,
        },
      ],
    ])('in %s answers 400 naming it: %j', async (field, input) => {
      await expectRefused(input, 400, `${field} must not contain NUL (U+0000)`);
    });

    it('changes nothing', async () => {
      const before = await schedules();
      await expectRefused(
        { method: 'patch', path: '/schedules/hello', body: { enabled: false, cron: '\u0000' }, headers: auth },
        400,
      );
      expect(await schedules()).toEqual(before);
    });
  });

  describe('dates', () => {
    const sinceMessage = /^since must be a real ISO-8601 instant/;
    it.each([
      '0000-01-01T00:00:00Z',
      '2023-02-31',
      '2023-02-29',
      '2024-13-01',
      '2024-04-31T10:00:00Z',
      '2024-01-01T24:00:00Z',
      '2024-06-30T23:59:60Z',
      '2024-01-01T10:00:00+24:00',
      '0001-01-01T00:30:00+01:00',
      '9999-12-31T23:00:00-05:00',
      '10000-01-01',
      '-000001-01-01T00:00:00Z',
      '+002024-01-01T00:00:00Z',
      '2024-01-01T10:00:00',
      '1714564800',
    ])('since=%s answers 400 naming since', async (since) => {
      await expectRefused({ method: 'get', path: `/tweets?since=${encodeURIComponent(since)}` }, 400, sinceMessage);
    });

    it('until is checked the same way', async () => {
      await expectRefused(
        { method: 'get', path: '/tweets?since=2023-02-01&until=2023-02-31' },
        400,
        /^until must be a real/,
      );
      await expectRefused({ method: 'get', path: '/tweets?until=0000-12-31T23:59:59Z' }, 400, /^until must be a real/);
    });

    it('only the invalid one of since and until is named', async () => {
      const response = await expectRefused({ method: 'get', path: '/tweets?since=2023-02-30&until=2023-03-01' }, 400);
      expect(response.body.message).toEqual([expect.stringMatching(sinceMessage)]);
    });

    it.each([
      ['/tweets', ['2023-02-29T00:00:00.000000Z', '1']],
      ['/tweets', ['0000-01-01T00:00:00.000000Z', '1']],
      ['/tweets', ['2024-04-31T00:00:00.000000Z', '1']],
      ['/tweets', ['2024-01-01T24:00:00.000000Z', '1']],
      ['/users', ['2023-02-29T00:00:00.000000Z', '1']],
      ['/sync/runs', ['2023-02-29T00:00:00.000000Z', RUN_ID]],
      ['/sync/runs', ['0000-01-01T00:00:00.000000Z', RUN_ID]],
    ])('a cursor of %s holding %j answers 400 naming cursor', async (path, keyset) => {
      await expectRefused({ method: 'get', path: `${path}?cursor=${cursorOf(keyset)}` }, 400, /^cursor is malformed/);
    });

    it('real instants at the edges of the range, and leap days, pass', async () => {
      const found = await request(app.url).get('/tweets?since=2024-02-29&until=2024-03-01').expect(200);
      expect(found.body.data.map((tweet: { id: string }) => tweet.id)).toEqual([LEAP_DAY.id]);
      await request(app.url).get('/tweets?since=0001-01-01T00:00:00Z&until=9999-12-31T23:59:59.999Z').expect(200);
      await request(app.url).get('/tweets?since=0001-01-01T01:00:00%2B01:00').expect(200);
      const edges = [cursorOf(['0001-01-01T00:00:00.000000Z', '1']), cursorOf(['9999-12-31T23:59:59.999999Z', '1'])];
      for (const cursor of edges) await request(app.url).get(`/tweets?cursor=${cursor}`).expect(200);
      await request(app.url).get(`/users?cursor=${edges[1]}`).expect(200);
      await request(app.url)
        .get(`/sync/runs?cursor=${cursorOf(['2024-02-29T00:00:00.000000Z', RUN_ID])}`)
        .expect(200);
    });
  });

  describe('bodies', () => {
    const depthMessage = 'body must not nest arrays and objects more than 32 levels deep';

    it.each<[string, string]>([
      ['POST', '/sync'],
      ['PATCH', '/schedules/hello'],
      ['POST', '/schedules/hello/run'],
    ])('JSON nested 10,000 levels deep to %s %s answers 400', async (method, path) => {
      const input: Call = {
        method: method === 'POST' ? 'post' : 'patch',
        path,
        headers: auth,
        type: 'application/json',
      };
      await expectRefused({ ...input, body: nested(10_000) }, 400, depthMessage);
      await expectRefused({ ...input, body: `{"screenNames":${nested(5_000)}}` }, 400, depthMessage);
      await expectRefused({ ...input, body: `{"a":`.repeat(33) + '1' + '}'.repeat(33) }, 400, depthMessage);
    });

    it('counts only brackets outside strings, and lets 32 levels through to validation', async () => {
      const input: Call = { method: 'post', path: '/sync', headers: auth, type: 'application/json' };
      await expectRefused(
        { ...input, body: JSON.stringify({ screenNames: ['['.repeat(100)] }) },
        400,
        /^each of screenNames/,
      );
      await expectRefused(
        { ...input, body: JSON.stringify({ screenNames: ['\\"['.repeat(100)] }) },
        400,
        /^each of screenNames/,
      );
      const deepest = `{"full":${'['.repeat(31)}true${']'.repeat(31)}}`;
      await expectRefused({ ...input, body: deepest }, 400, 'full must be a boolean value');
    });

    it.each(['"a string"', '42', 'null', '[1]', 'true'])(
      'the JSON body %s answers 400: not an object',
      async (body) => {
        const input: Call = { method: 'post', path: '/sync', headers: auth, type: 'application/json', body };
        await expectRefused(input, 400, 'body must be a JSON object');
        await expectRefused({ ...input, method: 'patch', path: '/schedules/hello' }, 400, 'body must be a JSON object');
      },
    );

    it('a body over the size limit stays a JSON 413', async () => {
      const body = JSON.stringify({ screenNames: ['a'.repeat(2 * 1024 * 1024)] });
      await expectRefused({ method: 'post', path: '/sync', headers: auth, type: 'application/json', body }, 413);
    });

    it.each(['text/plain', 'application/xml', 'multipart/form-data; boundary=x', 'application/x-unknown'])(
      'a %s body stays a JSON 415',
      async (type) => {
        await expectRefused({ method: 'post', path: '/sync', headers: auth, type, body: 'screenNames' }, 415);
        await expectRefused({ method: 'patch', path: '/schedules/hello', headers: auth, type, body: 'x' }, 415);
      },
    );

    it('bad JSON, and JSON that would pollute prototypes, are 400s', async () => {
      const input: Call = { method: 'post', path: '/sync', headers: auth, type: 'application/json' };
      for (const body of ['{"a":', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{"x":1}}}', '\u00ff']) {
        await expectRefused({ ...input, body }, 400);
      }
    });
  });

  describe('ids of any length', () => {
    it.each([20, 100, 1_000, 10_000])('a %d-digit tweet id answers 400 naming id', async (length) => {
      await expectRefused(
        { method: 'get', path: `/tweets/${'1'.repeat(length)}` },
        400,
        'id must be a tweet id: 1 to 19 digits',
      );
    });

    it('other long path parameters reach validation too', async () => {
      await expectRefused({ method: 'get', path: `/users/${'a'.repeat(5_000)}` }, 400, /^screenName must be/);
      await expectRefused({ method: 'get', path: `/sync/runs/${'a'.repeat(5_000)}` }, 400, /^id must be a sync run id/);
      await expectRefused(
        { method: 'get', path: `/tweets/${'9'.repeat(19)}` },
        400,
        'id must be at most 9223372036854775807',
      );
      await expectRefused(
        { method: 'patch', path: `/schedules/${'x'.repeat(5_000)}`, body: { enabled: true }, headers: auth },
        404,
      );
    });

    it('a URL over what Node.js accepts is still a JSON answer', async () => {
      await expectRefused({ method: 'get', path: `/tweets/${'1'.repeat(20_000)}` }, 431);
    });
  });

  describe('messages say what is wrong', () => {
    it.each(['1.5', 'abc', '-1', '0', '101', '1e1', '', '0x10', ' 5'])('limit=%s', async (limit) => {
      for (const path of ['/tweets', '/users', '/sync/runs']) {
        const response = await expectRefused(
          { method: 'get', path: `${path}?limit=${encodeURIComponent(limit)}` },
          400,
        );
        expect(response.body.message).toEqual(['limit must be a whole number from 1 to 100']);
      }
    });

    it('a repeated parameter is named for what it is', async () => {
      await expectRefused(
        { method: 'get', path: '/tweets?limit=1&limit=2' },
        400,
        'limit must be a whole number from 1 to 100',
      );
      await expectRefused({ method: 'get', path: '/tweets?q=a&q=b' }, 400, 'q must be a string of 1 to 500 characters');
    });

    it.each<[object, string]>([
      [{ intervalSeconds: '60' }, 'intervalSeconds must be a whole number from 1 to 604800 (a week)'],
      [{ intervalSeconds: 1.5 }, 'intervalSeconds must be a whole number from 1 to 604800 (a week)'],
      [{ intervalSeconds: 0 }, 'intervalSeconds must be a whole number from 1 to 604800 (a week)'],
      [{ cron: 5 }, 'cron must be a string'],
    ])('PATCH /schedules/hello %j', async (body, message) => {
      const before = await schedules();
      await expectRefused({ method: 'patch', path: '/schedules/hello', body, headers: auth }, 400, message);
      expect(await schedules()).toEqual(before);
    });

    it.each<[object]>([[{ screenNames: 'NASA' }], [{ screenNames: [] }], [{ screenNames: Array(101).fill('a') }]])(
      'POST /sync %j',
      async (body) => {
        const response = await expectRefused({ method: 'post', path: '/sync', body, headers: auth }, 400);
        expect(response.body.message).toEqual(['screenNames must be an array of 1 to 100 screen names']);
      },
    );
  });

  describe('the sync token', () => {
    /** Requests from another loopback address: the throttle counts per client address. */
    const from = (address: string) => new Agent({ localAddress: address });

    it.each([`Bearer ${TOKEN} extra`, `Bearer  ${TOKEN}`, `Bearer ${TOKEN}x`, `Token ${TOKEN}`])(
      'only exactly "Bearer <token>" passes, not %j',
      async (header) => {
        const agent = from('127.0.0.3');
        await expectRefused({ method: 'get', path: '/schedules', headers: { authorization: header } }, 401, /Bearer/);
        const response = await request(app.url).post('/sync').agent(agent).set('authorization', header).expect(401);
        expect(response.body.message).toMatch(/Bearer/);
        agent.destroy();
      },
    );

    it(`throttles an address after ${MAX_FAILURES} failed attempts: 429 JSON with Retry-After, others unaffected`, async () => {
      const guesser = from('127.0.0.2');
      for (let i = 0; i < MAX_FAILURES; i++) {
        await request(app.url).get('/schedules').agent(guesser).set('authorization', `Bearer guess-${i}`).expect(401);
      }
      for (const path of ['/schedules', '/sync']) {
        const method = path === '/sync' ? 'post' : 'get';
        const throttled = await request(app.url)[method](path).agent(guesser).set(auth).expect(429);
        expect(throttled.headers['content-type']).toMatch(/^application\/json/);
        expect(throttled.body).toEqual({
          statusCode: 429,
          error: 'Too Many Requests',
          message: expect.stringMatching(/^too many failed authorization attempts from this address; retry in \d+ s$/),
        });
        expect(Number(throttled.headers['retry-after'])).toBeGreaterThanOrEqual(1);
        expect(Number(throttled.headers['retry-after'])).toBeLessThanOrEqual(60);
        expect(JSON.stringify(throttled.body)).not.toContain(TOKEN);
      }
      // Public routes, and token holders at other addresses, are not throttled.
      await request(app.url).get('/tweets').agent(guesser).expect(200);
      await request(app.url).get('/schedules').agent(from('127.0.0.4')).set(auth).expect(200);
      guesser.destroy();
    });
  });

  it('a valid request still answers as before', async () => {
    await request(app.url).get('/tweets?limit=1&since=2024-01-01&q=tweet').expect(200);
    await request(app.url).get(`/tweets/${LEAP_DAY.id}?include=raw`).expect(200);
    await request(app.url).get('/users/nasa').expect(200);
    await request(app.url)
      .patch('/schedules/hello')
      .set(auth)
      .send({ intervalSeconds: 10 })
      .expect(200)
      .expect(({ body }) => expect(body.schedule.intervalSeconds).toBe(10));
    expect(await app.app.get(DataSource).query('SELECT count(*)::int AS n FROM tweets')).toEqual([{ n: 1 }]);
  });
});

describe('a short SYNC_API_TOKEN', () => {
  const start = async (token: string) =>
    startService(await freePort(), { DATABASE_URL: 'pglite://memory', SYNC_API_TOKEN: token, LOG_LEVEL: 'info' });

  it('is warned about at start-up, without printing it', async () => {
    const service = await start('tiny-t0ken');
    expect(await service.stop()).toBe(0);
    const warnings = service
      .stdout()
      .split('\n')
      .filter((line) => line.includes('SYNC_API_TOKEN is shorter than 16 characters'));
    expect(warnings).toHaveLength(1);
    expect(JSON.parse(warnings[0])).toMatchObject({ level: 40 });
    expect(service.stdout() + service.stderr()).not.toContain('tiny-t0ken');
  });

  it('is not, from 16 characters on', async () => {
    const service = await start('sixteen-chars-ok');
    expect(await service.stop()).toBe(0);
    expect(service.stdout()).not.toContain('SYNC_API_TOKEN is shorter');
  });
});
