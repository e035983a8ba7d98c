import { formatInTimeZone } from 'date-fns-tz';
import { formatLocal } from './local-time';

// The oracle: Intl's own fields and offset. formatInTimeZone is not one: it goes through a Date in
// the process's zone, and shifts a wall time that zone skips (the tests run in Pacific/Chatham).
const formats = new Map<string, Intl.DateTimeFormat>();
const reference = (instant: Date, timeZone: string) => {
  if (!formats.has(timeZone)) {
    formats.set(
      timeZone,
      new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
        fractionalSecondDigits: 3,
        timeZoneName: 'longOffset',
      }),
    );
  }
  const parts = Object.fromEntries(
    formats
      .get(timeZone)!
      .formatToParts(instant)
      .map(({ type, value }) => [type, value]),
  );
  const offset = ['GMT', 'GMT+00:00'].includes(parts.timeZoneName) ? 'Z' : parts.timeZoneName.slice(3);
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}.${parts.fractionalSecond}${offset}`;
};

describe('formatLocal', () => {
  it('writes UTC with Z and other zones with their offset at that instant', () => {
    const instant = new Date('2024-07-01T12:00:00.000Z');
    expect(formatLocal(instant, 'UTC')).toBe('2024-07-01T12:00:00.000Z');
    expect(formatLocal(instant, 'Asia/Kolkata')).toBe('2024-07-01T17:30:00.000+05:30');
    expect(formatLocal(instant, 'America/New_York')).toBe('2024-07-01T08:00:00.000-04:00');
    expect(formatLocal(new Date('2024-01-01T12:00:00.000Z'), 'America/New_York')).toBe('2024-01-01T07:00:00.000-05:00');
  });

  // Half-hour and 45-minute offsets, a 30-minute DST step (Lord Howe), the day Samoa skipped
  // (2011-12-30), southern-hemisphere DST, zones that left DST, and UTC itself.
  const zones = [
    'UTC',
    'Europe/London',
    'Europe/Paris',
    'America/New_York',
    'America/St_Johns',
    'America/Sao_Paulo',
    'Asia/Kathmandu',
    'Asia/Kolkata',
    'Asia/Tehran',
    'Australia/Lord_Howe',
    'Pacific/Chatham',
    'Pacific/Apia',
    'Africa/Casablanca',
  ];

  it.each(zones)(
    'writes the wall time and offset Intl states in %s, every 37 minutes and 13 seconds of 2011 and 2024',
    (zone) => {
      for (const year of [2011, 2024]) {
        const end = Date.UTC(year + 1, 0, 1);
        for (let t = Date.UTC(year, 0, 1) + 123; t < end; t += 2_233_000) {
          const instant = new Date(t);
          const ours = formatLocal(instant, zone);
          // toBe on every instant would print a million passes; report the first difference only.
          if (ours !== reference(instant, zone))
            expect([instant.toISOString(), ours]).toEqual([instant.toISOString(), reference(instant, zone)]);
        }
      }
    },
  );

  it('is exact on both sides of a transition, to the millisecond', () => {
    // 2024-03-10T07:00:00Z: New York springs forward from -05:00 to -04:00.
    const transition = Date.UTC(2024, 2, 10, 7);
    for (const t of [transition - 1, transition, transition + 1]) {
      expect(formatLocal(new Date(t), 'America/New_York')).toBe(reference(new Date(t), 'America/New_York'));
    }
    expect(formatLocal(new Date(transition - 1), 'America/New_York')).toBe('2024-03-10T01:59:59.999-05:00');
    expect(formatLocal(new Date(transition), 'America/New_York')).toBe('2024-03-10T03:00:00.000-04:00');
  });

  it("is right where formatInTimeZone is not: at a wall time the process's own zone skips", () => {
    // 02:45 to 03:45 of 2011-09-25 did not happen in Pacific/Chatham, where the tests run.
    expect(formatLocal(new Date('2011-09-25T02:48:20.123Z'), 'UTC')).toBe('2011-09-25T02:48:20.123Z');
  });

  it('writes instants before 2000 (offsets in seconds, local mean time) and past 9999 as date-fns-tz does', () => {
    const formatted = (instant: Date, zone: string) => formatInTimeZone(instant, zone, "yyyy-MM-dd'T'HH:mm:ss.SSSXXX");
    for (const instant of [
      new Date('1850-06-01T12:00:00Z'),
      new Date('+010000-01-01T00:00:00Z'),
      new Date('9999-12-31T20:00:00Z'),
    ]) {
      for (const zone of ['Europe/Amsterdam', 'America/New_York', 'UTC']) {
        expect(formatLocal(instant, zone)).toBe(formatted(instant, zone));
      }
    }
  });
});
