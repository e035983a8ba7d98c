import type { TweetRow, TwitterUserRow } from '../../src/tweets/tweets.repository';

/** A stored account with every field set; ids above 2^53 unless overridden. */
export function userRow(
  overrides: Partial<TwitterUserRow> & Pick<TwitterUserRow, 'id' | 'screenName'>,
): TwitterUserRow {
  return {
    name: `${overrides.screenName} name`,
    description: 'Exploring the universe 🚀',
    location: 'Washington, DC',
    url: 'https://t.co/abc',
    profileImageUrl: `https://pbs.twimg.com/profile_images/${overrides.id}/photo_normal.jpg`,
    verified: true,
    followersCount: 89_000_000,
    followingCount: 250,
    tweetCount: 71_234,
    listedCount: 98_765,
    createdAt: new Date('2007-12-19T20:20:32.000Z'),
    raw: { id: overrides.id, username: overrides.screenName },
    ...overrides,
  };
}

/** A stored tweet with every field set. */
export function tweetRow(overrides: Partial<TweetRow> & Pick<TweetRow, 'id' | 'authorId' | 'createdAt'>): TweetRow {
  return {
    text: `tweet ${overrides.id}`,
    lang: 'en',
    conversationId: overrides.id,
    inReplyToUserId: null,
    inReplyToTweetId: null,
    referencedTweets: [],
    editHistoryTweetIds: [overrides.id],
    retweetCount: 1,
    replyCount: 2,
    likeCount: 3,
    quoteCount: 4,
    bookmarkCount: 5,
    impressionCount: 6,
    entities: null,
    media: [],
    source: null,
    possiblySensitive: false,
    referencedOnly: false,
    origin: 'api',
    raw: { id: overrides.id, text: overrides.text ?? `tweet ${overrides.id}` },
    ...overrides,
  };
}
