import 'reflect-metadata';
import { ConfigService } from '@nestjs/config';
import { createApp } from './app.setup';
import { ConfigurationError, Environment } from './config/environment';

async function bootstrap(): Promise<void> {
  const app = await createApp();
  const config = app.get<ConfigService<Environment, true>>(ConfigService);
  await app.listen(config.get('PORT', { infer: true }), config.get('HOST', { infer: true }));
}

bootstrap().catch((error: unknown) => {
  console.error(error instanceof ConfigurationError ? error.message : error);
  process.exit(1);
});
