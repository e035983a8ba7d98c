import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every run start looks for runs still `running` (to interrupt those of a dead process, and to name
 * the run in a 409): a partial index holds just those, a handful of rows however long sync_runs
 * grows. The retention DELETE (started_at < …) uses sync_runs_newest_idx.
 */
export class SyncRunsIndexes1764500000000 implements MigrationInterface {
  name = 'SyncRunsIndexes1764500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX sync_runs_running_idx ON sync_runs (started_at DESC) WHERE status = 'running'`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX sync_runs_running_idx`);
  }
}
