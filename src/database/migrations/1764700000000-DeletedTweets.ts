import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Deleted tweets stay, marked: deleted_at is when a lookup (GET /2/tweets) last answered that X no
 * longer has the tweet, verified_at when one last found it. tweets_verify_idx serves "the account's
 * timeline tweets verified longest ago" (never verified first) without sorting the account's tweets.
 */
export class DeletedTweets1764700000000 implements MigrationInterface {
  name = 'DeletedTweets1764700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE tweets ADD COLUMN deleted_at timestamptz, ADD COLUMN verified_at timestamptz`);
    await queryRunner.query(`
      CREATE INDEX tweets_verify_idx ON tweets (author_id, verified_at NULLS FIRST, id)
        WHERE NOT referenced_only AND superseded_by IS NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX tweets_verify_idx`);
    await queryRunner.query(`ALTER TABLE tweets DROP COLUMN deleted_at, DROP COLUMN verified_at`);
  }
}
