import 'reflect-metadata';
import { resolve } from 'node:path';
import { Logger } from 'nestjs-pino';
import { createApp } from './app.setup';
import { ConfigurationError, loadEnvironment } from './config/environment';
import { databaseKind } from './database/data-source-options';

async function bootstrap(): Promise<void> {
  const environment = loadEnvironment();
  const app = await createApp(environment);
  // Nest's own shutdown hooks re-raise the signal, so the process would end "killed by SIGTERM";
  // an orderly stop is a clean exit for process managers.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      // A running sync stops at its next page boundary; whatever happens, the process is gone in time.
      setTimeout(() => process.exit(0), environment.SHUTDOWN_GRACE_SECONDS * 1000).unref();
      app.close().then(
        () => process.exit(0),
        (error: unknown) => {
          console.error('shutdown failed:', error);
          process.exit(1);
        },
      );
    });
  }
  await app.listen(environment.PORT, environment.HOST);
  const database =
    databaseKind(environment.DATABASE_URL) === 'postgres'
      ? 'PostgreSQL'
      : environment.DATABASE_URL === 'pglite://memory'
        ? 'embedded PGlite in memory'
        : `embedded PGlite in ${resolve(environment.PGLITE_DATA_DIR)}`;
  app.get(Logger).log(`Listening on http://${environment.HOST}:${environment.PORT} (database: ${database})`, 'Main');
}

bootstrap().catch((error: unknown) => {
  // A bad environment is the operator's to fix: the message says what; the stack would not help.
  console.error(error instanceof ConfigurationError ? error.message : error);
  process.exit(1);
});
