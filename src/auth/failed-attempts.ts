import { Injectable } from '@nestjs/common';

/** Failed attempts a client address may make per window; then every attempt answers 429 until it ends. */
export const MAX_FAILURES = 10;
export const FAILURE_WINDOW_MS = 60_000;
// Addresses remembered at most: a flood of new ones evicts the oldest instead of growing the map.
const MAX_TRACKED_ADDRESSES = 10_000;

interface Failures {
  count: number;
  windowEndsAt: number;
}

/**
 * Failed token attempts per client address, in memory. One instance for the whole application
 * (AuthModule's): Nest makes a guard instance per module that uses it, so the count cannot live there.
 */
@Injectable()
export class FailedAttempts {
  private readonly failures = new Map<string, Failures>();

  /** Milliseconds until `address` may try again, or 0 when it may now. */
  blockedFor(address: string, now = Date.now()): number {
    const failures = this.current(address, now);
    return failures && failures.count >= MAX_FAILURES ? failures.windowEndsAt - now : 0;
  }

  /** Counts one failed attempt of `address`. */
  record(address: string, now = Date.now()): void {
    const failures = this.current(address, now);
    if (failures) {
      failures.count++;
      return;
    }
    // The map is in the order windows end: expired entries, then if need be the oldest, are first.
    for (const [tracked, { windowEndsAt }] of this.failures) {
      if (windowEndsAt > now && this.failures.size < MAX_TRACKED_ADDRESSES) break;
      this.failures.delete(tracked);
    }
    this.failures.set(address, { count: 1, windowEndsAt: now + FAILURE_WINDOW_MS });
  }

  /** Addresses remembered now. */
  get size(): number {
    return this.failures.size;
  }

  private current(address: string, now: number): Failures | undefined {
    const failures = this.failures.get(address);
    if (failures && failures.windowEndsAt <= now) {
      this.failures.delete(address);
      return undefined;
    }
    return failures;
  }
}
