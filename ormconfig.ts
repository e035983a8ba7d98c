import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadEnvironment } from './src/config/environment';
import { buildDataSourceOptions } from './src/database/data-source-options';

// The DataSource the TypeORM CLI uses (`npm run migration:run`): the same database the service
// would open with this environment (and ./.env), PostgreSQL or PGlite.
export default new DataSource(buildDataSourceOptions(loadEnvironment()));
