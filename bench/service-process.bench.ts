import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { startFakeXApi } from '../src/fake-x-api/fake-x-api.server';
import { generateTimeline } from '../src/fake-x-api/timeline.generator';
import { BEARER_TOKEN, BenchProcess, startService, SYNC_API_TOKEN } from './bench-process';
import { withDatabase } from './database';

/**
 * The built service as a process, on each database (issue 10): the time from its start to
 * GET /health answering 200, its memory idle, during a first backfill of 3,200 tweets from the
 * fake X API and under read load, and the backfill's rate. Targets: 5,000 tweets/s on PostgreSQL
 * and 4,000 on PGlite; a peak RSS during the backfill under 200 MB on PostgreSQL.
 */
const TWEETS = 3200;
const READ_SECONDS = 5;
const READ_CONNECTIONS = 10;
const X_LATENCY_MS = 100;

interface Outcome {
  label: string;
  startUpSeconds: number;
  idleRssMb: number;
  backfill: { seconds: number; peakRssMb: number } | null;
  read: { requestsPerSecond: number; peakRssMb: number };
}

const megabytes = (value: number) => `${Math.round(value)} MB`;

async function measure(
  label: string,
  databaseUrl: string,
  environment: Record<string, string>,
  { backfill, latencyMs = 0 }: { backfill: boolean; latencyMs?: number },
): Promise<Outcome> {
  const fake = await startFakeXApi({ bearerToken: BEARER_TOKEN, latencyMs });
  const user = fake.store.addUser({ username: 'bench_account' });
  generateTimeline(fake.store, user.id, { seed: 1, count: TWEETS });
  let service: BenchProcess | undefined;
  try {
    service = await startService({
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
      TWITTER_API_BASE_URL: fake.url,
      TWITTER_SCREEN_NAMES: 'bench_account',
      ...environment,
    });
    const idleRssMb = service.memory()!.rssMb;
    let backfilled: Outcome['backfill'] = null;
    if (backfill) {
      const started = process.hrtime.bigint();
      const response = await fetch(`${service.url}/sync?wait=true`, {
        method: 'POST',
        headers: { authorization: `Bearer ${SYNC_API_TOKEN}` },
      });
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const run = (await response.json()) as { accounts: { status: string; fetched: number }[] };
      if (response.status !== 200 || run.accounts[0]?.status !== 'succeeded' || run.accounts[0].fetched !== TWEETS) {
        throw new Error(`${label}: the backfill failed: ${JSON.stringify(run)}`);
      }
      backfilled = { seconds, peakRssMb: service.memory()!.peakRssMb };
    }
    const result = await autocannon({
      url: `${service.url}/tweets?limit=100`,
      connections: READ_CONNECTIONS,
      duration: READ_SECONDS,
    });
    if (result.non2xx > 0 || result.errors > 0) throw new Error(`${label}: reads failed`);
    return {
      label,
      startUpSeconds: service.startUpSeconds,
      idleRssMb,
      backfill: backfilled,
      read: { requestsPerSecond: result.requests.average, peakRssMb: service.memory()!.peakRssMb },
    };
  } finally {
    await service?.stop();
    await fake.close();
  }
}

export async function benchServiceProcess(): Promise<void> {
  const outcomes: Outcome[] = [];
  outcomes.push(await withDatabase((url) => measure('PostgreSQL', url, {}, { backfill: true })));
  // As against X, where every request waits: the next page is fetched while one is written.
  outcomes.push(
    await withDatabase((url) =>
      measure(`PostgreSQL, X answering after ${X_LATENCY_MS} ms`, url, {}, { backfill: true, latencyMs: X_LATENCY_MS }),
    ),
  );
  outcomes.push(await measure('PGlite in memory', 'pglite://memory', {}, { backfill: true }));
  const folder = mkdtempSync(join(tmpdir(), 'tts-bench-pglite-'));
  const inFolder = { PGLITE_DATA_DIR: join(folder, 'data') };
  try {
    outcomes.push(await measure('PGlite, creating its folder', '', inFolder, { backfill: true }));
    outcomes.push(await measure('PGlite, reopening that folder', '', inFolder, { backfill: false }));
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
  console.log(
    `\nThe service as a process: start-up to GET /health 200, RSS idle, a first backfill of ${TWEETS.toLocaleString('en')} ` +
      `tweets from the fake X API (POST /sync?wait=true), then GET /tweets?limit=100 for ${READ_SECONDS} s at ` +
      `${READ_CONNECTIONS} connections. Peak RSS is the process's high-water mark (VmHWM) so far. ` +
      'Targets: 5,000 tweets/s on PostgreSQL and 4,000 on PGlite; peak RSS during the backfill under 200 MB on PostgreSQL.',
  );
  console.log(
    '| database | start-up | RSS idle | backfill | rate | peak RSS after the backfill | reads (limit 100) | peak RSS after the reads |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const { label, startUpSeconds, idleRssMb, backfill, read } of outcomes) {
    console.log(
      `| ${label} | ${startUpSeconds.toFixed(2)} s | ${megabytes(idleRssMb)} | ` +
        (backfill
          ? `${backfill.seconds.toFixed(2)} s | ${Math.round(TWEETS / backfill.seconds)} tweets/s | ${megabytes(backfill.peakRssMb)} | `
          : '(already stored) | | | ') +
        `${Math.round(read.requestsPerSecond)} req/s | ${megabytes(read.peakRssMb)} |`,
    );
  }
}
