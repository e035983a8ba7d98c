import { CronTime } from 'cron';
import cronstrue from 'cronstrue';

export type TaskName = 'hello' | 'add' | 'sync';

/** When an entry fires: a cron expression (in APP_TIMEZONE) or a fixed interval. */
export type Schedule = { cron: string; intervalSeconds?: undefined } | { intervalSeconds: number; cron?: undefined };

/** One entry of the beat, as CELERYBEAT_SCHEDULE had them: a name, a task, when, with what. */
export interface ScheduleEntry {
  name: string;
  task: TaskName;
  schedule: Schedule;
  args: unknown[];
  enabled: boolean;
}

/** The original app's CELERYBEAT_SCHEDULE, with the sync's cron from the configuration. */
export function defaultSchedule(options: { syncCron: string; sampleTasks: boolean }): ScheduleEntry[] {
  const samples: ScheduleEntry[] = [
    { name: 'hello', task: 'hello', schedule: { intervalSeconds: 10 }, args: [], enabled: true },
    { name: 'add', task: 'add', schedule: { intervalSeconds: 30 }, args: [16, 16], enabled: true },
  ];
  const sync: ScheduleEntry = {
    name: 'sync',
    task: 'sync',
    schedule: { cron: options.syncCron },
    args: [],
    enabled: true,
  };
  return options.sampleTasks ? [...samples, sync] : [sync];
}

// Cron has no year field, so a valid expression may never fire ("0 0 30 2 *"): one with no run
// within this horizon counts as never running.
const HORIZON_MS = 5 * 366 * 24 * 60 * 60 * 1000;

/**
 * The first tick strictly after `after`, or null when there is none within five years (or the
 * stored schedule is not one). Intervals tick on multiples of their length since the epoch, so
 * every replica agrees on the ticks whenever it started.
 */
export function nextTick(schedule: Schedule, after: Date, timeZone: string): Date | null {
  if (schedule.cron !== undefined) {
    let next: Date;
    try {
      next = new CronTime(schedule.cron, timeZone).getNextDateFrom(after, timeZone).toJSDate();
    } catch {
      return null; // not an expression, or the library found no run in its own 8 years
    }
    return next.getTime() - after.getTime() <= HORIZON_MS ? next : null;
  }
  const step = schedule.intervalSeconds * 1000;
  return new Date((Math.floor(after.getTime() / step) + 1) * step);
}

/**
 * The latest tick in (since, at], or null when there is none. A service back from downtime catches
 * up this one tick: every replica finds the same instant, so only one can claim it.
 */
export function latestTick(schedule: Schedule, since: Date, at: Date, timeZone: string): Date | null {
  let latest = nextTick(schedule, since, timeZone);
  if (!latest || latest.getTime() > at.getTime()) return null;
  // Cron cannot step backwards: bisect between a known tick and `at`, keeping "no tick in (high, at]"
  // true. About 40 steps for years of downtime.
  let high = at.getTime();
  while (high > latest.getTime()) {
    const middle = new Date(Math.floor((latest.getTime() + high) / 2));
    const next = nextTick(schedule, middle, timeZone);
    if (next && next.getTime() <= at.getTime()) latest = next;
    else high = middle.getTime();
  }
  return latest;
}

/** The schedule in words: "Every 5 minutes", "every 10 seconds". */
export function describeSchedule(schedule: Schedule): string {
  if (schedule.cron !== undefined) {
    try {
      return cronstrue.toString(schedule.cron, { use24HourTimeFormat: true });
    } catch {
      return `Not a cron expression: ${schedule.cron}`; // stored by hand or by an older version
    }
  }
  return schedule.intervalSeconds === 1 ? 'Every second' : `Every ${schedule.intervalSeconds} seconds`;
}
