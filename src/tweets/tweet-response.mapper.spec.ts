import { formatLocal, tweetUrl } from './tweet-response.mapper';

describe('formatLocal', () => {
  it('writes UTC with Z and other zones with their offset at that instant', () => {
    const instant = new Date('2024-07-01T12:00:00.000Z');
    expect(formatLocal(instant, 'UTC')).toBe('2024-07-01T12:00:00.000Z');
    expect(formatLocal(instant, 'Asia/Kolkata')).toBe('2024-07-01T17:30:00.000+05:30');
    expect(formatLocal(instant, 'America/New_York')).toBe('2024-07-01T08:00:00.000-04:00');
    expect(formatLocal(new Date('2024-01-01T12:00:00.000Z'), 'America/New_York')).toBe('2024-01-01T07:00:00.000-05:00');
  });
});

describe('tweetUrl', () => {
  it('links by screen name, or by id alone when the screen name is unknown', () => {
    expect(tweetUrl('NASA', '1850000000000000001')).toBe('https://x.com/NASA/status/1850000000000000001');
    expect(tweetUrl(null, '1850000000000000001')).toBe('https://x.com/i/web/status/1850000000000000001');
  });
});
