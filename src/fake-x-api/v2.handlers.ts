import { ApiReply, invalidRequest, ParameterError, parameterError, v2Json } from './api-reply';
import { FakeXApiStore, isReply, isRetweet, StoredMedia, StoredTweet, StoredUser } from './fake-x-api.store';
import { codePointLength, displayUrl, escapeHtml, findEntities, truncateWithEllipsis } from './tweet-text';

// The values the official OpenAPI spec (v2.166) allows; anything else is a 400, as on X.
const TWEET_FIELDS = [
  'article',
  'attachments',
  'author_id',
  'card_uri',
  'community_id',
  'context_annotations',
  'conversation_id',
  'created_at',
  'display_text_range',
  'edit_controls',
  'edit_history_tweet_ids',
  'entities',
  'geo',
  'id',
  'in_reply_to_user_id',
  'lang',
  'matched_media_notes',
  'media_metadata',
  'non_public_metrics',
  'note_request_suggestions',
  'note_tweet',
  'organic_metrics',
  'paid_partnership',
  'possibly_sensitive',
  'promoted_metrics',
  'public_metrics',
  'referenced_tweets',
  'reply_settings',
  'scopes',
  'source',
  'suggested_source_links',
  'suggested_source_links_with_counts',
  'text',
  'withheld',
];
const USER_FIELDS = [
  'affiliation',
  'confirmed_email',
  'connection_status',
  'created_at',
  'description',
  'entities',
  'id',
  'is_identity_verified',
  'location',
  'most_recent_tweet_id',
  'name',
  'parody',
  'pinned_tweet_id',
  'profile_banner_url',
  'profile_image_url',
  'protected',
  'public_metrics',
  'receives_your_dm',
  'subscription',
  'subscription_type',
  'url',
  'username',
  'verified',
  'verified_followers_count',
  'verified_type',
  'withheld',
];
const MEDIA_FIELDS = [
  'alt_text',
  'duration_ms',
  'height',
  'media_key',
  'non_public_metrics',
  'organic_metrics',
  'preview_image_url',
  'promoted_metrics',
  'public_metrics',
  'type',
  'url',
  'variants',
  'width',
];
const TWEET_EXPANSIONS = [
  'article.cover_media',
  'article.media_entities',
  'attachments.media_keys',
  'attachments.media_source_tweet',
  'attachments.poll_ids',
  'author_id',
  'edit_history_tweet_ids',
  'entities.mentions.username',
  'geo.place_id',
  'in_reply_to_user_id',
  'entities.note.mentions.username',
  'referenced_tweets.id',
  'referenced_tweets.id.attachments.media_keys',
  'referenced_tweets.id.author_id',
];
const USER_EXPANSIONS = ['affiliation.user_id', 'most_recent_tweet_id', 'pinned_tweet_id'];
const USAGE_FIELDS = [
  'cap_reset_day',
  'daily_client_app_usage',
  'daily_project_usage',
  'project_cap',
  'project_id',
  'project_usage',
];

/** The fake's one project, a made-up id. */
const PROJECT_ID = '1600000000000000000';
const DAY_MS = 24 * 60 * 60 * 1000;

const USERNAME_PATTERN = /^[A-Za-z0-9_]{1,15}$/;
const ID_PATTERN = /^[0-9]{1,19}$/;
const RFC3339_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

// Real next_tokens are 45 base36 characters starting like this; ours carry the page boundary.
const PAGE_TOKEN_PREFIX = '7140dibdnow9c7btw';

interface Selection {
  tweetFields: Set<string>;
  userFields: Set<string>;
  mediaFields: Set<string>;
  expansions: Set<string>;
}

interface PageCursor {
  direction: 'older' | 'newer';
  boundaryId: bigint;
}

/** GET /2/users/by/username/:username */
export function userByUsername(store: FakeXApiStore, username: string, query: URLSearchParams): ApiReply {
  const errors: ParameterError[] = [];
  if (!USERNAME_PATTERN.test(username)) {
    errors.push(parameterError('username', username, `does not match ${USERNAME_PATTERN.source}`));
  }
  const selection = readSelection(query, USER_EXPANSIONS, errors);
  if (errors.length) return invalidRequest(errors);
  return userLookup(store, store.findUserByUsername(username), selection, 'username', username);
}

