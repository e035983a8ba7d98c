import { Logger } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EntityManager } from 'typeorm';
import { Gap, isComplete, newestStoredId, olderGap, recordPage, SyncProgress, topGap } from './sync-progress';
import { AccountResult, AccountState, AccountStatus, SyncAccount, SyncRepository } from './sync.repository';
import { RateLimitBudget, RateLimitWaitTooLong } from './rate-limit-budget';
import { PostBudget, PostBudgetReached } from '../usage/post-budget';
import { UsageRepository } from '../usage/usage.repository';
import {
  AccountUnavailableError,
  AuthError,
  RateLimitError,
  RateLimitState,
  TransientError,
  TwitterApiClient,
  UsageCapError,
  X_ENDPOINTS,
  XEndpoint,
} from '../x-api/twitter-api.client';
import { Metrics } from '../metrics/metrics';
import { RefusedRow, SaveMode, TweetsRepository } from '../tweets/tweets.repository';
import {
  MappedPage,
  mapV1TimelinePage,
  mapV1User,
  mapV2TimelinePage,
  mapV2User,
  V1User,
  V2User,
} from '../x-api/x-api.mapper';

export interface SyncSettings {
  apiVersion: '2' | '1.1';
  saveMode: SaveMode;
  maxBackfill: number;
  refreshRecent: number;
  maxRateLimitWaitSeconds: number;
  /** SYNC_VERIFY_PER_RUN: stored tweets checked on X each run, those checked longest ago first. */
  verifyPerRun: number;
}

/** What one run shares between its accounts. */
export interface RunContext {
  signal: AbortSignal;
  full: boolean;
  /** The rate limit of each endpoint is per app or user: every concurrent account spends it. */
  rateLimits: RateLimitBudget;
  /** The month's posts read, against SYNC_MONTHLY_POST_BUDGET. */
  posts: PostBudget;
  /** Throws RunStopped when the run may no longer write (it lost the sync lock); run inside each page's transaction. */
  fence(manager: EntityManager): Promise<void>;
  /** Why the run stopped its accounts (a refusal every account would meet), or null while it goes on. */
  halted(): string | null;
  /** Stops the run's other accounts before their next request. */
  halt(reason: string): void;
}

/** Where an account's part of a run stores what it fetched. */
export interface SyncStores {
  api: TwitterApiClient;
  tweets: TweetsRepository;
  syncs: SyncRepository;
  usage: UsageRepository;
  metrics: Metrics;
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

interface FetchedPage {
  mapped: MappedPage;
  /** The account's own tweets on the page, newest first. */
  timelineIds: string[];
  next?: { token?: string; maxId?: string };
}

const TIMELINE_REACH = 3200;
// A first backfill logs how far it is every this many pages.
const BACKFILL_LOG_PAGES = 4;
const V2_PAGE_SIZE = 100;
const V1_PAGE_SIZE = 200;
const MAX_RETRIES = 3;
const RETRY_BASE_MS = 500;
const MAX_RATE_LIMIT_WAITS = 3;
// What a page of n tweets can deliver at most, counted against the budget: each tweet, and the
// posts it references (a quoted reply refers to two), which come along as includes.
const POSTS_PER_TWEET = 3;
const V2_MIN_PAGE_SIZE = 5;
/** GET /2/tweets takes at most 100 ids. */
const LOOKUP_SIZE = 100;

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
    backfill: null,
    error: null,
  };
}

/** One account's part of a run: fetch what is missing, page by page, each page stored in one transaction. */
export class AccountSync {
  private readonly logger = new Logger('SyncService');
  private readonly result: AccountResult;
  private userId: string | null;
  private progress: SyncProgress;
  /** What the timeline reads of this run saw; `from` is the oldest id a re-read (refresh or full) saw. */
  private readonly seen = { ids: new Set<string>(), from: null as string | null };

  constructor(
    private readonly account: SyncAccount,
    private readonly context: RunContext,
    private readonly settings: SyncSettings,
    private readonly stores: SyncStores,
  ) {
    this.result = { ...emptyResult(account.screenName), status: 'running' };
    this.userId = account.userId;
    this.progress = account.progress;
  }

  private get screenName(): string {
    return this.result.screenName;
  }

  /** The counts so far, for the run's progress. */
  snapshot(): AccountResult {
    const backfill = this.result.backfill && { ...this.result.backfill };
    return { ...this.result, backfill, userId: this.userId, newestId: newestStoredId(this.progress) };
  }

