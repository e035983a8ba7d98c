import request from 'supertest';
import { generateTimeline } from '../src/fake-x-api/timeline.generator';
import { startFakeXApi } from '../src/fake-x-api/fake-x-api.server';
import { startApp } from './support/app';
import { createTestDatabase, DATABASE_KINDS, TestDatabase } from './support/databases';
import { Scrape, scrape } from './support/prometheus';
import { freePort, startService } from './support/service-process';
import { BEARER, listedTweets, startSyncFixture, SyncFixture, syncNow, SYNC_TOKEN } from './support/sync-fixture';

jest.setTimeout(120_000);

type Json = Record<string, any>;

const TIMELINE = '/2/users/:id/tweets';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls GET /sync/runs/:id until the run ends; answers every state seen on the way. */
async function follow(url: string, runId: string, onRunning: (run: Json) => Promise<void> = () => Promise.resolve()) {
  const seen: Json[] = [];
  const deadline = Date.now() + 60_000;
  for (;;) {
    expect(Date.now()).toBeLessThan(deadline);
    const run = (await request(url).get(`/sync/runs/${runId}`).expect(200)).body;
    seen.push(run);
    if (run.status !== 'running') return seen;
    await onRunning(run);
    await sleep(150);
  }
}

async function startRun(url: string, screenNames: string[]): Promise<string> {
  const started = await request(url)
    .post('/sync')
    .set('authorization', `Bearer ${SYNC_TOKEN}`)
    .send({ screenNames })
    .expect(202);
  return started.body.runId;
}

