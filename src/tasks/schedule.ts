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

/**
 * The first tick strictly after `after`. Intervals tick on multiples of their length since the
 * epoch, so every replica agrees on the ticks whenever it started.
 */
export function nextTick(schedule: Schedule, after: Date, timeZone: string): Date {
  if (schedule.cron !== undefined) {
    return new CronTime(schedule.cron, timeZone).getNextDateFrom(after, timeZone).toJSDate();
  }
  const step = schedule.intervalSeconds * 1000;
  return new Date((Math.floor(after.getTime() / step) + 1) * step);
}

/** The schedule in words: "Every 5 minutes", "every 10 seconds". */
export function describeSchedule(schedule: Schedule): string {
  if (schedule.cron !== undefined) return cronstrue.toString(schedule.cron, { use24HourTimeFormat: true });
  return schedule.intervalSeconds === 1 ? 'Every second' : `Every ${schedule.intervalSeconds} seconds`;
}
