import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length, Matches, ValidateBy, ValidationArguments } from 'class-validator';
import { MAX_BIGINT } from '../pagination/cursor';
import { PageQueryDto } from '../pagination/pagination.dto';
import { SCREEN_NAME } from '../config/environment';

// An instant needs its offset; a bare date is taken as midnight UTC.
const INSTANT = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2}))?$/i;

export function parseInstant(value: string): Date {
  return new Date(value.length === 10 ? `${value}T00:00:00Z` : value);
}

function IsInstant(): PropertyDecorator {
  return ValidateBy({
    name: 'isInstant',
    validator: {
      validate: (value) =>
        typeof value === 'string' && INSTANT.test(value) && !Number.isNaN(parseInstant(value).getTime()),
      defaultMessage: () =>
        '$property must be an ISO-8601 instant such as 2024-05-01T12:00:00Z (or a date, 2024-05-01)',
    },
  });
}

function IsNotBefore(other: string): PropertyDecorator {
  return ValidateBy({
    name: 'isNotBefore',
    validator: {
      validate: (value, args?: ValidationArguments) => {
        const start = (args?.object as Record<string, unknown>)[other];
        if (typeof start !== 'string' || typeof value !== 'string') return true;
        return parseInstant(value) >= parseInstant(start);
      },
      defaultMessage: () => `$property must not be earlier than ${other}`,
    },
  });
}

export class TweetQueryDto extends PageQueryDto {
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

  @ApiPropertyOptional({ description: 'full-text search: words, "a phrase", or, -excluded' })
  @IsOptional()
  @IsString()
  @Length(1, 500)
  q?: string;

  @ApiPropertyOptional({ enum: ['raw'], description: 'raw adds the API object as received' })
  @IsOptional()
  @IsIn(['raw'])
  include?: 'raw';
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
      validate: (value) => typeof value !== 'string' || !/^\d+$/.test(value) || BigInt(value) <= MAX_BIGINT,
      defaultMessage: () => `id must be at most ${MAX_BIGINT}`,
    },
  })
  id!: string;
}

export class TweetMetricsDto {
  @ApiProperty({ type: Number, nullable: true }) retweetCount!: number | null;
  @ApiProperty({ type: Number, nullable: true }) replyCount!: number | null;
  @ApiProperty({ type: Number, nullable: true }) likeCount!: number | null;
  @ApiProperty({ type: Number, nullable: true }) quoteCount!: number | null;
  @ApiProperty({ type: Number, nullable: true }) bookmarkCount!: number | null;
  @ApiProperty({ type: Number, nullable: true }) impressionCount!: number | null;
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
  @ApiProperty({ example: '2024-10-26T14:03:00.000Z' }) createdAt!: string;
  @ApiProperty({ example: '2024-10-26T10:03:00.000-04:00', description: 'createdAt in APP_TIMEZONE' })
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
  @ApiPropertyOptional({ type: Object, description: 'only with include=raw' }) raw?: Record<string, unknown>;
}

export class TweetPageDto {
  @ApiProperty({ type: [TweetDto] }) data!: TweetDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}
