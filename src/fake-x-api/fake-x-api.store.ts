import { compareIds, guessLanguage, snowflakeAt, snowflakeTime, tcoLink } from './tweet-text';

/** Only the newest 3,200 posts of a user are reachable through the timeline endpoints. */
export const TIMELINE_REACH = 3200;

/** X allows five edits within an hour of the first version. */
const MAX_EDITS = 5;
const EDIT_WINDOW_MS = 60 * 60 * 1000;

/** What X accepts as a username. */
const USERNAME_PATTERN = /^[A-Za-z0-9_]{1,15}$/;

export interface UserMetrics {
  followers_count: number;
  following_count: number;
  tweet_count: number;
  listed_count: number;
  like_count: number;
}

export interface StoredUser {
  id: string;
  username: string;
  name: string;
  createdAt: string;
  description: string;
  location: string;
  /** "" when the profile has no link, as the API answers */
  url: string;
  profileImageUrl: string;
  verified: boolean;
  verifiedType: 'none' | 'blue' | 'business' | 'government';
  protected: boolean;
  suspended: boolean;
  pinnedTweetId?: string;
  metrics: UserMetrics;
}

export type NewUser = Partial<Omit<StoredUser, 'metrics'>> & {
  username: string;
  metrics?: Partial<UserMetrics>;
};

export interface TweetMetrics {
  retweet_count: number;
  reply_count: number;
  like_count: number;
  quote_count: number;
  bookmark_count: number;
  impression_count: number;
}

export type ReferenceType = 'retweeted' | 'quoted' | 'replied_to';

/** A t.co link in a tweet's text and what it stands for. */
export interface StoredLink {
  url: string;
  expandedUrl: string;
  mediaKey?: string;
}

export interface StoredTweet {
  id: string;
  authorId: string;
  /** The whole text, not HTML-escaped; a retweet holds "RT @user: " + the original text. */
  text: string;
  createdAt: string;
  conversationId: string;
  references: { type: ReferenceType; id: string }[];
  inReplyToUserId?: string;
  lang: string;
  source: string;
  possiblySensitive: boolean;
  metrics: TweetMetrics;
  mediaKeys: string[];
  links: StoredLink[];
  /** Every version's id, oldest first; shared by all versions of an edited post. */
  editHistoryTweetIds: string[];
  deleted: boolean;
}

export interface NewMedia {
  type: 'photo' | 'video';
  altText?: string;
  width?: number;
  height?: number;
  durationMs?: number;
  viewCount?: number;
}

export interface StoredMedia {
  mediaKey: string;
  id: string;
  type: 'photo' | 'video';
  /** photos only */
  url?: string;
  /** videos only */
  previewImageUrl?: string;
  width: number;
  height: number;
  altText?: string;
  durationMs?: number;
  viewCount?: number;
  variants?: { bit_rate?: number; content_type: string; url: string }[];
}

export interface NewTweet {
  authorId: string;
  /** Plain links are turned into t.co links; media and quote links are appended. */
  text?: string;
  /** ISO 8601; defaults to the store's clock */
  createdAt?: string;
  replyToId?: string;
  quoteOfId?: string;
  retweetOfId?: string;
  media?: NewMedia[];
  lang?: string;
  source?: string;
  possiblySensitive?: boolean;
  metrics?: Partial<TweetMetrics>;
}

export interface EditControls {
  edits_remaining: number;
  is_edit_eligible: boolean;
  editable_until: string;
}

/** Users, posts and media of the fake X, in memory. */
export class FakeXApiStore {
  private readonly users = new Map<string, StoredUser>();
  private readonly tweets = new Map<string, StoredTweet>();
  private readonly media = new Map<string, StoredMedia>();
  /** ascending by id, every version and deleted ones included */
  private readonly tweetIdsByAuthor = new Map<string, string[]>();
  /** snowflake sequence numbers already used in each millisecond */
  private readonly sequenceByMs = new Map<number, number>();

  constructor(private readonly clock: () => number = Date.now) {}

