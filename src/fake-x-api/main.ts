import { startFakeXApi } from './fake-x-api.server';
import { FakeXApiStore } from './fake-x-api.store';
import { seedDemoAccounts } from './timeline.generator';

/** Runs the fake X API standalone, with demo accounts, until interrupted. */
async function main(): Promise<void> {
  const env = process.env;
  const oauth1 = {
    consumerKey: env.FAKE_X_API_CONSUMER_KEY ?? 'fake-consumer-key',
    consumerSecret: env.FAKE_X_API_CONSUMER_SECRET ?? 'fake-consumer-secret',
    accessToken: env.FAKE_X_API_ACCESS_TOKEN ?? 'fake-access-token',
    accessSecret: env.FAKE_X_API_ACCESS_SECRET ?? 'fake-access-secret',
  };
  const port = wholeNumber('FAKE_X_API_PORT', 4010, 65535);
  const latencyMs = wholeNumber('FAKE_X_API_LATENCY_MS', 0);
  const monthlyPostCap = env.FAKE_X_API_MONTHLY_POST_CAP ? wholeNumber('FAKE_X_API_MONTHLY_POST_CAP', 0) : undefined;
  const store = new FakeXApiStore();
  const accounts = seedDemoAccounts(store);
  const fake = await startFakeXApi({
    port,
    bearerToken: env.FAKE_X_API_BEARER_TOKEN ?? 'fake-bearer-token',
    oauth1,
    store,
    latencyMs,
    monthlyPostCap,
  });

  console.log(`Fake X API listening on ${fake.url}`);
  for (const account of accounts) {
    const flags = [account.protected && 'protected', account.suspended && 'suspended'].filter(Boolean).join(', ');
    console.log(`  @${account.username} id=${account.id} ${flags ? `(${flags})` : ''}`);
  }
  console.log(`Faults: curl -X POST ${fake.url}/_control/faults -d '{"kind":"status","status":503,"times":2}'`);
  console.log(`Posts served and the cap: curl ${fake.url}/_control/usage`);

  const stop = () => void fake.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

/** A whole number from the environment variable `name`, `fallback` when it is unset. */
function wholeNumber(name: string, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new Error(`${name} must be a whole number from 0 to ${max}, got "${raw}"`);
  }
  return value;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
