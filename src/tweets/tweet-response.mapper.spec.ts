import { tweetUrl } from './tweet-response.mapper';

describe('tweetUrl', () => {
  it('links by screen name, or by id alone when the screen name is unknown', () => {
    expect(tweetUrl('NASA', '1850000000000000001')).toBe('https://x.com/NASA/status/1850000000000000001');
    expect(tweetUrl(null, '1850000000000000001')).toBe('https://x.com/i/web/status/1850000000000000001');
  });
});