/** GET /2/users/:id */
export function userById(store: FakeXApiStore, userId: string, query: URLSearchParams): ApiReply {
  const errors: ParameterError[] = [];
  if (!ID_PATTERN.test(userId)) errors.push(parameterError('id', userId, `does not match ${ID_PATTERN.source}`));
  const selection = readSelection(query, USER_EXPANSIONS, errors);
  if (errors.length) return invalidRequest(errors);
  return userLookup(store, store.findUserById(userId), selection, 'id', userId);
}

function userLookup(
  store: FakeXApiStore,
  user: StoredUser | undefined,
  selection: Selection,
  parameter: 'username' | 'id',
  value: string,
): ApiReply {
  if (!user || user.suspended) return v2Json(200, { errors: [unavailableUser(user, parameter, value)] });
  const pinned = user.pinnedTweetId ? store.findTweet(user.pinnedTweetId) : undefined;
  const includePinned = selection.expansions.has('pinned_tweet_id') && pinned && !pinned.deleted;
  const reply = v2Json(200, {
    data: renderUser(store, user, selection.userFields),
    ...(includePinned ? { includes: { tweets: [renderTweet(store, pinned, selection.tweetFields)] } } : {}),
  });
  return { ...reply, postsDelivered: includePinned ? 1 : 0 };
}

/** GET /2/users/:id/tweets */
export function userTimeline(store: FakeXApiStore, userId: string, query: URLSearchParams): ApiReply {
  const errors: ParameterError[] = [];
  if (!ID_PATTERN.test(userId)) errors.push(parameterError('id', userId, `does not match ${ID_PATTERN.source}`));
  const maxResults = readMaxResults(query, errors);
  const sinceId = readId(query, 'since_id', errors);
  const untilId = readId(query, 'until_id', errors);
  const startMs = readTime(query, 'start_time', errors);
  const endMs = readTime(query, 'end_time', errors);
  const exclude = readList(query, 'exclude', ['replies', 'retweets'], errors);
  const cursor = readPageCursor(query, errors);
  const selection = readSelection(query, TWEET_EXPANSIONS, errors);
  if (errors.length) return invalidRequest(errors);

  const user = store.findUserById(userId);
  if (!user || user.suspended) return v2Json(200, { errors: [unavailableUser(user, 'id', userId)] });
  if (user.protected) return v2Json(200, { errors: [notAuthorizedForUser(userId)] });

  // since_id/until_id are exclusive and take precedence over start_time/end_time.
  const inWindow = store.timeline(userId).filter((tweet) => {
    const id = BigInt(tweet.id);
    const createdMs = Date.parse(tweet.createdAt);
    if (exclude.has('replies') && isReply(tweet)) return false;
    if (exclude.has('retweets') && isRetweet(tweet)) return false;
    if (sinceId !== undefined ? id <= sinceId : startMs !== undefined && createdMs < startMs) return false;
    if (untilId !== undefined ? id >= untilId : endMs !== undefined && createdMs >= endMs) return false;
    return true;
  });

  const [start, end] = pageBounds(inWindow, cursor, maxResults);
  const page = inWindow.slice(start, end);
  if (!page.length) return v2Json(200, { meta: { result_count: 0 } });

  const meta: Record<string, unknown> = {
    result_count: page.length,
    newest_id: page[0].id,
    oldest_id: page[page.length - 1].id,
  };
  if (end < inWindow.length) meta.next_token = encodePageToken('older', page[page.length - 1].id);
  // The first page has no previous_token, pages reached through a token do.
  if (cursor && start > 0) meta.previous_token = encodePageToken('newer', page[0].id);

  const partialErrors: unknown[] = [];
  const includes = buildIncludes(store, page, selection, partialErrors);
  const reply = v2Json(200, {
    data: page.map((tweet) => renderTweet(store, tweet, selection.tweetFields)),
    ...(includes ? { includes } : {}),
    ...(partialErrors.length ? { errors: partialErrors } : {}),
    meta,
  });
  return { ...reply, postsDelivered: page.length + (includes?.tweets?.length ?? 0) };
}

