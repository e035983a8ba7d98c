import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { Client } from 'pg';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { startFakeXApi } from '../src/fake-x-api/fake-x-api.server';
import { generateTimeline } from '../src/fake-x-api/timeline.generator';
import { RunningApp, startApp } from './support/app';
import { createTestDatabase, DATABASE_KINDS, TestDatabase } from './support/databases';
import { BEARER, SYNC_TOKEN } from './support/sync-fixture';

jest.setTimeout(60_000);

type Json = Record<string, any>;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const auth = { authorization: `Bearer ${SYNC_TOKEN}` };

async function schedules(app: RunningApp): Promise<Record<string, Json>> {
  const response = await request(app.url).get('/schedules').set(auth).expect(200);
  return Object.fromEntries(response.body.map((entry: Json) => [entry.name, entry]));
}

const patch = (app: RunningApp, name: string, body: Json) =>
  request(app.url).patch(`/schedules/${name}`).set(auth).send(body);

/** Sync runs as stored, oldest first. */
async function syncRuns(app: RunningApp): Promise<Json[]> {
  const response = await request(app.url).get('/sync/runs?limit=100').set(auth).expect(200);
  return response.body.data.reverse();
}

function expectNoOverlap(runs: Json[]): void {
  const finished = runs.filter((run) => run.finishedAt);
  for (let i = 1; i < finished.length; i++) {
    expect(Date.parse(finished[i].startedAt)).toBeGreaterThanOrEqual(Date.parse(finished[i - 1].finishedAt));
  }
}