describe.each(DATABASE_KINDS)('GET /metrics on %s', (kind) => {
  let fx: SyncFixture | undefined;
  afterEach(async () => {
    await fx?.close();
    fx = undefined;
  });

  it('parses as the Prometheus text format, and its counters move as a sync runs', async () => {
    // 5 pages, 3 requests a 2 s window: the run waits for a reset in the middle, and is scraped then.
    fx = await startSyncFixture(
      kind,
      { SYNC_MONTHLY_POST_BUDGET: '100000' },
      { rateLimits: { userTimeline: { limit: 3, windowSeconds: 2 } } },
    );
    const { url } = fx.service;
    const user = fx.fake.store.addUser({ username: 'metered' });
    generateTimeline(fx.fake.store, user.id, { seed: 41, count: 450 });
    const before = await scrape(url);
    expect(before.value('timeline_sync_sync_runs_total', { trigger: 'manual', status: 'succeeded' })).toBe(0);

    const runId = await startRun(url, ['metered']);
    const during: Scrape[] = [];
    const runs = await follow(url, runId, async () => void during.push(await scrape(url)));
    expect(runs.at(-1)).toMatchObject({ status: 'succeeded', accounts: [{ status: 'succeeded', fetched: 450 }] });
    // The timeline's tweets and the ones they quote or retweet.
    const { inserted } = runs.at(-1)!.accounts[0];
    const after = await scrape(url);

    // While the run waited, some of its tweets were counted, not all, and the run not yet.
    const midway = during.map((scraped) =>
      scraped.value('timeline_sync_tweets_written_total', { source: 'sync', kind: 'inserted' }),
    );
    expect(midway.some((count) => count > 0 && count < inserted)).toBe(true);
    // (The run is counted as it ends, a moment before GET /sync/runs/:id says so.)
    expect(during[0].value('timeline_sync_sync_runs_total', { trigger: 'manual', status: 'succeeded' })).toBe(0);

    expect(after.value('timeline_sync_sync_runs_total', { trigger: 'manual', status: 'succeeded' })).toBe(1);
    expect(after.family('timeline_sync_sync_runs_total').type).toBe('COUNTER');
    const duration = after.histogram('timeline_sync_sync_run_duration_seconds', { trigger: 'manual' });
    expect(duration.count).toBe(1);
    expect(duration.sum).toBeGreaterThan(1.5); // it waited for a reset
    expect(after.value('timeline_sync_account_syncs_total', { status: 'succeeded' })).toBe(1);
    expect(after.value('timeline_sync_tweets_written_total', { source: 'sync', kind: 'inserted' })).toBe(inserted);
    expect(after.value('timeline_sync_tweets_written_total', { source: 'sync', kind: 'updated' })).toBe(0);

    // X API requests as the fake API saw them, by X's route template and status.
    const timelineAnswers = fx.fake.requests().filter((r) => r.endpoint === 'userTimeline');
    expect(timelineAnswers.every((r) => r.status === 200)).toBe(true);
    expect(after.value('timeline_sync_x_api_requests_total', { endpoint: TIMELINE, status: '2xx' })).toBe(
      timelineAnswers.length,
    );
    expect(
      after.value('timeline_sync_x_api_requests_total', { endpoint: '/2/users/by/username/:username', status: '2xx' }),
    ).toBe(1);
    expect(after.value('timeline_sync_rate_limit_waits_total', { endpoint: TIMELINE })).toBeGreaterThanOrEqual(1);
    expect(after.value('timeline_sync_rate_limit_wait_seconds_total', { endpoint: TIMELINE })).toBeGreaterThan(0);
    expect(after.value('timeline_sync_x_api_rate_limit_remaining', { endpoint: TIMELINE })).toBeLessThan(3);
    const resetAt = after.value('timeline_sync_x_api_rate_limit_reset_timestamp_seconds', { endpoint: TIMELINE });
    expect(Math.abs(resetAt - Date.now() / 1000)).toBeLessThan(10);

    const usage = (await request(url).get('/usage').expect(200)).body;
    expect(usage.postsRead).toBeGreaterThanOrEqual(450);
    expect(after.value('timeline_sync_x_posts_read_this_month')).toBe(usage.postsRead);
    expect(after.value('timeline_sync_x_monthly_post_budget')).toBe(100000);
    const listed = await listedTweets(fx, 'metered');
    expect(after.value('timeline_sync_account_stored_tweets', { screen_name: 'metered' })).toBe(listed.length);
    const lastSuccess = after.value('timeline_sync_account_last_success_timestamp_seconds', { screen_name: 'metered' });
    expect(Math.abs(lastSuccess - Date.now() / 1000)).toBeLessThan(30);

    // Node's own metrics, under their usual names.
    expect(after.family('process_cpu_user_seconds_total').type).toBe('COUNTER');
    expect(after.family('nodejs_heap_size_used_bytes').type).toBe('GAUGE');
    // Prometheus' conventions: one prefix for ours, counters end in _total.
    for (const family of after.families.values()) {
      if (!/^(process|nodejs)_/.test(family.name)) expect(family.name).toMatch(/^timeline_sync_[a-z_]+$/);
      if (family.type === 'COUNTER') expect(family.name).toMatch(/_total$/);
      expect(family.help.length).toBeGreaterThan(0);
    }
  });

  it('times HTTP requests by route pattern, never by the URL or a name a client sends', async () => {
    fx = await startSyncFixture(kind);
    const { url } = fx.service;
    fx.fake.store.addUser({ username: 'listed' });
    await syncNow(fx, { screenNames: ['listed'] });
    await request(url).get('/tweets/1234567890123456789').expect(404);
    await request(url).get('/tweets/42').expect(404);
    await request(url).get('/tweets').query({ screenName: 'a_stranger', q: 'anything' }).expect(200);
    await request(url).get('/users/someone_else/history').expect(404);
    await request(url).get('/no/such/path').query({ x: 'y' }).expect(404);
    const scraped = await scrape(url);
    const http = 'timeline_sync_http_request_duration_seconds';
    expect(scraped.family(http).type).toBe('HISTOGRAM');
    expect(scraped.histogram(http, { route: '/tweets/:id', method: 'GET', status_code: '404' }).count).toBe(2);
    expect(scraped.histogram(http, { route: '/tweets', method: 'GET', status_code: '200' }).count).toBe(1);
    expect(scraped.histogram(http, { route: '/sync', method: 'POST', status_code: '200' }).count).toBe(1);
    expect(scraped.histogram(http, { route: 'unmatched', method: 'GET', status_code: '404' }).count).toBe(1);
    const routes = [
      ...scraped.text.matchAll(/^timeline_sync_http_request_duration_seconds_count\{.*route="([^"]*)"/gm),
    ].map((match) => match[1]);
    expect(routes).toContain('/tweets/:id');
    for (const route of routes) expect(route === 'unmatched' || !/\d{2}|someone|stranger|such/.test(route)).toBe(true);
    // Screen names only of the accounts of the list.
    expect(scraped.labelValues('timeline_sync_account_stored_tweets', 'screen_name')).toEqual(['listed']);
    expect(scraped.text).not.toMatch(/a_stranger|someone_else/);
    // Neither token is ever in the metrics.
    expect(scraped.text).not.toContain(SYNC_TOKEN);
    expect(scraped.text).not.toContain(BEARER);

    // A removed account's series ends with it.
    await request(url).delete('/accounts/listed').set('authorization', `Bearer ${SYNC_TOKEN}`).expect(204);
    const later = await scrape(url);
    expect(later.sample('timeline_sync_account_stored_tweets', { screen_name: 'listed' })).toBeUndefined();
  });

  it('counts schedule ticks run and skipped, by entry', async () => {
    // A tick every second; each sync outlasts a second (a slow X API), so the next tick is skipped.
    fx = await startSyncFixture(
      kind,
      { SCHEDULER_ENABLED: 'true', SAMPLE_TASKS_ENABLED: 'false', SYNC_CRON: '* * * * * *' },
      { latencyMs: 400 },
    );
    const user = fx.fake.store.addUser({ username: 'ticking' });
    generateTimeline(fx.fake.store, user.id, { seed: 5, count: 300 });
    await request(fx.service.url)
      .post('/accounts')
      .set('authorization', `Bearer ${SYNC_TOKEN}`)
      .send({ screenName: 'ticking' })
      .expect(201);
    let scraped: Scrape;
    const deadline = Date.now() + 30_000;
    do {
      expect(Date.now()).toBeLessThan(deadline);
      await sleep(500);
      scraped = await scrape(fx.service.url);
    } while (
      scraped.value('timeline_sync_schedule_ticks_total', { entry: 'sync', outcome: 'run' }) < 1 ||
      scraped.value('timeline_sync_schedule_ticks_total', { entry: 'sync', outcome: 'skipped' }) < 1
    );
    expect(scraped.labelValues('timeline_sync_schedule_ticks_total', 'entry')).toEqual(['sync']);
    expect(
      scraped.value('timeline_sync_sync_runs_total', { trigger: 'schedule', status: 'succeeded' }),
    ).toBeLessThanOrEqual(scraped.value('timeline_sync_schedule_ticks_total', { entry: 'sync', outcome: 'run' }));
  });
});

