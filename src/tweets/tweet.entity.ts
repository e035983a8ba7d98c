import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
  UpdateDateColumn,
} from 'typeorm';
import { COUNT, TwitterUserEntity } from './twitter-user.entity';

export type ReferencedTweetType = 'replied_to' | 'quoted' | 'retweeted';

export interface ReferencedTweet {
  type: ReferencedTweetType;
  id: string;
}

/** The urls, mentions, hashtags and cashtags of a tweet, in the API's shape. */
export type TweetEntities = Record<string, unknown>;

export type TweetMedia = Record<string, unknown>;

/** A tweet. The migrations own the indexes (descending and GIN ones TypeORM cannot express). */
export type TweetOrigin = 'api' | 'archive';

@Entity('tweets')
@Index('tweets_newest_idx', { synchronize: false })
@Index('tweets_author_newest_idx', { synchronize: false })
@Index('tweets_search_idx', { synchronize: false })
@Index('tweets_verify_idx', { synchronize: false })
@Index('tweets_replies_idx', { synchronize: false })
export class TweetEntity {
  @PrimaryColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'author_id', type: 'bigint' })
  authorId!: string;

  @ManyToOne(() => TwitterUserEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'author_id' })
  author?: TwitterUserEntity;

  /** The full text (a long post's note_tweet text, a retweet's original), HTML escapes decoded. */
  @Column({ type: 'text' })
  text!: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ type: 'text', nullable: true })
  lang!: string | null;

  @Column({ name: 'conversation_id', type: 'bigint', nullable: true })
  conversationId!: string | null;

  @Column({ name: 'in_reply_to_user_id', type: 'bigint', nullable: true })
  inReplyToUserId!: string | null;

  @Column({ name: 'in_reply_to_tweet_id', type: 'bigint', nullable: true })
  inReplyToTweetId!: string | null;

  @Column({ name: 'referenced_tweets', type: 'jsonb', default: () => "'[]'" })
  referencedTweets!: ReferencedTweet[];

  /** Every version's id, oldest first, as the API lists them. */
  @Column({ name: 'edit_history_tweet_ids', type: 'jsonb', default: () => "'[]'" })
  editHistoryTweetIds!: string[];

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

  @Column({ type: 'jsonb', nullable: true })
  entities!: TweetEntities | null;

  @Column({ type: 'jsonb', default: () => "'[]'" })
  media!: TweetMedia[];

  @Column({ type: 'text', nullable: true })
  source!: string | null;

  @Column({ name: 'possibly_sensitive', type: 'boolean', nullable: true })
  possiblySensitive!: boolean | null;

  /** The tweet object exactly as the API sent it (HTML escapes and all). */
  @Column({ type: 'jsonb' })
  raw!: Record<string, unknown>;

  /**
   * The text folded for search (lower case, no accents): a column the database generates from
   * `text` (see the SubstringSearch migration), never written nor read here. Not declared generated:
   * TypeORM would then keep a typeorm_metadata table of its own.
   */
  @Column({ name: 'text_folded', type: 'text', nullable: true, select: false, insert: false, update: false })
  textFolded?: string | null;

  /**
   * Where the stored version came from: a sync ('api') or the account's own X archive ('archive').
   * An import never overwrites what a sync stored; a sync in `update` mode replaces an archive row.
   */
  @Column({ type: 'text', default: 'api' })
  origin!: TweetOrigin;

  /** Stored only because a timeline tweet references it (a retweet's original, a quoted or replied-to tweet). */
  @Column({ name: 'referenced_only', type: 'boolean', default: false })
  referencedOnly!: boolean;

  /** For an older version of an edited tweet: the id of the newest version. */
  @Column({ name: 'superseded_by', type: 'bigint', nullable: true })
  supersededBy!: string | null;

  /** When a lookup first found the tweet gone from X; null while it is there. The row itself stays. */
  @Column({ name: 'deleted_at', type: 'timestamptz', nullable: true })
  deletedAt!: Date | null;

  /** When a lookup (or a timeline read) last checked the tweet on X; null before the first check. */
  @Column({ name: 'verified_at', type: 'timestamptz', nullable: true })
  verifiedAt!: Date | null;

  /** When this tweet was first stored. */
  @CreateDateColumn({ name: 'fetched_at', type: 'timestamptz' })
  fetchedAt!: Date;

  /** Moves only when a stored field actually changed. */
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
