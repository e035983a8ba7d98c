import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

// Any constant all replicas agree on (distinct from the migration lock's).
const SYNC_LOCK_KEY = 7_261_873_520;

export type ReleaseLock = () => Promise<void>;

/**
 * At most one sync at a time. On PostgreSQL a session advisory lock, held on a connection of its
 * own for the whole run, covers every replica, and PostgreSQL drops it when its holder dies; on
 * PGlite (one process) a flag is enough.
 */
@Injectable()
export class SyncLock {
  private heldHere = false;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Takes the lock and returns how to release it, or null when a sync holds it already. */
  async tryAcquire(): Promise<ReleaseLock | null> {
    if (this.heldHere) return null;
    this.heldHere = true;
    if (this.dataSource.options.driver) {
      return () => {
        this.heldHere = false;
        return Promise.resolve();
      };
    }
    const connection = this.dataSource.createQueryRunner();
    try {
      const [{ locked }] = (await connection.query('SELECT pg_try_advisory_lock($1) AS locked', [SYNC_LOCK_KEY])) as {
        locked: boolean;
      }[];
      if (!locked) {
        await connection.release();
        this.heldHere = false;
        return null;
      }
    } catch (error) {
      await connection.release();
      this.heldHere = false;
      throw error;
    }
    return async () => {
      try {
        await connection.query('SELECT pg_advisory_unlock($1)', [SYNC_LOCK_KEY]);
      } finally {
        await connection.release();
        this.heldHere = false;
      }
    };
  }
}
