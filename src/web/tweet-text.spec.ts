import { tweetTextSegments } from './tweet-text';

describe('tweetTextSegments', () => {
  it('links mentions, hashtags, cashtags and expanded URLs, in the order of the text', () => {
    const text = 'Hi @NASA! #Space $TSLA https://t.co/x1';
    expect(
      tweetTextSegments(text, {
        urls: [
          { start: 23, end: 38, url: 'https://t.co/x1', expanded_url: 'https://nasa.gov/a', display_url: 'nasa.gov/a' },
        ],
        cashtags: [{ start: 17, end: 22, tag: 'TSLA' }],
        hashtags: [{ start: 10, end: 16, tag: 'Space' }],
        mentions: [{ start: 3, end: 8, username: 'nasa' }],
      }),
    ).toEqual([
      { kind: 'text', text: 'Hi ' },
      { kind: 'mention', text: '@NASA', href: '/@nasa' },
      { kind: 'text', text: '! ' },
      { kind: 'hashtag', text: '#Space', href: '/?q=%23Space' },
      { kind: 'text', text: ' ' },
      { kind: 'cashtag', text: '$TSLA', href: '/?q=%24TSLA' },
      { kind: 'text', text: ' ' },
      { kind: 'url', text: 'nasa.gov/a', href: 'https://nasa.gov/a' },
    ]);
  });

  it('finds entities by their text: the decoded "&" and emoji do not shift them', () => {
    // X's offsets count "&amp;" and code points; the stored text has "&" and UTF-16.
    const segments = tweetTextSegments('Tom & Jerry 🍿 @ESA', { mentions: [{ start: 18, end: 22, username: 'ESA' }] });
    expect(segments).toEqual([
      { kind: 'text', text: 'Tom & Jerry 🍿 ' },
      { kind: 'mention', text: '@ESA', href: '/@ESA' },
    ]);
  });

  it("drops attached media's link and never links a URL that is not http(s)", () => {
    const segments = tweetTextSegments('Look https://t.co/a https://t.co/m', {
      urls: [
        { start: 5, end: 20, url: 'https://t.co/a', expanded_url: 'javascript:alert(1)' },
        { start: 21, end: 35, url: 'https://t.co/m', expanded_url: 'https://x.com/i/photo/1', media_key: '3_1' },
      ],
    });
    expect(segments).toEqual([{ kind: 'text', text: 'Look' }]);
  });

  it('is the whole text when there are no entities', () => {
    expect(tweetTextSegments('plain <b>', null)).toEqual([{ kind: 'text', text: 'plain <b>' }]);
  });
});