  /** Never throws: the outcome, failures included, is in the result. */
  async run(): Promise<AccountResult> {
    try {
      // Nothing is asked of X, not even the lookup, once the month's budget could not pay for a page.
      await this.reservePosts(this.minimumPageSize(), this.minimumPageSize(), () => undefined);
      await this.lookUp();
      await this.fetchMissing();
      await this.verifyStored();
      return this.finish('succeeded', null);
    } catch (error) {
      // The run stops (SyncService learnt why through halt() or the signal); what was stored counts.
      if (error instanceof RunStopped) return this.finish(this.result.pages > 0 ? 'partial' : 'failed', error.message);
      if (error instanceof AccountUnavailableError) {
        if (error.kind === 'protected') await this.saveState('protected');
        return this.finish(error.kind, error.message);
      }
      if (error instanceof AccountStopped) return this.finish(error.status, error.message);
      return this.finish('failed', errorMessage(error));
    }
  }

  private finish(status: AccountStatus, error: string | null): AccountResult {
    return { ...this.snapshot(), status, error };
  }

  /**
   * Who the account is now. Once resolved it is looked up by user id, so a rename changes only its
   * name (the old one is kept), and another account taking the old name is never synced by mistake.
   */
  private async lookUp(): Promise<void> {
    const { api } = this.stores;
    const userId = this.userId;
    const lookup =
      this.settings.apiVersion === '1.1'
        ? await this.request(X_ENDPOINTS.usersShow, () =>
            api.findV1User(userId ? { userId } : { screenName: this.account.screenName }),
          )
        : userId
          ? await this.request(X_ENDPOINTS.userById, () => api.findUserById(userId))
          : await this.request(X_ENDPOINTS.userByUsername, () => api.findUserByUsername(this.account.screenName));
    if (!lookup.user) {
      const suspended = lookup.problem?.kind === 'suspended';
      await this.saveState(suspended ? 'suspended' : userId ? 'deleted' : 'unresolved');
      const detail = lookup.problem?.detail ?? 'not found';
      const message = suspended
        ? `the account is suspended (${detail})`
        : userId
          ? `the account no longer exists on X (${detail})`
          : `no X account is named ${this.account.screenName} (${detail})`;
      throw new AccountUnavailableError('not_found', message);
    }
    const user =
      this.settings.apiVersion === '1.1' ? mapV1User(lookup.user as V1User) : mapV2User(lookup.user as V2User);
    if (!userId) {
      const other = await this.stores.syncs.findAccountByUserId(user.id);
      if (other && other.id !== this.account.id) {
        throw new Error(`${this.account.screenName} is the X account already followed as ${other.screenName}`);
      }
    }
    const saved = await this.stores.tweets.upsertUsers([user], this.settings.saveMode);
    this.logRefused('user', saved.refused);
    const state: AccountState = (lookup.user as { protected?: boolean }).protected ? 'protected' : 'active';
    const kept = await this.stores.syncs.saveIdentity(this.account.id, {
      userId: user.id,
      screenName: user.screenName,
      status: state,
    });
    if (kept.toLowerCase() !== this.account.screenName.toLowerCase()) {
      this.logger.log(`${this.account.screenName}: renamed on X to ${kept}; followed by its user id ${user.id}`);
    }
    this.userId = user.id;
    this.result.screenName = kept;
  }

  private async saveState(state: AccountState): Promise<void> {
    await this.stores.syncs.saveStatus(this.account.id, state);
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
    const oldest = await this.stores.tweets.findOldestTimelineTweetId(this.userId);
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
    const backfill = tracked && gap.sinceId === undefined && limit > 0;
    if (backfill) {
      const atMost = Math.min(this.settings.maxBackfill, TIMELINE_REACH);
      this.result.backfill = { stored: this.progress.backfilled, atMost };
    }
    let missing = gap;
    let fetched = 0;
    this.throwIfStopped();
    let page: FetchedPage =
      limit > 0 ? await this.fetchPage(gap, undefined, limit) : { mapped: emptyPage(), timelineIds: [] };
    for (;;) {
      const wanted = limit - fetched;
      this.noteSeen(page.timelineIds, !tracked);
      const kept = page.timelineIds.slice(0, Math.max(0, wanted));
      const dropped = new Set(page.timelineIds.slice(kept.length));
      const mapped = { ...page.mapped, tweets: page.mapped.tweets.filter((tweet) => !dropped.has(tweet.id)) };
      fetched += kept.length;
      const complete = !page.next || fetched >= limit;
      // The next page is asked for while this one is written: the two waits (on X, on the
      // database) overlap. Pages are still stored in order, each with its progress.
      const following =
        complete || this.context.signal.aborted ? null : this.fetchPage(gap, page.next, limit - fetched);
      following?.catch(() => undefined); // awaited below, or abandoned with the error that stops the account
      try {
        missing = await this.store(mapped, kept, tracked ? { gap: missing, complete } : null);
      } catch (error) {
        await following?.catch(() => undefined);
        throw error;
      }
      if (backfill) this.reportBackfill(complete);
      if (complete) return fetched;
      if (this.context.signal.aborted) {
        await following?.catch(() => undefined);
        this.throwIfStopped();
      }
      page = await following!;
    }
  }

