import type { TweetRow, TwitterUserRow } from '../tweets/tweets.repository';
import { decodeHtmlEntities, mapV1TimelinePage, V1Entities, V1Media, V1Status, V1User } from '../x-api/x-api.mapper';
import { ArchiveError } from './x-archive.reader';

/* What the archive's record files hold (data/tweets.js and the others, as X delivers them): the v1.1 shapes with
   every number as a string. Fields are optional: X publishes no schema, and the mapping is lenient. */

/** A number as the archive writes it ("7"); a plain number is accepted too. */
type ArchiveNumber = string | number;
type ArchiveIndices = [ArchiveNumber, ArchiveNumber];

export interface ArchiveEntities {
  hashtags?: { text: string; indices: ArchiveIndices }[];
  symbols?: { text: string; indices: ArchiveIndices }[];
  user_mentions?: { name?: string; screen_name: string; id_str?: string; id?: string; indices: ArchiveIndices }[];
  urls?: { url: string; expanded_url?: string; display_url?: string; indices: ArchiveIndices }[];
  media?: ArchiveMedia[];
}

export interface ArchiveMedia {
  id_str: string;
  type: string;
  media_url_https: string;
  url: string;
  display_url: string;
  expanded_url: string;
  indices: ArchiveIndices;
  sizes?: { large?: { w: ArchiveNumber; h: ArchiveNumber } };
  ext_alt_text?: string;
  video_info?: {
    duration_millis?: ArchiveNumber;
    variants?: { bitrate?: ArchiveNumber; content_type: string; url: string }[];
  };
}

/** The `tweet` object of an element of data/tweets.js (and of data/deleted-tweets.js, with deleted_at). */
export interface ArchiveTweet {
  id?: string;
  id_str?: string;
  /** "Sat Oct 26 09:30:00 +0000 2024", any offset */
  created_at?: string;
  /** HTML-escaped, as in v1.1 */
  full_text?: string;
  source?: string;
  lang?: string;
  possibly_sensitive?: boolean;
  favorite_count?: ArchiveNumber;
  retweet_count?: ArchiveNumber;
  in_reply_to_status_id?: string;
  in_reply_to_status_id_str?: string;
  in_reply_to_user_id?: string;
  in_reply_to_user_id_str?: string;
  in_reply_to_screen_name?: string;
  quoted_status_id_str?: string;
  entities?: ArchiveEntities;
  extended_entities?: { media?: ArchiveMedia[] };
  edit_info?: {
    /** on the first version: every version's id */
    initial?: { editTweetIds?: string[] };
    /** on later versions */
    edit?: { initialTweetId?: string; editControlInitial?: { editTweetIds?: string[] } };
  };
  /** data/deleted-tweets.js only */
  deleted_at?: string;
}

/** The `account` object of data/account.js. `email` is read past, never kept. */
export interface ArchiveAccount {
  email?: string;
  createdVia?: string;
  username?: string;
  accountId?: string;
  /** ISO-8601 */
  createdAt?: string;
  accountDisplayName?: string;
}

/** The `profile` object of data/profile.js. */
export interface ArchiveProfile {
  description?: { bio?: string; website?: string; location?: string };
  avatarMediaUrl?: string;
  headerMediaUrl?: string;
}

/** The `noteTweet` object of data/note-tweet.js: a long post's whole text. */
export interface ArchiveNoteTweet {
  noteTweetId?: string;
  /** ISO-8601, the second of the matching tweet's created_at */
  createdAt?: string;
  updatedAt?: string;
  core?: { text?: string };
}

const DIGITS = /^\d+$/;

/** The archive's owner (account.js and profile.js elements) as a user row; the email stays out. */
export function mapArchiveOwner(account: unknown, profile: unknown): TwitterUserRow {
  const { email: _email, ...kept } = unwrap<ArchiveAccount>(account, 'account') ?? {};
  const profileObject = unwrap<ArchiveProfile>(profile, 'profile');
  if (!kept.accountId || !DIGITS.test(kept.accountId)) throw new ArchiveError('data/account.js: no accountId');
  if (!kept.username) throw new ArchiveError('data/account.js: no username');
  const createdAt = parseArchiveDate(kept.createdAt);
  if (!createdAt) throw new ArchiveError('data/account.js: createdAt is not a date');
  const description = profileObject?.description;
  return {
    id: kept.accountId,
    screenName: kept.username,
    name: kept.accountDisplayName || kept.username,
    description: description?.bio || null,
    location: description?.location || null,
    url: description?.website || null,
    profileImageUrl: profileObject?.avatarMediaUrl || null,
    // The archive has no counts, and no verification.
    verified: false,
    followersCount: null,
    followingCount: null,
    tweetCount: null,
    listedCount: null,
    createdAt,
    raw: { account: kept, profile: profileObject ?? null },
  };
}

