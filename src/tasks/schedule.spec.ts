import { defaultSchedule, describeSchedule, latestTick, nextTick } from './schedule';

describe('the schedule', () => {
  it('is the original CELERYBEAT_SCHEDULE, with the sync cron configurable', () => {
    expect(defaultSchedule({ syncCron: '*/5 * * * *', sampleTasks: true })).toEqual([
      { name: 'hello', task: 'hello', schedule: { intervalSeconds: 10 }, args: [], enabled: true },
      { name: 'add', task: 'add', schedule: { intervalSeconds: 30 }, args: [16, 16], enabled: true },
      { name: 'sync', task: 'sync', schedule: { cron: '*/5 * * * *' }, args: [], enabled: true },
    ]);
    expect(defaultSchedule({ syncCron: '0 * * * *', sampleTasks: false }).map((entry) => entry.name)).toEqual(['sync']);
  });

  it('runs cron expressions in the given time zone, across daylight-saving changes', () => {
    const daily = { cron: '30 2 * * *' };
    // New York: 02:30 is EST (-05:00) in January, EDT (-04:00) in July.
    expect(nextTick(daily, new Date('2024-01-10T12:00:00Z'), 'America/New_York')?.toISOString()).toBe(
      '2024-01-11T07:30:00.000Z',
    );
    expect(nextTick(daily, new Date('2024-07-10T12:00:00Z'), 'America/New_York')?.toISOString()).toBe(
      '2024-07-11T06:30:00.000Z',
    );
    expect(nextTick(daily, new Date('2024-07-10T12:00:00Z'), 'UTC')?.toISOString()).toBe('2024-07-11T02:30:00.000Z');
    expect(nextTick({ cron: '*/5 * * * *' }, new Date('2024-07-10T12:03:10Z'), 'Asia/Kolkata')?.toISOString()).toBe(
      '2024-07-10T12:05:00.000Z',
    );
  });

  it('ticks intervals on multiples of their length, so replicas agree', () => {
    expect(nextTick({ intervalSeconds: 10 }, new Date('2024-07-10T12:00:03.500Z'), 'UTC')?.toISOString()).toBe(
      '2024-07-10T12:00:10.000Z',
    );
    expect(nextTick({ intervalSeconds: 10 }, new Date('2024-07-10T12:00:10.000Z'), 'UTC')?.toISOString()).toBe(
      '2024-07-10T12:00:20.000Z',
    );
    expect(nextTick({ cron: '* * * * * *' }, new Date('2024-07-10T12:00:10.000Z'), 'UTC')?.toISOString()).toBe(
      '2024-07-10T12:00:11.000Z',
    );
  });

  it('has no next tick for a cron that never fires, or a stored value that is not a cron', () => {
    const now = new Date('2024-07-10T12:00:00Z');
    expect(nextTick({ cron: '0 0 30 2 *' }, now, 'UTC')).toBeNull();
    expect(nextTick({ cron: '0 0 31 4 *' }, now, 'Europe/Paris')).toBeNull();
    expect(nextTick({ cron: 'not a cron' }, now, 'UTC')).toBeNull();
    // Rare is not never: February 29 comes every four years.
    expect(nextTick({ cron: '0 0 29 2 *' }, now, 'UTC')?.toISOString()).toBe('2028-02-29T00:00:00.000Z');
  });

  it('finds the latest tick of a downtime, the same whenever a replica looks', () => {
    const since = new Date('2024-07-01T00:00:00Z');
    for (const at of ['2024-07-10T12:00:05.000Z', '2024-07-10T12:00:07.250Z', '2024-07-10T12:00:09.999Z']) {
      expect(latestTick({ intervalSeconds: 10 }, since, new Date(at), 'UTC')?.toISOString()).toBe(
        '2024-07-10T12:00:00.000Z',
      );
      expect(latestTick({ cron: '30 2 * * *' }, since, new Date(at), 'America/New_York')?.toISOString()).toBe(
        '2024-07-10T06:30:00.000Z',
      );
    }
    // A tick exactly at `at` counts; none after `since` is null.
    const at = new Date('2024-07-10T12:05:00Z');
    expect(latestTick({ cron: '*/5 * * * *' }, since, at, 'UTC')?.toISOString()).toBe('2024-07-10T12:05:00.000Z');
    expect(latestTick({ cron: '0 0 1 1 *' }, since, at, 'UTC')).toBeNull();
    expect(latestTick({ cron: '0 0 30 2 *' }, since, at, 'UTC')).toBeNull();
  });

  it('says the schedule in words', () => {
    expect(describeSchedule({ cron: '*/5 * * * *' })).toBe('Every 5 minutes');
    expect(describeSchedule({ intervalSeconds: 30 })).toBe('Every 30 seconds');
    expect(describeSchedule({ intervalSeconds: 1 })).toBe('Every second');
    expect(describeSchedule({ cron: 'not a cron' })).toBe('Not a cron expression: not a cron');
  });
});
