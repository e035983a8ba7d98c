import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { SchedulerRegistry } from '@nestjs/schedule';
import type { Environment } from '../config/environment';
import { Metrics } from '../metrics/metrics';
import { errorMessage } from '../sync/account-sync';
import { SyncRepository, SyncRun } from '../sync/sync.repository';
import { SyncAlreadyRunningError, SyncService, SyncShuttingDownError } from '../sync/sync.service';
import { defaultSchedule, latestTick, nextTick, ScheduleEntry, TaskName } from './schedule';
import { ScheduleRepository, StoredScheduleEntry } from './schedule.repository';

// How often a replica looks for schedule changes made through another replica.
const REFRESH_INTERVAL_MS = 2000;
// setTimeout takes at most 2^31-1 ms; a farther tick is reached in steps.
const LONGEST_TIMER_MS = 24 * 60 * 60 * 1000;
// A tick missed by more than this while the service was down is caught up once at start-up.
const CATCH_UP_AFTER_MS = 1000;
const NOTHING_TO_SYNC = 'nothing to sync: no enabled accounts';

export type TaskOutcome = { kind: 'done'; status: string; result: unknown } | { kind: 'sync'; run: SyncRun };

/**
 * The beat (Celery beat's counterpart): runs each schedule entry on its cron or interval with
 * @nestjs/schedule's registry of timers. Every tick is claimed in schedule_entries first, so among
 * replicas exactly one runs it; a sync that finds another still running is skipped and counted.
 */
