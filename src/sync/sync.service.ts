import {
  BeforeApplicationShutdown,
  ConflictException,
  Injectable,
  Logger,
  OnModuleDestroy,
  ServiceUnavailableException,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { setTimeout as sleep } from 'node:timers/promises';
import { EntityManager } from 'typeorm';
import type { Environment } from '../config/environment';
import {
  AccountSync,
  emptyResult,
  errorMessage,
  RunContext,
  RunStopped,
  stopReason,
  SyncSettings,
  SyncStores,
} from './account-sync';
import { RateLimitBudget } from './rate-limit-budget';
import { HeldLock, SyncLock } from './sync-lock';
import { AccountResult, RunStatus, RunTrigger, SyncAccount, SyncRepository, SyncRun } from './sync.repository';
import { TwitterApiClient } from '../x-api/twitter-api.client';
import { TweetsRepository } from '../tweets/tweets.repository';
import { Metrics } from '../metrics/metrics';
import { PostBudget } from '../usage/post-budget';
import { UsageRepository } from '../usage/usage.repository';

/** The service is shutting down: a sync started now would outlive the process (503). */
export class SyncShuttingDownError extends ServiceUnavailableException {
  constructor() {
    super('the service is shutting down: no sync starts');
  }
}

/** A sync is running (in this process or another): 409, naming its run. */
export class SyncAlreadyRunningError extends ConflictException {
  constructor(readonly runId: string | null) {
    super({ statusCode: 409, error: 'Conflict', message: 'a sync is already running', runId });
  }
}

export interface RunOptions {
  /** Accounts by current or previous screen name (added when not stored); default: every enabled account. */
  screenNames?: string[];
  /** Re-read each account's whole reachable timeline (3,200 tweets), updating what changed. */
  full?: boolean;
}

/** Why a run stops early; the abort reason of its signal, and the error it records. */
export const SHUTDOWN = 'interrupted by shutdown';
export const LOCK_LOST = 'interrupted: this process lost the sync lock, so another run may have taken over';

// A holder that recorded its run's end lets go of the lock a moment later: a start that finds the
// lock taken but no run running tries again for up to BUSY_RETRIES * BUSY_RETRY_MS.
const BUSY_RETRIES = 20;
const BUSY_RETRY_MS = 50;

interface ActiveRun {
  run: SyncRun;
  /** Each account's result so far, in the run's order: pending, running (its counts so far), or how it ended. */
  results: AccountResult[];
  stop: AbortController;
  finished: Promise<SyncRun>;
  /** The write of `results` under way (GET /sync/runs/:id shows them), and whether they changed since. */
  saving: Promise<void> | null;
  changed: boolean;
}

/** Sync runs: one at a time, SYNC_CONCURRENCY accounts at once, every run recorded in sync_runs. */
@Injectable()
export class SyncService implements OnModuleDestroy, BeforeApplicationShutdown {
  private readonly logger = new Logger(SyncService.name);
  private readonly settings: SyncSettings;
  private running: ActiveRun | null = null;
  private shuttingDown = false;
  // Starts in this process take turns, so the second of two at once sees the first one's run.
  private starting: Promise<unknown> = Promise.resolve();

  private readonly stores: SyncStores;
  // Outlives each run: a run started while a window is still spent waits for its reset instead of
  // sending a request into a 429 (X's windows last 15 minutes, often longer than a run).
  private readonly rateLimits: RateLimitBudget;

  constructor(
    private readonly api: TwitterApiClient,
    tweets: TweetsRepository,
    private readonly syncs: SyncRepository,
    private readonly usage: UsageRepository,
    private readonly lock: SyncLock,
    private readonly config: ConfigService<Environment, true>,
    private readonly metrics: Metrics,
  ) {
    this.stores = { api, tweets, syncs, usage, metrics };
    this.settings = {
      apiVersion: config.get('TWITTER_API_VERSION', { infer: true }),
      saveMode: config.get('SYNC_SAVE_MODE', { infer: true }),
      maxBackfill: config.get('SYNC_MAX_BACKFILL', { infer: true }),
      refreshRecent: config.get('SYNC_REFRESH_RECENT', { infer: true }),
      verifyPerRun: config.get('SYNC_VERIFY_PER_RUN', { infer: true }),
      maxRateLimitWaitSeconds: config.get('SYNC_MAX_RATE_LIMIT_WAIT_SECONDS', { infer: true }),
    };
    this.rateLimits = new RateLimitBudget({
      maxWaitSeconds: this.settings.maxRateLimitWaitSeconds,
      log: (message) => this.logger.log(message),
      onWait: (endpoint, seconds) => {
        metrics.rateLimitWaits.inc({ endpoint });
        metrics.rateLimitWaitSeconds.inc({ endpoint }, seconds);
      },
    });
  }

  /**
   * Records a new run and starts it in the background; throws SyncAlreadyRunningError (naming the
   * running run) while a sync holds the lock, and 503 once shutdown has begun. `finished` never
   * rejects: failures end up in the run's status and errors.
   */
  startRun(trigger: RunTrigger, options: RunOptions = {}): Promise<{ run: SyncRun; finished: Promise<SyncRun> }> {
    const turn = this.starting.then(() => this.start(trigger, options));
    this.starting = turn.catch(() => undefined);
    return turn;
  }

  private async start(trigger: RunTrigger, options: RunOptions): Promise<{ run: SyncRun; finished: Promise<SyncRun> }> {
    for (let attempt = 0; ; attempt++) {
      if (this.shuttingDown) throw new SyncShuttingDownError();
      if (this.running) throw new SyncAlreadyRunningError(this.running.run.id);
      const lock = await this.lock.tryAcquire(async (manager) => {
        // Holding the lock proves that any run still marked running belongs to a process that died
        // or lost the lock; interrupting it also stops it from storing anything more.
        await this.syncs.interruptAbandonedRuns(manager);
        return this.syncs.createRun(trigger, manager);
      });
      if (lock) return this.begin(lock, options);
      const runId = await this.syncs.findRunningRunId();
      if (runId || attempt >= BUSY_RETRIES) throw new SyncAlreadyRunningError(runId);
      await sleep(BUSY_RETRY_MS);
    }
  }

  private begin(lock: HeldLock<SyncRun>, options: RunOptions): { run: SyncRun; finished: Promise<SyncRun> } {
    const run = lock.claimed;
    const stop = new AbortController();
    lock.lost.addEventListener('abort', () => stop.abort(LOCK_LOST), { once: true });
    const active: ActiveRun = {
      run,
      results: [],
      stop,
      finished: Promise.resolve(run),
      saving: null,
      changed: false,
    };
    active.finished = this.execute(active, options).finally(async () => {
      this.running = null;
      await lock
        .release()
        .catch((error: unknown) => this.logger.error(`could not release the sync lock: ${errorMessage(error)}`));
    });
    this.running = active;
    return { run, finished: active.finished };
  }

  /** Stops the run unless it may still write; called inside each of its write transactions. */
  private async fence(runId: string, stop: AbortController, manager: EntityManager): Promise<void> {
    if (await this.syncs.holdsRun(runId, manager)) return;
    if (!stop.signal.aborted) {
      this.logger.error(`the sync lock was lost: another process interrupted run ${runId}; it stores nothing more`);
    }
    stop.abort(LOCK_LOST);
    throw new RunStopped(stopReason(stop.signal));
  }

  /** From now on no sync starts (503): one accepted now would outlive the process. */
  onModuleDestroy(): void {
    this.shuttingDown = true;
  }

  /**
   * Stops a running sync at its next page boundary and waits until it has recorded what it stored,
   * before the database closes. A page that outlasts SHUTDOWN_GRACE_SECONDS is given up on: the run
   * is marked interrupted here with the accounts it finished, and whatever that page would have
   * stored, the next run fetches.
   */
  async beforeApplicationShutdown(): Promise<void> {
    await this.starting; // a start under way when shutdown began: its run is stopped too
    const running = this.running;
    if (!running) return;
    running.stop.abort(SHUTDOWN);
    const graceMs = Math.max(0, this.config.get('SHUTDOWN_GRACE_SECONDS', { infer: true }) * 1000 - 1500);
    let timer: NodeJS.Timeout | undefined;
    const outlasted = new Promise<'outlasted'>((resolve) => (timer = setTimeout(() => resolve('outlasted'), graceMs)));
    const outcome = await Promise.race([running.finished, outlasted]);
    clearTimeout(timer);
    if (outcome === 'outlasted') {
      this.logger.warn(`sync run ${running.run.id} did not stop within the grace period; marking it interrupted`);
      const accounts = running.results.map((result): AccountResult => {
        if (result.status === 'running') return { ...result, status: 'partial', error: OUTLASTED };
        if (result.status === 'pending')
          return { ...result, status: 'failed', error: `not synced: not started: ${SHUTDOWN}` };
        return result;
      });
      await this.syncs.finishRun(running.run.id, 'interrupted', accounts, OUTLASTED).catch(() => undefined);
    }
  }

  private async execute(active: ActiveRun, options: RunOptions): Promise<SyncRun> {
    const { run, results, stop } = active;
    const endTimer = this.metrics.syncRunDuration.startTimer({ trigger: run.trigger });
    // Old records go at each run's start: one indexed DELETE, by whichever replica holds the lock.
    await this.syncs
      .deleteRunsOlderThan(this.config.get('SYNC_RUNS_RETENTION_DAYS', { infer: true }))
      .catch((error: unknown) => this.logger.warn(`could not delete old sync runs: ${errorMessage(error)}`));
    const historyDays = this.config.get('HISTORY_RETENTION_DAYS', { infer: true });
    if (historyDays !== undefined) {
      await this.stores.tweets
        .deleteHistoryOlderThan(historyDays)
        .catch((error: unknown) => this.logger.warn(`could not delete old history: ${errorMessage(error)}`));
    }
    let runError: string | null = null;
    try {
      const accounts = await this.syncs.findAccountsToSync(options.screenNames);
      results.push(...accounts.map((account) => ({ ...emptyResult(account.screenName), status: 'pending' as const })));
      const context = await this.runContext(active, options, {
        halted: () => runError,
        halt: (reason) => void (runError ??= reason),
      });
      const concurrency = this.config.get('SYNC_CONCURRENCY', { infer: true });
      let next = 0;
      // Each worker takes the next account waiting; a refusal every account would meet stops them all.
      const worker = async (): Promise<void> => {
        for (let index = next++; index < accounts.length; index = next++) {
          if (runError !== null || stop.signal.aborted) {
            const why = runError ?? `not started: ${stopReason(stop.signal)}`;
            results[index] = { ...emptyResult(accounts[index].screenName), error: `not synced: ${why}` };
          } else {
            results[index] = await this.syncAccount(active, index, accounts[index], context).catch(
              (error: unknown): AccountResult => ({
                ...emptyResult(accounts[index].screenName),
                error: errorMessage(error),
              }),
            );
            this.saveResultsSoon(active);
          }
          this.metrics.accountSyncs.inc({ status: results[index].status });
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, accounts.length) }, worker));
    } catch (error) {
      runError ??= errorMessage(error);
      this.logger.error(`sync run ${run.id} failed: ${runError}`);
    }
    await active.saving;
    const status: RunStatus = stop.signal.aborted ? 'interrupted' : runStatus(results, runError);
    const error = runError ?? (stop.signal.aborted ? stopReason(stop.signal) : null);
    endTimer();
    this.metrics.syncRuns.inc({ trigger: run.trigger, status });
    try {
      return await this.syncs.finishRun(run.id, status, results, error);
    } catch (failure) {
      this.logger.error(`could not record the end of sync run ${run.id}: ${errorMessage(failure)}`);
      return { ...run, status, accounts: results, error, finishedAt: new Date() };
    }
  }

  /** What the run's accounts share: the stop signal, the rate limits and the month's post budget. */
  private async runContext(
    active: ActiveRun,
    options: RunOptions,
    halting: Pick<RunContext, 'halted' | 'halt'>,
  ): Promise<RunContext> {
    await this.refreshProjectUsage();
    const budget = this.config.get('SYNC_MONTHLY_POST_BUDGET', { infer: true }) ?? null;
    return {
      signal: active.stop.signal,
      full: options.full ?? false,
      rateLimits: this.rateLimits,
      posts: new PostBudget(budget, await this.usage.postsReadThisMonth()),
      fence: (manager) => this.fence(active.run.id, active.stop, manager),
      ...halting,
    };
  }

  /** The X project's own count of posts read this month (bearer token only), once per run. */
  private async refreshProjectUsage(): Promise<void> {
    try {
      const usage = await this.api.fetchUsage();
      if (usage) await this.usage.saveProjectUsage(usage);
    } catch (error) {
      this.logger.warn(`could not read the X project's usage: ${errorMessage(error)}`);
    }
  }

  private async syncAccount(
    active: ActiveRun,
    index: number,
    account: SyncAccount,
    context: RunContext,
  ): Promise<AccountResult> {
    const sync = new AccountSync(account, context, this.settings, this.stores);
    const ticker = setInterval(() => {
      active.results[index] = sync.snapshot();
      this.saveResultsSoon(active);
    }, PROGRESS_INTERVAL_MS);
    active.results[index] = sync.snapshot();
    this.saveResultsSoon(active);
    try {
      const result = await sync.run();
      await this.syncs.recordAccountOutcome(active.run.id, account.id, result.status, result.error);
      this.logger.log(
        `${result.screenName}: ${result.status}, ${result.pages} pages, ${result.fetched} fetched, ${result.inserted} inserted, ` +
          `${result.updated} updated, ${result.unchanged} unchanged${result.error ? ` (${result.error})` : ''}`,
      );
      return result;
    } finally {
      clearInterval(ticker);
    }
  }

  /** Writes the run's results so far, one write at a time, the latest winning. */
  private saveResultsSoon(active: ActiveRun): void {
    active.changed = true;
    if (active.saving) return;
    active.saving = (async () => {
      while (active.changed) {
        active.changed = false;
        await this.syncs
          .saveRunAccounts(active.run.id, [...active.results])
          .catch((error: unknown) =>
            this.logger.warn(`could not record the progress of the run: ${errorMessage(error)}`),
          );
      }
      active.saving = null;
    })();
  }
}

// How often a running account's counts are recorded for GET /sync/runs/:id.
const PROGRESS_INTERVAL_MS = 1000;

const OUTLASTED = `${SHUTDOWN} before its page finished`;

// An account that is unknown, suspended or protected is finished: there is nothing more to fetch.
const FINISHED = new Set(['succeeded', 'not_found', 'protected']);

function runStatus(results: AccountResult[], runError: string | null): RunStatus {
  if (results.length === 0) return runError === null ? 'succeeded' : 'failed';
  const finished = results.filter((result) => FINISHED.has(result.status)).length;
  if (finished === results.length) return 'succeeded';
  const failed = results.filter((result) => result.status === 'failed').length;
  return failed === results.length ? 'failed' : 'partial';
}