describe.each(DATABASE_KINDS)('the beat on %s', (kind) => {
  let database: TestDatabase;
  let app: RunningApp | undefined;
  const start = (variables: Record<string, string> = {}) =>
    startApp({ DATABASE_URL: database.url, SYNC_API_TOKEN: SYNC_TOKEN, SCHEDULER_ENABLED: 'true', ...variables });

  beforeEach(async () => {
    database = await createTestDatabase(kind);
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
    await database.drop();
  });

  it('lists the original schedule, in words and in APP_TIMEZONE, to token holders only', async () => {
    app = await start({ APP_TIMEZONE: 'America/New_York', SYNC_CRON: '0 3 * * *' });
    await request(app.url).get('/schedules').expect(401);
    const entries = await schedules(app);
    expect(Object.keys(entries)).toEqual(['add', 'hello', 'sync']);
    expect(entries.hello).toMatchObject({
      task: 'hello',
      schedule: { cron: null, intervalSeconds: 10, description: 'Every 10 seconds' },
      timeZone: 'America/New_York',
      enabled: true,
      args: [],
    });
    expect(entries.add).toMatchObject({ schedule: { intervalSeconds: 30 }, args: [16, 16] });
    expect(entries.sync.schedule).toEqual({ cron: '0 3 * * *', intervalSeconds: null, description: 'At 03:00' });
    expect(entries.sync.nextRunAt).toMatch(/T03:00:00\.000-0[45]:00$/);
    await request(app.url).get('/schedules').set('authorization', 'Bearer wrong').expect(401);
  });

  it('runs each entry on its schedule, records add = 32, and skips a disabled one', async () => {
    app = await start();
    expect((await patch(app, 'add', { intervalSeconds: 1 }).expect(200)).body.schedule.intervalSeconds).toBe(1);
    await patch(app, 'hello', { enabled: false }).expect(200);
    await sleep(3500);
    const entries = await schedules(app);
    expect(entries.add.runCount).toBeGreaterThanOrEqual(2);
    expect(entries.add.runCount).toBeLessThanOrEqual(4);
    expect(entries.add).toMatchObject({ lastStatus: 'succeeded', lastResult: 32 });
    expect(entries.hello).toMatchObject({ enabled: false, runCount: 0, nextRunAt: null });

    await patch(app, 'hello', { enabled: true, intervalSeconds: 1 }).expect(200);
    await sleep(2500);
    expect((await schedules(app)).hello).toMatchObject({ lastResult: 'hello world', lastStatus: 'succeeded' });
  });

  it('applies a PATCH at once and refuses a bad one, naming the field', async () => {
    app = await start({ APP_TIMEZONE: 'Asia/Tokyo' });
    const before = (await schedules(app)).sync.nextRunAt;
    const changed = await patch(app, 'sync', { cron: '30 4 1 1 *' }).expect(200);
    expect(changed.body.nextRunAt).toMatch(/-01-01T04:30:00\.000\+09:00$/);
    expect(changed.body.nextRunAt).not.toBe(before);
    expect((await schedules(app)).sync.schedule.description).toBe('At 04:30, on day 1 of the month, only in January');
    for (const [body, field] of [
      [{ cron: '61 * * * *' }, 'cron'],
      [{ cron: 'every day' }, 'cron'],
      [{ intervalSeconds: 0 }, 'intervalSeconds'],
      [{ intervalSeconds: 'x' }, 'intervalSeconds'],
      [{ enabled: 'yes' }, 'enabled'],
      [{ cron: '* * * * *', intervalSeconds: 5 }, 'cron and intervalSeconds'],
      [{}, 'nothing to change'],
      [{ colour: 'blue' }, 'colour'],
    ] as const) {
      const response = await patch(app, 'sync', body).expect(400);
      expect(response.body.message.join(' ')).toContain(field);
    }
    await patch(app, 'nope', { enabled: false }).expect(404);
  });

  it('runs an entry now: add answers 32, sync starts the same run as POST /sync', async () => {
    const fake = await startFakeXApi({ bearerToken: BEARER });
    const user = fake.store.addUser({ username: 'run_now' });
    generateTimeline(fake.store, user.id, { seed: 5, count: 20 });
    fake.injectFault({ kind: 'delay', ms: 800 }, { endpoint: 'userTimeline' });
    try {
      app = await start({
        SCHEDULER_ENABLED: 'false',
        TWITTER_API_BASE_URL: fake.url,
        TWITTER_BEARER_TOKEN: BEARER,
        TWITTER_SCREEN_NAMES: 'run_now',
      });
      await request(app.url).post('/schedules/add/run').expect(401);
      const added = await request(app.url).post('/schedules/add/run').set(auth).expect(200);
      expect(added.body).toEqual({ name: 'add', status: 'succeeded', result: 32 });
      expect((await schedules(app)).add).toMatchObject({ runCount: 1, lastResult: 32, lastStatus: 'succeeded' });

      const started = await request(app.url).post('/schedules/sync/run').set(auth).expect(202);
      expect(started.body).toEqual({ runId: expect.any(String), status: 'running' });
      expect(started.headers.location).toBe(`/sync/runs/${started.body.runId}`);
      const busy = await request(app.url).post('/sync').set(auth).expect(409);
      expect(busy.body.runId).toBe(started.body.runId);
      await request(app.url).post('/schedules/sync/run').set(auth).expect(409);
      for (let waited = 0; (await syncRuns(app))[0].status === 'running'; waited += 100) {
        expect(waited).toBeLessThan(10_000);
        await sleep(100);
      }
      const [run] = await syncRuns(app);
      expect(run).toMatchObject({ id: started.body.runId, trigger: 'manual', status: 'succeeded' });
      await request(app.url).post('/schedules/nope/run').set(auth).expect(404);
    } finally {
      await app?.close();
      app = undefined;
      await fake.close();
    }
  });

  it('keeps its state across a restart and catches up a missed tick once', async () => {
    const workDir = mkdtempSync(join(tmpdir(), 'tts-beat-'));
    // PGlite in memory forgets everything at a restart: this test needs it on disk.
    const storage: Record<string, string> =
      kind === 'pglite' ? { DATABASE_URL: '', PGLITE_DATA_DIR: join(workDir, 'db') } : { DATABASE_URL: database.url };
    const addEntry = async () => (await schedules(app!)).add;
    try {
      app = await start(storage);
      await patch(app, 'add', { intervalSeconds: 5 }).expect(200);
      await patch(app, 'hello', { enabled: false }).expect(200);
      for (let waited = 0; (await addEntry()).runCount === 0; waited += 250) {
        expect(waited).toBeLessThan(7000);
        await sleep(250);
      }
      await app.close();
      // Read the count with the beat off, so no tick can slip in between.
      app = await start({ ...storage, SCHEDULER_ENABLED: 'false' });
      const before = await addEntry();
      await app.close();
      app = undefined;

      // Down for two ticks or more; back just after a tick, so the next is 5 s away.
      await sleep(10_000);
      await sleep(5000 - (Date.now() % 5000) + 50);
      const nextTickAt = Date.now() - (Date.now() % 5000) + 5000;
      app = await start(storage);
      let after = await addEntry();
      while (after.runCount === before.runCount && Date.now() < nextTickAt - 500) {
        await sleep(100);
        after = await addEntry();
      }
      expect(Date.now()).toBeLessThan(nextTickAt);
      expect(after.runCount).toBe(before.runCount + 1);
      expect(after.schedule.intervalSeconds).toBe(5);
      expect((await schedules(app)).hello.enabled).toBe(false);
    } finally {
      await app?.close();
      app = undefined;
      rmSync(workDir, { recursive: true, force: true });
    }
  });

  it('disables a stored entry that can never run instead of crashing, and refuses to store one', async () => {
    const workDir = mkdtempSync(join(tmpdir(), 'tts-beat-'));
    const storage: Record<string, string> =
      kind === 'pglite' ? { DATABASE_URL: '', PGLITE_DATA_DIR: join(workDir, 'db') } : { DATABASE_URL: database.url };
    const errors = jest.spyOn(Logger.prototype, 'error');
    const sql = (query: string) => app!.app.get(DataSource).query(query);
    try {
      app = await start({ ...storage, SCHEDULER_ENABLED: 'false' });
      // What an older version, or an UPDATE by hand, could have stored: valid but never firing, and garbage.
      await sql(`UPDATE schedule_entries SET cron = '0 0 30 2 *' WHERE name = 'sync'`);
      await sql(`UPDATE schedule_entries SET cron = 'not a cron', interval_seconds = NULL WHERE name = 'hello'`);
      await app.close();

      app = await start(storage);
      const entries = await schedules(app);
      expect(entries.sync).toMatchObject({ enabled: false, nextRunAt: null, schedule: { cron: '0 0 30 2 *' } });
      expect(entries.hello).toMatchObject({
        enabled: false,
        nextRunAt: null,
        schedule: { description: 'Not a cron expression: not a cron' },
      });
      expect(entries.add).toMatchObject({ enabled: true, nextRunAt: expect.any(String) });
      expect(errors).toHaveBeenCalledWith(expect.stringMatching(/sync: its cron "0 0 30 2 \*" never runs; disabling/));
      expect(await sql(`SELECT name, enabled FROM schedule_entries ORDER BY name`)).toEqual([
        { name: 'add', enabled: true },
        { name: 'hello', enabled: false },
        { name: 'sync', enabled: false },
      ]);

      // Enabling it again takes a schedule that runs.
      const stillBroken = await patch(app, 'sync', { enabled: true }).expect(400);
      expect(stillBroken.body.message.join(' ')).toMatch(/^cron: .*never runs/);
      await patch(app, 'sync', { enabled: true, cron: '0 3 * * *' }).expect(200);
      const refused = await patch(app, 'sync', { cron: '0 0 30 2 *' }).expect(400);
      expect(refused.body.message.join(' ')).toMatch(/^cron is not a valid cron expression: it never fires/);
      expect((await schedules(app)).sync).toMatchObject({ enabled: true, schedule: { cron: '0 3 * * *' } });
      expect(await sql(`SELECT cron FROM schedule_entries WHERE name = 'sync'`)).toEqual([{ cron: '0 3 * * *' }]);

      // Changed behind the API's back while running: the replica notices and disables it too.
      await sql(`UPDATE schedule_entries SET cron = '0 0 31 4 *', version = version + 1 WHERE name = 'sync'`);
      for (let waited = 0; (await schedules(app)).sync.enabled; waited += 250) {
        expect(waited).toBeLessThan(5000);
        await sleep(250);
      }
      expect((await schedules(app)).sync).toMatchObject({ enabled: false, nextRunAt: null });
    } finally {
      errors.mockRestore();
      await app?.close();
      app = undefined;
      rmSync(workDir, { recursive: true, force: true });
    }
  });

  it('never overlaps a slow sync with the next tick', async () => {
    const fake = await startFakeXApi({ bearerToken: BEARER });
    const user = fake.store.addUser({ username: 'slow_account' });
    generateTimeline(fake.store, user.id, { seed: 4, count: 300 });
    fake.injectFault({ kind: 'delay', ms: 1200 }, { endpoint: 'userTimeline', times: 6 });
    try {
      app = await start({
        SYNC_CRON: '* * * * * *',
        SAMPLE_TASKS_ENABLED: 'false',
        TWITTER_API_BASE_URL: fake.url,
        TWITTER_BEARER_TOKEN: BEARER,
        TWITTER_SCREEN_NAMES: 'slow_account',
      });
      await sleep(6000);
      const entries = await schedules(app);
      expect(Object.keys(entries)).toEqual(['sync']);
      expect(entries.sync.skippedCount).toBeGreaterThanOrEqual(2);
      const runs = await syncRuns(app);
      expect(runs.length).toBeGreaterThanOrEqual(1);
      expect(runs.every((run) => run.trigger === 'schedule')).toBe(true);
      expectNoOverlap(runs);
    } finally {
      await app?.close();
      app = undefined;
      await fake.close();
    }
  });
});

