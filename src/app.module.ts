import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { LoggerModule } from 'nestjs-pino';
import { Environment, validateEnvironment } from './config/environment';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { TwitterModule } from './twitter/twitter.module';

// Logged requests never carry credentials.
const REDACTED_HEADERS = ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-api-key"]'];

@Module({})
export class AppModule {
  /** A function rather than a static module, so a bad environment fails inside bootstrap's try. */
  static forRoot(): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot({
          isGlobal: true,
          cache: true,
          validate: validateEnvironment,
          // Tests set their environment explicitly; a developer's .env must not leak into them.
          ignoreEnvFile: process.env.NODE_ENV === 'test',
        }),
        LoggerModule.forRootAsync({
          inject: [ConfigService],
          useFactory: (config: ConfigService<Environment, true>) => ({
            pinoHttp: {
              level: config.get('LOG_LEVEL', { infer: true }),
              // JSON for machines; readable lines when a person watches a terminal.
              transport: process.stdout.isTTY ? { target: 'pino-pretty', options: { singleLine: true } } : undefined,
              redact: { paths: REDACTED_HEADERS, censor: '[redacted]' },
            },
          }),
        }),
        DatabaseModule,
        HealthModule,
        TwitterModule,
      ],
    };
  }
}
