import { Logger } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EntityManager } from 'typeorm';
import {
  Gap,
  isComplete,
  newestStoredId,
  NOTHING_STORED,
  olderGap,
  recordPage,
  SyncProgress,
  topGap,
} from './sync-progress';
import { AccountResult, AccountStatus, SyncAccount, SyncRepository } from './sync.repository';
import {
  AccountUnavailableError,
  AuthError,
  RateLimitError,
  RateLimitState,
  TransientError,
  TwitterApiClient,
  UsageCapError,
} from '../x-api/twitter-api.client';
import { RefusedRow, SaveMode, TweetsRepository } from '../tweets/tweets.repository';
import { MappedPage, mapV1TimelinePage, mapV2TimelinePage, mapV2User } from '../x-api/x-api.mapper';

export interface SyncSettings {
  apiVersion: '2' | '1.1';
  saveMode: SaveMode;
  maxBackfill: number;
  refreshRecent: number;
  maxRateLimitWaitSeconds: number;
}

/** What one run shares between its accounts. */
export interface RunContext {
  signal: AbortSignal;
  full: boolean;
  /** Last known rate limit of each endpoint: it is per app or user, so every account spends it. */
  rateLimits: Map<string, RateLimitState>;
  /** Throws RunStopped when the run may no longer write (it lost the sync lock); run inside each page's transaction. */
  fence(manager: EntityManager): Promise<void>;
}

/** Ends the account early, keeping what it stored (a rate limit beyond the allowed wait, a shutdown). */
export class AccountStopped extends Error {
  constructor(
    readonly status: AccountStatus,
    message: string,
  ) {
    super(message);
  }
}

/** Ends the whole run: every remaining account would meet the same refusal (credentials, usage cap). */
export class RunStopped extends Error {}

/** A v1.1 timeline page of another account than the stored one: its screen name was taken over. */
class ScreenNameTakenOver extends Error {
  constructor(readonly userId: string) {
    super(`the screen name now belongs to account ${userId}`);
  }
}

interface FetchedPage {
  mapped: MappedPage;
  /** The account's own tweets on the page, newest first. */
  timelineIds: string[];
  next?: { token?: string; maxId?: string };
}

const TIMELINE_REACH = 3200;
const V2_PAGE_SIZE = 100;
const V1_PAGE_SIZE = 200;
const MAX_RETRIES = 3;
const RETRY_BASE_MS = 500;
const MAX_RATE_LIMIT_WAITS = 3;

export function emptyResult(screenName: string): AccountResult {
  return {
    screenName,
    userId: null,
    status: 'failed',
    pages: 0,
    fetched: 0,
    inserted: 0,
    updated: 0,
    unchanged: 0,
    skipped: 0,
    newestId: null,
    error: null,
  };
}

/** One account's part of a run: fetch what is missing, page by page, each page stored in one transaction. */
export class AccountSync {
  private readonly logger = new Logger('SyncService');
  private readonly result: AccountResult;
  private userId: string | null;
  private progress: SyncProgress;

  constructor(
    account: SyncAccount,
    private readonly context: RunContext,
    private readonly settings: SyncSettings,
    private readonly api: TwitterApiClient,
    private readonly tweets: TweetsRepository,
    private readonly syncs: SyncRepository,
  ) {
    this.result = emptyResult(account.screenName);
    this.userId = account.userId;
    this.progress = account.progress;
  }

  private get screenName(): string {
    return this.result.screenName;
  }

  /** Never throws but RunStopped: the outcome, failures included, is in the result. */
  async run(): Promise<AccountResult> {
    try {
      if (this.settings.apiVersion === '2') await this.lookUpUser();
      try {
        await this.fetchMissing();
      } catch (error) {
        if (!(error instanceof ScreenNameTakenOver)) throw error;
        // As lookUpUser does for v2: the old cursor says nothing about the new holder's timeline.
        this.logger.log(`${this.screenName}: ${error.message}, syncing it from scratch`);
        this.userId = error.userId;
        this.progress = NOTHING_STORED;
        await this.fetchMissing();
      }
      return this.finish('succeeded', null);
    } catch (error) {
      if (error instanceof RunStopped) throw error;
      if (error instanceof AccountUnavailableError) return this.finish(error.kind, error.message);
      if (error instanceof AccountStopped) return this.finish(error.status, error.message);
      return this.finish('failed', errorMessage(error));
    }
  }

  private finish(status: AccountStatus, error: string | null): AccountResult {
    return { ...this.result, userId: this.userId, status, error, newestId: newestStoredId(this.progress) };
  }

  private async lookUpUser(): Promise<void> {
    const lookup = await this.request('users', () => this.api.findUserByUsername(this.screenName));
    if (!lookup.user) throw new AccountUnavailableError('not_found', lookup.problem?.detail ?? 'not found');
    this.logRefused('user', (await this.tweets.upsertUsers([mapV2User(lookup.user)], this.settings.saveMode)).refused);
    // The screen name now belongs to another account: the old cursor says nothing about it.
    if (this.userId !== null && this.userId !== lookup.user.id) this.progress = NOTHING_STORED;
    this.userId = lookup.user.id;
  }

