import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from '../src/database/data-source-options';
import { generateTimeline } from '../src/fake-x-api/timeline.generator';
import { DATABASE_KINDS, DatabaseKind } from './support/databases';
import { freePort, runService, startService } from './support/service-process';
import { startSyncFixture, SyncFixture, SYNC_TOKEN } from './support/sync-fixture';

jest.setTimeout(60_000);

type Json = Record<string, any>;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const postSync = (url: string, body: Json, wait = false) =>
  request(url)
    .post(wait ? '/sync?wait=true' : '/sync')
    .set('authorization', `Bearer ${SYNC_TOKEN}`)
    .send(body);

async function until(condition: () => boolean, what: string): Promise<void> {
  for (const deadline = Date.now() + 20_000; !condition(); await sleep(20)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
  }
}

describe.each(DATABASE_KINDS)('shutting down on %s', (kind: DatabaseKind) => {
  let workDir: string;
  let fx: SyncFixture | undefined;

  beforeEach(() => {
    workDir = mkdtempSync(join(tmpdir(), 'tts-shutdown-'));
  });

  afterEach(async () => {
    await fx?.close();
    fx = undefined;
    rmSync(workDir, { recursive: true, force: true });
  });

  /** The service on a database that outlives it: PostgreSQL, or PGlite on disk. */
  async function start(variables: Record<string, string>): Promise<SyncFixture> {
    const onDisk: Record<string, string> =
      kind === 'pglite' ? { DATABASE_URL: '', PGLITE_DATA_DIR: join(workDir, 'db') } : {};
    fx = await startSyncFixture(kind, { ...onDisk, ...variables });
    return fx;
  }

  /** Closes the service (the test measures it) so that the fixture does not close it again. */
  function closeService(running: SyncFixture): Promise<void> {
    const closing = running.service.close();
    running.service = { ...running.service, close: () => Promise.resolve() };
    return closing;
  }

  async function storedRuns(running: SyncFixture): Promise<Json[]> {
    const url = kind === 'postgres' ? running.database.url : undefined;
    const dataSource = await new DataSource(
      buildDataSourceOptions({ DATABASE_URL: url, PGLITE_DATA_DIR: join(workDir, 'db') }),
    ).initialize();
    try {
      return await dataSource.query<Json[]>(
        `SELECT id::text, status, error, accounts FROM sync_runs ORDER BY started_at`,
      );
    } finally {
      await dataSource.destroy();
    }
  }

  it('answers 503 to POST /sync once shutdown has begun, and leaves no run running', async () => {
    const running = await start({ SHUTDOWN_GRACE_SECONDS: '10' });
    const user = running.fake.store.addUser({ username: `${kind}_stop` });
    generateTimeline(running.fake.store, user.id, { seed: 60, count: 300 });
    running.fake.injectFault({ kind: 'delay', ms: 1500 }, { endpoint: 'userTimeline', times: 10_000 });
    const first = postSync(running.service.url, { screenNames: [user.username] }, true).then((answer) => answer);
    await until(() => running.fake.requests().some((r) => r.endpoint === 'userTimeline'), 'the first page');

    const closing = closeService(running);
    await sleep(200); // shutdown has begun; the first run's page is still on its way
    const refused = await postSync(running.service.url, { screenNames: [user.username] });
    expect(refused.status).toBe(503);
    expect(refused.body).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message: 'the service is shutting down: no sync starts',
    });
    expect((await first).body).toMatchObject({ status: 'interrupted', error: 'interrupted by shutdown' });
    await closing;

    const runs = await storedRuns(running);
    expect(runs.map((run) => run.status)).toEqual(['interrupted']);
  });

  it('keeps the results of the accounts that finished when a page outlasts SHUTDOWN_GRACE_SECONDS', async () => {
    // One account at a time: with two, the hanging page could be the one probing the unknown rate
    // limit, holding back the other account's page until it answers.
    const running = await start({
      SHUTDOWN_GRACE_SECONDS: '2',
      TWITTER_REQUEST_TIMEOUT_MS: '3000',
      SYNC_CONCURRENCY: '1',
    });
    const [done, hung] = ['done', 'hung'].map((name, i) => {
      const user = running.fake.store.addUser({ username: `${kind}_${name}` });
      generateTimeline(running.fake.store, user.id, { seed: 61 + i, count: 50 });
      return user;
    });
    // The first account's only page answers at once; the second account's page hangs.
    running.fake.injectFault({ kind: 'delay', ms: 5000 }, { path: `/2/users/${hung.id}/tweets` });
    const started = await postSync(running.service.url, { screenNames: [done.username, hung.username] }).expect(202);
    await until(
      () => running.fake.requests().filter((r) => r.endpoint === 'userTimeline').length === 2,
      "the second account's page",
    );

    const closingAt = Date.now();
    await closeService(running);
    expect(Date.now() - closingAt).toBeLessThan(2000);

    const [run] = await storedRuns(running);
    expect(run).toMatchObject({
      id: started.body.runId,
      status: 'interrupted',
      error: 'interrupted by shutdown before its page finished',
    });
    expect(run.accounts).toEqual([
      expect.objectContaining({ screenName: done.username, status: 'succeeded', pages: 1, fetched: 50 }),
      expect.objectContaining({
        screenName: hung.username,
        status: 'partial',
        fetched: 0,
        error: 'interrupted by shutdown before its page finished',
      }),
    ]);
    // The straggling page fails on its own (request timeout) against the closed database.
    await sleep(3500);
  });
});

describe('a signal during start-up (node dist/src/main.js)', () => {
  let workDir: string;

  beforeEach(() => {
    workDir = mkdtempSync(join(tmpdir(), 'tts-startup-'));
  });

  afterEach(() => {
    rmSync(workDir, { recursive: true, force: true });
  });

  it('lets start-up finish, exits 0 without serving, and leaves a data folder that opens', async () => {
    const dataDir = join(workDir, 'db');
    const port = await freePort();
    const child = runService({ PGLITE_DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'info' });
    const exited = once(child, 'exit');
    // PGlite is creating its data folder: the service is opening the database for the first time.
    await until(() => existsSync(dataDir) || child.exitCode !== null, 'the data folder');
    const signalledAt = Date.now();
    child.kill('SIGTERM');
    const [code, signal] = (await exited) as [number | null, NodeJS.Signals | null];
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(Date.now() - signalledAt).toBeLessThan(10_000);
    expect(child.output.out).not.toContain('Listening on');

    const service = await startService(port, { PGLITE_DATA_DIR: dataDir });
    expect(await fetch(`${service.url}/tweets`).then((r) => r.json())).toEqual({ data: [], nextCursor: null });
    expect(await service.stop('SIGTERM')).toBe(0);
  }, 90_000);
});
