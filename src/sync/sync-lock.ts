import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, QueryRunner } from 'typeorm';

// Any constants all replicas agree on (distinct from the migration lock's).
const SYNC_LOCK_KEY = 7_261_873_520;
const CLAIM_KEY = 7_261_873_521;

// How often the holder checks that its lock connection still holds the lock, and how long a check may take.
export const LOCK_CHECK_INTERVAL_MS = 1000;
const LOCK_CHECK_TIMEOUT_MS = 3000;

const HELD_SQL = `SELECT EXISTS (
    SELECT 1 FROM pg_locks
     WHERE locktype = 'advisory' AND granted AND pid = pg_backend_pid()
       AND objsubid = 1 AND ((classid::bigint << 32) | objid::bigint) = $1
  ) AS held`;

export interface HeldLock<T> {
  /** What the claim answered: it committed together with taking the lock. */
  claimed: T;
  /** Aborted (with the reason as a string) when the lock is gone: the holder must stop writing. */
  lost: AbortSignal;
  release(): Promise<void>;
}

/**
 * At most one sync at a time. On PostgreSQL a session advisory lock, held on a connection of its
 * own for the whole run, covers every replica, and PostgreSQL drops it when its holder dies; the
 * holder checks every second that it still has it. On PGlite (one process) a flag is enough.
 */
@Injectable()
export class SyncLock {
  private readonly logger = new Logger(SyncLock.name);
  private heldHere = false;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Takes the lock and runs `claim` in the same transaction, or answers null when a sync holds it.
   * Contenders take turns, so one that finds the lock taken finds the holder's claim committed.
   */
  async tryAcquire<T>(claim: (manager: EntityManager) => Promise<T>): Promise<HeldLock<T> | null> {
    if (this.heldHere) return null;
    this.heldHere = true;
    if (this.dataSource.options.driver) {
      try {
        const claimed = await this.dataSource.transaction(claim);
        const release = () => {
          this.heldHere = false;
          return Promise.resolve();
        };
        return { claimed, lost: new AbortController().signal, release };
      } catch (error) {
        this.heldHere = false;
        throw error;
      }
    }
    const connection = this.dataSource.createQueryRunner();
    let locked = false;
    try {
      await connection.startTransaction();
      await connection.query('SELECT pg_advisory_xact_lock($1)', [CLAIM_KEY]);
      const [row] = (await connection.query('SELECT pg_try_advisory_lock($1) AS locked', [SYNC_LOCK_KEY])) as {
        locked: boolean;
      }[];
      locked = row.locked;
      const claimed = locked ? await claim(connection.manager) : null;
      await connection.commitTransaction();
      if (locked) return this.hold(connection, claimed as T);
      await connection.release();
      this.heldHere = false;
      return null;
    } catch (error) {
      if (connection.isTransactionActive) await connection.rollbackTransaction().catch(() => undefined);
      // A session lock outlives the rolled-back transaction that took it.
      if (locked) await connection.query('SELECT pg_advisory_unlock($1)', [SYNC_LOCK_KEY]).catch(() => undefined);
      await connection.release();
      this.heldHere = false;
      throw error;
    }
  }

  /** Watches the lock until it is released; a failed, false or unanswered check means it is lost. */
  private hold<T>(connection: QueryRunner, claimed: T): HeldLock<T> {
    const lost = new AbortController();
    let released = false;
    let timer: NodeJS.Timeout | undefined;
    let checking: Promise<void> = Promise.resolve();
    const lose = (why: string) => {
      if (released) return;
      // The database closing under a run that outlasted shutdown is no news.
      if (this.dataSource.isInitialized) this.logger.error(`the sync lock was lost: ${why}`);
      lost.abort(why);
    };
    const check = () => {
      timer = setTimeout(() => {
        checking = this.stillHeld(connection).then(
          (held) => (held ? check() : lose('its connection no longer holds it')),
          (error: unknown) => lose(`its connection failed (${error instanceof Error ? error.message : String(error)})`),
        );
      }, LOCK_CHECK_INTERVAL_MS);
    };
    check();
    const release = async () => {
      released = true;
      clearTimeout(timer);
      await checking;
      try {
        if (lost.signal.aborted) {
          // A connection that failed or stopped answering may still hold the lock: close it, never pool it.
          closeConnection(connection);
        } else {
          await connection.query('SELECT pg_advisory_unlock($1)', [SYNC_LOCK_KEY]);
        }
      } finally {
        await connection.release();
        this.heldHere = false;
      }
    };
    return { claimed, lost: lost.signal, release };
  }

  private async stillHeld(connection: QueryRunner): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer within ${LOCK_CHECK_TIMEOUT_MS} ms`)),
        LOCK_CHECK_TIMEOUT_MS,
      );
    });
    try {
      const rows = (await Promise.race([connection.query(HELD_SQL, [SYNC_LOCK_KEY]), timeout])) as { held: boolean }[];
      return rows[0].held;
    } finally {
      clearTimeout(timer);
    }
  }
}

function closeConnection(connection: QueryRunner): void {
  // TypeORM keeps the pg client of a query runner in databaseConnection; an ending client leaves the
  // pool at once. Not awaited: a connection that stopped answering may never confirm.
  const client = (connection as QueryRunner & { databaseConnection?: { end(): Promise<void> } }).databaseConnection;
  client?.end().catch(() => undefined);
}