/** GET /2/tweets?ids=: the posts found in `data`, in the order asked; deleted and unknown ones in `errors`. */
export function tweetsLookup(store: FakeXApiStore, query: URLSearchParams): ApiReply {
  const errors: ParameterError[] = [];
  const ids = readIds(query, errors);
  const selection = readSelection(query, TWEET_EXPANSIONS, errors);
  if (errors.length) return invalidRequest(errors);

  const found: StoredTweet[] = [];
  const partialErrors: unknown[] = [];
  for (const id of ids) {
    const tweet = store.findTweet(id);
    // A suspended author's posts are gone from the API as well.
    if (tweet && !tweet.deleted && !store.findUserById(tweet.authorId)?.suspended) found.push(tweet);
    else partialErrors.push(tweetNotFound('ids', id));
  }
  const includes = buildIncludes(store, found, selection, partialErrors);
  const reply = v2Json(200, {
    ...(found.length ? { data: found.map((tweet) => renderTweet(store, tweet, selection.tweetFields)) } : {}),
    ...(includes ? { includes } : {}),
    ...(partialErrors.length ? { errors: partialErrors } : {}),
  });
  return { ...reply, postsDelivered: found.length + (includes?.tweets?.length ?? 0) };
}

export interface UsageFigures {
  projectUsage: number;
  projectCap: number;
  /** the day of the month (1 to 31) the cap resets, at 00:00 UTC */
  capResetDayOfMonth: number;
  countsAsStrings: boolean;
  nowMs: number;
}

/**
 * GET /2/usage/tweets, its default fields. The daily breakdowns are not kept, so asking for them
 * (usage.fields) adds nothing. The spec's counts are integers; X's own documentation examples show
 * project_cap and project_usage as strings, which `countsAsStrings` imitates.
 */
export function usageTweets(query: URLSearchParams, usage: UsageFigures): ApiReply {
  const errors: ParameterError[] = [];
  const days = query.get('days');
  if (days !== null && !(/^\d+$/.test(days) && Number(days) >= 1 && Number(days) <= 90)) {
    errors.push(parameterError('days', days, 'is not between 1 and 90'));
  }
  readList(query, 'usage.fields', USAGE_FIELDS, errors);
  if (errors.length) return invalidRequest(errors);
  return v2Json(200, {
    data: {
      // The spec: "Number of days left for the Tweet cap to reset", so not the day of the month itself.
      cap_reset_day: daysUntilCapReset(usage.capResetDayOfMonth, usage.nowMs),
      project_cap: usage.countsAsStrings ? String(usage.projectCap) : usage.projectCap,
      project_id: PROJECT_ID,
      project_usage: usage.countsAsStrings ? String(usage.projectUsage) : usage.projectUsage,
    },
  });
}

/**
 * Whole days (rounded up) from `nowMs` to the next 00:00 UTC on `resetDay` of a month; a month
 * shorter than that resets on its last day. On the reset day itself the next reset is a month away.
 */
export function daysUntilCapReset(resetDay: number, nowMs: number): number {
  const now = new Date(nowMs);
  const resetIn = (year: number, month: number) => {
    const daysInMonth = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
    return Date.UTC(year, month, Math.min(resetDay, daysInMonth));
  };
  let nextReset = resetIn(now.getUTCFullYear(), now.getUTCMonth());
  if (nextReset <= nowMs) nextReset = resetIn(now.getUTCFullYear(), now.getUTCMonth() + 1);
  return Math.ceil((nextReset - nowMs) / DAY_MS);
}

/** [start, end) of the page within the newest-first list. */
function pageBounds(tweets: StoredTweet[], cursor: PageCursor | undefined, maxResults: number): [number, number] {
  if (!cursor) return [0, Math.min(maxResults, tweets.length)];
  const firstOlder = indexOrLength(tweets, (tweet) => BigInt(tweet.id) < cursor.boundaryId);
  if (cursor.direction === 'older') return [firstOlder, Math.min(firstOlder + maxResults, tweets.length)];
  const firstNotNewer = indexOrLength(tweets, (tweet) => BigInt(tweet.id) <= cursor.boundaryId);
  return [Math.max(0, firstNotNewer - maxResults), firstNotNewer];
}

function indexOrLength<T>(items: T[], predicate: (item: T) => boolean): number {
  const index = items.findIndex(predicate);
  return index === -1 ? items.length : index;
}

function encodePageToken(direction: PageCursor['direction'], boundaryId: string): string {
  const value = BigInt(boundaryId) * 2n + (direction === 'newer' ? 1n : 0n);
  return PAGE_TOKEN_PREFIX + value.toString(36).padStart(28, '0');
}

