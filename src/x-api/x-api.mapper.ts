import type { ReferencedTweet, TweetEntities } from '../tweets/tweet.entity';
import type { TweetRow, TwitterUserRow } from '../tweets/tweets.repository';

// What GET /2/users/:id/tweets is asked for; every name is in the OpenAPI spec (v2.166).
export const V2_TWEET_FIELDS =
  'attachments,author_id,conversation_id,created_at,edit_history_tweet_ids,entities,id,in_reply_to_user_id,lang,note_tweet,possibly_sensitive,public_metrics,referenced_tweets,source,text';
export const V2_USER_FIELDS =
  'created_at,description,id,location,name,profile_image_url,protected,public_metrics,url,username,verified';
export const V2_MEDIA_FIELDS =
  'alt_text,duration_ms,height,media_key,preview_image_url,public_metrics,type,url,variants,width';
export const V2_EXPANSIONS =
  'attachments.media_keys,author_id,referenced_tweets.id,referenced_tweets.id.attachments.media_keys,referenced_tweets.id.author_id';

/* The parts of the API objects we read. The API sends more; `raw` keeps all of it. */

export interface V2TweetMetrics {
  retweet_count?: number;
  reply_count?: number;
  like_count?: number;
  quote_count?: number;
  bookmark_count?: number;
  impression_count?: number;
}

export interface V2Tweet {
  id: string;
  /** HTML-escaped; cut with "…" for long posts and retweets */
  text: string;
  /** requested (V2_TWEET_FIELDS), as created_at; a tweet without it is left out */
  author_id: string;
  created_at: string;
  conversation_id?: string;
  in_reply_to_user_id?: string;
  lang?: string;
  source?: string;
  possibly_sensitive?: boolean;
  /** absent before September 2022 */
  edit_history_tweet_ids?: string[];
  referenced_tweets?: ReferencedTweet[];
  attachments?: { media_keys?: string[] };
  entities?: TweetEntities;
  /** a long post: the whole text and its entities */
  note_tweet?: { text: string; entities?: TweetEntities };
  public_metrics?: V2TweetMetrics;
}

export interface V2User {
  id: string;
  username: string;
  name: string;
  created_at: string;
  description?: string;
  location?: string;
  url?: string;
  profile_image_url?: string;
  protected?: boolean;
  verified?: boolean;
  public_metrics?: {
    followers_count?: number;
    following_count?: number;
    tweet_count?: number;
    listed_count?: number;
  };
}

export interface V2Media {
  media_key: string;
  type: string;
  url?: string;
  preview_image_url?: string;
  width?: number;
  height?: number;
  alt_text?: string;
  duration_ms?: number;
  variants?: { bit_rate?: number; content_type: string; url: string }[];
  public_metrics?: { view_count?: number };
}

export interface V2Includes {
  users?: V2User[];
  tweets?: V2Tweet[];
  media?: V2Media[];
}

/** The body of GET /2/users/:id/tweets; an empty page has only meta. */
export interface V2TimelineBody {
  data?: V2Tweet[];
  includes?: V2Includes;
  /** partial errors, e.g. a referenced tweet that was deleted */
  errors?: unknown[];
  meta: { result_count: number; newest_id?: string; oldest_id?: string; next_token?: string; previous_token?: string };
}

type V1Indices = [number, number];

export interface V1Media {
  id_str: string;
  type: 'photo' | 'video' | 'animated_gif';
  media_url_https: string;
  url: string;
  display_url: string;
  expanded_url: string;
  indices: V1Indices;
  original_info?: { width: number; height: number };
  sizes?: { large?: { w: number; h: number } };
  /** only with include_ext_alt_text=true */
  ext_alt_text?: string | null;
  video_info?: { duration_millis?: number; variants: { bitrate?: number; content_type: string; url: string }[] };
}

