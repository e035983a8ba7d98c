import { toTweetDto } from '../tweets/tweet-response.mapper';
import type { TweetRecord } from '../tweets/tweets.repository';
import { spreadsheetSafe, toCsvRow } from './tweet-export';

function record(overrides: Partial<TweetRecord>): TweetRecord {
  return {
    id: '1850000000000000001',
    authorId: '11348282',
    text: 'hello',
    createdAt: new Date('2024-05-01T12:00:00.000Z'),
    lang: 'en',
    conversationId: '1850000000000000001',
    inReplyToUserId: null,
    inReplyToTweetId: null,
    referencedTweets: [],
    editHistoryTweetIds: ['1850000000000000001'],
    retweetCount: 1,
    replyCount: null,
    likeCount: 3,
    quoteCount: 0,
    bookmarkCount: 0,
    impressionCount: 10,
    entities: null,
    media: [],
    source: null,
    possiblySensitive: false,
    referencedOnly: false,
    origin: 'api',
    raw: {},
    supersededBy: null,
    deletedAt: null,
    referenced: new Map(),
    authorScreenName: 'NASA',
    authorName: 'NASA',
    authorProfileImageUrl: null,
    keyset: { createdAt: '2024-05-01T12:00:00.000000Z', id: '1850000000000000001' },
    ...overrides,
  };
}

const row = (tweet: TweetRecord) => toCsvRow(tweet, toTweetDto(tweet, 'UTC'));

describe('toCsvRow', () => {
  it('names the kind of tweet and the one it refers to: a retweet first, then a quote, then a reply', () => {
    expect(row(record({}))).toMatchObject({ type: 'tweet', referenced_tweet_id: '' });
    const reply = record({
      inReplyToTweetId: '7',
      inReplyToUserId: '8',
      referencedTweets: [{ type: 'replied_to', id: '7' }],
    });
    expect(row(reply)).toMatchObject({ type: 'reply', referenced_tweet_id: '7', in_reply_to_tweet_id: '7' });
    const quotingReply = record({
      referencedTweets: [
        { type: 'replied_to', id: '7' },
        { type: 'quoted', id: '9' },
      ],
    });
    expect(row(quotingReply)).toMatchObject({ type: 'quote', referenced_tweet_id: '9' });
    expect(row(record({ referencedTweets: [{ type: 'retweeted', id: '5' }] }))).toMatchObject({ type: 'retweet' });
  });

  it('lists entities and media space-separated, expanded URLs first, and leaves unknown counts empty', () => {
    const tweet = record({
      entities: {
        hashtags: [{ tag: 'space' }, { tag: 'moon' }],
        mentions: [{ username: 'esa' }],
        urls: [{ url: 'https://t.co/a', expanded_url: 'https://nasa.gov' }, { url: 'https://t.co/b' }],
      },
      media: [{ url: 'https://pbs.twimg.com/a.jpg' }, { preview_image_url: 'https://pbs.twimg.com/v.jpg' }],
    });
    expect(row(tweet)).toMatchObject({
      hashtags: 'space moon',
      mentions: 'esa',
      urls: 'https://nasa.gov https://t.co/b',
      media_urls: 'https://pbs.twimg.com/a.jpg https://pbs.twimg.com/v.jpg',
      reply_count: '',
      like_count: '3',
    });
  });

  it('writes every cell a spreadsheet would run as a formula as text', () => {
    for (const text of ['=1+1', '+1', '-1', '@NASA hi']) expect(spreadsheetSafe(text)).toBe(`'${text}`);
    for (const text of ['1+1', 'a=b', '', "'quoted"]) expect(spreadsheetSafe(text)).toBe(text);
    expect(row(record({ text: '=HYPERLINK("x")', authorName: '@evil' }))).toMatchObject({
      text: `'=HYPERLINK("x")`,
      author_name: "'@evil",
    });
  });
});