  /** Adds a user; id and creation date default to a snowflake of a deterministic date. */
  addUser(input: NewUser): StoredUser {
    if (this.findUserByUsername(input.username)) throw new Error(`username taken: ${input.username}`);
    const createdAt = input.createdAt ?? new Date(Date.UTC(2012, 4, 1 + this.users.size, 10)).toISOString();
    const id = input.id ?? this.nextId(Date.parse(createdAt));
    const user: StoredUser = {
      id,
      username: input.username,
      name: input.name ?? input.username,
      createdAt,
      description: input.description ?? '',
      location: input.location ?? '',
      url: input.url ?? '',
      profileImageUrl:
        input.profileImageUrl ?? `https://pbs.twimg.com/profile_images/${id}/${input.username}_normal.jpg`,
      verified: input.verified ?? false,
      verifiedType: input.verifiedType ?? 'none',
      protected: input.protected ?? false,
      suspended: input.suspended ?? false,
      pinnedTweetId: input.pinnedTweetId,
      metrics: {
        followers_count: 0,
        following_count: 0,
        tweet_count: 0,
        listed_count: 0,
        like_count: 0,
        ...input.metrics,
      },
    };
    this.users.set(id, user);
    this.tweetIdsByAuthor.set(id, []);
    return user;
  }

  /** Changes flags or profile fields of a user (e.g. suspends or protects it). */
  updateUser(id: string, changes: Partial<Omit<StoredUser, 'id' | 'metrics'>>): StoredUser {
    const user = this.requireUser(id);
    Object.assign(user, changes);
    return user;
  }

  /**
   * Gives a user a new username, as X lets an account do: its id, profile and posts stay, and the
   * old name is free for anyone to take. Refuses a name another user holds (case-insensitively).
   */
  renameUser(id: string, username: string): StoredUser {
    const user = this.requireUser(id);
    if (!USERNAME_PATTERN.test(username)) throw new Error(`not a valid username: ${username}`);
    const holder = this.findUserByUsername(username);
    if (holder && holder.id !== id) throw new Error(`username taken: ${username}`);
    user.username = username;
    return user;
  }

  findUserById(id: string): StoredUser | undefined {
    return this.users.get(id);
  }

  /** Usernames match case-insensitively, as on X. */
  findUserByUsername(username: string): StoredUser | undefined {
    const wanted = username.toLowerCase();
    return [...this.users.values()].find((user) => user.username.toLowerCase() === wanted);
  }

  findTweet(id: string): StoredTweet | undefined {
    return this.tweets.get(id);
  }

  findMedia(mediaKey: string): StoredMedia | undefined {
    return this.media.get(mediaKey);
  }

  /** Adds a post, a reply, a quote or a retweet, dated `createdAt` (default: now). */
  addTweet(input: NewTweet): StoredTweet {
    const author = this.requireUser(input.authorId);
    const createdMs = input.createdAt === undefined ? this.clock() : Date.parse(input.createdAt);
    if (Number.isNaN(createdMs)) throw new Error(`invalid createdAt: ${input.createdAt}`);
    const id = this.nextId(createdMs);
    const tweet: StoredTweet = {
      id,
      authorId: author.id,
      text: input.text ?? '',
      createdAt: new Date(createdMs).toISOString(),
      conversationId: id,
      references: [],
      lang: input.lang ?? guessLanguage(input.text ?? ''),
      source: input.source ?? 'Twitter Web App',
      possiblySensitive: input.possiblySensitive ?? false,
      metrics: { ...zeroMetrics(), ...input.metrics },
      mediaKeys: [],
      links: [],
      editHistoryTweetIds: [id],
      deleted: false,
    };
    if (input.retweetOfId) {
      const original = this.requireTweet(input.retweetOfId);
      tweet.text = `RT @${this.requireUser(original.authorId).username}: ${original.text}`;
      tweet.links = [...original.links];
      tweet.references.push({ type: 'retweeted', id: original.id });
      tweet.metrics.retweet_count = input.metrics?.retweet_count ?? original.metrics.retweet_count;
    } else {
      tweet.text = this.shortenLinks(tweet, tweet.text);
    }
    if (input.quoteOfId) {
      tweet.references.push({ type: 'quoted', id: this.requireTweet(input.quoteOfId).id });
      this.appendQuoteLink(tweet);
    }
    if (input.replyToId) {
      const parent = this.requireTweet(input.replyToId);
      tweet.references.push({ type: 'replied_to', id: parent.id });
      tweet.inReplyToUserId = parent.authorId;
      tweet.conversationId = parent.conversationId;
    }
    if (input.media?.length) {
      tweet.mediaKeys = input.media.map((item) => this.createMedia(item, snowflakeTime(id)));
      this.appendMediaLink(tweet);
    }
    this.insert(tweet);
    author.metrics.tweet_count++;
    return tweet;
  }

