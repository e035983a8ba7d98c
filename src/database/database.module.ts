import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { Environment } from '../config/environment';
import { buildDataSourceOptions } from './data-source-options';
import { runMigrations } from './migrate';

@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService<Environment, true>) => ({
        ...buildDataSourceOptions(
          {
            DATABASE_URL: config.get('DATABASE_URL', { infer: true }),
            PGLITE_DATA_DIR: config.get('PGLITE_DATA_DIR', { infer: true }),
          },
          config.get('DATABASE_STATEMENT_TIMEOUT_MS', { infer: true }),
        ),
        // A database that is down at start-up is reported once, not retried for minutes.
        retryAttempts: 0,
      }),
      dataSourceFactory: async (options) => {
        const dataSource = await new DataSource(options!).initialize();
        await runMigrations(dataSource);
        return dataSource;
      },
    }),
  ],
})
export class DatabaseModule {}
