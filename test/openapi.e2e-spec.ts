import { createConfig, lintFromString } from '@redocly/openapi-core';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import createClient from 'openapi-fetch';
import openapiTS, { astToString } from 'openapi-typescript';
import { Client } from 'pg';
import request from 'supertest';
import { writeXArchive } from '../src/archive-import/x-archive.generator';
import ts from 'typescript';
import { DataSource } from 'typeorm';
import { generateTimeline } from '../src/fake-x-api/timeline.generator';
import { startApp } from './support/app';
import { DATABASE_KINDS, onServer } from './support/databases';
import { tweetRow, userRow } from './support/fixtures';
import { OpenApiContract } from './support/openapi-contract';
import { BEARER, startSyncFixture, SYNC_TOKEN, SyncFixture } from './support/sync-fixture';

type Json = Record<string, any>;

const AUTH = { authorization: `Bearer ${SYNC_TOKEN}` };
const WRONG_AUTH = { authorization: 'Bearer not-the-token' };

// Every 503 but /health's comes from a statement timeout, provoked here on PostgreSQL for some reads
// (PGlite has none), or from a sync started while the service shuts down.
const IMPORT_MAX_BYTES = 1024 ** 2;
const provokedElsewhere = (answer: string) => answer.endsWith(' 503') && !answer.startsWith('get /health ');

// A reply to a tweet that is not stored: its referencedTweets[].author is null.
const ORPHAN_REPLY = tweetRow({
  id: '1860000000000000001',
  authorId: '1860000000000000900',
  createdAt: new Date('2024-11-20T08:00:00.000Z'),
  referencedTweets: [{ type: 'replied_to', id: '1860000000000000002' }],
  entities: { hashtags: [{ start: 0, end: 5, tag: 'test' }] },
});
// Both held the screen name "Taken_Over": the first one's becomes null.
const FORMER = userRow({ id: '1860000000000000900', screenName: 'Taken_Over', profileImageUrl: null });
const CURRENT = userRow({ id: '1860000000000000901', screenName: 'Taken_Over', followersCount: null });

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('timed out');
}

/** Types from `document` by openapi-typescript, and a tiny openapi-fetch client, type-checked; answers the client. */
async function compileClient(document: Json, dir: string): Promise<string> {
  await writeFile(join(dir, 'schema.d.ts'), astToString(await openapiTS(document as never)));
  const client = `
import type createClient from 'openapi-fetch';
import type { paths } from './schema';

type Client = ReturnType<typeof createClient<paths>>;

export async function exercise(client: Client, token: string) {
  const page = await client.GET('/tweets', { params: { query: { limit: 50, include: 'raw' } } });
  if (!page.data) throw new Error('GET /tweets: ' + JSON.stringify(page.error));
  const ids: string[] = page.data.data.map((tweet) => tweet.id);
  const authors = page.data.data.flatMap((tweet) => tweet.referencedTweets.map((ref) => ref.author?.screenName));
  // Never called: it only has to fail to compile.
  const unchecked = () =>
    // @ts-expect-error a referenced tweet's author is null when that tweet is not stored
    page.data.data.map((tweet) => tweet.referencedTweets.map((ref) => ref.author.name));
  const next: string | null = page.data.nextCursor;

  const missing = await client.GET('/tweets/{id}', { params: { path: { id: '1' } } });
  const notFound: string | string[] | undefined = missing.error?.message;

  // The body is typed: a screen name the API refuses still compiles, and answers 400.
  const sync = await client.POST('/sync', {
    headers: { authorization: 'Bearer ' + token },
    body: { screenNames: ['not a name'] },
  });
  const syncError: number | undefined = sync.error?.statusCode;

  const schedules = await client.GET('/schedules', { headers: { authorization: 'Bearer ' + token } });
  if (!schedules.data) throw new Error('GET /schedules: ' + JSON.stringify(schedules.error));
  const args: number[] = schedules.data.flatMap((entry) => entry.args);
  const results = schedules.data.map((entry) => entry.lastResult);
  const result: string | number | { runId?: string; status?: string; error?: string } | null = results[0] ?? null;
  return { ids, authors, next, notFound, syncError, args, result, status: missing.response.status };
}
`;
  const file = join(dir, 'client.ts');
  await writeFile(file, client);
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ['lib.es2023.d.ts', 'lib.dom.d.ts'],
    types: [],
    // The temporary folder has no node_modules of its own.
    paths: { 'openapi-fetch': [join(__dirname, '..', 'node_modules', 'openapi-fetch')] },
  };
  const program = ts.createProgram([file], options);
  const diagnostics = ts.getPreEmitDiagnostics(program);
  const text = ts.formatDiagnostics(diagnostics, {
    getCanonicalFileName: (name) => name,
    getCurrentDirectory: () => dir,
    getNewLine: () => '\n',
  });
  if (diagnostics.length > 0) throw new Error(`the generated client does not compile:\n${text}`);
  return ts.transpileModule(client, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
  }).outputText;
}

