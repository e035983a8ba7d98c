import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The X archive import: tweets.origin says where each stored version came from (an import never
 * overwrites a sync's row), and archive_imports records each import started through POST /imports,
 * so that GET /imports/:id answers from any replica while it runs and after.
 */
export class ArchiveImports1765000000000 implements MigrationInterface {
  name = 'ArchiveImports1765000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE tweets ADD COLUMN origin text NOT NULL DEFAULT 'api' CHECK (origin IN ('api', 'archive'))`,
    );
    await queryRunner.query(`
      CREATE TABLE archive_imports (
        id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        status      text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
        file_name   text NOT NULL,
        bytes       bigint NOT NULL,
        started_at  timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz,
        updated_at  timestamptz NOT NULL DEFAULT now(),
        error       text,
        progress    jsonb NOT NULL DEFAULT '{}'
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE archive_imports`);
    await queryRunner.query(`ALTER TABLE tweets DROP COLUMN origin`);
  }
}
