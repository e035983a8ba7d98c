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