export interface V1Entities {
  hashtags?: { text: string; indices: V1Indices }[];
  symbols?: { text: string; indices: V1Indices }[];
  user_mentions?: { screen_name: string; id_str: string; indices: V1Indices }[];
  urls?: { url: string; expanded_url: string | null; display_url: string; indices: V1Indices }[];
  /** the first media item only, always typed "photo" */
  media?: V1Media[];
}

export interface V1User {
  id_str: string;
  screen_name: string;
  name: string;
  description?: string | null;
  location?: string | null;
  /** a t.co link; entities.url has what it stands for */
  url?: string | null;
  entities?: { url?: { urls?: { url: string; expanded_url?: string | null }[] } };
  profile_image_url_https?: string;
  verified?: boolean;
  followers_count?: number;
  friends_count?: number;
  statuses_count?: number;
  listed_count?: number;
  protected?: boolean;
  /** "Wed Oct 10 20:19:24 +0000 2018" */
  created_at: string;
}

/** A status of GET /1.1/statuses/user_timeline.json?tweet_mode=extended. */
export interface V1Status {
  /** `id` passes 2^53 and JSON.parse rounds it: only id_str is read */
  id_str: string;
  created_at: string;
  /** HTML-escaped; `text` instead without tweet_mode=extended */
  full_text?: string;
  text?: string;
  /** an HTML link: <a href="...">Twitter Web App</a> */
  source?: string;
  lang?: string;
  possibly_sensitive?: boolean;
  in_reply_to_status_id_str?: string | null;
  in_reply_to_user_id_str?: string | null;
  retweeted_status?: V1Status;
  quoted_status_id_str?: string;
  quoted_status?: V1Status;
  retweet_count?: number;
  favorite_count?: number;
  reply_count?: number;
  quote_count?: number;
  entities?: V1Entities;
  extended_entities?: { media?: V1Media[] };
  user: V1User;
}

export interface MappedPage {
  /** every user of the page, once */
  users: TwitterUserRow[];
  /** timeline tweets, then those only referenced by them, once each */
  tweets: TweetRow[];
  /** older versions of edited tweets -> the newest version */
  editedVersions: { id: string; newestId: string }[];
}

const HTML_ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>' };

/**
 * X escapes only &, < and > in tweet text. One pass decodes "&amp;lt;" to "&lt;", as if "&amp;"
 * were decoded last.
 */
export function decodeHtmlEntities(text: string): string {
  return text.replace(/&(?:amp|lt|gt);/g, (entity) => HTML_ENTITIES[entity]);
}

/** A v2 user as a row; empty description, location and url become null. */
export function mapV2User(user: V2User): TwitterUserRow {
  return {
    id: user.id,
    screenName: user.username,
    name: user.name,
    description: user.description || null,
    location: user.location || null,
    url: user.url || null,
    profileImageUrl: user.profile_image_url ?? null,
    verified: user.verified ?? false,
    followersCount: user.public_metrics?.followers_count ?? null,
    followingCount: user.public_metrics?.following_count ?? null,
    tweetCount: user.public_metrics?.tweet_count ?? null,
    listedCount: user.public_metrics?.listed_count ?? null,
    createdAt: new Date(user.created_at),
    raw: asRaw(user),
  };
}

