import { Client } from 'pg';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { generateTimeline } from '../src/fake-x-api/timeline.generator';
import { RunningApp, startApp } from './support/app';
import { DATABASE_KINDS } from './support/databases';
import { BEARER, startSyncFixture, SyncFixture, syncNow, SYNC_TOKEN } from './support/sync-fixture';

jest.setTimeout(60_000);

type Json = Record<string, any>;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const postSync = (url: string, body: Json) =>
  request(url).post('/sync').set('authorization', `Bearer ${SYNC_TOKEN}`).send(body);

async function waitUntilFinished(url: string, runId: string): Promise<Json> {
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; await sleep(100)) {
    const run = (await request(url).get(`/sync/runs/${runId}`).expect(200)).body as Json;
    if (run.status !== 'running') return run;
  }
  throw new Error(`run ${runId} did not finish`);
}

/** Two POST /sync at once, to these services: one starts, the other is refused naming that very run. */
async function expectOneStartedOneRefused(urls: [string, string], body: Json): Promise<void> {
  const answers = await Promise.all(urls.map((url) => postSync(url, body)));
  expect(answers.map((answer) => answer.status).sort()).toEqual([202, 409]);
  const started = answers.find((answer) => answer.status === 202)!;
  const refused = answers.find((answer) => answer.status === 409)!;
  expect(started.body.runId).toEqual(expect.any(String));
  expect(refused.body).toEqual({
    statusCode: 409,
    error: 'Conflict',
    message: 'a sync is already running',
    runId: started.body.runId,
  });
  expect((await waitUntilFinished(urls[0], started.body.runId)).status).toBe('succeeded');
}

describe.each(DATABASE_KINDS)('sync runs on %s', (kind) => {
  let fx: SyncFixture;
  let accounts = 0;
  const newAccount = (count: number) => {
    const user = fx.fake.store.addUser({ username: `${kind}_runs${++accounts}` });
    generateTimeline(fx.fake.store, user.id, { seed: 40 + accounts, count });
    return user;
  };

  beforeAll(async () => {
    fx = await startSyncFixture(kind, { SYNC_RUNS_RETENTION_DAYS: '20' });
  });

  afterAll(() => fx?.close());

  beforeEach(() => fx.fake.clearFaults());

  it('answers the second of two simultaneous POST /sync with a 409 naming the first one’s run', async () => {
    const user = newAccount(150);
    // Slow pages: the first run is still going when the second request is answered.
    fx.fake.injectFault({ kind: 'delay', ms: 150 }, { endpoint: 'userTimeline', times: 10_000 });
    for (let round = 0; round < 6; round++) {
      await expectOneStartedOneRefused([fx.service.url, fx.service.url], { screenNames: [user.username] });
    }
  });

  it('deletes the records of runs older than SYNC_RUNS_RETENTION_DAYS when a run starts', async () => {
    const dataSource = fx.service.app.get(DataSource);
    const ages = [100, 25, 21, 10];
    for (const days of ages) {
      await dataSource.query(
        `INSERT INTO sync_runs (trigger, status, started_at, finished_at)
         VALUES ('schedule', 'succeeded', now() - make_interval(days => $1), now() - make_interval(days => $1))`,
        [days],
      );
    }
    const run = await syncNow(fx, { screenNames: [newAccount(5).username] });
    const left: { days: number }[] = await dataSource.query(
      `SELECT round(extract(epoch FROM now() - started_at) / 86400)::int AS days FROM sync_runs
        WHERE started_at < now() - interval '1 day' ORDER BY started_at`,
    );
    expect(left.map((row) => row.days)).toEqual([10]);
    await request(fx.service.url).get(`/sync/runs/${run.id}`).expect(200);
  });
});

describe('sync runs across two services on one PostgreSQL database', () => {
  let fx: SyncFixture;
  let second: RunningApp;

  beforeAll(async () => {
    fx = await startSyncFixture('postgres');
    second = await startApp({
      DATABASE_URL: fx.database.url,
      TWITTER_API_BASE_URL: fx.fake.url,
      TWITTER_BEARER_TOKEN: BEARER,
      SYNC_API_TOKEN: SYNC_TOKEN,
    });
  });

  afterAll(async () => {
    await second?.close();
    await fx?.close();
  });

  it('answers a simultaneous POST /sync on the other service with a 409 naming the run that started', async () => {
    const user = fx.fake.store.addUser({ username: 'two_services' });
    generateTimeline(fx.fake.store, user.id, { seed: 50, count: 150 });
    fx.fake.injectFault({ kind: 'delay', ms: 150 }, { endpoint: 'userTimeline', times: 10_000 });
    for (let round = 0; round < 6; round++) {
      const urls: [string, string] = round % 2 ? [fx.service.url, second.url] : [second.url, fx.service.url];
      await expectOneStartedOneRefused(urls, { screenNames: [user.username] });
    }
  });
});

describe('the statement timeout of PostgreSQL reads (DATABASE_STATEMENT_TIMEOUT_MS)', () => {
  let fx: SyncFixture;

  beforeAll(async () => {
    fx = await startSyncFixture('postgres', { DATABASE_STATEMENT_TIMEOUT_MS: '500' });
  });

  afterAll(() => fx?.close());

  it('answers 503 when a read outlasts it, and serves again once the database does', async () => {
    const user = fx.fake.store.addUser({ username: 'timed_reads' });
    generateTimeline(fx.fake.store, user.id, { seed: 51, count: 120 });
    // Writes run under the same timeout: a sync stores its pages well within it.
    expect((await syncNow(fx, { screenNames: [user.username] })).status).toBe('succeeded');

    const blocker = new Client({ connectionString: fx.database.url });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE tweets IN ACCESS EXCLUSIVE MODE');
      const askedAt = Date.now();
      const answer = await request(fx.service.url).get('/tweets').expect(503);
      expect(Date.now() - askedAt).toBeLessThan(3000);
      expect(answer.body).toEqual({
        statusCode: 503,
        error: 'Service Unavailable',
        message: 'the database did not answer within DATABASE_STATEMENT_TIMEOUT_MS',
      });
    } finally {
      await blocker.query('ROLLBACK');
      await blocker.end();
    }
    const tweets = await request(fx.service.url).get('/tweets').query({ limit: 100 }).expect(200);
    expect(tweets.body.data).toHaveLength(100);
  });
});
