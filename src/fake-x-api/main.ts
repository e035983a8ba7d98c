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
  const port = Number(env.FAKE_X_API_PORT ?? 4010);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`FAKE_X_API_PORT must be a port number, got "${env.FAKE_X_API_PORT}"`);
  }
  const store = new FakeXApiStore();
  const accounts = seedDemoAccounts(store);
  const fake = await startFakeXApi({
    port,
    bearerToken: env.FAKE_X_API_BEARER_TOKEN ?? 'fake-bearer-token',
    oauth1,
    store,
  });

  console.log(`Fake X API listening on ${fake.url}`);
  for (const account of accounts) {
    const flags = [account.protected && 'protected', account.suspended && 'suspended'].filter(Boolean).join(', ');
    console.log(`  @${account.username} id=${account.id} ${flags ? `(${flags})` : ''}`);
  }
  console.log(`Faults: curl -X POST ${fake.url}/_control/faults -d '{"kind":"status","status":503,"times":2}'`);

  const stop = () => void fake.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
