import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Screen names change and are taken over: when another account now holds a stored account's
 * screen name, the stored one's current name is unknown until it is fetched again. It becomes
 * NULL rather than blocking the new holder (the name stays unique case-insensitively).
 */
export class ReleasedScreenNames1764300000000 implements MigrationInterface {
  name = 'ReleasedScreenNames1764300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE twitter_users ALTER COLUMN screen_name DROP NOT NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`UPDATE twitter_users SET screen_name = 'unknown_' || id WHERE screen_name IS NULL`);
    await queryRunner.query(`ALTER TABLE twitter_users ALTER COLUMN screen_name SET NOT NULL`);
  }
}
