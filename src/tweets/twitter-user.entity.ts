import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn, ValueTransformer } from 'typeorm';

/** A bigint count read as a JS number (pg gives bigint as a string); a count stays below 2^53. */
export const COUNT: ValueTransformer = {
  from: (value: unknown) => (value === null || value === undefined ? null : Number(value)),
  to: (value: unknown) => value,
};

/** An X account. The id is the identity: screen names change and are reused. */
@Entity('twitter_users')
@Index('twitter_users_screen_name_key', { synchronize: false })
@Index('twitter_users_newest_idx', { synchronize: false })
export class TwitterUserEntity {
  @PrimaryColumn({ type: 'bigint' })
  id!: string;

  // Unique case-insensitively (the expression index twitter_users_screen_name_key). NULL once
  // another account has taken it: this account's new name is unknown until it is fetched again.
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

  @Column({ type: 'boolean', default: false })
  verified!: boolean;

  @Column({ name: 'followers_count', type: 'bigint', nullable: true, transformer: COUNT })
  followersCount!: number | null;

  @Column({ name: 'following_count', type: 'bigint', nullable: true, transformer: COUNT })
  followingCount!: number | null;

  @Column({ name: 'tweet_count', type: 'bigint', nullable: true, transformer: COUNT })
  tweetCount!: number | null;

  @Column({ name: 'listed_count', type: 'bigint', nullable: true, transformer: COUNT })
  listedCount!: number | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  /** The user object exactly as the API sent it. */
  @Column({ type: 'jsonb' })
  raw!: Record<string, unknown>;

  @CreateDateColumn({ name: 'first_seen_at', type: 'timestamptz' })
  firstSeenAt!: Date;

  /** Moves only when a stored field actually changed. */
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