function decodePageToken(token: string): PageCursor | undefined {
  const digits = token.slice(PAGE_TOKEN_PREFIX.length);
  if (!token.startsWith(PAGE_TOKEN_PREFIX) || !/^[0-9a-z]{28}$/.test(digits)) return undefined;
  let value = 0n;
  for (const digit of digits) value = value * 36n + BigInt(parseInt(digit, 36));
  return { direction: value % 2n === 1n ? 'newer' : 'older', boundaryId: value / 2n };
}

function readPageCursor(query: URLSearchParams, errors: ParameterError[]): PageCursor | undefined {
  const token = query.get('pagination_token');
  if (token === null) return undefined;
  const cursor = decodePageToken(token);
  // The wording is ours, as for start_time.
  if (!cursor) errors.push(parameterError('pagination_token', token, 'is not valid'));
  return cursor;
}

/** `ids`: 1 to 100 comma-separated ids, each asked once. */
function readIds(query: URLSearchParams, errors: ParameterError[]): string[] {
  const raw = query.get('ids') ?? '';
  const ids = [...new Set(raw.split(','))];
  if (ids.length > 100 || raw === '') {
    errors.push(parameterError('ids', raw, 'is not a list of between 1 and 100 ids'));
    return [];
  }
  for (const id of ids.filter((item) => !ID_PATTERN.test(item))) {
    errors.push(parameterError('ids', id, `does not match ${ID_PATTERN.source}`));
  }
  return ids;
}

function readMaxResults(query: URLSearchParams, errors: ParameterError[]): number {
  const raw = query.get('max_results');
  if (raw === null) return 10;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < 5 || value > 100) {
    errors.push(parameterError('max_results', raw, 'is not between 5 and 100'));
  }
  return value;
}

function readId(query: URLSearchParams, name: string, errors: ParameterError[]): bigint | undefined {
  const raw = query.get(name);
  if (raw === null) return undefined;
  if (ID_PATTERN.test(raw)) return BigInt(raw);
  errors.push(parameterError(name, raw, `does not match ${ID_PATTERN.source}`));
  return undefined;
}

function readTime(query: URLSearchParams, name: string, errors: ParameterError[]): number | undefined {
  const raw = query.get(name);
  if (raw === null) return undefined;
  const ms = Date.parse(raw);
  if (RFC3339_PATTERN.test(raw) && !Number.isNaN(ms)) return ms;
  // The status and problem type are X's; no capture shows this message, so its wording is ours.
  errors.push(parameterError(name, raw, 'is not a valid RFC 3339 date-time'));
  return undefined;
}

function readList(query: URLSearchParams, name: string, allowed: string[], errors: ParameterError[]): Set<string> {
  const raw = query.get(name);
  if (raw === null) return new Set();
  const values = raw.split(',');
  for (const value of values.filter((item) => !allowed.includes(item))) {
    errors.push(parameterError(name, value, `is not one of [${allowed.join(', ')}]`));
  }
  return new Set(values);
}

function readSelection(query: URLSearchParams, expansions: string[], errors: ParameterError[]): Selection {
  return {
    tweetFields: readList(query, 'tweet.fields', TWEET_FIELDS, errors),
    userFields: readList(query, 'user.fields', USER_FIELDS, errors),
    mediaFields: readList(query, 'media.fields', MEDIA_FIELDS, errors),
    expansions: readList(query, 'expansions', expansions, errors),
  };
}

