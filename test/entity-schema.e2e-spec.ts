import { DataSource } from 'typeorm';
import { ENTITIES } from '../src/database/data-source-options';
import { createTestDatabase, DATABASE_KINDS, openMigrated, TestDatabase } from './support/databases';

// The repository builds its queries from the entities; the migrations write the schema. They must agree.
describe.each(DATABASE_KINDS)('the migrated schema on %s', (kind) => {
  let database: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    dataSource = await openMigrated(database.url);
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  it.each(ENTITIES.map((entity) => [entity.name, entity]))(
    'has exactly the columns of %s, with their types and nullability',
    async (_, entity) => {
      const metadata = dataSource.getMetadata(entity);
      const migrated = await dataSource.query<
        { column_name: string; data_type: string; udt_name: string; is_nullable: string }[]
      >(
        `SELECT column_name, data_type, udt_name, is_nullable FROM information_schema.columns
          WHERE table_schema = current_schema() AND table_name = $1`,
        [metadata.tableName],
      );
      const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
      const declared = metadata.columns.map((column) => ({
        name: column.databaseName,
        type: dataSource.driver.normalizeType(column),
        nullable: column.isNullable,
      }));
      expect(
        migrated
          .map((column) => ({
            name: column.column_name,
            // information_schema calls tsvector USER-DEFINED; udt_name names it
            type: column.data_type === 'USER-DEFINED' ? column.udt_name : column.data_type,
            nullable: column.is_nullable === 'YES',
          }))
          .sort(byName),
      ).toEqual(declared.sort(byName));
    },
  );
});
