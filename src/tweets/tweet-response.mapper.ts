import { formatLocal } from './local-time';
import type { TweetRecord, UserRecord } from './tweets.repository';
import type { TweetDto } from './tweet.dto';
import type { UserDto } from './user.dto';

/** The tweet on x.com; without a known screen name, the address X resolves by id alone. */
export function tweetUrl(screenName: string | null, id: string): string {
  return screenName === null ? `https://x.com/i/web/status/${id}` : `https://x.com/${screenName}/status/${id}`;
}

export function toTweetDto(tweet: TweetRecord, timeZone: string): TweetDto {
  const dto: TweetDto = {
    id: tweet.id,
    text: tweet.text,
    createdAt: tweet.createdAt.toISOString(),
    createdAtLocal: formatLocal(tweet.createdAt, timeZone),
    lang: tweet.lang,
    conversationId: tweet.conversationId,
    inReplyToUserId: tweet.inReplyToUserId,
    referencedTweets: tweet.referencedTweets.map(({ type, id }) => {
      const stored = tweet.referenced.get(id);
      return {
        type,
        id,
        text: stored?.text ?? null,
        author: stored ? { id: stored.authorId, screenName: stored.authorScreenName, name: stored.authorName } : null,
      };
    }),
    editHistoryTweetIds: tweet.editHistoryTweetIds,
    metrics: {
      retweetCount: tweet.retweetCount,
      replyCount: tweet.replyCount,
      likeCount: tweet.likeCount,
      quoteCount: tweet.quoteCount,
      bookmarkCount: tweet.bookmarkCount,
      impressionCount: tweet.impressionCount,
    },
    entities: tweet.entities,
    media: tweet.media,
    author: {
      id: tweet.authorId,
      screenName: tweet.authorScreenName,
      name: tweet.authorName,
      profileImageUrl: tweet.authorProfileImageUrl,
    },
    url: tweetUrl(tweet.authorScreenName, tweet.id),
    deletedAt: tweet.deletedAt?.toISOString() ?? null,
    origin: tweet.origin,
  };
  if (tweet.raw !== undefined) dto.raw = tweet.raw;
  return dto;
}

export function toUserDto(user: UserRecord, timeZone: string): UserDto {
  return {
    id: user.id,
    screenName: user.screenName,
    name: user.name,
    description: user.description,
    location: user.location,
    url: user.url,
    profileImageUrl: user.profileImageUrl,
    verified: user.verified,
    metrics: {
      followersCount: user.followersCount,
      followingCount: user.followingCount,
      tweetCount: user.tweetCount,
      listedCount: user.listedCount,
    },
    createdAt: user.createdAt.toISOString(),
    createdAtLocal: formatLocal(user.createdAt, timeZone),
  };
}
