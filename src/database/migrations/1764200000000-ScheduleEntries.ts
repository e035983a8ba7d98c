import { MigrationInterface, QueryRunner } from 'typeorm';

/** The beat's state: every schedule entry, its settings as changed at runtime, and its record. */
export class ScheduleEntries1764200000000 implements MigrationInterface {
  name = 'ScheduleEntries1764200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE schedule_entries (
        name             text PRIMARY KEY,
        task             text NOT NULL,
        cron             text,
        interval_seconds integer CHECK (interval_seconds > 0),
        args             jsonb NOT NULL DEFAULT '[]',
        enabled          boolean NOT NULL DEFAULT true,
        -- The schedule the configuration gave when it was last applied: a new one replaces runtime changes.
        configured       jsonb NOT NULL,
        -- Bumped by every change, so that other replicas notice it.
        version          integer NOT NULL DEFAULT 1,
        -- The last tick any replica claimed: each tick runs once across replicas.
        last_tick_at     timestamptz,
        last_run_at      timestamptz,
        last_status      text,
        last_result      jsonb,
        run_count        integer NOT NULL DEFAULT 0,
        skipped_count    integer NOT NULL DEFAULT 0,
        CONSTRAINT schedule_entries_one_schedule CHECK ((cron IS NULL) <> (interval_seconds IS NULL))
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE schedule_entries`);
  }
}