describe('the OpenAPI document', () => {
  it('lints clean with the recommended Redocly rules', async () => {
    const service = await startApp({ DATABASE_URL: 'pglite://memory' });
    try {
      const document = (await request(service.url).get('/docs-json').expect(200)).body;
      const config = await createConfig({ extends: ['recommended'] });
      const problems = await lintFromString({ source: JSON.stringify(document), absoluteRef: 'docs.json', config });
      const found = problems.map((problem) => `${problem.severity} ${problem.ruleId} ${problem.location[0]?.pointer}`);
      expect(found).toEqual([]);
    } finally {
      await service.close();
    }
  });
});

describe.each(DATABASE_KINDS)('the API as documented at /docs-json, on %s', (kind) => {
  let fx: SyncFixture;
  let contract: OpenApiContract;
  const url = () => fx.service.url;
  const check = (response: request.Response) => contract.check(response);

  beforeAll(async () => {
    fx = await startSyncFixture(kind, { IMPORT_MAX_BYTES: String(IMPORT_MAX_BYTES) });
    const target = fx.fake.store.addUser({ username: 'contract_target' });
    generateTimeline(fx.fake.store, target.id, { seed: 11, count: 40 });
    fx.fake.store.addUser({ username: 'locked_one', protected: true });
    await fx.service.repository.upsertUsers([FORMER], 'update');
    await fx.service.repository.upsertUsers([CURRENT], 'update');
    await fx.service.repository.upsertTweets([ORPHAN_REPLY], 'update');
    contract = new OpenApiContract((await request(url()).get('/docs-json').expect(200)).body);
  });

  afterAll(async () => {
    // The last tests break the database on purpose.
    await fx?.service.close().catch(() => undefined);
    await fx?.fake.close();
    await fx?.database.drop();
  });

  it('declares the bearer token, an optional POST /sync body and date-time timestamps', () => {
    const { document } = contract;
    expect(document.openapi).toBe('3.1.0');
    expect(document.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(document.paths['/sync'].post.security).toEqual([{ bearer: [] }]);
    expect(document.paths['/tweets'].get.security).toEqual([]);
    expect(document.paths['/sync'].post.requestBody.required).toBe(false);
    const timestamps = Object.entries(document.components.schemas as Json).flatMap(([name, schema]) =>
      Object.entries((schema.properties ?? {}) as Json)
        .filter(([property]) => /At(Local)?$/.test(property))
        .map(([property, definition]) => [`${name}.${property}`, definition.format]),
    );
    expect(timestamps.length).toBeGreaterThan(5);
    expect(timestamps).toEqual(timestamps.map(([property]) => [property, 'date-time']));
  });

  it('syncs, then answers every run route as documented', async () => {
    // No accounts configured and none given: 400, and the body may be left out altogether.
    check(await request(url()).post('/sync').set(AUTH).expect(400));
    const run = check(
      await request(url())
        .post('/sync?wait=true')
        .set(AUTH)
        .send({ screenNames: ['contract_target', 'locked_one', 'nobody_here_1'] })
        .expect(200),
    ).body;
    expect(run.accounts.map((account: Json) => account.status)).toEqual(['succeeded', 'protected', 'not_found']);

    check(
      await request(url())
        .post('/sync')
        .set(AUTH)
        .send({ screenNames: ['not a name'] })
        .expect(400),
    );
    check(
      await request(url())
        .post('/sync')
        .set(AUTH)
        .set('content-type', 'application/json')
        .send('{"screenNames":')
        .expect(400),
    );
    check(
      await request(url()).post('/sync').set(AUTH).set('content-type', 'application/xml').send('<sync/>').expect(415),
    );
    const huge = JSON.stringify({ screenNames: ['a'.repeat(2 * 1024 * 1024)] });
    check(await request(url()).post('/sync').set(AUTH).set('content-type', 'application/json').send(huge).expect(413));
    check(await request(url()).post('/sync').expect(401));

    // A slow X API keeps the run going while the second start is refused.
    fx.fake.injectFault({ kind: 'delay', ms: 1000 }, { endpoint: 'userTimeline' });
    const started = check(
      await request(url())
        .post('/sync')
        .set(AUTH)
        .send({ screenNames: ['contract_target'] })
        .expect(202),
    ).body;
    const conflict = check(
      await request(url())
        .post('/sync')
        .set(AUTH)
        .send({ screenNames: ['locked_one'] })
        .expect(409),
    ).body;
    expect(conflict.runId).toBe(started.runId);
    check(await request(url()).post('/schedules/sync/run').set(AUTH).expect(409));
    await until(
      () => request(url()).get(`/sync/runs/${started.runId}`),
      (response) => response.body.status !== 'running',
    );
    const viaSchedule = check(await request(url()).post('/schedules/sync/run').set(AUTH).expect(202)).body;
    await until(
      () => request(url()).get(`/sync/runs/${viaSchedule.runId}`),
      (response) => response.body.status !== 'running',
    );

    const first = check(await request(url()).get('/sync/runs?limit=1').expect(200)).body;
    expect(first.nextCursor).toEqual(expect.any(String));
    check(await request(url()).get('/sync/runs').query({ cursor: first.nextCursor }).expect(200));
    check(await request(url()).get('/sync/runs?limit=many').expect(400));
    check(await request(url()).get('/sync/runs?cursor=not-a-cursor').expect(400));
    check(await request(url()).get(`/sync/runs/${run.id}`).expect(200));
    check(await request(url()).get('/sync/runs/3f0e1c52-8d8a-4d43-9d3e-0c7a4f3f6a11').expect(404));
    check(await request(url()).get('/sync/runs/42').expect(400));
  });

  it('answers the tweet and user routes as documented, nulls included', async () => {
    const all = check(await request(url()).get('/tweets?limit=100&include=raw').expect(200)).body;
    expect(all.data.length).toBeGreaterThan(30);
    const authors = all.data.flatMap((tweet: Json) => tweet.referencedTweets.map((ref: Json) => ref.author));
    expect(authors).toContain(null);
    expect(all.data.map((tweet: Json) => tweet.author.screenName)).toContain(null);

    const page = check(await request(url()).get('/tweets?limit=5&screenName=contract_target').expect(200)).body;
    check(await request(url()).get('/tweets').query({ cursor: page.nextCursor, since: '2020-01-01' }).expect(200));
    check(await request(url()).get('/tweets').query({ q: '"timeline sync" or benchmarks -nothing' }).expect(200));
    check(await request(url()).get('/tweets?limit=0').expect(400));
    check(await request(url()).get('/tweets?since=yesterday').expect(400));
    check(await request(url()).get('/tweets?unknown=1').expect(400));

    check(await request(url()).get(`/tweets/${ORPHAN_REPLY.id}`).expect(200));
    check(await request(url()).get(`/tweets/${page.data[0].id}?include=raw`).expect(200));
    check(await request(url()).get('/tweets/export?format=csv&screenName=contract_target').expect(200));
    check(await request(url()).get('/tweets/export').expect(200));
    check(await request(url()).get('/tweets/export?format=xlsx').expect(400));
    check(await request(url()).get('/tweets/1').expect(404));
    check(await request(url()).get('/tweets/not-an-id').expect(400));
    check(await request(url()).get(`/tweets/${page.data[0].id}/history`).expect(200));
    check(await request(url()).get('/tweets/1/history').expect(404));
    check(await request(url()).get('/tweets/not-an-id/history').expect(400));

    const users = check(await request(url()).get('/users?limit=2').expect(200)).body;
    check(await request(url()).get('/users').query({ cursor: users.nextCursor, limit: 100 }).expect(200));
    const everyone = check(await request(url()).get('/users?limit=100').expect(200)).body;
    expect(everyone.data.map((user: Json) => user.screenName)).toContain(null);
    check(await request(url()).get('/users?cursor=not-a-cursor').expect(400));
    check(await request(url()).get('/users/Contract_Target').expect(200));
    check(await request(url()).get('/users/taken_over').expect(200));
    check(await request(url()).get('/users/nobody_stored').expect(404));
    check(await request(url()).get('/users/not-a-name!').expect(400));
    check(await request(url()).get('/users/Contract_Target/history').expect(200));
    check(await request(url()).get('/users/taken_over/history').expect(200));
    check(await request(url()).get('/users/nobody_stored/history').expect(404));
    check(await request(url()).get('/users/not-a-name!/history').expect(400));
  });

  it('answers the schedule routes as documented, results of every kind included', async () => {
    const hello = check(await request(url()).post('/schedules/hello/run').set(AUTH).expect(200)).body;
    expect(hello.result).toBe('hello world');
    const add = check(await request(url()).post('/schedules/add/run').set(AUTH).expect(200)).body;
    expect(add.result).toBe(32);
    check(await request(url()).post('/schedules/nothing/run').set(AUTH).expect(404));
    check(await request(url()).post('/schedules/%00/run').set(AUTH).expect(400));
    check(await request(url()).get('/schedules?probe=%00').set(AUTH).expect(400));
    check(await request(url()).post('/schedules/hello/run').set(WRONG_AUTH).expect(401));

    // The sync entry records its run's outcome once the run has finished.
    const entries = check(
      await until(
        () => request(url()).get('/schedules').set(AUTH),
        (response) => response.body.find((entry: Json) => entry.name === 'sync').lastResult !== null,
      ),
    ).body;
    const byName = Object.fromEntries(entries.map((entry: Json) => [entry.name, entry]));
    expect(byName.add).toMatchObject({ args: [16, 16], lastResult: 32 });
    expect(byName.hello).toMatchObject({ args: [], lastResult: 'hello world' });
    expect(byName.sync.lastResult).toEqual(expect.objectContaining({ runId: expect.any(String) }));
    check(await request(url()).get('/schedules').expect(401));

    check(await request(url()).patch('/schedules/add').set(AUTH).send({ intervalSeconds: 45 }).expect(200));
    check(await request(url()).patch('/schedules/sync').set(AUTH).send({ cron: '*/15 * * * *' }).expect(200));
    check(await request(url()).patch('/schedules/hello').set(AUTH).send({ enabled: false }).expect(200));
    check(await request(url()).patch('/schedules/add').set(AUTH).send({ cron: 'often' }).expect(400));
    check(await request(url()).patch('/schedules/add').set(AUTH).send({}).expect(400));
    check(await request(url()).patch('/schedules/nothing').set(AUTH).send({ enabled: true }).expect(404));
    check(
      await request(url())
        .patch('/schedules/add')
        .set(AUTH)
        .set('content-type', 'application/xml')
        .send('<a/>')
        .expect(415),
    );
    const huge = JSON.stringify({ cron: '*'.repeat(2 * 1024 * 1024) });
    check(
      await request(url())
        .patch('/schedules/add')
        .set(AUTH)
        .set('content-type', 'application/json')
        .send(huge)
        .expect(413),
    );
    check(await request(url()).patch('/schedules/add').send({ enabled: true }).expect(401));
  });

  it('works through a client generated from the document with openapi-typescript and openapi-fetch', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'openapi-client-'));
    try {
      const compiled = await compileClient(contract.document, dir);
      await writeFile(join(dir, 'client.js'), compiled);
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { exercise } = require(join(dir, 'client.js')) as {
        exercise: (client: unknown, token: string) => Promise<Json>;
      };
      const outcome = await exercise(createClient({ baseUrl: url() }), SYNC_TOKEN);
      expect(outcome).toMatchObject({ status: 404, notFound: 'tweet 1 is not stored', syncError: 400, args: [16, 16] });
      expect(outcome.ids.length).toBeGreaterThan(30);
      expect(outcome.authors).toContain(undefined); // the author of a reference that is not stored
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  // PGlite has no statement timeout (one connection, in process): PostgreSQL only.
  if (kind === 'postgres') {
    it('answers 503 when a read outlasts the statement timeout', async () => {
      const service = await startApp({ DATABASE_URL: fx.database.url, DATABASE_STATEMENT_TIMEOUT_MS: '300' });
      // A transaction holding the tables keeps every read waiting.
      const blocker = new Client({ connectionString: fx.database.url });
      await blocker.connect();
      try {
        await blocker.query('BEGIN');
        await blocker.query('LOCK TABLE tweets, twitter_users, sync_runs IN ACCESS EXCLUSIVE MODE');
        check(await request(service.url).get('/tweets').expect(503));
        check(await request(service.url).get('/users/taken_over').expect(503));
        check(await request(service.url).get('/sync/runs').expect(503));
      } finally {
        await blocker.query('ROLLBACK').catch(() => undefined);
        await blocker.end();
        await service.close();
      }
    });
  }

  it('answers the import routes as documented', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'openapi-import-'));
    try {
      const zip = join(dir, 'archive.zip');
      await writeXArchive(zip, { seed: 5, tweets: 10, zip: true });
      const started = check(await request(url()).post('/imports').set(AUTH).attach('archive', zip).expect(202));
      const done = await until(
        () => request(url()).get(started.headers.location),
        (response) => response.body.status !== 'running',
      );
      expect(check(done).body).toMatchObject({ status: 'succeeded', counts: { inserted: 10 } });
      const large = join(dir, 'large.zip');
      await writeFile(large, Buffer.alloc(IMPORT_MAX_BYTES + 1));
      check(await request(url()).post('/imports').set(AUTH).attach('archive', large).expect(413));
      check(await request(url()).post('/imports').set(AUTH).field('note', 'no file').expect(400));
      check(await request(url()).post('/imports').set(AUTH).send({ archive: 'x' }).expect(415));
      check(await request(url()).post('/imports').attach('archive', zip).expect(401));
      check(await request(url()).get('/imports/not-an-id').expect(400));
      check(await request(url()).get('/imports/00000000-0000-4000-8000-000000000000').expect(404));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('answers 429 with Retry-After once a client keeps guessing the token', async () => {
    for (const send of [
      () => request(url()).post('/sync').set(WRONG_AUTH),
      () => request(url()).get('/schedules').set(WRONG_AUTH),
    ]) {
      const response = await until(send, (answer) => answer.status === 429);
      check(response);
    }
    // The right token waits too; every guarded route answers the same.
    check(await request(url()).post('/sync').set(AUTH).expect(429));
    check(await request(url()).patch('/schedules/add').set(AUTH).send({ enabled: true }).expect(429));
    check(await request(url()).post('/schedules/add/run').set(AUTH).expect(429));
    check(await request(url()).post('/imports').set(AUTH).expect(429));
  });

  it('answers /health as documented, up and down', async () => {
    check(await request(url()).get('/health').expect(200));
    check(await request(url()).get('/health?probe=%00').expect(400));
    if (kind === 'postgres') {
      const name = new URL(fx.database.url).pathname.slice(1);
      await onServer(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
      await onServer(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name}'`);
      check(await request(url()).get('/health').expect(503));
      await onServer(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`);
    } else {
      await fx.service.app.get(DataSource).destroy();
      check(await request(url()).get('/health').expect(503));
    }
  });

  // After /health: on PGlite, a second service in this process shares the fixture's database and closes it.
  it('answers 403 on the token routes when no SYNC_API_TOKEN is configured', async () => {
    const service = await startApp({ DATABASE_URL: kind === 'postgres' ? fx.database.url : 'pglite://memory' });
    try {
      check(await request(service.url).post('/sync').set(AUTH).expect(403));
      check(await request(service.url).get('/schedules').set(AUTH).expect(403));
      check(await request(service.url).patch('/schedules/add').set(AUTH).send({ enabled: true }).expect(403));
      check(await request(service.url).post('/schedules/add/run').set(AUTH).expect(403));
      check(await request(service.url).post('/imports').set(AUTH).expect(403));
    } finally {
      await service.close();
    }
  }, 90_000);

  it('answers GET /usage as documented, before and after the X project figures are known', async () => {
    // The fixture's database is down by now (see /health above): a service of its own.
    const service = await startApp({
      DATABASE_URL: kind === 'postgres' ? fx.database.url : 'pglite://memory',
      SYNC_MONTHLY_POST_BUDGET: '5000',
    });
    try {
      const database = service.app.get(DataSource);
      await database.query('DELETE FROM x_project_usage');
      const before = check(await request(service.url).get('/usage').expect(200)).body;
      expect(before).toMatchObject({ budget: 5000, xProjectUsage: null, xProjectCap: null, xCapResetDay: null });

      await database.query(
        `INSERT INTO post_reads (month, account_id, screen_name, posts)
         VALUES (date_trunc('month', now() AT TIME ZONE 'UTC')::date, 9999, 'usage_contract', 40)`,
      );
      await database.query('INSERT INTO x_project_usage (project_usage, project_cap) VALUES (1200, 10000)');
      const after = check(await request(service.url).get('/usage').expect(200)).body;
      expect(after).toMatchObject({ xProjectUsage: 1200, xProjectCap: 10000, xCapResetDay: null });
      expect(after.byAccount).toContainEqual({ screenName: 'usage_contract', postsRead: 40 });
      await database.query('UPDATE x_project_usage SET cap_reset_day = 18');
      expect(check(await request(service.url).get('/usage').expect(200)).body.xCapResetDay).toBe(18);

      check(await request(service.url).get('/usage?probe=%00').expect(400));
    } finally {
      await service.close();
    }
  }, 90_000);

  it('answers GET /metrics as documented, with METRICS_TOKEN set', async () => {
    const token = 'metrics-contract-token';
    const service = await startApp({
      DATABASE_URL: kind === 'postgres' ? fx.database.url : 'pglite://memory',
      METRICS_TOKEN: token,
    });
    try {
      const scrape = () => request(service.url).get('/metrics');
      const scraped = check(await scrape().set('authorization', `Bearer ${token}`).expect(200));
      expect(scraped.text).toContain('# TYPE timeline_sync_sync_runs_total counter');
      check(await request(service.url).get('/metrics?probe=%00').set('authorization', `Bearer ${token}`).expect(400));
      check(await scrape().expect(401));
      const guessing = await until(
        () => scrape().set('authorization', 'Bearer a-guess'),
        (answer) => answer.status === 429,
      );
      check(guessing);
    } finally {
      await service.close();
    }
  }, 90_000);

  // Two services start, each on a fresh PGlite (mostly its migrations): longer than the default timeout.
  it('answers every accounts route as documented', async () => {
    // The fixture's database is down by now (see /health above): services of their own, one at a time
    // (PGlite is one database per process).
    const databaseUrl = kind === 'postgres' ? fx.database.url : 'pglite://memory';
    const locked = await startApp({ DATABASE_URL: databaseUrl });
    try {
      check(await request(locked.url).post('/accounts').set(AUTH).send({ screenName: 'acct_any' }).expect(403));
      check(await request(locked.url).patch('/accounts/acct_any').set(AUTH).send({ enabled: false }).expect(403));
      check(await request(locked.url).delete('/accounts/acct_any').set(AUTH).expect(403));
    } finally {
      await locked.close();
    }

    const service = await startApp({
      DATABASE_URL: databaseUrl,
      TWITTER_API_BASE_URL: fx.fake.url,
      TWITTER_BEARER_TOKEN: BEARER,
      SYNC_API_TOKEN: SYNC_TOKEN,
    });
    const api = () => request(service.url);
    const finished = (runId: string) =>
      until(
        () => api().get(`/sync/runs/${runId}`),
        (response) => response.body.status !== 'running',
      );
    try {
      for (const username of ['acct_contract', 'acct_synced']) {
        const user = fx.fake.store.addUser({ username });
        generateTimeline(fx.fake.store, user.id, { seed: 12, count: 15 });
      }
      fx.fake.store.addUser({ username: 'acct_waiting' });
      fx.fake.clearFaults();

      check(await api().post('/accounts').set(AUTH).send({ screenName: 'ACCT_CONTRACT' }).expect(201));
      check(await api().post('/accounts').set(AUTH).send({ screenName: 'acct_contract' }).expect(409));
      check(await api().post('/accounts').set(AUTH).send({ screenName: 'acct_nobody' }).expect(422));
      check(
        await api()
          .post('/accounts')
          .set(AUTH)
          .send({ exclude: ['replies'] })
          .expect(400),
      );
      check(await api().post('/accounts').set(AUTH).set('content-type', 'application/xml').send('<a/>').expect(415));
      const huge = JSON.stringify({ screenName: 'a'.repeat(2 * 1024 * 1024) });
      check(await api().post('/accounts').set(AUTH).set('content-type', 'application/json').send(huge).expect(413));
      check(await api().post('/accounts').send({ screenName: 'acct_synced' }).expect(401));

      const started = check(
        await api().post('/accounts').set(AUTH).send({ screenName: 'acct_synced', syncNow: true }).expect(202),
      ).body;
      await finished(started.runId);
      // A slow X API keeps this run going while the account's own sync is refused.
      fx.fake.injectFault({ kind: 'delay', ms: 1000 }, { endpoint: 'userTimeline' });
      const running = (
        await api()
          .post('/sync')
          .set(AUTH)
          .send({ screenNames: ['acct_contract'] })
          .expect(202)
      ).body;
      const refused = check(
        await api().post('/accounts').set(AUTH).send({ screenName: 'acct_waiting', syncNow: true }).expect(409),
      ).body;
      expect(refused.runId).toBe(running.runId);
      await finished(running.runId);

      const first = check(await api().get('/accounts?limit=1').expect(200)).body;
      check(await api().get('/accounts').query({ cursor: first.nextCursor, enabled: 'true' }).expect(200));
      check(await api().get('/accounts?status=gone').expect(400));
      const synced = check(await api().get('/accounts/Acct_Synced').expect(200)).body;
      expect(synced.storedTweets).toBeGreaterThan(0);
      expect(synced.newestTweetId).toEqual(expect.any(String));
      expect(synced.lastRunAt).toEqual(expect.any(String));
      check(await api().get('/accounts/acct_nobody').expect(404));
      check(await api().get('/accounts/not-a-name!').expect(400));

      check(await api().patch('/accounts/acct_contract').set(AUTH).send({ enabled: false }).expect(200));
      check(await api().patch('/accounts/acct_contract').set(AUTH).send({}).expect(400));
      check(
        await api()
          .patch('/accounts/acct_nobody')
          .set(AUTH)
          .send({ exclude: ['retweets'] })
          .expect(404),
      );
      check(
        await api()
          .patch('/accounts/acct_contract')
          .set(AUTH)
          .set('content-type', 'application/xml')
          .send('<a/>')
          .expect(415),
      );
      const hugeChange = JSON.stringify({ exclude: ['r'.repeat(2 * 1024 * 1024)] });
      check(
        await api()
          .patch('/accounts/acct_contract')
          .set(AUTH)
          .set('content-type', 'application/json')
          .send(hugeChange)
          .expect(413),
      );
      check(await api().patch('/accounts/acct_contract').send({ enabled: true }).expect(401));

      check(await api().delete('/accounts/acct_waiting').set(AUTH).expect(204));
      check(await api().delete('/accounts/acct_synced?purge=true').set(AUTH).expect(200));
      check(await api().delete('/accounts/acct_contract?purge=maybe').set(AUTH).expect(400));
      check(await api().delete('/accounts/acct_waiting').set(AUTH).expect(404));
      check(await api().delete('/accounts/acct_contract').expect(401));

      // Last: from now on this address waits, the right token too.
      await until(
        () => api().delete('/accounts/acct_contract').set(WRONG_AUTH),
        (answer) => answer.status === 429,
      );
      check(await api().post('/accounts').set(AUTH).send({ screenName: 'acct_late' }).expect(429));
      check(await api().patch('/accounts/acct_contract').set(AUTH).send({ enabled: true }).expect(429));
      check(await api().delete('/accounts/acct_contract').set(AUTH).expect(429));
    } finally {
      fx.fake.clearFaults();
      await service.close();
    }
  }, 90_000);

  it('has seen every documented answer of every operation', () => {
    const missing = contract.documented().filter((answer) => !contract.seen.has(answer) && !provokedElsewhere(answer));
    expect(missing).toEqual([]);
  });
});
