import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { DataSource } from 'typeorm';
import { validateEnvironment } from './src/config/environment';
import { buildDataSourceOptions } from './src/database/data-source-options';

// The DataSource the TypeORM CLI uses (`npm run migration:run`): the same database the service
// would open with this environment, PostgreSQL or PGlite. Like the service, it reads ./.env, where
// variables already set in the environment win.
if (existsSync('.env')) process.loadEnvFile('.env');
export default new DataSource(buildDataSourceOptions(validateEnvironment(process.env)));
