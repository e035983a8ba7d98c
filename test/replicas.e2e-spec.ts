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
      let holder: { application_name: string } | undefined;
      for (let tries = 0; !holder && tries < 50; tries++) {
        [holder] = await query<{ application_name: string }>(
          database,
          `SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE l.locktype = 'advisory' AND l.granted AND a.application_name LIKE 'twitter-timeline-sync:%'`,
        );
        if (!holder) await sleep(50);
      }
      expect(holder).toBeDefined();
      const pid = Number(holder!.application_name.split(':')[1]);
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