  /** How far a first backfill is, for GET /sync/runs/:id and, every few pages, the log. */
  private reportBackfill(complete: boolean): void {
    const backfill = this.result.backfill!;
    backfill.stored = this.progress.backfilled;
    if (complete || this.result.pages % BACKFILL_LOG_PAGES !== 0) return;
    const count = (n: number) => n.toLocaleString('en-US');
    this.logger.log(`${this.screenName}: ${count(backfill.stored)} of at most ${count(backfill.atMost)}`);
  }

  private throwIfStopped(): void {
    if (this.context.signal.aborted) throw new AccountStopped('partial', stopReason(this.context.signal));
  }

  private noteSeen(ids: string[], reread: boolean): void {
    for (const id of ids) this.seen.ids.add(id);
    if (!reread) return;
    for (const id of ids) if (this.seen.from === null || BigInt(id) < BigInt(this.seen.from)) this.seen.from = id;
  }

  /**
   * Deleted tweets stay, marked. The stored tweets a re-read should have met but did not, and the
   * SYNC_VERIFY_PER_RUN checked longest ago, are asked of X by id (GET /2/tweets, 100 a request,
   * through the same rate limits and budget as the timeline pages). X's not-found sets deleted_at;
   * a tweet it finds loses it, and (v2) is stored again like a timeline page, so its metrics move.
   */
  private async verifyStored(): Promise<void> {
    if (this.userId === null) return;
    const { api, tweets } = this.stores;
    const seen = [...this.seen.ids];
    // Read in a timeline of this run: still on X.
    await this.saveChecked(seen, []);
    const ids = await tweets.findTweetsToVerify(this.userId, {
      seenFrom: this.seen.from,
      seen,
      oldestChecked: this.settings.verifyPerRun,
    });
    for (let start = 0; start < ids.length; start += LOOKUP_SIZE) {
      if (this.context.signal.aborted) throw new AccountStopped('partial', stopReason(this.context.signal));
      const batch = ids.slice(start, start + LOOKUP_SIZE);
      const lookup = await this.reservePosts(batch.length, batch.length, () =>
        this.request(X_ENDPOINTS.tweetsLookup, () => api.lookupTweets(batch)),
      );
      // v1.1 stores v1.1 objects: a v2 answer only says whether the tweet is there.
      if (this.settings.apiVersion === '2') await this.store(mapV2TimelinePage(lookup.body), [], null);
      await this.saveChecked(
        (lookup.body.data ?? []).map((tweet) => tweet.id),
        lookup.missing,
      );
      if (lookup.missing.length > 0) this.logger.log(`${this.screenName}: gone from X: ${lookup.missing.join(', ')}`);
    }
  }

  private async saveChecked(found: string[], missing: string[]): Promise<void> {
    if (found.length === 0 && missing.length === 0) return;
    await retryDeadlock(() =>
      this.stores.syncs.transaction(async (manager) => {
        await this.holdAccount(manager);
        await this.stores.tweets.markChecked(found, missing, manager);
      }),
    );
  }

  /**
   * SYNC_MAX_BACKFILL=0, first sync: no history. The newest tweet, not stored, becomes the cursor,
   * so the next sync stores everything posted after it. An empty timeline leaves no cursor yet.
   */
  private async startAtNewest(): Promise<number> {
    const { timelineIds } = await this.fetchPage({}, undefined, 1);
    if (timelineIds.length === 0) return 0;
    const progress = { ...this.progress, sinceId: timelineIds[0] };
    await this.stores.syncs.transaction(async (manager) => {
      await this.holdAccount(manager);
      await this.stores.syncs.saveProgress(this.account.id, this.userId, progress, manager);
    });
    this.progress = progress;
    this.result.pages++;
    return 0;
  }

