import { ApiReply, V1_JSON, v1Errors } from './api-reply';
import {
  FakeXApiStore,
  isReply,
  isRetweet,
  StoredLink,
  StoredMedia,
  StoredTweet,
  StoredUser,
} from './fake-x-api.store';
import { codePointLength, displayUrl, escapeHtml, findEntities, tcoLink, truncateWithEllipsis } from './tweet-text';

interface RenderOptions {
  extended: boolean;
  trimUser: boolean;
  includeAltText: boolean;
}

/** The part of a status that depends on tweet_mode. */
interface ShownText {
  text: string;
  truncated: boolean;
  displayRange: [number, number];
  links: StoredLink[];
}

const SOURCE_LINKS: Record<string, string> = {
  'Twitter Web App': 'https://mobile.twitter.com',
  'Twitter for iPhone': 'http://twitter.com/download/iphone',
  'Twitter for Android': 'http://twitter.com/download/android',
};

/** GET /1.1/statuses/user_timeline.json */
export function statusesUserTimeline(store: FakeXApiStore, query: URLSearchParams): ApiReply {
  const userId = query.get('user_id');
  const screenName = query.get('screen_name');
  const user = userId ? store.findUserById(userId) : screenName ? store.findUserByUsername(screenName) : undefined;
  if (!user) return v1Errors(404, 34, 'Sorry, that page does not exist.');
  if (user.suspended) return v1Errors(403, 63, 'User has been suspended.');
  if (user.protected) {
    return v1Json(401, { request: '/1.1/statuses/user_timeline.json', error: 'Not authorized.' });
  }

  const requestedCount = Number(query.get('count') ?? 20);
  const count = Number.isInteger(requestedCount) && requestedCount > 0 ? Math.min(requestedCount, 200) : 20;
  const sinceId = readId(query.get('since_id'));
  const maxId = readId(query.get('max_id'));
  const includeRetweets = !isFalse(query.get('include_rts'));
  const excludeReplies = isTrue(query.get('exclude_replies'));
  const options: RenderOptions = {
    extended: query.get('tweet_mode') === 'extended',
    trimUser: isTrue(query.get('trim_user')),
    includeAltText: isTrue(query.get('include_ext_alt_text')),
  };

  // since_id is exclusive, max_id inclusive; count is applied before replies and retweets are
  // dropped, so a page can come back short or even empty before the timeline's end.
  const statuses = store
    .timeline(user.id)
    .filter((tweet) => {
      const id = BigInt(tweet.id);
      return (sinceId === undefined || id > sinceId) && (maxId === undefined || id <= maxId);
    })
    .slice(0, count)
    .filter((tweet) => (includeRetweets || !isRetweet(tweet)) && !(excludeReplies && isReply(tweet)))
    .map((tweet) => renderStatus(store, tweet, options));
  return { ...v1Json(200, statuses), postsDelivered: statuses.reduce((sum, status) => sum + postsIn(status), 0) };
}

/** GET /1.1/users/show.json: a protected account is shown too (protected: true). */
export function usersShow(store: FakeXApiStore, query: URLSearchParams): ApiReply {
  const userId = query.get('user_id');
  const screenName = query.get('screen_name');
  // X documents code 38 for a missing parameter; the wording of the message is ours.
  if (!userId && !screenName) return v1Errors(400, 38, 'user_id or screen_name parameter is missing.');
  const user = userId ? store.findUserById(userId) : store.findUserByUsername(screenName!);
  if (!user) return v1Errors(404, 50, 'User not found.');
  if (user.suspended) return v1Errors(403, 63, 'User has been suspended.');
  // The real answer also embeds the newest post as `status`; the fake leaves it out.
  return v1Json(200, renderUser(user));
}

/** A status, and the retweeted and quoted statuses it carries, each a post X counts as read. */
function postsIn(status: Record<string, unknown>): number {
  const nested = [status.retweeted_status, status.quoted_status] as (Record<string, unknown> | undefined)[];
  return 1 + nested.reduce((sum: number, inner) => sum + (inner ? postsIn(inner) : 0), 0);
}