describe('the beat on several replicas of one PostgreSQL database', () => {
  let database: TestDatabase;
  let replicas: RunningApp[] = [];
  const start = (variables: Record<string, string> = {}) =>
    startApp({ DATABASE_URL: database.url, SYNC_API_TOKEN: SYNC_TOKEN, SCHEDULER_ENABLED: 'true', ...variables });

  beforeEach(async () => {
    database = await createTestDatabase('postgres');
  });
  afterEach(async () => {
    await Promise.all(replicas.map((replica) => replica.close()));
    replicas = [];
    await database.drop();
  });

  it('catches up a missed tick once when replicas start together after downtime', async () => {
    const setup = await start({ SCHEDULER_ENABLED: 'false' });
    // Daily at midnight UTC: no regular tick comes during the test, only the catch-up.
    await patch(setup, 'add', { cron: '0 0 * * *' }).expect(200);
    await patch(setup, 'hello', { enabled: false }).expect(200);
    const sql = (query: string) => setup.app.get(DataSource).query(query);
    const midnight = new Date(Date.now() - (Date.now() % 86_400_000)).toISOString();
    try {
      for (let round = 1; round <= 3; round++) {
        // Down for days: the ticks missed since then are caught up as one, the latest.
        await sql(`UPDATE schedule_entries SET last_tick_at = now() - interval '3 days' WHERE name = 'add'`);
        const before: number = (await schedules(setup)).add.runCount;
        // Hold both replicas at their first write to the schedule, then let them go at once.
        const gate = new Client({ connectionString: database.url });
        await gate.connect();
        await gate.query('BEGIN; LOCK TABLE schedule_entries IN EXCLUSIVE MODE');
        const starting = Promise.all([start(), start()]);
        await sleep(1000);
        await gate.query('COMMIT');
        await gate.end();
        replicas = await starting;
        for (let waited = 0; (await schedules(setup)).add.runCount === before; waited += 100) {
          expect(waited).toBeLessThan(5000);
          await sleep(100);
        }
        await sleep(1000); // time for a second run to show
        expect((await schedules(setup)).add.runCount).toBe(before + 1);
        const [{ last_tick_at }] = await sql(`SELECT last_tick_at FROM schedule_entries WHERE name = 'add'`);
        expect(new Date(last_tick_at).toISOString()).toBe(midnight);
        await Promise.all(replicas.map((replica) => replica.close()));
        replicas = [];
      }
    } finally {
      await setup.close();
    }
  });
});
