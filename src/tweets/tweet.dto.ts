import { ApiProperty, ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length, Matches, ValidateBy, ValidationArguments } from 'class-validator';
import { decodeCursor, MAX_BIGINT } from '../pagination/cursor';
import { parseCalendarInstant } from '../pagination/instant';
import { PageQueryDto } from '../pagination/pagination.dto';
import { SCREEN_NAME } from '../config/environment';
import { MAX_SEARCH_TERMS, parseSearchQuery, searchQueryProblem } from './search-query';
import type { TweetOrigin } from './tweet.entity';
import type { TweetFilter } from './tweets.repository';

/** since or until, once IsInstant accepted it: a bare date is midnight UTC. */
export function parseInstant(value: string): Date {
  return parseCalendarInstant(value)!;
}

function IsInstant(): PropertyDecorator {
  return ValidateBy({
    name: 'isInstant',
    validator: {
      validate: (value) => typeof value === 'string' && parseCalendarInstant(value) !== null,
      defaultMessage: () =>
        '$property must be a real ISO-8601 instant from year 1 to 9999, such as 2024-05-01T12:00:00Z (or a date, 2024-05-01)',
    },
  });
}

function IsNotBefore(other: string): PropertyDecorator {
  return ValidateBy({
    name: 'isNotBefore',
    validator: {
      validate: (value, args?: ValidationArguments) => {
        const start = (args?.object as Record<string, unknown>)[other];
        const [from, to] = [start, value].map((text) => (typeof text === 'string' ? parseCalendarInstant(text) : null));
        // An invalid since or until is IsInstant's to report.
        return !from || !to || to >= from;
      },
      defaultMessage: () => `$property must not be earlier than ${other}`,
    },
  });
}

function IsSearchQuery(): PropertyDecorator {
  return ValidateBy({
    name: 'isSearchQuery',
    validator: {
      // Not a string: IsString says so.
      validate: (value) => typeof value !== 'string' || searchQueryProblem(parseSearchQuery(value)) === null,
      defaultMessage: (args) => searchQueryProblem(parseSearchQuery(String(args?.value))) ?? '',
    },
  });
}

/** The filters of GET /tweets, which its export shares. */
export class TweetFilterQueryDto {
  @ApiPropertyOptional({ description: 'only tweets of this account (case-insensitive)', example: 'NASA' })
  @IsOptional()
  @Matches(SCREEN_NAME, { message: 'screenName must be 1 to 15 letters, digits or underscores' })
  screenName?: string;

  @ApiPropertyOptional({ description: 'tweets created at or after this instant (ISO-8601)' })
  @IsOptional()
  @IsInstant()
  since?: string;

  @ApiPropertyOptional({ description: 'tweets created before this instant (ISO-8601)' })
  @IsOptional()
  @IsInstant()
  @IsNotBefore('since')
  until?: string;

  @ApiPropertyOptional({
    description:
      `tweets whose text contains every word and "exact phrase" (as parts of words too, ignoring case and ` +
      `accents) and none of the -excluded ones; at most ${MAX_SEARCH_TERMS}`,
    example: 'cafe "launch pad" -rain',
  })
  @IsOptional()
  @IsString({ message: 'q must be a string of 1 to 500 characters' })
  @Length(1, 500, { message: 'q must be a string of 1 to 500 characters' })
  @IsSearchQuery()
  q?: string;

  @ApiPropertyOptional({
    description: 'comma-separated: raw adds the API object as received, deleted lists deleted tweets too',
    example: 'deleted',
    pattern: '^(raw|deleted)(,(raw|deleted))?$',
  })
  @IsOptional()
  @Matches(/^(raw|deleted)(,(raw|deleted))?$/, {
    message: 'include must be raw, deleted, or both comma-separated (raw,deleted)',
  })
  include?: string;
}

export class TweetQueryDto extends IntersectionType(PageQueryDto, TweetFilterQueryDto) {}

/** The filters of GET /tweets (and of its export) as the repository takes them. */
export function toTweetFilter(query: TweetFilterQueryDto): Omit<TweetFilter, 'limit' | 'after'> {
  const include = query.include?.split(',') ?? [];
  return {
    screenName: query.screenName,
    since: query.since === undefined ? undefined : parseInstant(query.since),
    until: query.until === undefined ? undefined : parseInstant(query.until),
    search: query.q === undefined ? undefined : parseSearchQuery(query.q),
    includeRaw: include.includes('raw'),
    includeDeleted: include.includes('deleted'),
  };
}

