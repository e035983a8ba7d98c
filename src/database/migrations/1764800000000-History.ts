import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The history of every change: a tweet's metrics, an account's counts and its profile, one row each
 * time the upsert sees them change (see history.entity.ts). What is stored now becomes the first
 * observation, dated when it was last written, so the next change has something to differ from.
 */
export class History1764800000000 implements MigrationInterface {
  name = 'History1764800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE tweet_metrics_history (
        tweet_id         bigint NOT NULL REFERENCES tweets (id) ON DELETE CASCADE,
        observed_at      timestamptz NOT NULL,
        retweet_count    bigint,
        reply_count      bigint,
        like_count       bigint,
        quote_count      bigint,
        bookmark_count   bigint,
        impression_count bigint,
        PRIMARY KEY (tweet_id, observed_at)
      )`);
    await queryRunner.query(`
      CREATE TABLE user_metrics_history (
        user_id         bigint NOT NULL REFERENCES twitter_users (id) ON DELETE CASCADE,
        observed_at     timestamptz NOT NULL,
        followers_count bigint,
        following_count bigint,
        tweet_count     bigint,
        listed_count    bigint,
        PRIMARY KEY (user_id, observed_at)
      )`);
    await queryRunner.query(`
      CREATE TABLE user_profile_history (
        user_id           bigint NOT NULL REFERENCES twitter_users (id) ON DELETE CASCADE,
        observed_at       timestamptz NOT NULL,
        screen_name       text,
        name              text NOT NULL,
        description       text,
        location          text,
        url               text,
        profile_image_url text,
        PRIMARY KEY (user_id, observed_at)
      )`);
    for (const table of ['tweet_metrics_history', 'user_metrics_history', 'user_profile_history']) {
      await queryRunner.query(`CREATE INDEX ${table}_observed_idx ON ${table} (observed_at)`);
    }
    await queryRunner.query(`
      INSERT INTO tweet_metrics_history
        SELECT id, updated_at, retweet_count, reply_count, like_count, quote_count, bookmark_count, impression_count
          FROM tweets`);
    await queryRunner.query(`
      INSERT INTO user_metrics_history
        SELECT id, updated_at, followers_count, following_count, tweet_count, listed_count FROM twitter_users`);
    await queryRunner.query(`
      INSERT INTO user_profile_history
        SELECT id, updated_at, screen_name, name, description, location, url, profile_image_url FROM twitter_users`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE user_profile_history`);
    await queryRunner.query(`DROP TABLE user_metrics_history`);
    await queryRunner.query(`DROP TABLE tweet_metrics_history`);
  }
}
