import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { ScheduleModule } from '@nestjs/schedule';
import { LoggerModule } from 'nestjs-pino';
import { Environment } from './config/environment';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { TasksModule } from './tasks/tasks.module';
import { TweetsModule } from './tweets/tweets.module';
import { SyncModule } from './sync/sync.module';
import { AccountsModule } from './accounts/accounts.module';
import { UsageModule } from './usage/usage.module';
import { ArchiveImportModule } from './archive-import/archive-import.module';
import { ExportModule } from './export/export.module';
import { MetricsModule } from './metrics/metrics.module';
import { WebModule } from './web/web.module';

// Logged requests never carry credentials.
const REDACTED_HEADERS = ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-api-key"]'];

@Module({})
export class AppModule {
  /** The whole service, configured by an environment validated before Nest starts. */
  static forRoot(environment: Environment): DynamicModule {
    return {
      module: AppModule,
      imports: [
        // ConfigService serves exactly the validated environment: typed values, defaults applied.
        ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, skipProcessEnv: true, load: [() => environment] }),
        LoggerModule.forRootAsync({
          inject: [ConfigService],
          useFactory: (config: ConfigService<Environment, true>) => ({
            pinoHttp: {
              level: config.get('LOG_LEVEL', { infer: true }),
              // JSON for machines; readable lines when a person watches a terminal.
              transport: process.stdout.isTTY ? { target: 'pino-pretty', options: { singleLine: true } } : undefined,
              redact: { paths: REDACTED_HEADERS, censor: '[redacted]' },
            },
            // nestjs-pino's default route pattern matches nothing on Fastify; this one matches every path.
            forRoutes: ['{*path}'],
          }),
        }),
        DatabaseModule,
        MetricsModule.forRoot(environment.METRICS_ENABLED),
        ScheduleModule.forRoot(),
        HealthModule,
        TweetsModule,
        SyncModule,
        AccountsModule,
        UsageModule,
        ArchiveImportModule,
        ExportModule,
        TasksModule,
        ...(environment.WEB_ENABLED ? [WebModule] : []),
      ],
    };
  }
}
