import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the sync needs: tweets seen only as another tweet's reference, edit versions that point to
 * their newest version, per-account cursors and the record of every run.
 */
export class SyncState1764100000000 implements MigrationInterface {
  name = 'SyncState1764100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE tweets
        ADD COLUMN referenced_only boolean NOT NULL DEFAULT false,
        ADD COLUMN superseded_by   bigint`);
    // Lists show timeline tweets in their newest version only: the indexes hold just those.
    await queryRunner.query(`DROP INDEX tweets_newest_idx`);
    await queryRunner.query(`DROP INDEX tweets_author_newest_idx`);
    await queryRunner.query(`
      CREATE INDEX tweets_newest_idx ON tweets (created_at DESC, id DESC)
        WHERE NOT referenced_only AND superseded_by IS NULL`);
    await queryRunner.query(`
      CREATE INDEX tweets_author_newest_idx ON tweets (author_id, created_at DESC, id DESC)
        WHERE NOT referenced_only AND superseded_by IS NULL`);

    await queryRunner.query(`
      CREATE TABLE sync_accounts (
        screen_name    text PRIMARY KEY,
        user_id        bigint,
        since_id       bigint,
        pending_ranges jsonb NOT NULL DEFAULT '[]',
        backfilled     integer NOT NULL DEFAULT 0,
        last_run_at    timestamptz,
        last_status    text,
        last_error     text,
        created_at     timestamptz NOT NULL DEFAULT now(),
        updated_at     timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT sync_accounts_screen_name_lower CHECK (screen_name = lower(screen_name))
      )`);

    await queryRunner.query(`
      CREATE TABLE sync_runs (
        id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        trigger     text NOT NULL CHECK (trigger IN ('manual', 'schedule', 'startup')),
        status      text NOT NULL CHECK (status IN ('running', 'succeeded', 'partial', 'failed', 'interrupted')),
        started_at  timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz,
        error       text,
        accounts    jsonb NOT NULL DEFAULT '[]'
      )`);
    await queryRunner.query(`CREATE INDEX sync_runs_newest_idx ON sync_runs (started_at DESC, id DESC)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE sync_runs`);
    await queryRunner.query(`DROP TABLE sync_accounts`);
    await queryRunner.query(`DROP INDEX tweets_newest_idx`);
    await queryRunner.query(`DROP INDEX tweets_author_newest_idx`);
    await queryRunner.query(`ALTER TABLE tweets DROP COLUMN referenced_only, DROP COLUMN superseded_by`);
    await queryRunner.query(`CREATE INDEX tweets_newest_idx ON tweets (created_at DESC, id DESC)`);
    await queryRunner.query(`CREATE INDEX tweets_author_newest_idx ON tweets (author_id, created_at DESC, id DESC)`);
  }
}