/** One page of GET /2/users/:id/tweets, asked with the fields and expansions above. */
export function mapV2TimelinePage(body: V2TimelineBody): MappedPage {
  const data = body.data ?? [];
  const includes = body.includes ?? {};
  const usersById = new Map((includes.users ?? []).map((user) => [user.id, user]));
  const tweetsById = new Map((includes.tweets ?? []).map((tweet) => [tweet.id, tweet]));
  const mediaByKey = new Map((includes.media ?? []).map((media) => [media.media_key, media]));

  const mapTweet = (tweet: V2Tweet, referencedOnly: boolean): TweetRow => {
    const metrics = tweet.public_metrics;
    return {
      id: tweet.id,
      authorId: tweet.author_id,
      text: v2Text(tweet, tweetsById, usersById),
      createdAt: new Date(tweet.created_at),
      lang: tweet.lang ?? null,
      conversationId: tweet.conversation_id ?? null,
      inReplyToUserId: tweet.in_reply_to_user_id ?? null,
      inReplyToTweetId: tweet.referenced_tweets?.find((ref) => ref.type === 'replied_to')?.id ?? null,
      referencedTweets: (tweet.referenced_tweets ?? []).map(({ type, id }) => ({ type, id })),
      // Captures from before edits existed (2022) have no history: the tweet is its only version.
      editHistoryTweetIds: tweet.edit_history_tweet_ids ?? [tweet.id],
      retweetCount: metrics?.retweet_count ?? null,
      replyCount: metrics?.reply_count ?? null,
      likeCount: metrics?.like_count ?? null,
      quoteCount: metrics?.quote_count ?? null,
      bookmarkCount: metrics?.bookmark_count ?? null,
      impressionCount: metrics?.impression_count ?? null,
      entities: tweet.note_tweet ? (tweet.note_tweet.entities ?? null) : (tweet.entities ?? null),
      media: (tweet.attachments?.media_keys ?? []).flatMap((key) => {
        const media = mediaByKey.get(key);
        return media ? [asRaw(media)] : [];
      }),
      source: tweet.source ?? null,
      possiblySensitive: tweet.possibly_sensitive ?? null,
      raw: asRaw(tweet),
      referencedOnly,
      origin: 'api',
    };
  };

  // includes.tweets may hold more than the references (other versions of an edited tweet, the
  // timeline tweets themselves), depending on the expansions: only referenced ones are kept.
  const referencedIds = data.flatMap((tweet) => (tweet.referenced_tweets ?? []).map((ref) => ref.id));
  const referenced = referencedIds.flatMap((id) => {
    const tweet = tweetsById.get(id);
    return tweet ? [tweet] : [];
  });
  return assemblePage(
    (includes.users ?? []).map(mapV2User),
    data.map((tweet) => mapTweet(tweet, false)),
    referenced.map((tweet) => mapTweet(tweet, true)),
  );
}

/** The whole text: a long post's note, a retweet's "RT @author: " and original, unescaped. */
function v2Text(tweet: V2Tweet, tweetsById: Map<string, V2Tweet>, usersById: Map<string, V2User>): string {
  const retweeted = tweet.referenced_tweets?.find((ref) => ref.type === 'retweeted');
  const original = retweeted && tweetsById.get(retweeted.id);
  const originalAuthor = original && usersById.get(original.author_id);
  // A retweet's own text is the original cut at 140 characters.
  if (original && originalAuthor) return `RT @${originalAuthor.username}: ${ownText(original)}`;
  return ownText(tweet);
}

function ownText(tweet: V2Tweet): string {
  return decodeHtmlEntities(tweet.note_tweet?.text ?? tweet.text);
}

/** A v1.1 user as a row, shaped like mapV2User's. */
export function mapV1User(user: V1User): TwitterUserRow {
  return {
    id: user.id_str,
    screenName: user.screen_name,
    name: user.name,
    description: user.description || null,
    location: user.location || null,
    url: user.entities?.url?.urls?.[0]?.expanded_url || user.url || null,
    profileImageUrl: user.profile_image_url_https ?? null,
    verified: user.verified ?? false,
    followersCount: user.followers_count ?? null,
    followingCount: user.friends_count ?? null,
    tweetCount: user.statuses_count ?? null,
    listedCount: user.listed_count ?? null,
    createdAt: parseV1Date(user.created_at),
    raw: asRaw(user),
  };
}