function buildIncludes(
  store: FakeXApiStore,
  page: StoredTweet[],
  { expansions, tweetFields, userFields, mediaFields }: Selection,
  partialErrors: unknown[],
): Record<string, unknown[]> | undefined {
  const users = new Map<string, StoredUser>();
  const tweets = new Map<string, StoredTweet>();
  const media = new Map<string, StoredMedia>();
  const addUser = (id: string | undefined) => {
    const user = id === undefined ? undefined : store.findUserById(id);
    if (user && !user.suspended) users.set(user.id, user);
  };
  const addMedia = (tweet: StoredTweet) => {
    for (const key of tweet.mediaKeys) media.set(key, store.findMedia(key)!);
  };

  for (const tweet of page) {
    if (expansions.has('author_id')) addUser(tweet.authorId);
    if (expansions.has('in_reply_to_user_id')) addUser(tweet.inReplyToUserId);
    if (expansions.has('attachments.media_keys')) addMedia(tweet);
    if (expansions.has('entities.mentions.username')) {
      for (const mention of findEntities(displayText(tweet)).filter((entity) => entity.kind === 'mention')) {
        addUser(store.findUserByUsername(mention.value)?.id);
      }
    }
    if (expansions.has('edit_history_tweet_ids')) {
      for (const id of tweet.editHistoryTweetIds) tweets.set(id, store.requireTweet(id));
    }
    for (const reference of tweet.references) {
      const referenced = store.findTweet(reference.id);
      const wanted = ['referenced_tweets.id', 'referenced_tweets.id.author_id'].some((name) => expansions.has(name));
      if (!referenced || referenced.deleted) {
        if (wanted) partialErrors.push(tweetNotFound('referenced_tweets.id', reference.id));
        continue;
      }
      if (expansions.has('referenced_tweets.id')) tweets.set(referenced.id, referenced);
      if (expansions.has('referenced_tweets.id.author_id')) addUser(referenced.authorId);
      if (expansions.has('referenced_tweets.id.attachments.media_keys')) addMedia(referenced);
    }
  }

  const includes: Record<string, unknown[]> = {};
  if (users.size) includes.users = [...users.values()].map((user) => renderUser(store, user, userFields));
  if (tweets.size) includes.tweets = [...tweets.values()].map((tweet) => renderTweet(store, tweet, tweetFields));
  if (media.size) includes.media = [...media.values()].map((item) => renderMedia(item, mediaFields));
  return Object.keys(includes).length ? includes : undefined;
}

/** Longer than 280 characters: a long post ("note tweet") whose `text` is cut. */
function isLongPost(tweet: StoredTweet): boolean {
  return !isRetweet(tweet) && codePointLength(tweet.text) > 280;
}

/** What `text` shows: retweets cut at 140 characters, long posts at 280, both ending in "…". */
function displayText(tweet: StoredTweet): string {
  return truncateWithEllipsis(tweet.text, isRetweet(tweet) ? 140 : 280);
}

function renderTweet(store: FakeXApiStore, tweet: StoredTweet, fields: Set<string>): Record<string, unknown> {
  const shown = displayText(tweet);
  const rendered: Record<string, unknown> = {
    id: tweet.id,
    text: escapeHtml(shown),
    edit_history_tweet_ids: [...tweet.editHistoryTweetIds],
  };
  if (fields.has('attachments') && tweet.mediaKeys.length) rendered.attachments = { media_keys: [...tweet.mediaKeys] };
  if (fields.has('author_id')) rendered.author_id = tweet.authorId;
  if (fields.has('conversation_id')) rendered.conversation_id = tweet.conversationId;
  if (fields.has('created_at')) rendered.created_at = tweet.createdAt;
  if (fields.has('edit_controls')) rendered.edit_controls = store.editControls(tweet);
  const entities = fields.has('entities') ? renderEntities(store, tweet, shown) : undefined;
  if (entities) rendered.entities = entities;
  if (fields.has('in_reply_to_user_id') && tweet.inReplyToUserId) rendered.in_reply_to_user_id = tweet.inReplyToUserId;
  if (fields.has('lang')) rendered.lang = tweet.lang;
  if (fields.has('note_tweet') && isLongPost(tweet)) {
    const noteEntities = renderEntities(store, tweet, tweet.text);
    rendered.note_tweet = { text: escapeHtml(tweet.text), ...(noteEntities ? { entities: noteEntities } : {}) };
  }
  if (fields.has('possibly_sensitive')) rendered.possibly_sensitive = tweet.possiblySensitive;
  if (fields.has('public_metrics')) rendered.public_metrics = { ...tweet.metrics };
  if (fields.has('referenced_tweets') && tweet.references.length) {
    rendered.referenced_tweets = tweet.references.map((ref) => ({ type: ref.type, id: ref.id }));
  }
  if (fields.has('reply_settings')) rendered.reply_settings = 'everyone';
  if (fields.has('source')) rendered.source = tweet.source;
  return rendered;
}

