import { PROFILE_FIELDS, TweetHistoryDto, UserHistoryDto, UserProfileObservationDto } from './history.dto';
import type { TweetHistory, UserHistory } from './tweets.repository';

export function toTweetHistoryDto(history: TweetHistory): TweetHistoryDto {
  return {
    metrics: history.metrics.map((observation) => ({
      observedAt: observation.observedAt.toISOString(),
      retweetCount: observation.retweetCount,
      replyCount: observation.replyCount,
      likeCount: observation.likeCount,
      quoteCount: observation.quoteCount,
      bookmarkCount: observation.bookmarkCount,
      impressionCount: observation.impressionCount,
    })),
    versions: history.versions.map((version) => ({
      id: version.id,
      text: version.text,
      createdAt: version.createdAt.toISOString(),
    })),
  };
}

export function toUserHistoryDto(history: UserHistory): UserHistoryDto {
  const profiles = history.profiles.map((profile): UserProfileObservationDto => ({
    observedAt: profile.observedAt.toISOString(),
    screenName: profile.screenName,
    name: profile.name,
    description: profile.description,
    location: profile.location,
    url: profile.url,
    profileImageUrl: profile.profileImageUrl,
    changed: [],
  }));
  profiles.forEach((profile, i) => {
    if (i > 0) profile.changed = PROFILE_FIELDS.filter((field) => profile[field] !== profiles[i - 1][field]);
  });
  return {
    metrics: history.metrics.map((observation) => ({
      observedAt: observation.observedAt.toISOString(),
      followersCount: observation.followersCount,
      followingCount: observation.followingCount,
      tweetCount: observation.tweetCount,
      listedCount: observation.listedCount,
    })),
    profiles,
  };
}
