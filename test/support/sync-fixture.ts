import request from 'supertest';
import { startFakeXApi, FakeXApi, FakeXApiOptions } from '../../src/fake-x-api/fake-x-api.server';
import { startApp, RunningApp } from './app';
import { createTestDatabase, DatabaseKind, TestDatabase } from './databases';

export const BEARER = 'test-bearer-token-123';
export const SYNC_TOKEN = 'sync-secret-456';

export interface SyncFixture {
  fake: FakeXApi;
  database: TestDatabase;
  service: RunningApp;
  close(): Promise<void>;
}

/** The fake X API and the real service pointed at it, on a fresh database of `kind`. */
export async function startSyncFixture(
  kind: DatabaseKind,
  variables: Record<string, string> = {},
  fakeOptions: FakeXApiOptions = {},
): Promise<SyncFixture> {
  const fake = await startFakeXApi({ bearerToken: BEARER, ...fakeOptions });
  const database = await createTestDatabase(kind);
  const service = await startApp({
    DATABASE_URL: database.url,
    TWITTER_API_BASE_URL: fake.url,
    TWITTER_BEARER_TOKEN: BEARER,
    SYNC_API_TOKEN: SYNC_TOKEN,
    ...variables,
  });
  const fixture: SyncFixture = {
    fake,
    database,
    service,
    // Whatever service the test ended with: a test may restart it with other settings.
    close: async () => {
      await fixture.service.close();
      await fake.close();
      await database.drop();
    },
  };
  return fixture;
}

type Json = Record<string, any>;

/** POST /sync?wait=true as a user's script would; answers the finished run. */
export async function syncNow(fx: SyncFixture, body: Json = {}): Promise<Json> {
  const response = await request(fx.service.url)
    .post('/sync?wait=true')
    .set('authorization', `Bearer ${SYNC_TOKEN}`)
    .send(body)
    .expect(200);
  return response.body;
}

/** Every tweet GET /tweets lists for an account, newest first, through all pages. */
export async function listedTweets(fx: SyncFixture, screenName: string): Promise<Json[]> {
  const tweets: Json[] = [];
  let cursor: string | null = null;
  do {
    const page: request.Response = await request(fx.service.url)
      .get('/tweets')
      .query({ screenName, limit: 100, ...(cursor ? { cursor } : {}) })
      .expect(200);
    tweets.push(...page.body.data);
    cursor = page.body.nextCursor;
  } while (cursor);
  return tweets;
}

/**
 * Resolves once a rate-limit window of `windowSeconds` that began by now has passed for the
 * service too: X's reset is in whole seconds (up to 1 s late) and the service waits 1 s past it.
 * (The service remembers a spent window across runs, so the fake's resetRateLimits() cannot stand in.)
 */
export const rateLimitWindowPassed = (windowSeconds: number) =>
  new Promise((resolve) => setTimeout(resolve, (windowSeconds + 2) * 1000));