  private async fetchPage(gap: Gap, next: FetchedPage['next'], wanted: number): Promise<FetchedPage> {
    const { api } = this.stores;
    const userId = this.userId!;
    const exclude = this.account.exclude;
    const pageSize = Math.max(this.minimumPageSize(), Math.min(this.maximumPageSize(), wanted));
    if (this.settings.apiVersion === '1.1') {
      const maxId = next?.maxId ?? (gap.untilId ? (BigInt(gap.untilId) - 1n).toString() : undefined);
      const { statuses } = await this.reservePosts(pageSize, this.minimumPageSize(), (count) =>
        this.request(X_ENDPOINTS.statuses, () =>
          api.fetchStatusesPage({ userId }, { sinceId: gap.sinceId, maxId, count, exclude }),
        ),
      );
      const timelineIds = statuses.map((status) => status.id_str);
      const oldest = timelineIds[timelineIds.length - 1];
      // v1.1 has no page token: the next page is everything below the oldest id (max_id is inclusive).
      return {
        mapped: mapV1TimelinePage(statuses),
        timelineIds,
        next: oldest ? { maxId: (BigInt(oldest) - 1n).toString() } : undefined,
      };
    }
    const page = await this.reservePosts(pageSize, this.minimumPageSize(), (maxResults) =>
      this.request(X_ENDPOINTS.timeline, () =>
        api.fetchTimelinePage(userId, {
          sinceId: gap.sinceId,
          untilId: gap.untilId,
          paginationToken: next?.token,
          maxResults,
          exclude,
        }),
      ),
    );
    if (page.problem) throw new AccountUnavailableError(page.problem.kind, page.problem.detail);
    return {
      mapped: mapV2TimelinePage(page.body),
      timelineIds: (page.body.data ?? []).map((tweet) => tweet.id),
      next: page.nextToken ? { token: page.nextToken } : undefined,
    };
  }

  private minimumPageSize(): number {
    return this.settings.apiVersion === '1.1' ? 1 : V2_MIN_PAGE_SIZE;
  }

  private maximumPageSize(): number {
    return this.settings.apiVersion === '1.1' ? V1_PAGE_SIZE : V2_PAGE_SIZE;
  }

  /**
   * Asks for a page of at most `pageSize` tweets only if the month's budget can pay for everything
   * it could deliver (fewer tweets when the budget runs low); then counts what it did deliver.
   */
  private async reservePosts<T>(
    pageSize: number,
    minimum: number,
    read: (pageSize: number) => Promise<T> | T,
  ): Promise<T> {
    let reserved: number;
    try {
      reserved = this.context.posts.reserve(pageSize * POSTS_PER_TWEET, minimum * POSTS_PER_TWEET);
    } catch (error) {
      if (error instanceof PostBudgetReached) throw new AccountStopped('partial', error.message);
      throw error;
    }
    let delivered = 0;
    try {
      const answer = await read(Math.floor(reserved / POSTS_PER_TWEET));
      delivered = (answer as { postsDelivered?: number } | undefined)?.postsDelivered ?? 0;
      return answer;
    } finally {
      this.context.posts.settle(reserved, delivered);
      if (delivered > 0) await this.countPostsRead(delivered);
    }
  }

  private async countPostsRead(posts: number): Promise<void> {
    await this.stores.usage
      .addPostsRead({ id: this.account.id, screenName: this.screenName }, posts)
      .catch((error: unknown) =>
        this.logger.warn(`${this.screenName}: could not count ${posts} posts read: ${errorMessage(error)}`),
      );
  }

  /** Stores one page in one transaction, with the progress it makes; returns the gap still missing. */
  private async store(
    mapped: MappedPage,
    timelineIds: string[],
    progressOf: { gap: Gap; complete: boolean } | null,
  ): Promise<Gap> {
    const mode = this.settings.saveMode;
    const { tweets, syncs } = this.stores;
    const { counts, recorded } = await retryDeadlock(() =>
      syncs.transaction(async (manager) => {
        await this.holdAccount(manager);
        const users = await tweets.upsertUsers(mapped.users, mode, manager);
        this.logRefused('user', users.refused);
        const counts = await tweets.upsertTweets(mapped.tweets, mode, manager);
        this.logRefused('tweet', counts.refused);
        // Bookkeeping, not content: older versions stop being listed in insert-only mode too.
        await tweets.markSuperseded(mapped.editedVersions, manager);
        if (!progressOf) return { counts, recorded: null };
        const recorded = recordPage(this.progress, progressOf.gap, timelineIds, progressOf.complete);
        await syncs.saveProgress(this.account.id, this.userId, recorded.progress, manager);
        return { counts, recorded };
      }),
    );
    this.result.pages++;
    this.result.fetched += timelineIds.length;
    this.stores.metrics.countTweetsWritten('sync', counts);
    this.result.inserted += counts.inserted;
    this.result.updated += counts.updated;
    this.result.unchanged += counts.unchanged;
    this.result.skipped += counts.refused.length;
    if (timelineIds.length > 0) this.logger.debug(`${this.screenName}: stored ${timelineIds.join(', ')}`);
    if (!recorded) return {};
    this.progress = recorded.progress; // only once the transaction committed
    return recorded.gap;
  }

