import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Search finds substrings, ignoring case and accents (`cafe` finds `Café`, `kubern` Kubernetes,
 * `東京` 東京タワー), through a trigram index on the folded text. It replaces the whole-word
 * full-text search and its search_vector column. pg_trgm and unaccent are trusted extensions
 * (PostgreSQL's contrib, loaded into PGlite by its driver): a database owner may create them.
 */
export class SubstringSearch1764900000000 implements MigrationInterface {
  name = 'SubstringSearch1764900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE EXTENSION IF NOT EXISTS pg_trgm`);
    await queryRunner.query(`CREATE EXTENSION IF NOT EXISTS unaccent`);
    // Named with their schema: an existing database may keep its extensions in a schema of its own,
    // and an index's function must not depend on the search_path of whoever writes a row.
    const [{ trgm, unaccent }] = (await queryRunner.query(
      `SELECT (SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'pg_trgm') AS trgm,
              (SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'unaccent') AS unaccent`,
    )) as { trgm: string; unaccent: string }[];
    // unaccent() is only STABLE (its dictionary could change); with the dictionary named, folding
    // is a pure function of the text, which an index expression must be.
    await queryRunner.query(`
      CREATE FUNCTION tts_fold(text) RETURNS text
        LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
        AS $$ SELECT pg_catalog.lower(${unaccent}.unaccent('${unaccent}.unaccent'::regdictionary, $1)) $$`);
    await queryRunner.query(`DROP INDEX tweets_search_idx`);
    await queryRunner.query(`ALTER TABLE tweets DROP COLUMN search_vector`);
    // Folded once, when a row is written: a search rechecks plain text instead of calling unaccent
    // on every candidate, and ANALYZE keeps statistics of the column, from which the planner knows
    // how common each term is (newest-first scan for common ones, the trigram index for rare ones).
    await queryRunner.query(
      `ALTER TABLE tweets ADD COLUMN text_folded text GENERATED ALWAYS AS (tts_fold(text)) STORED`,
    );
    await queryRunner.query(`
      CREATE INDEX tweets_search_idx ON tweets USING gin (text_folded ${trgm}.gin_trgm_ops)
        WHERE NOT referenced_only AND superseded_by IS NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX tweets_search_idx`);
    await queryRunner.query(`ALTER TABLE tweets DROP COLUMN text_folded`);
    await queryRunner.query(`DROP FUNCTION tts_fold(text)`);
    await queryRunner.query(
      `ALTER TABLE tweets ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (to_tsvector('simple', text)) STORED`,
    );
    await queryRunner.query(`CREATE INDEX tweets_search_idx ON tweets USING gin (search_vector)`);
    // The extensions stay: other objects of the database may use them by now.
  }
}