/** GET /tweets' whole query as the repository takes it: the filters, the page size, where it continues. */
export function toTweetPageFilter(query: TweetQueryDto): TweetFilter {
  return {
    ...toTweetFilter(query),
    limit: query.limit,
    after: query.cursor === undefined ? undefined : (decodeCursor(query.cursor) ?? undefined),
  };
}

export class TweetLookupQueryDto {
  @ApiPropertyOptional({ enum: ['raw'] })
  @IsOptional()
  @IsIn(['raw'])
  include?: 'raw';
}

export class TweetIdParams {
  @ApiProperty({ example: '1850000000000000001' })
  @Matches(/^\d{1,19}$/, { message: 'id must be a tweet id: 1 to 19 digits' })
  @ValidateBy({
    name: 'isBigint',
    validator: {
      // Longer or not digits: Matches says so.
      validate: (value) => typeof value !== 'string' || !/^\d{1,19}$/.test(value) || BigInt(value) <= MAX_BIGINT,
      defaultMessage: () => `id must be at most ${MAX_BIGINT}`,
    },
  })
  id!: string;
}

export class TweetMetricsDto {
  @ApiProperty({ type: 'integer', nullable: true }) retweetCount!: number | null;
  @ApiProperty({ type: 'integer', nullable: true }) replyCount!: number | null;
  @ApiProperty({ type: 'integer', nullable: true }) likeCount!: number | null;
  @ApiProperty({ type: 'integer', nullable: true }) quoteCount!: number | null;
  @ApiProperty({ type: 'integer', nullable: true }) bookmarkCount!: number | null;
  @ApiProperty({ type: 'integer', nullable: true }) impressionCount!: number | null;
}

export class TweetAuthorDto {
  @ApiProperty() id!: string;
  @ApiProperty({ type: String, nullable: true }) screenName!: string | null;
  @ApiProperty() name!: string;
  @ApiProperty({ type: String, nullable: true }) profileImageUrl!: string | null;
}

export class ReferencedTweetAuthorDto {
  @ApiProperty() id!: string;
  @ApiProperty({ type: String, nullable: true }) screenName!: string | null;
  @ApiProperty() name!: string;
}

export class ReferencedTweetDto {
  @ApiProperty({ enum: ['replied_to', 'quoted', 'retweeted'] }) type!: string;
  @ApiProperty() id!: string;
  @ApiProperty({ type: String, nullable: true, description: 'null when that tweet is not stored' })
  text!: string | null;
  @ApiProperty({ type: ReferencedTweetAuthorDto, nullable: true, description: 'null when that tweet is not stored' })
  author!: ReferencedTweetAuthorDto | null;
}

export class TweetDto {
  @ApiProperty({ example: '1850000000000000001' }) id!: string;
  @ApiProperty({ description: 'full text, HTML escapes decoded' }) text!: string;
  @ApiProperty({ format: 'date-time', example: '2024-10-26T14:03:00.000Z' }) createdAt!: string;
  @ApiProperty({
    format: 'date-time',
    example: '2024-10-26T10:03:00.000-04:00',
    description: 'createdAt in APP_TIMEZONE',
  })
  createdAtLocal!: string;
  @ApiProperty({ type: String, nullable: true }) lang!: string | null;
  @ApiProperty({ type: String, nullable: true }) conversationId!: string | null;
  @ApiProperty({ type: String, nullable: true }) inReplyToUserId!: string | null;
  @ApiProperty({ type: [ReferencedTweetDto] }) referencedTweets!: ReferencedTweetDto[];
  @ApiProperty({ type: [String] }) editHistoryTweetIds!: string[];
  @ApiProperty({ type: TweetMetricsDto }) metrics!: TweetMetricsDto;
  @ApiProperty({ type: Object, nullable: true, description: 'urls, mentions, hashtags, cashtags' })
  entities!: Record<string, unknown> | null;
  @ApiProperty({ type: [Object] }) media!: Record<string, unknown>[];
  @ApiProperty({ type: TweetAuthorDto }) author!: TweetAuthorDto;
  @ApiProperty({ example: 'https://x.com/NASA/status/1850000000000000001' }) url!: string;
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'when the sync found the tweet gone from X (it stays stored); null while it is there',
  })
  deletedAt!: string | null;
  @ApiProperty({
    enum: ['api', 'archive'],
    description: "where the stored version came from: a sync ('api') or the account's X archive import ('archive')",
  })
  origin!: TweetOrigin;
  @ApiPropertyOptional({ type: Object, description: 'only with include=raw' }) raw?: Record<string, unknown>;
}

export class TweetPageDto {
  @ApiProperty({ type: [TweetDto] }) data!: TweetDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}
