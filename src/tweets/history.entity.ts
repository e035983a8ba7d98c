import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { COUNT } from './twitter-user.entity';

// A history table keeps one row per change of some columns of the table it follows: its key
// (<followed>_id), observed_at, and those columns under the same names, which is how the upsert
// knows what to copy and compare. The primary key (key, observed_at) reads one tweet's or user's
// history in order; the observed_at index serves the retention DELETE.

/** A tweet's public metrics, each time they were seen to change (its first observation included). */
@Entity('tweet_metrics_history')
@Index('tweet_metrics_history_observed_idx', { synchronize: false })
export class TweetMetricsHistoryEntity {
  @PrimaryColumn({ name: 'tweet_id', type: 'bigint' })
  tweetId!: string;

  @PrimaryColumn({ name: 'observed_at', type: 'timestamptz' })
  observedAt!: Date;

  @Column({ name: 'retweet_count', type: 'bigint', nullable: true, transformer: COUNT })
  retweetCount!: number | null;

  @Column({ name: 'reply_count', type: 'bigint', nullable: true, transformer: COUNT })
  replyCount!: number | null;

  @Column({ name: 'like_count', type: 'bigint', nullable: true, transformer: COUNT })
  likeCount!: number | null;

  @Column({ name: 'quote_count', type: 'bigint', nullable: true, transformer: COUNT })
  quoteCount!: number | null;

  @Column({ name: 'bookmark_count', type: 'bigint', nullable: true, transformer: COUNT })
  bookmarkCount!: number | null;

  @Column({ name: 'impression_count', type: 'bigint', nullable: true, transformer: COUNT })
  impressionCount!: number | null;
}

/** An account's counts, each time they were seen to change. */
@Entity('user_metrics_history')
@Index('user_metrics_history_observed_idx', { synchronize: false })
export class UserMetricsHistoryEntity {
  @PrimaryColumn({ name: 'user_id', type: 'bigint' })
  userId!: string;

  @PrimaryColumn({ name: 'observed_at', type: 'timestamptz' })
  observedAt!: Date;

  @Column({ name: 'followers_count', type: 'bigint', nullable: true, transformer: COUNT })
  followersCount!: number | null;

  @Column({ name: 'following_count', type: 'bigint', nullable: true, transformer: COUNT })
  followingCount!: number | null;

  @Column({ name: 'tweet_count', type: 'bigint', nullable: true, transformer: COUNT })
  tweetCount!: number | null;

  @Column({ name: 'listed_count', type: 'bigint', nullable: true, transformer: COUNT })
  listedCount!: number | null;
}

/** An account's public face, each time it was seen to change. */
@Entity('user_profile_history')
@Index('user_profile_history_observed_idx', { synchronize: false })
export class UserProfileHistoryEntity {
  @PrimaryColumn({ name: 'user_id', type: 'bigint' })
  userId!: string;

  @PrimaryColumn({ name: 'observed_at', type: 'timestamptz' })
  observedAt!: Date;

  // As the API named it (never the NULL an account gets when another one takes its name).
  @Column({ name: 'screen_name', type: 'text', nullable: true })
  screenName!: string | null;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text', nullable: true })
  description!: string | null;

  @Column({ type: 'text', nullable: true })
  location!: string | null;

  @Column({ type: 'text', nullable: true })
  url!: string | null;

  @Column({ name: 'profile_image_url', type: 'text', nullable: true })
  profileImageUrl!: string | null;
}
