import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../../src/app.setup';
import { validateEnvironment } from '../../src/config/environment';
import { TweetsRepository } from '../../src/tweets/tweets.repository';

export interface RunningApp {
  app: NestFastifyApplication;
  /** Base URL of the real HTTP listener, e.g. http://127.0.0.1:40123 */
  url: string;
  repository: TweetsRepository;
  close(): Promise<void>;
}

/** The real application, listening on a random port, configured by these variables (and nothing else). */
export async function startApp(variables: Record<string, string>): Promise<RunningApp> {
  // The beat stays off unless a test turns it on: its ticks would add runs to what tests count.
  const app = await createApp(validateEnvironment({ LOG_LEVEL: 'error', SCHEDULER_ENABLED: 'false', ...variables }));
  await app.listen(0, '127.0.0.1');
  return {
    app,
    url: await app.getUrl().then((url) => url.replace('[::1]', '127.0.0.1')),
    repository: app.get(TweetsRepository),
    close: () => app.close(),
  };
}
