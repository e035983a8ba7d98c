import { Options, stringify } from 'csv-stringify/sync';
import type { TweetDto } from '../tweets/tweet.dto';
import { toTweetDto } from '../tweets/tweet-response.mapper';
import type { TweetFilter, TweetRecord, TweetsRepository } from '../tweets/tweets.repository';

export const EXPORT_FORMATS = ['jsonl', 'csv'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const CONTENT_TYPES: Record<ExportFormat, string> = {
  jsonl: 'application/x-ndjson',
  csv: 'text/csv; charset=utf-8',
};

// Rows read a query: memory stays flat whatever the export's size, and a page is a few ms of work.
const BATCH = 500;

export const CSV_COLUMNS = [
  'id',
  'created_at',
  'created_at_local',
  'author_id',
  'author_screen_name',
  'author_name',
  'text',
  'lang',
  'conversation_id',
  'in_reply_to_user_id',
  'in_reply_to_tweet_id',
  'type',
  'referenced_tweet_id',
  'retweet_count',
  'reply_count',
  'like_count',
  'quote_count',
  'bookmark_count',
  'impression_count',
  'hashtags',
  'mentions',
  'urls',
  'media_urls',
  'source',
  'deleted_at',
  'url',
] as const;

type CsvRow = Record<(typeof CSV_COLUMNS)[number], string>;

const ID_COLUMNS = new Set<string>([
  'id',
  'author_id',
  'conversation_id',
  'in_reply_to_user_id',
  'in_reply_to_tweet_id',
  'referenced_tweet_id',
]);

/** RFC 4180 (CRLF); ids always quoted, which tells the tools that honour quoting they are text. */
const CSV_OPTIONS: Options = {
  record_delimiter: 'windows',
  cast: {
    string: (value, context) =>
      context.column && ID_COLUMNS.has(String(context.column)) && value !== '' ? { value, quoted: true } : value,
  },
};

// A spreadsheet runs a cell starting with one of these as a formula (OWASP's CSV injection).
const FORMULA_START = /^[=+\-@]/;

/** The cell as text a spreadsheet shows and never evaluates: a leading ' makes a formula text. */
export function spreadsheetSafe(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}

const entityList = (entities: Record<string, unknown> | null, kind: string): Record<string, unknown>[] => {
  const list = entities?.[kind];
  return Array.isArray(list) ? (list as Record<string, unknown>[]) : [];
};

const words = (values: unknown[]) => values.filter((value) => typeof value === 'string' && value !== '').join(' ');

/** What kind of tweet this is, and the one it retweets, quotes or replies to (in that order). */
function tweetType(tweet: TweetRecord): { type: string; referencedId: string } {
  for (const [kind, type] of [
    ['retweeted', 'retweet'],
    ['quoted', 'quote'],
    ['replied_to', 'reply'],
  ] as const) {
    const found = tweet.referencedTweets.find((ref) => ref.type === kind);
    if (found) return { type, referencedId: found.id };
  }
  return { type: 'tweet', referencedId: '' };
}

/** One CSV row: ids as text, lists space-separated, empty for null. */
export function toCsvRow(tweet: TweetRecord, dto: TweetDto): CsvRow {
  const { type, referencedId } = tweetType(tweet);
  const count = (value: number | null) => (value === null ? '' : String(value));
  const row: CsvRow = {
    id: dto.id,
    created_at: dto.createdAt,
    created_at_local: dto.createdAtLocal,
    author_id: dto.author.id,
    author_screen_name: dto.author.screenName ?? '',
    author_name: dto.author.name,
    text: dto.text,
    lang: dto.lang ?? '',
    conversation_id: dto.conversationId ?? '',
    in_reply_to_user_id: dto.inReplyToUserId ?? '',
    in_reply_to_tweet_id: tweet.inReplyToTweetId ?? '',
    type,
    referenced_tweet_id: referencedId,
    retweet_count: count(dto.metrics.retweetCount),
    reply_count: count(dto.metrics.replyCount),
    like_count: count(dto.metrics.likeCount),
    quote_count: count(dto.metrics.quoteCount),
    bookmark_count: count(dto.metrics.bookmarkCount),
    impression_count: count(dto.metrics.impressionCount),
    hashtags: words(entityList(tweet.entities, 'hashtags').map((tag) => tag.tag)),
    mentions: words(entityList(tweet.entities, 'mentions').map((mention) => mention.username)),
    urls: words(entityList(tweet.entities, 'urls').map((url) => url.expanded_url ?? url.url)),
    media_urls: words(tweet.media.map((media) => media.url ?? media.preview_image_url)),
    source: tweet.source ?? '',
    deleted_at: dto.deletedAt ?? '',
    url: dto.url,
  };
  for (const column of CSV_COLUMNS) row[column] = spreadsheetSafe(row[column]);
  return row;
}

export type ExportFilter = Omit<TweetFilter, 'limit' | 'after'>;

/**
 * The export as chunks of text, newest first, read in keyset batches of GET /tweets' own query.
 * Stops reading as soon as the consumer stops (a client that went away): nothing runs ahead.
 */
export async function* exportTweets(
  repository: TweetsRepository,
  filter: ExportFilter,
  format: ExportFormat,
  timeZone: string,
  onBatch: (exported: number) => void = () => undefined,
): AsyncGenerator<string> {
  if (format === 'csv') yield stringify([[...CSV_COLUMNS]], { record_delimiter: 'windows' });
  let exported = 0;
  for (let after = undefined as TweetFilter['after']; ;) {
    const page = await repository.findTweets({ ...filter, limit: BATCH, after });
    const dtos = page.items.map((tweet) => toTweetDto(tweet, timeZone));
    yield format === 'jsonl'
      ? dtos.map((dto) => `${JSON.stringify(dto)}\n`).join('')
      : stringify(
          page.items.map((tweet, i) => toCsvRow(tweet, dtos[i])),
          { ...CSV_OPTIONS, columns: [...CSV_COLUMNS] },
        );
    exported += page.items.length;
    onBatch(exported);
    if (!page.next) return;
    after = page.next;
  }
}
