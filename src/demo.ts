import 'reflect-metadata';
import { createApp } from './app.setup';
import { validateEnvironment } from './config/environment';
import { startFakeXApi } from './fake-x-api/fake-x-api.server';
import { FakeXApiStore } from './fake-x-api/fake-x-api.store';
import { seedDemoAccounts } from './fake-x-api/timeline.generator';

const DEMO_TOKEN = 'fake-bearer-token';
const MINUTE = 60_000;
const NEWS = ['Fresh from the demo 🚀', 'Another minute, another post ☕', 'Still syncing & still gap-free <3'];

/**
 * `npm run demo`: the fake X API with a few accounts whose timelines grow every minute, and the
 * service on its own embedded database, pointed at it and syncing.
 */
async function main(): Promise<void> {
  const store = new FakeXApiStore();
  const accounts = seedDemoAccounts(store);
  const fake = await startFakeXApi({
    port: Number(process.env.FAKE_X_API_PORT ?? 4010),
    bearerToken: DEMO_TOKEN,
    store,
  });
  const environment = validateEnvironment({
    PGLITE_DATA_DIR: './data/demo-pglite',
    ...process.env,
    TWITTER_API_BASE_URL: fake.url,
    TWITTER_BEARER_TOKEN: DEMO_TOKEN,
    TWITTER_SCREEN_NAMES: accounts.map((account) => account.username).join(','),
    SYNC_API_TOKEN: 'demo',
    SYNC_ON_STARTUP: 'true',
    SYNC_CRON: process.env.SYNC_CRON ?? '* * * * *',
  });
  const app = await createApp(environment);
  await app.listen(environment.PORT, environment.HOST);
  const url = `http://localhost:${environment.PORT}`;

  const growth = setInterval(() => {
    for (const account of accounts.filter((a) => !a.protected && !a.suspended)) {
      store.postTweet(account.id, NEWS[Math.floor(Math.random() * NEWS.length)]);
    }
  }, MINUTE);

  console.log(`
Demo running: the fake X API at ${fake.url}, the service at ${url} (embedded database in ${environment.PGLITE_DATA_DIR}).
Accounts: ${accounts.map((a) => `@${a.username}${a.protected ? ' (protected)' : ''}${a.suspended ? ' (suspended)' : ''}`).join(', ')}
New tweets appear every minute; the service synced at start-up and syncs every minute (SYNC_CRON=${environment.SYNC_CRON}).

  Open ${url}/ in a browser: the timeline, ${url}/@${accounts[0].username}, ${url}/runs (API token: demo).

  curl '${url}/tweets?limit=5'
  curl '${url}/tweets?screenName=${accounts[0].username}&q=sync'
  curl -X POST -H 'Authorization: Bearer demo' '${url}/sync?wait=true'
  curl '${url}/sync/runs?limit=1'
  curl -H 'Authorization: Bearer demo' '${url}/schedules'
  open ${url}/docs
`);

  const stop = () => {
    clearInterval(growth);
    void app
      .close()
      .then(() => fake.close())
      .then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