describe('GET /metrics settings', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase('pglite');
  });

  it('takes METRICS_TOKEN as a bearer token when it is set', async () => {
    const token = 'metrics-secret-0123456789';
    const service = await startApp({ DATABASE_URL: database.url, METRICS_TOKEN: token });
    try {
      await request(service.url).get('/metrics').expect(401);
      const wrong = await request(service.url).get('/metrics').set('authorization', 'Bearer not-it').expect(401);
      expect(wrong.body.message).toContain('METRICS_TOKEN');
      expect(JSON.stringify(wrong.body)).not.toContain(token);
      const scraped = await scrape(service.url, token);
      expect(scraped.text).not.toContain(token);
      // The rest of the API does not take it.
      await request(service.url).post('/sync').set('authorization', `Bearer ${token}`).expect(403);
    } finally {
      await service.close();
    }
  });

  it('is not served with METRICS_ENABLED=false', async () => {
    const service = await startApp({ DATABASE_URL: database.url, METRICS_ENABLED: 'false' });
    try {
      await request(service.url).get('/metrics').expect(404);
      await request(service.url).get('/health').expect(200);
    } finally {
      await service.close();
    }
  });

  it('refuses a METRICS_ENABLED that is not a boolean, naming it', async () => {
    await expect(startApp({ DATABASE_URL: database.url, METRICS_ENABLED: 'sometimes' })).rejects.toThrow(
      /METRICS_ENABLED must be true or false/,
    );
  });
});

describe.each(DATABASE_KINDS)('progress a person can follow, on %s', (kind) => {
  it('logs a first backfill every few pages and a rate-limit wait once; GET /sync/runs/:id shows it', async () => {
    const fake = await startFakeXApi({
      bearerToken: BEARER,
      rateLimits: { userTimeline: { limit: 10, windowSeconds: 2 } },
    });
    const database = await createTestDatabase(kind);
    const user = fake.store.addUser({ username: 'nasa' });
    generateTimeline(fake.store, user.id, { seed: 12, count: 1500 });
    const service = await startService(await freePort(), {
      DATABASE_URL: database.url,
      TWITTER_API_BASE_URL: fake.url,
      TWITTER_BEARER_TOKEN: BEARER,
      SYNC_API_TOKEN: SYNC_TOKEN,
      SYNC_MAX_BACKFILL: '1500',
      SCHEDULER_ENABLED: 'false',
      LOG_LEVEL: 'info',
    });
    try {
      const runId = await startRun(service.url, ['nasa']);
      const runs = await follow(service.url, runId);
      const running = runs.filter((run) => run.status === 'running' && run.accounts[0]?.status === 'running');
      // Midway, while it waited for the reset: how far, of how many at most.
      expect(
        running.some(
          (run) =>
            run.accounts[0].backfill?.stored > 0 &&
            run.accounts[0].backfill.stored < 1500 &&
            run.accounts[0].backfill.atMost === 1500,
        ),
      ).toBe(true);
      expect(runs.at(-1)!.accounts[0]).toMatchObject({ status: 'succeeded', backfill: { stored: 1500, atMost: 1500 } });

      const messages = service
        .stdout()
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line).msg as string);
      expect(messages.filter((message) => /^nasa: [\d,]+ of at most/.test(message))).toEqual([
        'nasa: 400 of at most 1,500',
        'nasa: 800 of at most 1,500',
        'nasa: 1,200 of at most 1,500',
      ]);
      const waits = messages.filter((message) => message.startsWith('rate limit of'));
      expect(waits).toHaveLength(1);
      expect(waits[0]).toMatch(
        /^rate limit of \/2\/users\/:id\/tweets spent: every request to it waits \d+ s, until \d{4}-\d\d-\d\dT[\d:.]+Z$/,
      );

      // A later sync of the same account is no first backfill.
      fake.store.postTweet(user.id, 'one more');
      const next = await follow(service.url, await startRun(service.url, ['nasa']));
      expect(next.at(-1)!.accounts[0]).toMatchObject({ status: 'succeeded', inserted: 1, backfill: null });
    } finally {
      await service.stop();
      await fake.close();
      await database.drop();
    }
  });
});