  /**
   * Inside each page's transaction: the run may still write, and the account still exists. Its row
   * stays locked until the page commits, so removing the account waits for the page, and the next
   * page stops.
   */
  private async holdAccount(manager: EntityManager): Promise<void> {
    await this.context.fence(manager);
    if (!(await this.stores.syncs.lockAccount(this.account.id, manager))) {
      throw new AccountStopped('partial', 'the account was removed while it synced');
    }
  }

  /** A refused row is skipped, never blocking its page: the log says which and why. */
  private logRefused(kind: 'user' | 'tweet', refused: RefusedRow[]): void {
    for (const { id, reason } of refused) {
      this.logger.warn(`${this.screenName}: skipped ${kind} ${id}, refused: ${reason}`);
    }
  }

  /**
   * One API call with the run's policy: wait for the endpoint's shared rate limit when it resets
   * soon enough (else stop the account as partial), retry transient failures with backoff, stop
   * the run on refusals that every account would meet.
   */
  private async request<T extends { rateLimit: RateLimitState | null }>(
    endpoint: XEndpoint,
    call: () => Promise<T>,
  ): Promise<T> {
    const { rateLimits } = this.context;
    let retries = 0;
    let rateLimitWaits = 0;
    for (;;) {
      try {
        await rateLimits.acquire(endpoint, this.context.signal);
      } catch (error) {
        if (error instanceof RateLimitWaitTooLong) throw new AccountStopped('partial', error.message);
        throw new AccountStopped('partial', stopReason(this.context.signal));
      }
      // Another account met a refusal that this request would meet too: it does not go.
      const halted = this.context.halted();
      if (halted !== null) {
        rateLimits.release(endpoint, null);
        throw new AccountStopped('failed', `not synced: ${halted}`);
      }
      let response: T;
      try {
        response = await call();
      } catch (error) {
        const refusal = refusalOfEveryAccount(error);
        // Before the next request waiting for this answer goes: it would meet the same refusal.
        if (refusal) this.context.halt(refusal.message);
        rateLimits.release(endpoint, null);
        if (refusal) throw refusal;
        if (error instanceof RateLimitError) {
          if (!error.resetAt || rateLimitWaits++ >= MAX_RATE_LIMIT_WAITS) {
            throw new AccountStopped('partial', error.message);
          }
          // Another client of the same app spent it: everyone waits for this reset.
          rateLimits.exhausted(endpoint, error.resetAt);
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
        throw error;
      }
      rateLimits.release(endpoint, response.rateLimit);
      return response;
    }
  }

  private async pause(ms: number): Promise<void> {
    try {
      await sleep(Math.max(0, ms), undefined, { signal: this.context.signal });
    } catch {
      throw new AccountStopped('partial', stopReason(this.context.signal));
    }
  }
}

const DEADLOCK_RETRIES = 3;

/**
 * Pages of concurrent accounts write the same rows (a tweet retweeted by both, its author) and
 * lock them in the same order, but PostgreSQL may still pick one as a deadlock victim: the page
 * rolled back whole, so it is written again.
 */
async function retryDeadlock<T>(write: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await write();
    } catch (error) {
      const code = (error as { code?: string; driverError?: { code?: string } }).driverError?.code;
      if (code !== '40P01' || attempt >= DEADLOCK_RETRIES) throw error;
    }
  }
}

/** The run stops on refusals every account would meet: the usage cap, refused credentials. */
function refusalOfEveryAccount(error: unknown): RunStopped | null {
  if (error instanceof UsageCapError) {
    return new RunStopped(`${error.message}: the X API usage cap is reached`, { cause: error });
  }
  if (error instanceof AuthError && error.status !== 403) return new RunStopped(error.message, { cause: error });
  return null;
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
