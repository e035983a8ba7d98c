import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../../src/app.setup';
import { TwitterRepository } from '../../src/twitter/twitter.repository';

export interface RunningApp {
  app: NestFastifyApplication;
  /** Base URL of the real HTTP listener, e.g. http://127.0.0.1:40123 */
  url: string;
  repository: TwitterRepository;
  close(): Promise<void>;
}

/** The real application, listening on a random port, configured through the environment as in production. */
export async function startApp(environment: Record<string, string>): Promise<RunningApp> {
  Object.assign(process.env, { LOG_LEVEL: 'error', ...environment });
  const app = await createApp();
  await app.listen(0, '127.0.0.1');
  return {
    app,
    url: await app.getUrl().then((url) => url.replace('[::1]', '127.0.0.1')),
    repository: app.get(TwitterRepository),
    close: () => app.close(),
  };
}
