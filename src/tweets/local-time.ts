import { formatInTimeZone } from 'date-fns-tz';

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
const SINCE_2000 = Date.UTC(2000, 0, 1);
const YEAR_10000 = Date.UTC(9999, 11, 31); // a day short: the zone's offset must not carry it past 9999
// Days remembered per time zone: a listing of years of tweets touches a few thousand.
const MAX_DAYS = 20_000;

/** By time zone, then UTC day: the offset that day keeps from start to end, or null if it changes. */
const dayOffsets = new Map<string, Map<number, number | null>>();

/** The zone's offset from UTC at `instant` in ms, to the minute, as date-fns-tz states it (+05:45). */
function zoneOffset(instant: Date, timeZone: string): number {
  const [sign, hours, minutes] = /^([+-])(\d\d):(\d\d)$/.exec(formatInTimeZone(instant, timeZone, 'xxx'))!.slice(1);
  return (sign === '-' ? -1 : 1) * (Number(hours) * 60 + Number(minutes)) * MINUTE_MS;
}

/** The offset at `instant`: looked up once a day seen, or at the instant itself on a day it changes. */
function offsetAt(instant: Date, timeZone: string): number {
  let days = dayOffsets.get(timeZone);
  if (!days) dayOffsets.set(timeZone, (days = new Map<number, number | null>()));
  const day = Math.floor(instant.getTime() / DAY_MS);
  let offset = days.get(day);
  if (offset === undefined) {
    const start = zoneOffset(new Date(day * DAY_MS), timeZone);
    const end = zoneOffset(new Date((day + 1) * DAY_MS - 1), timeZone);
    // Offsets change at most once a day, so equal ends mean one offset all day.
    offset = start === end ? start : null;
    if (days.size >= MAX_DAYS) days.clear();
    days.set(day, offset);
  }
  return offset ?? zoneOffset(instant, timeZone);
}

/**
 * The instant in `timeZone` with its offset, e.g. 2024-03-10T03:30:00.000-04:00 (Z for UTC): what
 * date-fns-tz's formatInTimeZone(…, "yyyy-MM-dd'T'HH:mm:ss.SSSXXX") writes. It is called twice for
 * every tweet served, and formatInTimeZone asks Intl for the offset twice each time (a quarter of
 * the read path's CPU), so the offset comes from offsetAt and the digits from toISOString.
 */
export function formatLocal(instant: Date, timeZone: string): string {
  // X began in 2006; older offsets may hold seconds (local mean time), which date-fns-tz writes itself.
  if (!(instant.getTime() >= SINCE_2000 && instant.getTime() < YEAR_10000)) {
    return formatInTimeZone(instant, timeZone, "yyyy-MM-dd'T'HH:mm:ss.SSSXXX");
  }
  const offset = offsetAt(instant, timeZone);
  const local = new Date(instant.getTime() + offset).toISOString().slice(0, 23);
  if (offset === 0) return `${local}Z`;
  const minutes = Math.abs(offset) / MINUTE_MS;
  const hhmm = `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
  return `${local}${offset < 0 ? '-' : '+'}${hhmm}`;
}