/**
 * An element of a tweets file (`{ tweet: {…} }`, at `index` from 0 in `file`) as the row a v1.1 sync
 * stores for the same tweet: it goes through mapV1TimelinePage, so text, dates, entities, media and
 * source come out the same. The raw column keeps the archive's own object.
 */
export function mapArchiveTweet(entry: unknown, owner: TwitterUserRow, index: number, file: string): TweetRow {
  const tweet = unwrap<ArchiveTweet>(entry, 'tweet');
  if (!tweet) throw new ArchiveError(`${file}: entry ${index} is not a tweet`);
  const id = tweet.id_str ?? tweet.id;
  if (typeof id !== 'string' || !DIGITS.test(id)) throw new ArchiveError(`${file}: entry ${index} has no tweet id`);
  if (typeof tweet.created_at !== 'string')
    throw new ArchiveError(`${file}: entry ${index} (tweet ${id}) has no created_at`);

  let row: TweetRow;
  try {
    [row] = mapV1TimelinePage([toV1Status(tweet, id, owner)]).tweets;
  } catch (error) {
    throw new ArchiveError(`${file}: entry ${index} (tweet ${id}): ${(error as Error).message}`, { cause: error });
  }
  // A retweet keeps its "RT @user: …" text and names no original: the archive does not have its id.
  return { ...row, editHistoryTweetIds: editHistory(tweet, id), raw: tweet as Record<string, unknown> };
}

/** An element of data/deleted-tweets.js: the tweet's row and when its owner deleted it. */
export function mapArchiveDeletedTweet(
  entry: unknown,
  owner: TwitterUserRow,
  index: number,
  file: string,
): { row: TweetRow; deletedAt: Date } {
  const row = mapArchiveTweet(entry, owner, index, file);
  const deletedAt = parseArchiveDate(unwrap<ArchiveTweet>(entry, 'tweet')?.deleted_at);
  if (!deletedAt) throw new ArchiveError(`${file}: entry ${index} (tweet ${row.id}) has no valid deleted_at`);
  return { row, deletedAt };
}

/** Long posts' whole texts by the second they were posted: the only key tweets.js and note-tweet.js share. */
export type NoteTweetIndex = Map<number, string[]>;

/** Indexes the elements of data/note-tweet.js (`{ noteTweet: {…} }`) for attachNoteTexts. */
export function indexNoteTweets(entries: unknown[]): NoteTweetIndex {
  const index: NoteTweetIndex = new Map();
  for (const entry of entries) {
    const note = unwrap<ArchiveNoteTweet>(entry, 'noteTweet');
    const createdAt = parseArchiveDate(note?.createdAt);
    const text = note?.core?.text;
    if (!createdAt || typeof text !== 'string') continue;
    const second = toSecond(createdAt);
    index.set(second, [...(index.get(second) ?? []), decodeHtmlEntities(text)]);
  }
  return index;
}

/**
 * The rows with a long post's truncated text replaced by its note's whole text: a note of the same
 * second whose text starts with the tweet's (less the trailing "…" and t.co link). Works on any batch.
 */
export function attachNoteTexts(rows: TweetRow[], notes: NoteTweetIndex): TweetRow[] {
  return rows.map((row) => {
    const candidates = notes.get(toSecond(row.createdAt));
    if (!candidates) return row;
    const prefix = comparable(row.text.replace(/\s*https:\/\/t\.co\/\w+\s*$/, '').replace(/\s*(…|\.\.\.)$/, ''));
    // An empty prefix (a tweet that is only a link) would match any note of that second.
    const text = prefix ? candidates.find((note) => comparable(note).startsWith(prefix)) : undefined;
    return text === undefined ? row : { ...row, text };
  });
}

function toV1Status(tweet: ArchiveTweet, id: string, owner: TwitterUserRow): V1Status {
  // Only what the mapping reads; the owner's row is the one that is stored, not this user.
  const user: V1User = {
    id_str: owner.id,
    screen_name: owner.screenName,
    name: owner.name,
    created_at: formatV1Date(owner.createdAt),
  };
  const media = (tweet.extended_entities?.media ?? []).flatMap(toV1Media);
  return {
    id_str: id,
    created_at: tweet.created_at ?? '',
    full_text: tweet.full_text ?? '',
    source: tweet.source,
    lang: tweet.lang,
    possibly_sensitive: tweet.possibly_sensitive,
    in_reply_to_status_id_str: idOrNull(tweet.in_reply_to_status_id_str ?? tweet.in_reply_to_status_id),
    in_reply_to_user_id_str: idOrNull(tweet.in_reply_to_user_id_str ?? tweet.in_reply_to_user_id),
    quoted_status_id_str: idOrNull(tweet.quoted_status_id_str) ?? undefined,
    retweet_count: toNumber(tweet.retweet_count),
    favorite_count: toNumber(tweet.favorite_count),
    entities: tweet.entities && toV1Entities(tweet.entities),
    extended_entities: media.length ? { media } : undefined,
    user,
  };
}

