import { Module, Type } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import type { Environment } from './config/environment';
import { DatabaseModule } from './database/database.module';
import { MetricsModule } from './metrics/metrics.module';

/**
 * A feature's services on the configured database, without HTTP, for `npm run import` and
 * `npm run export`. Only warnings and errors are logged: Nest's start-up lines would bury the
 * progress, and stdout may be the output itself.
 */
export async function createCommandContext(environment: Environment, feature: Type): Promise<INestApplicationContext> {
  @Module({
    imports: [
      ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, skipProcessEnv: true, load: [() => environment] }),
      DatabaseModule,
      MetricsModule.forRoot(false),
      feature,
    ],
  })
  class CommandModule {}

  return NestFactory.createApplicationContext(CommandModule, { logger: ['warn', 'error'] });
}
