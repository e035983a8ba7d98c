import { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1764000000000 implements MigrationInterface {
  name = 'InitialSchema1764000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE twitter_users (
        id                bigint PRIMARY KEY,
        screen_name       text NOT NULL,
        name              text NOT NULL,
        description       text,
        location          text,
        url               text,
        profile_image_url text,
        verified          boolean NOT NULL DEFAULT false,
        followers_count   bigint,
        following_count   bigint,
        tweet_count       bigint,
        listed_count      bigint,
        created_at        timestamptz NOT NULL,
        raw               jsonb NOT NULL,
        first_seen_at     timestamptz NOT NULL DEFAULT now(),
        updated_at        timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX twitter_users_screen_name_key ON twitter_users (lower(screen_name))`);
    await queryRunner.query(`CREATE INDEX twitter_users_newest_idx ON twitter_users (created_at DESC, id DESC)`);

    await queryRunner.query(`
      CREATE TABLE tweets (
        id                     bigint PRIMARY KEY,
        author_id              bigint NOT NULL REFERENCES twitter_users (id) ON DELETE RESTRICT,
        text                   text NOT NULL,
        created_at             timestamptz NOT NULL,
        lang                   text,
        conversation_id        bigint,
        in_reply_to_user_id    bigint,
        in_reply_to_tweet_id   bigint,
        referenced_tweets      jsonb NOT NULL DEFAULT '[]',
        edit_history_tweet_ids jsonb NOT NULL DEFAULT '[]',
        retweet_count          bigint,
        reply_count            bigint,
        like_count             bigint,
        quote_count            bigint,
        bookmark_count         bigint,
        impression_count       bigint,
        entities               jsonb,
        media                  jsonb NOT NULL DEFAULT '[]',
        source                 text,
        possibly_sensitive     boolean,
        raw                    jsonb NOT NULL,
        search_vector          tsvector GENERATED ALWAYS AS (to_tsvector('simple', text)) STORED,
        fetched_at             timestamptz NOT NULL DEFAULT now(),
        updated_at             timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX tweets_newest_idx ON tweets (created_at DESC, id DESC)`);
    await queryRunner.query(`CREATE INDEX tweets_author_newest_idx ON tweets (author_id, created_at DESC, id DESC)`);
    await queryRunner.query(`CREATE INDEX tweets_search_idx ON tweets USING gin (search_vector)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE tweets`);
    await queryRunner.query(`DROP TABLE twitter_users`);
  }
}