function toV1Entities(entities: ArchiveEntities): V1Entities {
  // An item whose indices are not numbers is left out rather than stored with a wrong span.
  const withIndices = <T extends { indices: ArchiveIndices }>(items: T[] | undefined) =>
    (items ?? []).flatMap((item) => {
      const indices = toIndices(item.indices);
      return indices ? [{ ...item, indices }] : [];
    });
  return {
    hashtags: withIndices(entities.hashtags),
    symbols: withIndices(entities.symbols),
    user_mentions: withIndices(entities.user_mentions).map(({ screen_name, id_str, id, indices }) => ({
      screen_name,
      id_str: id_str ?? id ?? '',
      indices,
    })),
    urls: withIndices(entities.urls).map(({ url, expanded_url, display_url, indices }) => ({
      url,
      expanded_url: expanded_url ?? null,
      display_url: display_url ?? url,
      indices,
    })),
    media: (entities.media ?? []).flatMap(toV1Media),
  };
}

const MEDIA_TYPES = new Set<string>(['photo', 'video', 'animated_gif']);

function toV1Media(item: ArchiveMedia): V1Media[] {
  const indices = toIndices(item.indices);
  if (!indices || !MEDIA_TYPES.has(item.type) || !DIGITS.test(item.id_str ?? '')) return [];
  const width = toNumber(item.sizes?.large?.w);
  const height = toNumber(item.sizes?.large?.h);
  const video = item.video_info;
  return [
    {
      id_str: item.id_str,
      type: item.type as V1Media['type'],
      media_url_https: item.media_url_https,
      url: item.url,
      display_url: item.display_url,
      expanded_url: item.expanded_url,
      indices,
      sizes: width !== undefined && height !== undefined ? { large: { w: width, h: height } } : undefined,
      ext_alt_text: item.ext_alt_text,
      video_info: video && {
        duration_millis: toNumber(video.duration_millis),
        variants: (video.variants ?? []).map(({ bitrate, content_type, url }) => ({
          bitrate: toNumber(bitrate),
          content_type,
          url,
        })),
      },
    },
  ];
}

/** Every version's id, oldest (smallest) first, the tweet's own included: the order v2 lists them in. */
function editHistory(tweet: ArchiveTweet, id: string): string[] {
  const edit = tweet.edit_info?.edit;
  const listed = tweet.edit_info?.initial?.editTweetIds ??
    edit?.editControlInitial?.editTweetIds ?? [edit?.initialTweetId];
  const ids = new Set(listed.filter((value): value is string => typeof value === 'string' && DIGITS.test(value)));
  ids.add(id);
  // Snowflakes grow with time; BigInt because they pass 2^53.
  return [...ids].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0));
}

/** The object under `key` of an archive element ({ tweet: {…} }); undefined when there is none. */
function unwrap<T>(element: unknown, key: string): T | undefined {
  const value = isObject(element) ? element[key] : undefined;
  return isObject(value) ? (value as T) : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function idOrNull(value: unknown): string | null {
  return typeof value === 'string' && DIGITS.test(value) ? value : null;
}

/** Counts and indices stay far below 2^53; ids never come through here. */
function toNumber(value: ArchiveNumber | undefined): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  return typeof value === 'string' && DIGITS.test(value) ? Number(value) : undefined;
}

function toIndices(indices: unknown): [number, number] | undefined {
  if (!Array.isArray(indices) || indices.length !== 2) return undefined;
  const [start, end] = (indices as ArchiveNumber[]).map(toNumber);
  return start === undefined || end === undefined ? undefined : [start, end];
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const V1_DATE = /^\w{3} (\w{3}) (\d{2}) (\d{2}:\d{2}:\d{2}) ([+-]\d{2})(\d{2}) (\d{4})$/;

/** "Wed Oct 10 20:19:24 +0000 2018", the form v1.1 dates have. */
function formatV1Date(date: Date): string {
  const pad = (value: number) => String(value).padStart(2, '0');
  const time = `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;
  return `${DAYS[date.getUTCDay()]} ${MONTHS[date.getUTCMonth()]} ${pad(date.getUTCDate())} ${time} +0000 ${date.getUTCFullYear()}`;
}

/**
 * A v1.1 date (rewritten as ISO-8601: Date.parse of the v1.1 form is not standard) or an ISO-8601 one,
 * in UTC when it names no offset (Date would take the process's time zone).
 */
function parseArchiveDate(value: unknown): Date | undefined {
  if (typeof value !== 'string') return undefined;
  const match = V1_DATE.exec(value);
  const month = match ? MONTHS.indexOf(match[1]) + 1 : 0;
  if (match && month === 0) return undefined;
  const iso = match
    ? `${match[6]}-${String(month).padStart(2, '0')}-${match[2]}T${match[3]}${match[4]}:${match[5]}`
    : value.replace(/T[\d:.]+$/, '$&Z');
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function toSecond(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

/** Text compared leniently: runs of whitespace are one space, ends trimmed. */
function comparable(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
