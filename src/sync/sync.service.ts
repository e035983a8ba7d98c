import { BeforeApplicationShutdown, ConflictException, Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Environment } from '../config/environment';
import { AccountSync, emptyResult, errorMessage, RunContext, RunStopped, SyncSettings } from './account-sync';
import { SyncLock } from './sync-lock';
import { AccountResult, RunStatus, RunTrigger, SyncRepository, SyncRun } from './sync.repository';
import { TwitterApiClient } from '../x-api/twitter-api.client';
import { TweetsRepository } from '../tweets/tweets.repository';

/** A sync is running (in this process or another): 409, naming its run when known. */
export class SyncAlreadyRunningError extends ConflictException {
  constructor(readonly runId: string | null) {
    super({ statusCode: 409, error: 'Conflict', message: 'a sync is already running', runId });
  }
}

export interface RunOptions {
  /** Defaults to TWITTER_SCREEN_NAMES. */
  screenNames?: string[];
  /** Re-read each account's whole reachable timeline (3,200 tweets), updating what changed. */
  full?: boolean;
}

/** Sync runs: one at a time, each account on its own, every run recorded in sync_runs. */
@Injectable()
export class SyncService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(SyncService.name);
  private readonly settings: SyncSettings;
  private running: { runId: string; stop: AbortController; finished: Promise<SyncRun> } | null = null;

  constructor(
    private readonly api: TwitterApiClient,
    private readonly tweets: TweetsRepository,
    private readonly syncs: SyncRepository,
    private readonly lock: SyncLock,
    private readonly config: ConfigService<Environment, true>,
  ) {
    this.settings = {
      apiVersion: config.get('TWITTER_API_VERSION', { infer: true }),
      saveMode: config.get('SYNC_SAVE_MODE', { infer: true }),
      maxBackfill: config.get('SYNC_MAX_BACKFILL', { infer: true }),
      refreshRecent: config.get('SYNC_REFRESH_RECENT', { infer: true }),
      maxRateLimitWaitSeconds: config.get('SYNC_MAX_RATE_LIMIT_WAIT_SECONDS', { infer: true }),
    };
  }

  /**
   * Records a new run and starts it in the background; throws SyncAlreadyRunningError while a
   * sync holds the lock. `finished` never rejects: failures end up in the run's status and errors.
   */
  async startRun(trigger: RunTrigger, options: RunOptions = {}): Promise<{ run: SyncRun; finished: Promise<SyncRun> }> {
    const release = await this.lock.tryAcquire();
    if (!release) throw new SyncAlreadyRunningError(await this.syncs.findRunningRunId());
    try {
      // Holding the lock proves that any run still marked running belongs to a process that died.
      await this.syncs.interruptAbandonedRuns();
      const run = await this.syncs.createRun(trigger);
      const stop = new AbortController();
      const context: RunContext = { signal: stop.signal, full: options.full ?? false, rateLimits: new Map() };
      const screenNames = options.screenNames ?? this.config.get('TWITTER_SCREEN_NAMES', { infer: true });
      const finished = this.execute(run, screenNames, context).finally(async () => {
        this.running = null;
        await release().catch((error: unknown) =>
          this.logger.error(`could not release the sync lock: ${errorMessage(error)}`),
        );
      });
      this.running = { runId: run.id, stop, finished };
      return { run, finished };
    } catch (error) {
      await release();
      throw error;
    }
  }

  /**
   * Stops a running sync at its next page boundary and waits until it has recorded what it stored,
   * before the database closes. A page that outlasts SHUTDOWN_GRACE_SECONDS is given up on: the run
   * is marked interrupted here, and whatever that page would have stored, the next run fetches.
   */
  async beforeApplicationShutdown(): Promise<void> {
    const running = this.running;
    if (!running) return;
    running.stop.abort();
    const graceMs = Math.max(0, this.config.get('SHUTDOWN_GRACE_SECONDS', { infer: true }) * 1000 - 1500);
    let timer: NodeJS.Timeout | undefined;
    const outlasted = new Promise<'outlasted'>((resolve) => (timer = setTimeout(() => resolve('outlasted'), graceMs)));
    const outcome = await Promise.race([running.finished, outlasted]);
    clearTimeout(timer);
    if (outcome === 'outlasted') {
      this.logger.warn(`sync run ${running.runId} did not stop within the grace period; marking it interrupted`);
      await this.syncs
        .finishRun(running.runId, 'interrupted', [], 'interrupted by shutdown before its page finished')
        .catch(() => undefined);
    }
  }

  private async execute(run: SyncRun, screenNames: string[], context: RunContext): Promise<SyncRun> {
    const results: AccountResult[] = [];
    let runError: string | null = null;
    for (const screenName of screenNames) {
      if (runError !== null || context.signal.aborted) {
        const why = runError ?? 'not started: the service was shutting down';
        results.push({ ...emptyResult(screenName), error: `not synced: ${why}` });
        continue;
      }
      const result = await this.syncAccount(screenName, context).catch((error: unknown) => {
        if (error instanceof RunStopped) runError = error.message;
        return { ...emptyResult(screenName), error: errorMessage(error) };
      });
      results.push(result);
      this.logger.log(
        `${screenName}: ${result.status}, ${result.pages} pages, ${result.fetched} fetched, ${result.inserted} inserted, ` +
          `${result.updated} updated, ${result.unchanged} unchanged${result.error ? ` (${result.error})` : ''}`,
      );
    }
    const status: RunStatus = context.signal.aborted ? 'interrupted' : runStatus(results);
    const error = runError ?? (context.signal.aborted ? 'interrupted by shutdown' : null);
    try {
      return await this.syncs.finishRun(run.id, status, results, error);
    } catch (failure) {
      this.logger.error(`could not record the end of sync run ${run.id}: ${errorMessage(failure)}`);
      return { ...run, status, accounts: results, error, finishedAt: new Date() };
    }
  }

  private async syncAccount(screenName: string, context: RunContext): Promise<AccountResult> {
    const account = await this.syncs.findOrCreateAccount(screenName);
    const result = await new AccountSync(account, context, this.settings, this.api, this.tweets, this.syncs).run();
    await this.syncs.recordAccountOutcome(screenName, result.status, result.error);
    return result;
  }
}

// An account that is unknown, suspended or protected is finished: there is nothing more to fetch.
const FINISHED = new Set(['succeeded', 'not_found', 'protected']);

function runStatus(results: AccountResult[]): RunStatus {
  const finished = results.filter((result) => FINISHED.has(result.status)).length;
  if (finished === results.length) return 'succeeded';
  const failed = results.filter((result) => result.status === 'failed').length;
  return failed === results.length ? 'failed' : 'partial';
}
