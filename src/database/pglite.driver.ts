import { types } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { unaccent } from '@electric-sql/pglite/contrib/unaccent';
import { PGliteDriver } from 'typeorm-pglite';

type ConnectCallback = Parameters<InstanceType<PGliteDriver['driver']['Pool']>['connect']>[0];

/**
 * The typeorm-pglite driver, with two changes that make PGlite behave like PostgreSQL through `pg`:
 * - it hands its single connection to one caller at a time, like a pool of size one. Otherwise a
 *   query sent while another caller's transaction is open runs inside that transaction (and is
 *   rolled back with it).
 * - bigint comes back as a string, as `pg` returns it, instead of a number or a BigInt.
 * It also loads the contrib extensions the migrations create (PGlite takes them only when it starts).
 */
export function createPGliteDriver(dataDir: string | undefined): { Pool: PGliteDriver['driver']['Pool'] } {
  const { Pool } = new PGliteDriver({
    dataDir,
    parsers: { [types.INT8]: (text: string) => text },
    extensions: { pg_trgm, unaccent },
  }).driver;

  class SerializedPGlitePool extends Pool {
    private lastTurn: Promise<void> = Promise.resolve();

    override connect(callback: ConnectCallback): Promise<void> {
      let endTurn!: () => void;
      const previousTurn = this.lastTurn;
      this.lastTurn = new Promise((resolve) => (endTurn = resolve));
      let ended = false;
      const release = () => {
        if (!ended) {
          ended = true;
          endTurn();
        }
      };
      return previousTurn.then(() =>
        super.connect((error, client) => {
          if (error) release();
          callback(error, client, release);
        }),
      );
    }
  }
  return { Pool: SerializedPGlitePool };
}
