import { Agent } from 'node:http';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { RunningApp, startApp } from './support/app';
import { createTestDatabase, DATABASE_KINDS, TestDatabase } from './support/databases';
import { tweetRow, userRow } from './support/fixtures';

jest.setTimeout(120_000);

// FUZZ_SEED reproduces a failure; FUZZ_REQUESTS makes a longer run.
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_201);
const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 400);
const TOKEN = 'fuzz-sync-token-0123456789abcdef';
const SCHEDULE_NAMES = ['hello', 'add', 'sync'];

/** mulberry32: a small seeded PRNG, so every run sends the same requests. */
function mulberry32(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Method = 'get' | 'post' | 'patch' | 'put' | 'delete' | 'options';

interface FuzzRequest {
  method: Method;
  path: string;
  authorization?: string;
  contentType?: string;
  body?: string;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const cursorOf = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

class Fuzzer {
  private readonly random: () => number;

  constructor(
    seed: number,
    private readonly realCursor: string,
  ) {
    this.random = mulberry32(seed);
  }

  chance(p: number): boolean {
    return this.random() < p;
  }

  int(min: number, max: number): number {
    return min + Math.floor(this.random() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)];
  }

  /** A string meant to break something, sometimes a valid one. */
  text(): string {
    const chars = 'aZ9_-.~ %&=?#/\\"\'<>{}[]\u0000\u0001\u001f\u007f\u00e9\u6771\u{1f338}\ud800\udfff\u202e\ufeff';
    return this.pick<() => string>([
      () => this.pick(['NASA', 'nasa', 'tokyo_bot', '20', '1', '100', 'raw', 'true', 'false', '2024-05-01']),
      () => this.pick(['', ' ', '\u0000', 'a\u0000b', '%00', 'null', 'undefined', '[]', '{}', '{"a":1}']),
      () => this.pick(['0', '-1', '1.5', '1e1', '1e308', '0x10', 'NaN', 'Infinity', '-0', '٣', '９']),
      () => '9'.repeat(this.int(18, 400)),
      () => this.pick(['x', '東京', '🌸', '\ud800', 'a\udfffb', '\u202eevil']).repeat(this.int(1, 3000)),
      () => this.pick(['2023-02-31', '2023-02-29', '0000-01-01T00:00:00Z', '2024-01-01T24:00:00Z']),
      () => this.pick(['2024-06-30T23:59:60Z', '10000-01-01', '9999-12-31T23:59:59-01:00', '2024-05-01T12:00:00']),
      () => this.pick(['0001-01-01T00:00:00Z', '9999-12-31T23:59:59.999999Z', '2024-05-01T12:00:00+14:00']),
      () => this.cursor(),
      () => this.pick(["' OR 1=1 --", '"; DROP TABLE tweets; --', '<script>alert(1)</script>', '../../etc/passwd']),
      () => this.pick(['a:*', '!', '"unterminated', '-', 'or or or', '& | !', "'", '\\']),
      () => Array.from({ length: this.int(1, 40) }, () => this.pick([...chars])).join(''),
    ])();
  }

  cursor(): string {
    const real = this.realCursor;
    return this.pick<() => string>([
      () => real,
      () => real.slice(0, this.int(0, real.length - 1)),
      () => real.slice(0, 5) + this.pick(['A', '_', '-', '=', '!']) + real.slice(6),
      () => cursorOf(['2023-02-29T00:00:00.000000Z', '1']),
      () => cursorOf(['0000-01-01T00:00:00.000000Z', '1']),
      () => cursorOf(['9999-12-31T23:59:59.999999Z', '9223372036854775807']),
      () => cursorOf(['2024-05-01T00:00:00.000000Z', '9223372036854775808']),
      () => cursorOf(['2024-05-01T00:00:00.000000Z', '6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b']),
      () => cursorOf(['2024-05-01T00:00:00.000000Z\u0000', '1']),
      () => cursorOf([{ a: 1 }, ['1']]),
      () => Buffer.from(`[${this.deepJson(this.int(10, 5000))},"1"]`).toString('base64url'),
      () => Buffer.from('\u0000\u00ff garbage').toString('base64'),
    ])();
  }

  /** JSON text nested `depth` levels: built as text, since JSON.stringify would overflow the stack itself. */
  deepJson(depth: number): string {
    return this.pick(['[', '{"a":[']).repeat(depth) + '1' + this.pick([']', ']}']).repeat(depth);
  }

  /** A JSON value of any type, with strings from text(). */
  value(depth = 0): unknown {
    return this.pick<() => unknown>([
      () => this.text(),
      () => this.text(),
      () => this.pick([0, -1, 1.5, 60, 1e308, -0, 2 ** 53 + 1, 604_801]),
      () => this.pick([true, false, null]),
      () => (depth < 3 ? Array.from({ length: this.int(0, 4) }, () => this.value(depth + 1)) : []),
      () => (depth < 3 ? { [this.text()]: this.value(depth + 1) } : {}),
      () => this.pick(['* * * * *', '*/5 * * * *', '0 0 31 2 *', '* * * * * * *', '60 * * * *']),
    ])();
  }

  /** A query parameter, URL-encoded: lone surrogates cannot be, so they go raw as invalid UTF-8. */
  encode(value: string): string {
    if (this.chance(0.05)) return this.pick(['%', '%zz', '%ff', '%ED%A0%80', '%C0%80', '+', '%2B']);
    return encodeURIComponent(value.replace(LONE_SURROGATE, '\ufffd'));
  }

  query(names: string[]): string {
    const keys = [...names.filter(() => this.chance(0.5)), ...(this.chance(0.15) ? [this.text()] : [])];
    if (this.chance(0.1)) keys.push(this.pick(names.length > 0 ? names : ['x']));
    if (this.chance(0.05)) keys.push(this.pick(['__proto__', 'constructor', 'a[b]', 'q[]', 'hasOwnProperty']));
    const pairs = keys.map((key) => `${this.encode(key)}=${this.encode(this.text())}`);
    return pairs.length > 0 ? `?${pairs.join('&')}` : '';
  }

  segment(): string {
    return this.encode(this.text()).replace(/^$/, '%20');
  }

  body(poison?: Record<string, unknown>): { contentType?: string; body?: string } {
    const kind = this.int(0, 19);
    if (kind === 0) return {};
    if (kind === 1) return { contentType: 'application/json', body: this.deepJson(this.int(30, 20_000)) };
    if (kind === 2)
      return { contentType: 'application/json', body: `{"screenNames":${'['.repeat(this.int(30, 10_000))}` };
    if (kind === 3)
      return { contentType: 'application/json', body: JSON.stringify({ screenNames: ['x'.repeat(1_100_000)] }) };
    if (kind === 4)
      return {
        contentType: 'application/json',
        body: this.pick(['{"a":', '{', '\u00ff', '', 'nul', '{"__proto__":{"x":1}}']),
      };
    if (kind === 5)
      return {
        contentType: this.pick(['text/plain', 'application/xml', 'multipart/form-data', 'x/y']),
        body: this.text(),
      };
    if (kind === 6) {
      const form = Object.entries({ screenNames: this.text(), full: this.text(), ...poison });
      return {
        contentType: 'application/x-www-form-urlencoded',
        body: form.map(([k, v]) => `${k}=${this.encode(String(v))}`).join('&'),
      };
    }
    if (kind === 7 && !poison) return { contentType: 'application/json', body: JSON.stringify(this.value()) };
    const fields = ['screenNames', 'full', 'enabled', 'cron', 'intervalSeconds'].filter(() => this.chance(0.4));
    const object = Object.fromEntries(fields.map((field) => [field, this.value()]));
    if (this.chance(0.3)) object.screenNames = Array.from({ length: this.int(0, 120) }, () => this.text());
    return {
      contentType: this.pick(['application/json', 'application/json; charset=utf-8', 'Application/JSON']),
      body: JSON.stringify({ ...object, ...poison }),
    };
  }

  authorization(right: boolean): string | undefined {
    if (right) return this.pick([`Bearer ${TOKEN}`, `bearer ${TOKEN}`]);
    return this.pick([
      undefined,
      'Bearer wrong',
      `Bearer ${TOKEN} extra`,
      `Bearer  ${TOKEN}`,
      `Basic ${TOKEN}`,
      `Bearer ${TOKEN.slice(0, -1)}`,
      'Bearer',
      `Bearer ${'x'.repeat(this.int(1, 4000))}`,
      TOKEN,
    ]);
  }

  /** One request; those holding the right token never carry a valid change, so nothing stored changes. */
  next(): FuzzRequest & { right: boolean } {
    const right = this.chance(0.4);
    const authorization = this.authorization(right);
    const routes: (() => FuzzRequest)[] = [
      () => ({
        method: 'get',
        path: `/tweets${this.query(['limit', 'cursor', 'screenName', 'since', 'until', 'q', 'include'])}`,
      }),
      () => ({ method: 'get', path: `/tweets/${this.segment()}${this.query(['include'])}` }),
      () => ({ method: 'get', path: `/users${this.query(['limit', 'cursor'])}` }),
      () => ({ method: 'get', path: `/users/${this.segment()}` }),
      () => ({ method: 'get', path: `/sync/runs${this.query(['limit', 'cursor'])}` }),
      () => ({ method: 'get', path: `/sync/runs/${this.segment()}` }),
      () => ({
        method: 'post',
        path: `/sync${this.query(['wait'])}`,
        ...this.body(right ? { full: 'maybe' } : undefined),
      }),
      () => ({ method: 'get', path: `/schedules${this.query([])}` }),
      () => ({
        method: 'patch',
        path: `/schedules/${this.chance(0.6) ? this.pick(SCHEDULE_NAMES) : this.segment()}`,
        ...this.body(right ? { intervalSeconds: 'never' } : undefined),
      }),
      () => {
        const name = this.segment();
        return {
          method: 'post',
          path: `/schedules/${SCHEDULE_NAMES.includes(name) ? `${name}x` : name}/run`,
          ...this.body(),
        };
      },
      () => ({ method: 'get', path: `/health${this.query([])}` }),
      () => ({ method: 'get', path: `/docs-json${this.query([])}` }),
      () => ({
        method: this.pick<Method>(['get', 'post', 'put', 'delete', 'options', 'patch']),
        path: `/${this.pick(['', 'tweets', 'sync', 'schedules', 'nope', this.segment()])}/${this.segment()}/${this.segment()}`,
        ...this.body(),
      }),
      () => ({
        method: this.pick<Method>(['put', 'delete']),
        path: this.pick(['/tweets', '/sync', '/schedules/hello', '/users']),
      }),
    ];
    return { ...this.pick(routes)(), authorization, right };
  }
}

describe.each(DATABASE_KINDS)('fuzzing every route on %s', (kind) => {
  let database: TestDatabase;
  let app: RunningApp;

  /** Every table but the migrations, row by row, as JSON. */
  async function dump(): Promise<Record<string, string[]>> {
    const dataSource = app.app.get(DataSource);
    const tables: { tablename: string }[] = await dataSource.query(
      `SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'migrations' ORDER BY 1`,
    );
    const result: Record<string, string[]> = {};
    for (const { tablename } of tables) {
      const rows: { row: string }[] = await dataSource.query(
        `SELECT to_jsonb(t)::text AS row FROM "${tablename}" t ORDER BY 1`,
      );
      result[tablename] = rows.map(({ row }) => row);
    }
    return result;
  }

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    app = await startApp({ DATABASE_URL: database.url, SYNC_API_TOKEN: TOKEN });
    const nasa = userRow({ id: '11348282', screenName: 'NASA' });
    const tokyo = userRow({ id: '1602315478998499329', screenName: 'tokyo_bot', name: '東京ボット 🌸' });
    await app.repository.upsertUsers([nasa, tokyo], 'update');
    await app.repository.upsertTweets(
      Array.from({ length: 5 }, (_, i) =>
        tweetRow({
          id: `185000000000000000${i}`,
          authorId: i % 2 ? tokyo.id : nasa.id,
          createdAt: new Date(Date.UTC(2024, 1, 27 + i, 12)),
          text: `launch pad 東京 ${i}`,
        }),
      ),
      'update',
    );
  });
  afterAll(async () => {
    await app.close();
    await database.drop();
  });

  it(`${REQUESTS} hostile requests: no 5xx, no dropped connection, every 4xx JSON with a message, nothing stored changes`, async () => {
    const before = await dump();
    expect(before.tweets).toHaveLength(5);
    const realCursor = (await request(app.url).get('/tweets?limit=1').expect(200)).body.nextCursor;
    const fuzzer = new Fuzzer(SEED + DATABASE_KINDS.indexOf(kind), realCursor);
    // Token holders ask from an address of their own: the guessers' throttle (429s, fine here) must not hide them.
    const agents = { right: new Agent({ localAddress: '127.0.0.9' }), wrong: new Agent({ localAddress: '127.0.0.1' }) };
    const problems: string[] = [];
    const statuses = new Map<number, number>();
    for (let i = 0; i < REQUESTS; i++) {
      const { method, path, authorization, contentType, body, right } = fuzzer.next();
      const label = `#${i} ${method.toUpperCase()} ${path.slice(0, 200)} [${contentType ?? '-'}; ${body?.slice(0, 100) ?? '-'}]`;
      const server = request(app.url);
      const test = server[method](path).agent(right ? agents.right : agents.wrong);
      if (authorization !== undefined) void test.set('authorization', authorization);
      if (contentType !== undefined) void test.set('content-type', contentType);
      try {
        const response = await (body === undefined ? test : test.send(body));
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        if (response.status >= 500) problems.push(`${label}: ${response.status} ${response.text.slice(0, 200)}`);
        if (response.status >= 400) {
          const json = /^application\/json/.test(response.headers['content-type'] ?? '');
          const message = response.body?.message;
          if (!json || !(typeof message === 'string' || (Array.isArray(message) && message.length > 0))) {
            problems.push(`${label}: ${response.status} without a JSON message: ${response.text.slice(0, 200)}`);
          }
        }
      } catch (error) {
        problems.push(`${label}: no answer (${String(error)})`);
      }
    }
    agents.right.destroy();
    agents.wrong.destroy();
    expect(problems).toEqual([]);
    // The run reached past the guards and the validation into the handlers.
    expect([...statuses.keys()]).toEqual(expect.arrayContaining([200, 400, 401, 404, 413, 415, 429]));
    expect(await dump()).toEqual(before);
  });
});