  private async fetchMissing(): Promise<void> {
    const wasComplete = isComplete(this.progress);
    const fresh = await this.fetchGap(topGap(this.progress), true);
    for (let gap = olderGap(this.progress); gap; gap = olderGap(this.progress)) await this.fetchGap(gap, true);
    // since_id cannot see edits or new metrics of stored tweets. `full` asks for everything within
    // reach; the routine refresh re-reads the newest, never below the oldest stored, so that history
    // SYNC_MAX_BACKFILL left out stays out.
    if (this.context.full) {
      if (TIMELINE_REACH > fresh) await this.fetchGap({}, false, TIMELINE_REACH);
      return;
    }
    const refresh = this.settings.refreshRecent;
    if (!wasComplete || refresh <= fresh || this.userId === null) return;
    const oldest = await this.tweets.findOldestTimelineTweetId(this.userId);
    if (oldest !== null) await this.fetchGap({ sinceId: (BigInt(oldest) - 1n).toString() }, false, refresh);
  }

  /**
   * Pages through `gap`, newest first, and returns how many of the account's tweets it stored.
   * With `tracked`, each page's transaction also records the progress, so a run stopped at any
   * point resumes where it stopped; a refresh re-reads stored tweets and records nothing.
   */
  private async fetchGap(gap: Gap, tracked: boolean, limit = Infinity): Promise<number> {
    // The first backfill (no cursor yet, no lower bound) stops at SYNC_MAX_BACKFILL tweets.
    if (tracked && gap.sinceId === undefined) limit = this.settings.maxBackfill - this.progress.backfilled;
    if (tracked && limit <= 0 && newestStoredId(this.progress) === null) return this.startAtNewest();
    let missing = gap;
    let next: FetchedPage['next'];
    let fetched = 0;
    for (;;) {
      if (this.context.signal.aborted) throw new AccountStopped('partial', stopReason(this.context.signal));
      const wanted = limit - fetched;
      const page = wanted > 0 ? await this.fetchPage(gap, next, wanted) : { mapped: emptyPage(), timelineIds: [] };
      const kept = page.timelineIds.slice(0, Math.max(0, wanted));
      const dropped = new Set(page.timelineIds.slice(kept.length));
      const mapped = { ...page.mapped, tweets: page.mapped.tweets.filter((tweet) => !dropped.has(tweet.id)) };
      fetched += kept.length;
      const complete = !page.next || fetched >= limit;
      missing = await this.store(mapped, kept, tracked ? { gap: missing, complete } : null);
      if (complete) return fetched;
      next = page.next;
    }
  }

  /**
   * SYNC_MAX_BACKFILL=0, first sync: no history. The newest tweet, not stored, becomes the cursor,
   * so the next sync stores everything posted after it. An empty timeline leaves no cursor yet.
   */
  private async startAtNewest(): Promise<number> {
    const { timelineIds } = await this.fetchPage({}, undefined, 1);
    if (timelineIds.length === 0) return 0;
    const progress = { ...this.progress, sinceId: timelineIds[0] };
    await this.syncs.transaction(async (manager) => {
      await this.context.fence(manager);
      await this.syncs.saveProgress(this.screenName, this.userId, progress, manager);
    });
    this.progress = progress;
    this.result.pages++;
    return 0;
  }

  private async fetchPage(gap: Gap, next: FetchedPage['next'], wanted: number): Promise<FetchedPage> {
    if (this.settings.apiVersion === '1.1') {
      const maxId = next?.maxId ?? (gap.untilId ? (BigInt(gap.untilId) - 1n).toString() : undefined);
      const { statuses } = await this.request('statuses', () =>
        this.api.fetchStatusesPage(this.screenName, { sinceId: gap.sinceId, maxId, count: V1_PAGE_SIZE }),
      );
      const timelineIds = statuses.map((status) => status.id_str);
      // v1.1 has no user lookup: the statuses' user object says whose timeline this is.
      const owner = statuses[0]?.user?.id_str;
      if (owner !== undefined && this.userId !== null && owner !== this.userId) throw new ScreenNameTakenOver(owner);
      this.userId ??= owner ?? null;
      const oldest = timelineIds[timelineIds.length - 1];
      // v1.1 has no page token: the next page is everything below the oldest id (max_id is inclusive).
      return {
        mapped: mapV1TimelinePage(statuses),
        timelineIds,
        next: oldest ? { maxId: (BigInt(oldest) - 1n).toString() } : undefined,
      };
    }
    const page = await this.request('timeline', () =>
      this.api.fetchTimelinePage(this.userId!, {
        sinceId: gap.sinceId,
        untilId: gap.untilId,
        paginationToken: next?.token,
        maxResults: Math.min(V2_PAGE_SIZE, wanted),
      }),
    );
    if (page.problem) throw new AccountUnavailableError(page.problem.kind, page.problem.detail);
    return {
      mapped: mapV2TimelinePage(page.body),
      timelineIds: (page.body.data ?? []).map((tweet) => tweet.id),
      next: page.nextToken ? { token: page.nextToken } : undefined,
    };
  }