  /** Posts a plain tweet dated now. */
  postTweet(authorId: string, text: string): StoredTweet {
    return this.addTweet({ authorId, text });
  }

  /**
   * Edits a post the way X does: the edit is a new post with a new id; every version lists all
   * version ids oldest first, and only the newest version stays on the timeline.
   */
  editTweet(id: string, text: string, editedAt?: string): StoredTweet {
    const current = this.requireTweet(id);
    if (current.deleted || !isLatestVersion(current)) throw new Error(`not the current version: ${id}`);
    if (isRetweet(current)) throw new Error('retweets cannot be edited');
    const editedMs = editedAt === undefined ? this.clock() : Date.parse(editedAt);
    // An edit is always newer than what it edits, so its id is too.
    const newId = this.nextId(Math.max(editedMs, snowflakeTime(current.id) + 1));
    const history = [...current.editHistoryTweetIds, newId];
    const edited: StoredTweet = {
      ...current,
      id: newId,
      createdAt: new Date(snowflakeTime(newId)).toISOString(),
      conversationId: current.conversationId === current.id ? newId : current.conversationId,
      metrics: { ...current.metrics },
      links: [],
      editHistoryTweetIds: history,
    };
    edited.text = this.shortenLinks(edited, text);
    if (edited.references.some((ref) => ref.type === 'quoted')) this.appendQuoteLink(edited);
    if (edited.mediaKeys.length) this.appendMediaLink(edited);
    for (const versionId of current.editHistoryTweetIds) this.requireTweet(versionId).editHistoryTweetIds = history;
    this.insert(edited);
    return edited;
  }

  /** Sets some public metrics of a post (likes, retweets, ...). */
  setMetrics(id: string, metrics: Partial<TweetMetrics>): StoredTweet {
    const tweet = this.requireTweet(id);
    Object.assign(tweet.metrics, metrics);
    return tweet;
  }

  /** Deletes a post with all its versions and the retweets of it. */
  deleteTweet(id: string): void {
    const tweet = this.requireTweet(id);
    const versionIds = new Set(tweet.editHistoryTweetIds);
    for (const candidate of this.tweets.values()) {
      const isRetweetOfIt = candidate.references.some((ref) => ref.type === 'retweeted' && versionIds.has(ref.id));
      if (versionIds.has(candidate.id) || isRetweetOfIt) {
        if (!candidate.deleted && isLatestVersion(candidate))
          this.requireUser(candidate.authorId).metrics.tweet_count--;
        candidate.deleted = true;
      }
    }
  }

  /** Undoes deleteTweet (for tests): the post, its versions and the retweets of it answer again. */
  restoreTweet(id: string): void {
    const tweet = this.requireTweet(id);
    const versionIds = new Set(tweet.editHistoryTweetIds);
    for (const candidate of this.tweets.values()) {
      const isRetweetOfIt = candidate.references.some((ref) => ref.type === 'retweeted' && versionIds.has(ref.id));
      if (versionIds.has(candidate.id) || isRetweetOfIt) {
        if (candidate.deleted && isLatestVersion(candidate)) this.requireUser(candidate.authorId).metrics.tweet_count++;
        candidate.deleted = false;
      }
    }
  }

  /** The reachable timeline of a user: current versions, not deleted, newest first, at most 3,200. */
  timeline(userId: string): StoredTweet[] {
    const ids = this.tweetIdsByAuthor.get(userId) ?? [];
    const visible: StoredTweet[] = [];
    for (let i = ids.length - 1; i >= 0 && visible.length < TIMELINE_REACH; i--) {
      const tweet = this.requireTweet(ids[i]);
      if (!tweet.deleted && isLatestVersion(tweet)) visible.push(tweet);
    }
    return visible;
  }

  /** edit_controls as X computes them for a post. */
  editControls(tweet: StoredTweet): EditControls {
    const firstVersionMs = snowflakeTime(tweet.editHistoryTweetIds[0]);
    return {
      edits_remaining: Math.max(0, MAX_EDITS - (tweet.editHistoryTweetIds.length - 1)),
      is_edit_eligible: !isRetweet(tweet),
      editable_until: new Date(firstVersionMs + EDIT_WINDOW_MS).toISOString(),
    };
  }

  requireUser(id: string): StoredUser {
    const user = this.users.get(id);
    if (!user) throw new Error(`no such user: ${id}`);
    return user;
  }