/** Entities of `text`, offsets in code points of the unescaped text; undefined when there are none. */
function renderEntities(store: FakeXApiStore, tweet: StoredTweet, text: string): Record<string, unknown[]> | undefined {
  const groups: Record<string, unknown[]> = {};
  const add = (group: string, entity: unknown) => (groups[group] ??= []).push(entity);
  for (const entity of findEntities(text)) {
    const { start, end, value } = entity;
    if (entity.kind === 'hashtag') add('hashtags', { start, end, tag: value });
    if (entity.kind === 'cashtag') add('cashtags', { start, end, tag: value });
    if (entity.kind === 'mention') {
      const user = store.findUserByUsername(value);
      add('mentions', { start, end, username: value, ...(user ? { id: user.id } : {}) });
    }
    const link = entity.kind === 'url' ? tweet.links.find((candidate) => candidate.url === value) : undefined;
    if (link) {
      add('urls', {
        start,
        end,
        url: link.url,
        expanded_url: link.expandedUrl,
        display_url: link.mediaKey
          ? `pic.x.com/${link.url.slice('https://t.co/'.length)}`
          : displayUrl(link.expandedUrl),
        ...(link.mediaKey ? { media_key: link.mediaKey } : {}),
      });
    }
  }
  return Object.keys(groups).length ? groups : undefined;
}

function renderUser(store: FakeXApiStore, user: StoredUser, fields: Set<string>): Record<string, unknown> {
  const rendered: Record<string, unknown> = { id: user.id, name: user.name, username: user.username };
  if (fields.has('created_at')) rendered.created_at = user.createdAt;
  if (fields.has('description')) rendered.description = user.description;
  if (fields.has('location') && user.location) rendered.location = user.location;
  const newest = fields.has('most_recent_tweet_id') ? store.timeline(user.id)[0] : undefined;
  if (newest) rendered.most_recent_tweet_id = newest.id;
  if (fields.has('pinned_tweet_id') && user.pinnedTweetId) rendered.pinned_tweet_id = user.pinnedTweetId;
  if (fields.has('profile_image_url')) rendered.profile_image_url = user.profileImageUrl;
  if (fields.has('protected')) rendered.protected = user.protected;
  if (fields.has('public_metrics')) rendered.public_metrics = { ...user.metrics };
  if (fields.has('url')) rendered.url = user.url;
  if (fields.has('verified')) rendered.verified = user.verified;
  if (fields.has('verified_type')) rendered.verified_type = user.verifiedType;
  return rendered;
}

function renderMedia(media: StoredMedia, fields: Set<string>): Record<string, unknown> {
  const rendered: Record<string, unknown> = { media_key: media.mediaKey, type: media.type };
  if (fields.has('url') && media.url) rendered.url = media.url;
  if (fields.has('preview_image_url') && media.previewImageUrl) rendered.preview_image_url = media.previewImageUrl;
  if (fields.has('width')) rendered.width = media.width;
  if (fields.has('height')) rendered.height = media.height;
  if (fields.has('alt_text') && media.altText) rendered.alt_text = media.altText;
  if (fields.has('duration_ms') && media.durationMs !== undefined) rendered.duration_ms = media.durationMs;
  if (fields.has('variants') && media.variants) rendered.variants = media.variants;
  if (fields.has('public_metrics') && media.viewCount !== undefined) {
    rendered.public_metrics = { view_count: media.viewCount };
  }
  return rendered;
}

/** Unknown and suspended users answer 200 with only errors[], never a 404. */
function unavailableUser(user: StoredUser | undefined, parameter: string, value: string): Record<string, string> {
  const suspended = user?.suspended === true;
  return {
    value,
    detail: suspended ? `User has been suspended: [${value}].` : `Could not find user with ${parameter}: [${value}].`,
    title: suspended ? 'Forbidden' : 'Not Found Error',
    resource_type: 'user',
    parameter,
    resource_id: value,
    type: 'https://api.twitter.com/2/problems/resource-not-found',
  };
}

function notAuthorizedForUser(userId: string): Record<string, string> {
  return {
    value: userId,
    parameter: 'id',
    resource_type: 'user',
    section: 'data',
    title: 'Authorization Error',
    detail: `Sorry, you are not authorized to see the user with id: [${userId}].`,
    type: 'https://api.twitter.com/2/problems/not-authorized-for-resource',
  };
}

function tweetNotFound(parameter: string, id: string): Record<string, string> {
  return {
    value: id,
    detail: `Could not find tweet with ${parameter}: [${id}].`,
    title: 'Not Found Error',
    resource_type: 'tweet',
    parameter,
    resource_id: id,
    type: 'https://api.twitter.com/2/problems/resource-not-found',
  };
}
