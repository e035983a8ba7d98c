import 'reflect-metadata';
import { resolve } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { createApp } from './app.setup';
import { MIN_SYNC_API_TOKEN_LENGTH } from './auth/sync-token.guard';
import { ConfigurationError, loadEnvironment } from './config/environment';
import { databaseKind } from './database/data-source-options';

async function bootstrap(): Promise<void> {
  const environment = loadEnvironment();
  // Nest's own shutdown hooks re-raise the signal, so the process would end "killed by SIGTERM";
  // an orderly stop is a clean exit for process managers. The handlers come before start-up: a
  // signal while migrations run or PGlite opens lets start-up finish (no half-written data
  // folder), then stops.
  let app: NestFastifyApplication | undefined = undefined;
  let stopping = false;
  const stop = (started: NestFastifyApplication) =>
    started.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('shutdown failed:', error);
        process.exit(1);
      },
    );
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      if (stopping) return;
      stopping = true;
      // A running sync stops at its next page boundary; whatever happens, the process is gone in time.
      setTimeout(() => process.exit(0), environment.SHUTDOWN_GRACE_SECONDS * 1000).unref();
      if (app) void stop(app);
    });
  }
  app = await createApp(environment);
  if (stopping) return void stop(app);
  await app.listen(environment.PORT, environment.HOST);
  const database =
    databaseKind(environment.DATABASE_URL) === 'postgres'
      ? 'PostgreSQL'
      : environment.DATABASE_URL === 'pglite://memory'
        ? 'embedded PGlite in memory'
        : `embedded PGlite in ${resolve(environment.PGLITE_DATA_DIR)}`;
  const logger = app.get(Logger);
  logger.log(`Listening on http://${environment.HOST}:${environment.PORT} (database: ${database})`, 'Main');
  // Here, not in the guard: the demo (src/demo.ts) starts without main.ts, its token "demo" on purpose.
  const token = environment.SYNC_API_TOKEN;
  if (token && token.length < MIN_SYNC_API_TOKEN_LENGTH) {
    logger.warn(
      `SYNC_API_TOKEN is shorter than ${MIN_SYNC_API_TOKEN_LENGTH} characters and easy to guess: use a long random one (openssl rand -hex 32)`,
      'Main',
    );
  }
}

bootstrap().catch((error: unknown) => {
  // A bad environment is the operator's to fix: the message says what; the stack would not help.
  console.error(error instanceof ConfigurationError ? error.message : error);
  process.exit(1);
});
