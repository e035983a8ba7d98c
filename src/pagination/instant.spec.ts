import { parseCalendarInstant } from './instant';

describe('parseCalendarInstant', () => {
  it.each([
    ['2024-05-01', '2024-05-01T00:00:00.000Z'],
    ['2024-02-29', '2024-02-29T00:00:00.000Z'],
    ['2024-05-01T12:00Z', '2024-05-01T12:00:00.000Z'],
    ['2024-05-01t14:00:00.123456789+02:00', '2024-05-01T12:00:00.123Z'],
    ['2024-05-01T00:30:00-0130', '2024-05-01T02:00:00.000Z'],
    ['0001-01-01T00:00:00Z', '0001-01-01T00:00:00.000Z'],
    ['0099-06-01', '0099-06-01T00:00:00.000Z'],
    ['9999-12-31T23:59:59.999999Z', '9999-12-31T23:59:59.999Z'],
  ])('reads %s as %s', (text, iso) => {
    expect(parseCalendarInstant(text)?.toISOString()).toBe(iso);
  });

  it.each([
    ['February 31', '2023-02-31'],
    ['February 29 of a common year', '2023-02-29T00:00:00.000000Z'],
    ['month 13', '2024-13-01'],
    ['day 0', '2024-05-00'],
    ['hour 24', '2024-05-01T24:00:00Z'],
    ['a leap second', '2024-06-30T23:59:60Z'],
    ['minute 60', '2024-05-01T12:60Z'],
    ['year 0', '0000-01-01T00:00:00Z'],
    ['year 1 made year 0 by its offset', '0001-01-01T00:00:00+01:00'],
    ['year 10000 by its offset', '9999-12-31T23:00:00-05:00'],
    ['five-digit years', '10000-01-01'],
    ['an offset of 24 hours', '2024-05-01T12:00:00+24:00'],
    ['offset minutes past 59', '2024-05-01T12:00:00+01:60'],
    ['a time without offset', '2024-05-01T12:00:00'],
    ['a time without minutes', '2024-05-01T12Z'],
    ['ten fraction digits', '2024-05-01T12:00:00.1234567890Z'],
    ['trailing text', '2024-05-01 '],
    ['a NUL', '2024-05-01\u0000'],
    ['a number', '1714564800000'],
    ['the empty string', ''],
  ])('refuses %s', (_, text) => {
    expect(parseCalendarInstant(text)).toBeNull();
  });
});