@Injectable()
export class TasksService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(TasksService.name);
  private readonly entries: ScheduleEntry[];
  private readonly timeZone: string;
  /** The version of each entry this replica's timer follows. */
  private readonly versions = new Map<string, number>();
  private stopped = false;

  constructor(
    private readonly schedules: ScheduleRepository,
    private readonly sync: SyncService,
    private readonly syncs: SyncRepository,
    private readonly registry: SchedulerRegistry,
    private readonly config: ConfigService<Environment, true>,
    private readonly metrics: Metrics,
  ) {
    this.timeZone = config.get('APP_TIMEZONE', { infer: true });
    this.entries = defaultSchedule({
      syncCron: config.get('SYNC_CRON', { infer: true }),
      sampleTasks: config.get('SAMPLE_TASKS_ENABLED', { infer: true }),
    });
  }

  get names(): string[] {
    return this.entries.map((entry) => entry.name);
  }

  get schedulerEnabled(): boolean {
    return this.config.get('SCHEDULER_ENABLED', { infer: true });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.schedules.applyConfiguration(this.entries);
    const stored: StoredScheduleEntry[] = [];
    for (const entry of await this.schedules.findAll(this.names)) {
      const runnable = !entry.enabled || nextTick(entry.schedule, new Date(), this.timeZone);
      stored.push(runnable ? entry : await this.disableUnschedulable(entry));
    }
    if (this.config.get('SYNC_ON_STARTUP', { infer: true })) this.runInBackground('sync', 'startup');
    if (!this.schedulerEnabled) {
      this.logger.log('scheduler disabled (SCHEDULER_ENABLED=false): no entry runs on its own');
      return;
    }
    const caughtUpTo = new Date(Date.now() - CATCH_UP_AFTER_MS);
    for (const entry of stored) {
      // After downtime an overdue entry runs once, however many ticks it missed: the latest one,
      // claimed at its own instant (not this replica's clock) so that replicas starting together
      // claim the same tick and only one of them runs it.
      const missed =
        entry.enabled && entry.lastTickAt && latestTick(entry.schedule, entry.lastTickAt, caughtUpTo, this.timeZone);
      if (missed && (await this.schedules.claimTick(entry.name, missed))) {
        this.logger.log(`${entry.name}: catching up a tick missed while the service was down`);
        this.runInBackground(entry.name, 'schedule');
      }
      this.follow(entry);
    }
    this.registry.addInterval(
      'schedule-refresh',
      setInterval(() => void this.refresh(), REFRESH_INTERVAL_MS),
    );
  }

  beforeApplicationShutdown(): void {
    this.stopped = true;
    for (const name of this.registry.getTimeouts()) this.registry.deleteTimeout(name);
    if (this.registry.doesExist('interval', 'schedule-refresh')) this.registry.deleteInterval('schedule-refresh');
  }

  /** Applies a changed entry on this replica at once (the others notice within seconds). */
  follow(entry: StoredScheduleEntry): void {
    this.versions.set(entry.name, entry.version);
    const timer = `schedule:${entry.name}`;
    if (this.registry.doesExist('timeout', timer)) this.registry.deleteTimeout(timer);
    if (this.stopped || !this.schedulerEnabled || !entry.enabled) return;
    const tickAt = nextTick(entry.schedule, new Date(), this.timeZone);
    if (!tickAt) return void this.disableUnschedulable(entry); // changed behind the API's back
    const delay = Math.min(Math.max(0, tickAt.getTime() - Date.now()), LONGEST_TIMER_MS);
    this.registry.addTimeout(
      timer,
      setTimeout(() => void this.onTimer(entry.name, tickAt), delay),
    );
  }

  /** Runs an entry's task now: the outcome of hello and add, the started run of sync. */
  async runNow(name: string, trigger: 'manual' | 'schedule' | 'startup' = 'manual'): Promise<TaskOutcome> {
    const entry = this.entries.find((candidate) => candidate.name === name)!;
    if (entry.task === 'sync') {
      if (trigger !== 'manual' && !(await this.syncs.hasEnabledAccounts())) {
        await this.record(name, 'succeeded', NOTHING_TO_SYNC);
        return { kind: 'done', status: 'succeeded', result: NOTHING_TO_SYNC };
      }
      const { run, finished } = await this.sync.startRun(trigger);
      void finished.then((done) => this.record(name, done.status, { runId: done.id, status: done.status }));
      return { kind: 'sync', run };
    }
    try {
      const result = runSampleTask(entry.task, entry.args, this.logger);
      await this.record(name, 'succeeded', result);
      return { kind: 'done', status: 'succeeded', result };
    } catch (error) {
      await this.record(name, 'failed', { error: errorMessage(error) });
      return { kind: 'done', status: 'failed', result: { error: errorMessage(error) } };
    }
  }

  private async onTimer(name: string, tickAt: Date): Promise<void> {
    try {
      const entry = await this.schedules.find(name);
      if (this.stopped || !entry) return;
      if (entry.version !== this.versions.get(name) || tickAt.getTime() > Date.now() + 50) {
        this.follow(entry); // changed elsewhere, or a far tick reached only part of the way
        return;
      }
      this.follow(entry); // the next tick first: a slow task must not delay it
      if (await this.schedules.claimTick(name, tickAt)) this.runInBackground(name, 'schedule');
    } catch (error) {
      this.logger.error(`${name}: tick at ${tickAt.toISOString()} failed: ${errorMessage(error)}`);
      const entry = await this.schedules.find(name).catch(() => null);
      if (entry) this.follow(entry);
    }
  }

  /**
   * Switches off an entry whose schedule has no next run (stored by hand, or by an older version
   * that accepted it) instead of failing on it; answers the entry as it now is.
   */
  private async disableUnschedulable(entry: StoredScheduleEntry): Promise<StoredScheduleEntry> {
    const schedule = entry.schedule.cron !== undefined ? `cron "${entry.schedule.cron}"` : 'schedule';
    this.logger.error(`schedule entry ${entry.name}: its ${schedule} never runs; disabling the entry`);
    try {
      const disabled = await this.schedules.update(entry.name, { enabled: false });
      if (disabled) this.follow(disabled);
      return disabled ?? entry;
    } catch (error) {
      this.logger.error(`${entry.name}: could not disable the entry: ${errorMessage(error)}`);
      return entry;
    }
  }

  private async refresh(): Promise<void> {
    try {
      for (const entry of await this.schedules.findAll(this.names)) {
        if (entry.version !== this.versions.get(entry.name)) this.follow(entry);
      }
    } catch (error) {
      this.logger.warn(`could not read the schedule: ${errorMessage(error)}`);
    }
  }

  // Never lets a rejection escape a timer: every failure ends in a log line and the entry's record.
  private runInBackground(name: string, trigger: 'schedule' | 'startup'): void {
    const counted = (outcome: 'run' | 'skipped' | 'failed') => {
      if (trigger === 'schedule') this.metrics.scheduleTicks.inc({ entry: name, outcome });
    };
    this.runNow(name, trigger).then(
      () => counted('run'),
      async (error: unknown) => {
        if (error instanceof SyncAlreadyRunningError) {
          counted('skipped');
          this.logger.log(`${name}: skipped, sync ${error.runId ?? '(starting)'} is still running`);
          await this.schedules.recordSkip(name).catch(() => undefined);
          return;
        }
        // A tick that fell just after shutdown began: no run started, so there is nothing to record.
        if (error instanceof SyncShuttingDownError) {
          counted('skipped');
          this.logger.log(`${name}: skipped, the service is shutting down`);
          return;
        }
        counted('failed');
        this.logger.error(`${name}: ${errorMessage(error)}`);
        await this.record(name, 'failed', { error: errorMessage(error) });
      },
    );
  }

  private async record(name: string, status: string, result: unknown): Promise<void> {
    await this.schedules
      .recordRun(name, status, result)
      .catch((error: unknown) => this.logger.error(`${name}: could not record the run: ${errorMessage(error)}`));
  }
}

/** The original app's sample tasks. */
function runSampleTask(task: Exclude<TaskName, 'sync'>, args: unknown[], logger: Logger): unknown {
  if (task === 'hello') {
    logger.log('hello world');
    return 'hello world';
  }
  const [x, y] = args as number[];
  const sum = x + y;
  logger.log(`add(${x}, ${y}) = ${sum}`);
  return sum;
}
