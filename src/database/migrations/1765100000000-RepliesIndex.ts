import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A tweet's page lists its stored replies: a partial index holds only the tweets that reply, so it
 * stays a fraction of the table and the lookup reads just the replies.
 */
export class RepliesIndex1765100000000 implements MigrationInterface {
  name = 'RepliesIndex1765100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX tweets_replies_idx ON tweets (in_reply_to_tweet_id, created_at) WHERE in_reply_to_tweet_id IS NOT NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX tweets_replies_idx`);
  }
}
