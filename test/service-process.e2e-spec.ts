import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from '../src/database/data-source-options';
import { startFakeXApi } from '../src/fake-x-api/fake-x-api.server';
import { generateTimeline } from '../src/fake-x-api/timeline.generator';
import { TweetsRepository } from '../src/tweets/tweets.repository';
import { tweetRow, userRow } from './support/fixtures';
import { freePort, runService, startService } from './support/service-process';

describe('the service as a process (node dist/src/main.js)', () => {
  let workDir: string;

  beforeEach(() => {
    workDir = mkdtempSync(join(tmpdir(), 'tts-service-'));
  });

  afterEach(() => {
    rmSync(workDir, { recursive: true, force: true });
  });

  it.each([
    [{ APP_TIMEZONE: 'Mars/Olympus_Mons' }, 'APP_TIMEZONE must be an IANA time zone'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL must be one of: fatal, error, warn, info, debug, trace'],
    [{ PORT: 'eighty' }, 'PORT must be an integer number'],
    [{ DATABASE_URL: 'mysql://root@localhost/x' }, 'DATABASE_URL must be a postgres://'],
    [{ SYNC_CRON: '61 * * * *' }, 'SYNC_CRON is not a valid cron expression'],
    [{ SYNC_CRON: '0 0 30 2 *' }, 'SYNC_CRON is not a valid cron expression: it never fires'],
  ])('refuses to start with %p, naming the variable', async (environment, message) => {
    const child = runService({ PGLITE_DATA_DIR: join(workDir, 'db'), ...environment });
    const [code] = await once(child, 'exit');
    expect(code).toBe(1);
    expect(child.output.err).toContain(message);
    expect(child.output.err).not.toMatch(/\n\s+at /); // a message for a person, not a stack trace
  });

  it('keeps its data on disk under PGLITE_DATA_DIR across restarts', async () => {
    // Folders that do not exist yet, nested: the service creates them.
    const dataDir = join(workDir, 'nested', 'data', 'pglite');
    const port = await freePort();
    const first = await startService(port, { PGLITE_DATA_DIR: dataDir });
    expect(await fetch(`${first.url}/tweets`).then((r) => r.json())).toEqual({ data: [], nextCursor: null });
    expect(await first.stop('SIGTERM')).toBe(0);

    // Store a tweet through the repository while the service is down (PGlite is single-process).
    const dataSource = await new DataSource(
      buildDataSourceOptions({ DATABASE_URL: undefined, PGLITE_DATA_DIR: dataDir }),
    ).initialize();
    const repository = new TweetsRepository(dataSource);
    await repository.upsertUsers([userRow({ id: '1602315478998499329', screenName: 'tokyo_bot' })], 'update');
    await repository.upsertTweets(
      [
        tweetRow({
          id: '1850000000000000001',
          authorId: '1602315478998499329',
          createdAt: new Date('2024-10-26T14:00:00Z'),
          text: '再起動 🚀',
        }),
      ],
      'update',
    );
    await dataSource.destroy();

    for (let restart = 0; restart < 2; restart++) {
      const service = await startService(port, { PGLITE_DATA_DIR: dataDir });
      const body = (await fetch(`${service.url}/tweets`).then((r) => r.json())) as {
        data: { id: string; text: string }[];
      };
      expect(body.data.map((tweet) => [tweet.id, tweet.text])).toEqual([['1850000000000000001', '再起動 🚀']]);
      expect(await service.stop('SIGINT')).toBe(0);
    }
  }, 90_000);

  it('logs one JSON line per request, with credentials redacted', async () => {
    const service = await startService(await freePort(), { DATABASE_URL: 'pglite://memory', LOG_LEVEL: 'info' });
    const before = service.stdout().split('\n').length;
    await fetch(`${service.url}/tweets?limit=5`, {
      headers: { authorization: 'Bearer s3cr3t-token', cookie: 'session=abc123' },
    });
    await fetch(`${service.url}/users/nobody`);
    await fetch(`${service.url}/tweets?limit=0`);
    await fetch(`${service.url}/no/such/route`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await service.stop()).toBe(0);

    const lines = service
      .stdout()
      .split('\n')
      .slice(before - 1)
      .filter(Boolean);
    const entries = lines.map((line) => JSON.parse(line)); // every line is JSON
    const requests = entries.filter((entry) => entry.req && entry.res && entry.req.url !== '/health');
    expect(requests.map((entry) => [entry.req.url, entry.res.statusCode])).toEqual([
      ['/tweets?limit=5', 200],
      ['/users/nobody', 404],
      ['/tweets?limit=0', 400],
      ['/no/such/route', 404],
    ]);
    expect(requests[0].req.headers.authorization).toBe('[redacted]');
    expect(requests[0].req.headers.cookie).toBe('[redacted]');
    expect(service.stdout()).not.toContain('s3cr3t-token');
    expect(service.stdout()).not.toContain('abc123');
  }, 60_000);
});

describe('secrets', () => {
  it('never logs or answers a credential, whatever the X API says', async () => {
    const fake = await startFakeXApi({ bearerToken: 'the-right-token' });
    const user = fake.store.addUser({ username: 'secret_test' });
    generateTimeline(fake.store, user.id, { seed: 2, count: 20 });
    const wrongToken = 'bearer-s3cr3t-value-xyz';
    const syncToken = 'sync-s3cr3t-value-abc';
    const service = await startService(await freePort(), {
      DATABASE_URL: 'pglite://memory',
      LOG_LEVEL: 'trace',
      TWITTER_API_BASE_URL: fake.url,
      TWITTER_BEARER_TOKEN: wrongToken,
      TWITTER_SCREEN_NAMES: 'secret_test',
      SYNC_API_TOKEN: syncToken,
    });
    try {
      const answers: string[] = [];
      const post = async () => {
        const response = await fetch(`${service.url}/sync?wait=true`, {
          method: 'POST',
          headers: { authorization: `Bearer ${syncToken}` },
        });
        answers.push(await response.text());
      };
      await post(); // 401 from the X API
      fake.injectFault({ kind: 'status', status: 500 }, { times: 10 });
      await post(); // 401 still: the token is wrong before anything else
      answers.push(await fetch(`${service.url}/sync/runs`).then((r) => r.text()));
      await fetch(`${service.url}/sync`, { method: 'POST', headers: { authorization: 'Bearer guess' } });
      expect(answers[0]).toContain('401');
      for (const secret of [wrongToken, syncToken]) {
        for (const text of [...answers, service.stdout(), service.stderr()]) expect(text).not.toContain(secret);
      }
    } finally {
      await service.stop();
      await fake.close();
    }
  }, 60_000);
});