/** Marks a value to be written as a bare JSON number with all its digits (see v1Json). */
function rawNumber(id: string): string {
  return `\u0000number:${id}`;
}

/**
 * Serializes like the v1.1 API: ids as exact JSON numbers (beyond 2^53, which JSON.parse then
 * rounds, as it does with the real API), "/" escaped as "\/", non-ASCII as \uXXXX.
 */
export function v1Json(status: number, body: unknown): ApiReply {
  const json = JSON.stringify(body)
    .replace(/"\\u0000number:(\d+)"/g, '$1')
    .replace(/\//g, '\\/')
    .replace(/[\u007f-\uffff]/g, (char) => '\\u' + char.charCodeAt(0).toString(16).padStart(4, '0'));
  return { status, contentType: V1_JSON, body: json };
}

function renderStatus(store: FakeXApiStore, tweet: StoredTweet, options: RenderOptions): Record<string, unknown> {
  const author = store.requireUser(tweet.authorId);
  const shown = shownText(tweet, options.extended);
  const media = tweet.mediaKeys.map((key) => store.findMedia(key)!);
  const mediaLink = shown.links.find((link) => link.mediaKey && shown.text.includes(link.url));
  const parent = tweet.references.find((ref) => ref.type === 'replied_to');
  const parentAuthor = tweet.inReplyToUserId ? store.findUserById(tweet.inReplyToUserId) : undefined;
  const original = referencedStatus(store, tweet, 'retweeted');
  const quotedRef = tweet.references.find((ref) => ref.type === 'quoted');
  const quoted = referencedStatus(store, tweet, 'quoted');

  return {
    created_at: v1Date(tweet.createdAt),
    id: rawNumber(tweet.id),
    id_str: tweet.id,
    ...(options.extended
      ? { full_text: escapeHtml(shown.text), truncated: false, display_text_range: shown.displayRange }
      : { text: escapeHtml(shown.text), truncated: shown.truncated }),
    entities: renderEntities(store, shown, media, mediaLink),
    ...(mediaLink
      ? { extended_entities: { media: media.map((item) => renderMedia(item, shown.text, mediaLink, options)) } }
      : {}),
    source: `<a href="${SOURCE_LINKS[tweet.source] ?? 'https://help.twitter.com'}" rel="nofollow">${tweet.source}</a>`,
    in_reply_to_status_id: parent ? rawNumber(parent.id) : null,
    in_reply_to_status_id_str: parent?.id ?? null,
    in_reply_to_user_id: tweet.inReplyToUserId ? rawNumber(tweet.inReplyToUserId) : null,
    in_reply_to_user_id_str: tweet.inReplyToUserId ?? null,
    in_reply_to_screen_name: parentAuthor?.username ?? null,
    user: options.trimUser ? { id: rawNumber(author.id), id_str: author.id } : renderUser(author),
    geo: null,
    coordinates: null,
    place: null,
    contributors: null,
    ...(original ? { retweeted_status: renderStatus(store, original, options) } : {}),
    is_quote_status: quotedRef !== undefined,
    ...(quotedRef ? { quoted_status_id: rawNumber(quotedRef.id), quoted_status_id_str: quotedRef.id } : {}),
    ...(quoted ? { quoted_status: renderStatus(store, quoted, options) } : {}),
    retweet_count: tweet.metrics.retweet_count,
    favorite_count: tweet.metrics.like_count,
    favorited: false,
    retweeted: false,
    ...(tweet.links.length ? { possibly_sensitive: tweet.possiblySensitive } : {}),
    lang: tweet.lang,
  };
}

function referencedStatus(store: FakeXApiStore, tweet: StoredTweet, type: 'retweeted' | 'quoted') {
  const reference = tweet.references.find((ref) => ref.type === type);
  const referenced = reference ? store.findTweet(reference.id) : undefined;
  return referenced && !referenced.deleted ? referenced : undefined;
}

/**
 * Extended mode shows up to 280 characters; compatibility mode cuts anything over 140 to 115
 * characters plus "… " and a link to the whole post, and says truncated. Retweets are "RT @user: "
 * plus the original cut at 140 in both modes; the original is in retweeted_status.
 */
function shownText(tweet: StoredTweet, extended: boolean): ShownText {
  if (isRetweet(tweet) || extended || codePointLength(tweet.text) <= 140) {
    const text = truncateWithEllipsis(tweet.text, isRetweet(tweet) ? 140 : 280);
    return { text, truncated: false, displayRange: displayRange(tweet, text), links: tweet.links };
  }
  const webLink: StoredLink = {
    url: tcoLink(`${tweet.id}:web`),
    expandedUrl: `https://twitter.com/i/web/status/${tweet.id}`,
  };
  const text = `${Array.from(tweet.text).slice(0, 115).join('')}… ${webLink.url}`;
  return { text, truncated: true, displayRange: [0, codePointLength(text)], links: [...tweet.links, webLink] };
}

/** The range without the leading @mentions of a reply and without the trailing media link. */
function displayRange(tweet: StoredTweet, text: string): [number, number] {
  const replyPrefix = isReply(tweet) ? (/^(@\w+ )+/.exec(text)?.[0] ?? '') : '';
  const mediaLink = tweet.links.find((link) => link.mediaKey && text.endsWith(` ${link.url}`));
  const end = codePointLength(text) - (mediaLink ? codePointLength(mediaLink.url) + 1 : 0);
  return [codePointLength(replyPrefix), end];
}

function renderEntities(
  store: FakeXApiStore,
  shown: ShownText,
  media: StoredMedia[],
  mediaLink: StoredLink | undefined,
): Record<string, unknown[]> {
  const entities: Record<string, unknown[]> = { hashtags: [], symbols: [], user_mentions: [], urls: [] };
  for (const entity of findEntities(shown.text)) {
    const indices = [entity.start, entity.end];
    if (entity.kind === 'hashtag') entities.hashtags.push({ text: entity.value, indices });
    if (entity.kind === 'cashtag') entities.symbols.push({ text: entity.value, indices });
    const user = entity.kind === 'mention' ? store.findUserByUsername(entity.value) : undefined;
    if (user) {
      entities.user_mentions.push({
        screen_name: user.username,
        name: user.name,
        id: rawNumber(user.id),
        id_str: user.id,
        indices,
      });
    }
    const link = entity.kind === 'url' ? shown.links.find((candidate) => candidate.url === entity.value) : undefined;
    if (link && !link.mediaKey) {
      entities.urls.push({
        url: link.url,
        expanded_url: link.expandedUrl,
        display_url: displayUrl(link.expandedUrl),
        indices,
      });
    }
  }
  // entities.media holds only the first item, always typed "photo" (the thumbnail of a video).
  if (mediaLink) entities.media = [renderMedia(media[0], shown.text, mediaLink)];
  return entities;
}

/** Without `extendedOptions` this is the entities.media item, else the extended_entities one. */
function renderMedia(
  media: StoredMedia,
  text: string,
  link: StoredLink,
  extendedOptions?: RenderOptions,
): Record<string, unknown> {
  const start = codePointLength(text.slice(0, text.indexOf(link.url)));
  const imageUrl = (media.url ?? media.previewImageUrl)!;
  const rendered: Record<string, unknown> = {
    id: rawNumber(media.id),
    id_str: media.id,
    indices: [start, start + codePointLength(link.url)],
    media_url: imageUrl.replace('https://', 'http://'),
    media_url_https: imageUrl,
    url: link.url,
    display_url: `pic.twitter.com/${link.url.slice('https://t.co/'.length)}`,
    expanded_url: link.expandedUrl,
    type: extendedOptions ? media.type : 'photo',
    sizes: {
      thumb: { w: 150, h: 150, resize: 'crop' },
      medium: fitWithin(media, 1200),
      small: fitWithin(media, 680),
      large: fitWithin(media, 2048),
    },
  };
  if (extendedOptions && media.variants) {
    const divisor = greatestCommonDivisor(media.width, media.height);
    rendered.video_info = {
      aspect_ratio: [media.width / divisor, media.height / divisor],
      duration_millis: media.durationMs,
      variants: media.variants.map((variant) => ({
        ...(variant.bit_rate === undefined ? {} : { bitrate: variant.bit_rate }),
        content_type: variant.content_type,
        url: variant.url,
      })),
    };
  }
  if (extendedOptions?.includeAltText) rendered.ext_alt_text = media.altText ?? null;
  return rendered;
}

function fitWithin(media: StoredMedia, longestSide: number): { w: number; h: number; resize: string } {
  const scale = Math.min(1, longestSide / Math.max(media.width, media.height));
  return { w: Math.round(media.width * scale), h: Math.round(media.height * scale), resize: 'fit' };
}

function greatestCommonDivisor(a: number, b: number): number {
  return b === 0 ? a : greatestCommonDivisor(b, a % b);
}

function renderUser(user: StoredUser): Record<string, unknown> {
  const imageHttps = user.profileImageUrl;
  return {
    id: rawNumber(user.id),
    id_str: user.id,
    name: user.name,
    screen_name: user.username,
    location: user.location,
    description: user.description,
    url: user.url || null,
    entities: {
      ...(user.url
        ? {
            url: {
              urls: [
                {
                  url: user.url,
                  expanded_url: user.url,
                  display_url: displayUrl(user.url),
                  indices: [0, codePointLength(user.url)],
                },
              ],
            },
          }
        : {}),
      description: { urls: [] },
    },
    protected: user.protected,
    followers_count: user.metrics.followers_count,
    friends_count: user.metrics.following_count,
    listed_count: user.metrics.listed_count,
    created_at: v1Date(user.createdAt),
    favourites_count: user.metrics.like_count,
    utc_offset: null,
    time_zone: null,
    geo_enabled: false,
    verified: user.verified,
    statuses_count: user.metrics.tweet_count,
    lang: null,
    contributors_enabled: false,
    is_translator: false,
    is_translation_enabled: false,
    profile_background_color: 'F5F8FA',
    profile_background_image_url: 'http://abs.twimg.com/images/themes/theme1/bg.png',
    profile_background_image_url_https: 'https://abs.twimg.com/images/themes/theme1/bg.png',
    profile_background_tile: false,
    profile_image_url: imageHttps.replace('https://', 'http://'),
    profile_image_url_https: imageHttps,
    profile_banner_url: `https://pbs.twimg.com/profile_banners/${user.id}/1600000000`,
    profile_link_color: '1DA1F2',
    profile_sidebar_border_color: 'C0DEED',
    profile_sidebar_fill_color: 'DDEEF6',
    profile_text_color: '333333',
    profile_use_background_image: true,
    has_extended_profile: false,
    default_profile: true,
    default_profile_image: false,
    following: false,
    follow_request_sent: false,
    notifications: false,
    translator_type: 'none',
    withheld_in_countries: [],
  };
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "Wed Oct 10 20:19:24 +0000 2018" */
export function v1Date(iso: string): string {
  const date = new Date(iso);
  const pad = (value: number) => String(value).padStart(2, '0');
  const time = `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;
  return `${WEEKDAYS[date.getUTCDay()]} ${MONTHS[date.getUTCMonth()]} ${pad(date.getUTCDate())} ${time} +0000 ${date.getUTCFullYear()}`;
}

function readId(raw: string | null): bigint | undefined {
  return raw !== null && /^\d{1,19}$/.test(raw) ? BigInt(raw) : undefined;
}

function isTrue(raw: string | null): boolean {
  return raw === 'true' || raw === 't' || raw === '1';
}

function isFalse(raw: string | null): boolean {
  return raw === 'false' || raw === 'f' || raw === '0';
}