  /** Stores one page in one transaction, with the progress it makes; returns the gap still missing. */
  private async store(
    mapped: MappedPage,
    timelineIds: string[],
    progressOf: { gap: Gap; complete: boolean } | null,
  ): Promise<Gap> {
    const mode = this.settings.saveMode;
    const { counts, recorded } = await this.syncs.transaction(async (manager) => {
      await this.context.fence(manager);
      const users = await this.tweets.upsertUsers(mapped.users, mode, manager);
      this.logRefused('user', users.refused);
      const counts = await this.tweets.upsertTweets(mapped.tweets, mode, manager);
      this.logRefused('tweet', counts.refused);
      // Bookkeeping, not content: older versions stop being listed in insert-only mode too.
      await this.tweets.markSuperseded(mapped.editedVersions, manager);
      if (!progressOf) return { counts, recorded: null };
      const recorded = recordPage(this.progress, progressOf.gap, timelineIds, progressOf.complete);
      await this.syncs.saveProgress(this.screenName, this.userId, recorded.progress, manager);
      return { counts, recorded };
    });
    this.result.pages++;
    this.result.fetched += timelineIds.length;
    this.result.inserted += counts.inserted;
    this.result.updated += counts.updated;
    this.result.unchanged += counts.unchanged;
    this.result.skipped += counts.refused.length;
    if (timelineIds.length > 0) this.logger.debug(`${this.screenName}: stored ${timelineIds.join(', ')}`);
    if (!recorded) return {};
    this.progress = recorded.progress; // only once the transaction committed
    return recorded.gap;
  }

  /** A refused row is skipped, never blocking its page: the log says which and why. */
  private logRefused(kind: 'user' | 'tweet', refused: RefusedRow[]): void {
    for (const { id, reason } of refused) {
      this.logger.warn(`${this.screenName}: skipped ${kind} ${id}, refused: ${reason}`);
    }
  }

  /**
   * One API call with the run's policy: wait out a rate limit when it resets soon enough (else stop
   * the account as partial), retry transient failures with backoff, stop the run on refusals that
   * every account would meet.
   */
  private async request<T extends { rateLimit: RateLimitState | null }>(
    endpoint: string,
    call: () => Promise<T>,
  ): Promise<T> {
    let retries = 0;
    let rateLimitWaits = 0;
    for (;;) {
      const known = this.context.rateLimits.get(endpoint);
      if (known && known.remaining <= 0) {
        await this.waitUntil(known.resetAt);
        this.context.rateLimits.delete(endpoint); // waited out: unknown until the next answer says
      }
      try {
        const response = await call();
        if (response.rateLimit) this.context.rateLimits.set(endpoint, response.rateLimit);
        return response;
      } catch (error) {
        if (error instanceof RateLimitError) {
          if (!error.resetAt || rateLimitWaits++ >= MAX_RATE_LIMIT_WAITS) {
            throw new AccountStopped('partial', error.message);
          }
          this.context.rateLimits.set(endpoint, { remaining: 0, resetAt: error.resetAt });
          continue;
        }
        if (error instanceof TransientError && retries < MAX_RETRIES) {
          retries++;
          // Exponential backoff with full jitter, so replicas and accounts do not retry in step.
          await this.pause(RETRY_BASE_MS * 2 ** (retries - 1) * (0.5 + Math.random() / 2));
          continue;
        }
        if (error instanceof TransientError) {
          throw new Error(`${error.message} (after ${MAX_RETRIES} retries)`, { cause: error });
        }
        if (error instanceof UsageCapError) {
          throw new RunStopped(`${error.message}: the X API usage cap is reached`, { cause: error });
        }
        if (error instanceof AuthError && error.status !== 403) throw new RunStopped(error.message, { cause: error });
        throw error;
      }
    }
  }

  private async waitUntil(resetAt: Date): Promise<void> {
    const wait = resetAt.getTime() + 1000 - Date.now();
    const allowed = this.settings.maxRateLimitWaitSeconds * 1000;
    if (wait > allowed) {
      throw new AccountStopped(
        'partial',
        `rate limited until ${resetAt.toISOString()}, beyond SYNC_MAX_RATE_LIMIT_WAIT_SECONDS (${this.settings.maxRateLimitWaitSeconds})`,
      );
    }
    // A reset already past (clock skew) still waits one backoff step: never a back-to-back retry.
    const pause = Math.max(wait, RETRY_BASE_MS);
    this.logger.log(`${this.screenName}: rate limited, waiting ${Math.ceil(pause / 1000)} s for the reset`);
    await this.pause(pause);
  }

  private async pause(ms: number): Promise<void> {
    try {
      await sleep(Math.max(0, ms), undefined, { signal: this.context.signal });
    } catch {
      throw new AccountStopped('partial', stopReason(this.context.signal));
    }
  }
}

function emptyPage(): MappedPage {
  return { users: [], tweets: [], editedVersions: [] };
}

/** Why the run's signal stopped it (shutdown, or a lost lock). */
export function stopReason(signal: AbortSignal): string {
  return typeof signal.reason === 'string' ? signal.reason : 'interrupted by shutdown';
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