/** The statuses of GET /1.1/statuses/user_timeline.json?tweet_mode=extended, as v2 would give them. */
export function mapV1TimelinePage(statuses: V1Status[]): MappedPage {
  const users: TwitterUserRow[] = [];
  const referenced: TweetRow[] = [];

  const mapStatus = (status: V1Status, referencedOnly: boolean): TweetRow => {
    users.push(mapV1User(status.user));
    const original = status.retweeted_status;
    const references: ReferencedTweet[] = [];
    if (original) {
      references.push({ type: 'retweeted', id: original.id_str });
      referenced.push(mapStatus(original, true));
    }
    // A retweet of a quote carries the quote's fields too; the quote belongs to the original.
    if (!original && status.quoted_status_id_str) {
      references.push({ type: 'quoted', id: status.quoted_status_id_str });
      if (status.quoted_status) referenced.push(mapStatus(status.quoted_status, true));
    }
    const parentId = status.in_reply_to_status_id_str ?? null;
    if (parentId) references.push({ type: 'replied_to', id: parentId });

    const media = (status.extended_entities?.media ?? status.entities?.media ?? []).map(v1Media);
    return {
      id: status.id_str,
      authorId: status.user.id_str,
      text: original ? `RT @${original.user.screen_name}: ${v1Text(original)}` : v1Text(status),
      createdAt: parseV1Date(status.created_at),
      lang: status.lang ?? null,
      // v1.1 has no conversation ids.
      conversationId: null,
      inReplyToUserId: status.in_reply_to_user_id_str ?? null,
      inReplyToTweetId: parentId,
      referencedTweets: references,
      // v1.1 does not say whether a status was edited.
      editHistoryTweetIds: [status.id_str],
      retweetCount: status.retweet_count ?? null,
      replyCount: status.reply_count ?? null,
      likeCount: status.favorite_count ?? null,
      quoteCount: status.quote_count ?? null,
      bookmarkCount: null,
      impressionCount: null,
      entities: v1Entities(status.entities, media),
      media: media.map(asRaw),
      source: status.source === undefined ? null : linkText(status.source),
      possiblySensitive: status.possibly_sensitive ?? null,
      raw: asRaw(status),
      referencedOnly,
      origin: 'api',
    };
  };

  const timeline = statuses.map((status) => mapStatus(status, false));
  return assemblePage(users, timeline, referenced);
}

function v1Text(status: V1Status): string {
  return decodeHtmlEntities(status.full_text ?? status.text ?? '');
}

/** The v2 entities: mentions, urls (the media link with its media_key, as v2 has it), hashtags, cashtags. */
function v1Entities(entities: V1Entities | undefined, media: V2Media[]): TweetEntities | null {
  if (!entities) return null;
  const span = ({ indices }: { indices: V1Indices }) => ({ start: indices[0], end: indices[1] });
  // entities.media says "photo" even for a video: its key is taken from extended_entities.
  const mediaKeyOf = (item: V1Media) =>
    media.find((candidate) => candidate.media_key.endsWith(`_${item.id_str}`))?.media_key ?? v1MediaKey(item);
  const urls = [
    ...(entities.urls ?? []).map((url) => ({
      ...span(url),
      url: url.url,
      expanded_url: url.expanded_url,
      display_url: url.display_url,
    })),
    ...(entities.media ?? []).map((item) => ({
      ...span(item),
      url: item.url,
      expanded_url: item.expanded_url,
      display_url: item.display_url,
      media_key: mediaKeyOf(item),
    })),
  ].sort((a, b) => a.start - b.start);
  const groups = {
    mentions: (entities.user_mentions ?? []).map((mention) => ({
      ...span(mention),
      username: mention.screen_name,
      id: mention.id_str,
    })),
    urls,
    hashtags: (entities.hashtags ?? []).map((tag) => ({ ...span(tag), tag: tag.text })),
    cashtags: (entities.symbols ?? []).map((tag) => ({ ...span(tag), tag: tag.text })),
  };
  // v2 leaves out empty groups, and entities altogether when there are none.
  const present = Object.entries(groups).filter(([, items]) => items.length > 0);
  return present.length ? Object.fromEntries(present) : null;
}