  requireTweet(id: string): StoredTweet {
    const tweet = this.tweets.get(id);
    if (!tweet) throw new Error(`no such tweet: ${id}`);
    return tweet;
  }

  private nextId(ms: number): string {
    const sequence = this.sequenceByMs.get(ms) ?? 0;
    this.sequenceByMs.set(ms, sequence + 1);
    return snowflakeAt(ms, sequence);
  }

  private insert(tweet: StoredTweet): void {
    this.tweets.set(tweet.id, tweet);
    const ids = this.tweetIdsByAuthor.get(tweet.authorId)!;
    let index = ids.length;
    while (index > 0 && compareIds(ids[index - 1], tweet.id) > 0) index--;
    ids.splice(index, 0, tweet.id);
  }

  private addLink(tweet: StoredTweet, expandedUrl: string, mediaKey?: string): string {
    const url = tcoLink(`${tweet.id}:${tweet.links.length}:${expandedUrl}`);
    tweet.links.push({ url, expandedUrl, mediaKey });
    return url;
  }

  /** X replaces every link in a post with a t.co link. */
  private shortenLinks(tweet: StoredTweet, text: string): string {
    return text.replace(/https?:\/\/\S+/g, (url) => (url.startsWith('https://t.co/') ? url : this.addLink(tweet, url)));
  }

  private appendQuoteLink(tweet: StoredTweet): void {
    const quoted = this.requireTweet(tweet.references.find((ref) => ref.type === 'quoted')!.id);
    const quotedUrl = `https://twitter.com/${this.requireUser(quoted.authorId).username}/status/${quoted.id}`;
    tweet.text = appendLink(tweet.text, this.addLink(tweet, quotedUrl));
  }

  /** One link stands for all media of a post; it points at the first one. */
  private appendMediaLink(tweet: StoredTweet): void {
    const first = this.media.get(tweet.mediaKeys[0])!;
    const author = this.requireUser(tweet.authorId);
    const expanded = `https://twitter.com/${author.username}/status/${tweet.id}/${first.type}/1`;
    tweet.text = appendLink(tweet.text, this.addLink(tweet, expanded, first.mediaKey));
  }

  /** Media are uploaded a few seconds before the post that carries them. */
  private createMedia(item: NewMedia, tweetMs: number): string {
    const id = this.nextId(tweetMs - 5_000);
    const isPhoto = item.type === 'photo';
    const mediaKey = `${isPhoto ? 3 : 7}_${id}`;
    const width = item.width ?? (isPhoto ? 1200 : 1280);
    const height = item.height ?? (isPhoto ? 900 : 720);
    const fileName = tcoLink(id).slice('https://t.co/'.length);
    const videoBase = `https://video.twimg.com/ext_tw_video/${id}/pu`;
    const media: StoredMedia = { mediaKey, id, type: item.type, width, height, altText: item.altText };
    if (isPhoto) {
      media.url = `https://pbs.twimg.com/media/${fileName}.jpg`;
    } else {
      media.previewImageUrl = `https://pbs.twimg.com/ext_tw_video_thumb/${id}/pu/img/${fileName}.jpg`;
      media.durationMs = item.durationMs ?? 30_000;
      media.viewCount = item.viewCount ?? 0;
      media.variants = [
        { bit_rate: 2176000, content_type: 'video/mp4', url: `${videoBase}/vid/${width}x${height}/${fileName}.mp4` },
        { content_type: 'application/x-mpegURL', url: `${videoBase}/pl/${fileName}.m3u8` },
        { bit_rate: 832000, content_type: 'video/mp4', url: `${videoBase}/vid/640x360/${fileName}.mp4` },
      ];
    }
    this.media.set(mediaKey, media);
    return mediaKey;
  }
}

export function isRetweet(tweet: StoredTweet): boolean {
  return tweet.references.some((ref) => ref.type === 'retweeted');
}

export function isReply(tweet: StoredTweet): boolean {
  return tweet.references.some((ref) => ref.type === 'replied_to');
}

export function isLatestVersion(tweet: StoredTweet): boolean {
  return tweet.editHistoryTweetIds[tweet.editHistoryTweetIds.length - 1] === tweet.id;
}

function appendLink(text: string, url: string): string {
  return text ? `${text} ${url}` : url;
}

function zeroMetrics(): TweetMetrics {
  return { retweet_count: 0, reply_count: 0, like_count: 0, quote_count: 0, bookmark_count: 0, impression_count: 0 };
}
