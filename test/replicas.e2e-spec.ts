import { Client } from 'pg';
import { startFakeXApi, FakeXApi } from '../src/fake-x-api/fake-x-api.server';
import { generateTimeline } from '../src/fake-x-api/timeline.generator';
import { createTestDatabase, TestDatabase } from './support/databases';
import { freePort, ServiceProcess, startService } from './support/service-process';
import { BEARER, SYNC_TOKEN } from './support/sync-fixture';

type Json = Record<string, any>;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function query<T = Json>(database: TestDatabase, sql: string): Promise<T[]> {
  const client = new Client({ connectionString: database.url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

async function listedIds(service: ServiceProcess): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const url = `${service.url}/tweets?limit=100${cursor ? `&cursor=${cursor}` : ''}`;
    const page = (await fetch(url).then((r) => r.json())) as { data: { id: string }[]; nextCursor: string | null };
    ids.push(...page.data.map((tweet) => tweet.id));
    cursor = page.nextCursor;
  } while (cursor);
  return ids;
}

const RUNS_SQL = `SELECT id::text, status, started_at, finished_at FROM sync_runs ORDER BY started_at`;

// The sync lock's holder: the connection with the session advisory lock on SyncLock's key (7261873520)
// in this test's database (pg_locks shows every database's, and other test files run replicas too).
const HOLDER_SQL = `SELECT l.pid, a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
  WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
    AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
    AND ((l.classid::bigint << 32) | l.objid::bigint) = 7261873520`;

async function findLockHolder(database: TestDatabase): Promise<{ pid: number; application_name: string }> {
  for (let tries = 0; tries < 100; tries++) {
    const [holder] = await query<{ pid: number; application_name: string }>(database, HOLDER_SQL);
    if (holder) return holder;
    await sleep(50);
  }
  throw new Error('no replica holds the sync lock');
}

const postSync = (service: ServiceProcess, body: Json) =>
  fetch(`${service.url}/sync`, {
    method: 'POST',
    headers: { authorization: `Bearer ${SYNC_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  }).then(async (response) => ({ status: response.status, body: (await response.json()) as Json }));

describe('several replicas on one PostgreSQL database', () => {
  let fake: FakeXApi;
  let database: TestDatabase;
  let services: ServiceProcess[] = [];

  beforeEach(async () => {
    fake = await startFakeXApi({ bearerToken: BEARER });
    database = await createTestDatabase('postgres');
  });

  afterEach(async () => {
    await Promise.all(services.map((service) => service.stop('SIGKILL')));
    services = [];
    await fake.close();
    await database.drop();
  });

  it('runs each tick of a 1-second sync once, never overlapping, and survives the lock holder being killed', async () => {
    const user = fake.store.addUser({ username: 'replicated' });
    generateTimeline(fake.store, user.id, { seed: 21, count: 150 });
    // Slow pages make each sync last long enough to be caught holding the lock.
    fake.injectFault({ kind: 'delay', ms: 250 }, { endpoint: 'userTimeline', times: 10_000 });
    const environment = {
      DATABASE_URL: database.url,
      TWITTER_API_BASE_URL: fake.url,
      TWITTER_BEARER_TOKEN: BEARER,
      TWITTER_SCREEN_NAMES: 'replicated',
      SYNC_API_TOKEN: SYNC_TOKEN,
      SYNC_CRON: '* * * * * *',
      SAMPLE_TASKS_ENABLED: 'false',
      LOG_LEVEL: 'warn',
    };
    // Started together: they also take turns at the migrations.
    services = await Promise.all([0, 1, 2].map(async () => startService(await freePort(), environment)));
    const posting = setInterval(() => fake.store.postTweet(user.id, `live ${Date.now()}`), 700);
    try {
      await sleep(4000);
      const holder = await findLockHolder(database);
      const pid = Number(holder.application_name.split(':')[1]);
      const victim = services.find((service) => service.process.pid === pid)!;
      expect(victim).toBeDefined();
      const killedAt = Date.now();
      await victim.stop('SIGKILL');
      services = services.filter((service) => service !== victim);
      await sleep(8000);
      clearInterval(posting);
      await sleep(3000); // the last posts get synced

      const runs = await query<{ status: string; started_at: Date; finished_at: Date | null }>(database, RUNS_SQL);
      expect(runs.length).toBeGreaterThanOrEqual(8);
      for (let i = 1; i < runs.length; i++) {
        expect(runs[i - 1].finished_at).not.toBeNull();
        expect(runs[i].started_at.getTime()).toBeGreaterThanOrEqual(runs[i - 1].finished_at!.getTime());
      }
      expect(runs.filter((run) => run.started_at.getTime() > killedAt + 1000).length).toBeGreaterThanOrEqual(3);
      expect(runs.filter((run) => run.status === 'running').length).toBeLessThanOrEqual(1);

      const ids = await listedIds(services[0]);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).toEqual(fake.store.timeline(user.id).map((tweet) => tweet.id));
    } finally {
      clearInterval(posting);
    }
  }, 90_000);

  it('stops a run whose lock connection is killed before another replica takes over, so two runs never write at once', async () => {
    const slow = fake.store.addUser({ username: 'lock_lost' });
    generateTimeline(fake.store, slow.id, { seed: 23, count: 1200 });
    const quick = fake.store.addUser({ username: 'taking_over' });
    for (let i = 0; i < 5; i++) fake.store.postTweet(quick.id, `plain post ${i}`); // no references to lock_lost's tweets
    fake.injectFault({ kind: 'delay', ms: 400 }, { endpoint: 'userTimeline', times: 10_000 });
    const environment = {
      DATABASE_URL: database.url,
      TWITTER_API_BASE_URL: fake.url,
      TWITTER_BEARER_TOKEN: BEARER,
      SYNC_API_TOKEN: SYNC_TOKEN,
      SCHEDULER_ENABLED: 'false',
      LOG_LEVEL: 'warn',
    };
    services = await Promise.all([0, 1, 2].map(async () => startService(await freePort(), environment)));
    const [victim, heir, third] = services;
    const first = await postSync(victim, { screenNames: ['lock_lost'] });
    expect(first.status).toBe(202);
    while (fake.requests().filter((r) => r.endpoint === 'userTimeline').length < 3) await sleep(50);

    const holder = await findLockHolder(database);
    expect(Number(holder.application_name.split(':')[1])).toBe(victim.process.pid);
    await query(database, `SELECT pg_terminate_backend(${holder.pid})`);
    const terminatedAt = Date.now();

    // PostgreSQL released the lock with the connection: another replica starts at once.
    let second: { status: number; body: Json } | undefined;
    while (second?.status !== 202 && Date.now() < terminatedAt + 5000) {
      second = await postSync(heir, { screenNames: ['taking_over'] });
      if (second.status !== 202) await sleep(100);
    }
    expect(second).toMatchObject({ status: 202 });
    const secondId = second!.body.runId as string;
    expect(await postSync(third, { screenNames: ['taking_over'] })).toMatchObject({
      status: 409,
      body: { runId: secondId },
    });

    // The victim notices within a few seconds and records why it stopped, still alive and serving.
    let firstRun: Json | undefined;
    while (!/lost the sync lock/.test(firstRun?.error ?? '') && Date.now() < terminatedAt + 8000) {
      await sleep(200);
      firstRun = (await fetch(`${victim.url}/sync/runs/${first.body.runId}`).then((r) => r.json())) as Json;
    }
    expect(firstRun).toMatchObject({ status: 'interrupted', error: expect.stringMatching(/lost the sync lock/) });
    expect(victim.process.exitCode).toBeNull();
    // Another replica may have marked the run interrupted first; the victim's own check follows.
    while (!victim.stdout().includes('the sync lock was lost') && Date.now() < terminatedAt + 8000) await sleep(200);
    expect(victim.stdout()).toContain('the sync lock was lost');

    const [secondRun] = await query<{ started_at: Date; finished_at: Date | null }>(
      database,
      `SELECT started_at, finished_at FROM sync_runs WHERE id = '${secondId}'`,
    );
    expect(new Date(firstRun!.finishedAt as string).getTime()).toBeLessThanOrEqual(secondRun.started_at.getTime());
    // Every lock_lost tweet was written before the second run started: the first run stored no page after.
    const [{ stored, late }] = await query<{ stored: number; late: number }>(
      database,
      `SELECT count(*)::int AS stored,
              count(*) FILTER (WHERE greatest(fetched_at, updated_at) >= '${secondRun.started_at.toISOString()}')::int AS late
         FROM tweets WHERE author_id = ${slow.id}`,
    );
    expect(stored).toBeGreaterThanOrEqual(200);
    expect(stored).toBeLessThan(1200);
    expect(late).toBe(0);

    // The victim syncs again later and the account is completed without a gap.
    fake.clearFaults();
    let again = await postSync(victim, { screenNames: ['lock_lost', 'taking_over'] });
    for (let tries = 0; again.status === 409 && tries < 50; tries++) {
      await sleep(200);
      again = await postSync(victim, { screenNames: ['lock_lost', 'taking_over'] });
    }
    expect(again.status).toBe(202);
    let finished: Json = again.body;
    while (finished.status === 'running') {
      await sleep(200);
      finished = (await fetch(`${victim.url}/sync/runs/${again.body.runId}`).then((r) => r.json())) as Json;
    }
    expect(finished.status).toBe('succeeded');
    const ids = await listedIds(victim);
    const expected = [...fake.store.timeline(slow.id), ...fake.store.timeline(quick.id)].map((tweet) => tweet.id);
    expect(new Set(ids)).toEqual(new Set(expected));
    expect(ids).toHaveLength(expected.length);
  }, 90_000);

  it('stops a slow sync at the next page on SIGTERM, exits 0 in the grace period, and the next run fills the gap', async () => {
    const user = fake.store.addUser({ username: 'interrupted' });
    generateTimeline(fake.store, user.id, { seed: 22, count: 500 });
    fake.injectFault({ kind: 'delay', ms: 1500 }, { endpoint: 'userTimeline', times: 10_000 });
    const environment = {
      DATABASE_URL: database.url,
      TWITTER_API_BASE_URL: fake.url,
      TWITTER_BEARER_TOKEN: BEARER,
      TWITTER_SCREEN_NAMES: 'interrupted',
      SYNC_API_TOKEN: SYNC_TOKEN,
      SCHEDULER_ENABLED: 'false',
      SHUTDOWN_GRACE_SECONDS: '10',
    };
    const service = await startService(await freePort(), environment);
    services = [service];
    const started = await fetch(`${service.url}/sync`, {
      method: 'POST',
      headers: { authorization: `Bearer ${SYNC_TOKEN}` },
    });
    expect(started.status).toBe(202);
    while (fake.requests().filter((r) => r.endpoint === 'userTimeline').length < 2) await sleep(100);

    const signalledAt = Date.now();
    expect(await service.stop('SIGTERM')).toBe(0);
    expect(Date.now() - signalledAt).toBeLessThan(10_000);
    services = [];
    const [run] = await query(database, RUNS_SQL);
    expect(run.status).toBe('interrupted');
    const stored = await query<{ n: number }>(
      database,
      'SELECT count(*)::int AS n FROM tweets WHERE NOT referenced_only',
    );
    expect(stored[0].n).toBeGreaterThanOrEqual(100);
    expect(stored[0].n).toBeLessThan(500);

    fake.clearFaults();
    const again = await startService(await freePort(), environment);
    services = [again];
    const finished = (await fetch(`${again.url}/sync?wait=true`, {
      method: 'POST',
      headers: { authorization: `Bearer ${SYNC_TOKEN}` },
    }).then((r) => r.json())) as Json;
    expect(finished.accounts[0]).toMatchObject({ status: 'succeeded' });
    expect(await listedIds(again)).toEqual(fake.store.timeline(user.id).map((tweet) => tweet.id));
  }, 90_000);
});
