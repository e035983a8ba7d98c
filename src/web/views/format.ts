import { formatInTimeZone } from 'date-fns-tz';

/** How the pages show an instant: in APP_TIMEZONE, and how long ago. */
export interface Clock {
  timeZone: string;
  now: Date;
}

export function localTime(iso: string, clock: Clock): string {
  return formatInTimeZone(new Date(iso), clock.timeZone, 'd MMM yyyy, HH:mm zzz');
}

/** "now", "12 min", "3 h", then the local date ("26 Oct", "26 Oct 2023"), as X shows a tweet's age. */
export function relativeTime(iso: string, clock: Clock): string {
  const at = new Date(iso);
  const minutes = Math.floor((clock.now.getTime() - at.getTime()) / 60_000);
  if (minutes < 1) return 'now';
  if (minutes < 60) return `${minutes} min`;
  if (minutes < 24 * 60) return `${Math.floor(minutes / 60)} h`;
  const sameYear = formatInTimeZone(at, clock.timeZone, 'yyyy') === formatInTimeZone(clock.now, clock.timeZone, 'yyyy');
  return formatInTimeZone(at, clock.timeZone, sameYear ? 'd MMM' : 'd MMM yyyy');
}

const COUNT = new Intl.NumberFormat('en-US');
const COMPACT = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });

export const formatCount = (value: number | null | undefined): string => (value == null ? '–' : COUNT.format(value));
export const compactCount = (value: number | null | undefined): string => (value == null ? '–' : COMPACT.format(value));