/** The v2 media object, as far as v1.1 tells (no view counts; alt text only with include_ext_alt_text). */
function v1Media(item: V1Media): V2Media {
  const media: V2Media = { media_key: v1MediaKey(item), type: item.type };
  // v2 has `url` for photos only and a preview image for videos and GIFs.
  if (item.type === 'photo') media.url = item.media_url_https;
  else media.preview_image_url = item.media_url_https;
  const width = item.original_info?.width ?? item.sizes?.large?.w;
  const height = item.original_info?.height ?? item.sizes?.large?.h;
  if (width !== undefined) media.width = width;
  if (height !== undefined) media.height = height;
  if (item.ext_alt_text) media.alt_text = item.ext_alt_text;
  if (item.video_info?.duration_millis !== undefined) media.duration_ms = item.video_info.duration_millis;
  if (item.video_info) {
    media.variants = item.video_info.variants.map(({ bitrate, content_type, url }) => ({
      ...(bitrate === undefined ? {} : { bit_rate: bitrate }),
      content_type,
      url,
    }));
  }
  return media;
}

// v2 media keys are "<kind>_<media id>": 3 for photos, 7 for videos, 16 for GIFs (as in the
// captures). Amplify videos (13_) are "video" in v1.1 and come out as 7_.
const MEDIA_KEY_PREFIX: Record<V1Media['type'], string> = { photo: '3', video: '7', animated_gif: '16' };

function v1MediaKey(item: V1Media): string {
  return `${MEDIA_KEY_PREFIX[item.type]}_${item.id_str}`;
}

/** "Twitter Web App" out of <a href="https://mobile.twitter.com" rel="nofollow">Twitter Web App</a>. */
function linkText(source: string): string {
  return /^<a [^>]*>(.*)<\/a>$/s.exec(source)?.[1] ?? source;
}

const V1_DATE = /^\w{3} (\w{3}) (\d{2}) (\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2}) (\d{4})$/;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "Wed Oct 10 20:19:24 +0000 2018", read field by field: Date.parse of this format is not standard. */
function parseV1Date(value: string): Date {
  const match = V1_DATE.exec(value);
  const month = match ? MONTHS.indexOf(match[1]) : -1;
  if (!match || month === -1) throw new Error(`not a v1.1 date: ${value}`);
  const [, , day, hours, minutes, seconds, sign, offsetHours, offsetMinutes, year] = match;
  const offsetMs = (sign === '-' ? -1 : 1) * (Number(offsetHours) * 60 + Number(offsetMinutes)) * 60_000;
  return new Date(Date.UTC(+year, month, +day, +hours, +minutes, +seconds) - offsetMs);
}

/**
 * Users and tweets once each, timeline tweets first (so a tweet that is both stays a timeline
 * tweet), without the tweets whose author is unknown: the foreign key would refuse them.
 */
function assemblePage(users: TwitterUserRow[], timeline: TweetRow[], referenced: TweetRow[]): MappedPage {
  const usersById = new Map<string, TwitterUserRow>();
  for (const user of users) if (!usersById.has(user.id)) usersById.set(user.id, user);
  const tweetsById = new Map<string, TweetRow>();
  for (const tweet of [...timeline, ...referenced]) {
    if (!tweetsById.has(tweet.id) && usersById.has(tweet.authorId)) tweetsById.set(tweet.id, tweet);
  }
  const tweets = [...tweetsById.values()];

  // The newest version is the last of the history, even when the tweet at hand is an older one
  // (a quote of a tweet that was edited since).
  const newestById = new Map<string, string>();
  for (const { editHistoryTweetIds: history } of tweets) {
    for (const id of history.slice(0, -1)) newestById.set(id, history[history.length - 1]);
  }
  const editedVersions = [...newestById].map(([id, newestId]) => ({ id, newestId }));
  return { users: [...usersById.values()], tweets, editedVersions };
}

// Our interfaces list only what we read; the row keeps the whole object.
function asRaw(object: object): Record<string, unknown> {
  return object as Record<string, unknown>;
}
