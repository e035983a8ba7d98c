import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayUnique, IsArray, IsBoolean, IsIn, IsOptional, Matches } from 'class-validator';
import { SCREEN_NAME } from '../config/environment';
import { ErrorDto } from '../openapi/error.dto';
import { PageQueryDto } from '../pagination/pagination.dto';
import { isComplete } from '../sync/sync-progress';
import { ACCOUNT_STATUSES, AccountRecord, AccountStatus, EXCLUDABLE, Excluded } from './accounts.repository';

const SCREEN_NAME_MESSAGE = 'screenName must be 1 to 15 letters, digits or underscores';
const EXCLUDE_MESSAGE = `exclude must be a list of distinct values among: ${EXCLUDABLE.join(', ')}`;
const BOOLEAN_TEXT = ['true', 'false'];

export class AccountNameParams {
  @ApiProperty({ example: 'NASA', description: 'case-insensitive; a previous screen name also finds the account' })
  @Matches(SCREEN_NAME, { message: SCREEN_NAME_MESSAGE })
  screenName!: string;
}

export class AccountsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: BOOLEAN_TEXT, description: 'only the accounts synced (true) or paused (false)' })
  @IsOptional()
  @IsIn(BOOLEAN_TEXT, { message: 'enabled must be true or false' })
  enabled?: 'true' | 'false';

  @ApiPropertyOptional({ enum: ACCOUNT_STATUSES })
  @IsOptional()
  @IsIn(ACCOUNT_STATUSES, { message: `status must be one of: ${ACCOUNT_STATUSES.join(', ')}` })
  status?: AccountStatus;
}

// One message whichever check fails first: ["replies", "replies"] is not "an unknown value".
const ExcludeList = () =>
  applyDecorators(
    IsOptional(),
    IsArray({ message: EXCLUDE_MESSAGE }),
    IsIn(EXCLUDABLE, { each: true, message: EXCLUDE_MESSAGE }),
    ArrayUnique({ message: EXCLUDE_MESSAGE }),
  );

const EXCLUDE_PROPERTY = {
  type: 'array' as const,
  items: { type: 'string' as const, enum: [...EXCLUDABLE] },
  uniqueItems: true,
  description: 'what the timeline requests leave out; changing it does not re-fetch what is stored',
};

export class AccountCreateDto {
  @ApiProperty({ example: 'NASA' })
  @Matches(SCREEN_NAME, { message: SCREEN_NAME_MESSAGE })
  screenName!: string;

  @ApiPropertyOptional({ default: true, description: 'false: stored but not synced until enabled' })
  @IsOptional()
  @IsBoolean({ message: 'enabled must be true or false' })
  enabled?: boolean;

  @ApiPropertyOptional({ ...EXCLUDE_PROPERTY, default: [] })
  @ExcludeList()
  exclude?: Excluded[];

  @ApiPropertyOptional({ default: false, description: 'true: start a sync of just this account (202, as POST /sync)' })
  @IsOptional()
  @IsBoolean({ message: 'syncNow must be true or false' })
  syncNow?: boolean;
}

export class AccountChangeDto {
  @ApiPropertyOptional({ description: 'false pauses the account; its cursor stays, so resuming continues from it' })
  @IsOptional()
  @IsBoolean({ message: 'enabled must be true or false' })
  enabled?: boolean;

  @ApiPropertyOptional(EXCLUDE_PROPERTY)
  @ExcludeList()
  exclude?: Excluded[];
}

export class AccountDeleteQueryDto {
  @ApiPropertyOptional({
    enum: BOOLEAN_TEXT,
    description: "true: also delete the account's stored tweets (all versions) and its user row, in one transaction",
  })
  @IsOptional()
  @IsIn(BOOLEAN_TEXT, { message: 'purge must be true or false' })
  purge?: 'true' | 'false';
}

export class AccountBackfillDto {
  @ApiProperty({ description: 'nothing of the reachable timeline is missing: later syncs only ask for what is new' })
  complete!: boolean;
  @ApiProperty({ type: 'integer', description: 'timeline tweets the first backfill has stored so far' })
  stored!: number;
}

export class AccountDto {
  @ApiProperty({ example: 'NASA', description: "the current screen name, in X's casing" })
  screenName!: string;
  @ApiProperty({ type: String, nullable: true, example: '11348282', description: 'null until X has been asked' })
  userId!: string | null;
  @ApiProperty() enabled!: boolean;
  @ApiProperty({ type: 'array', items: { type: 'string', enum: [...EXCLUDABLE] } }) exclude!: Excluded[];
  @ApiProperty({ enum: ACCOUNT_STATUSES }) status!: AccountStatus;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) lastRunAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) lastSucceededAt!: string | null;
  @ApiProperty({ type: String, nullable: true, description: "the last run's error for this account" })
  lastError!: string | null;
  @ApiProperty({ type: 'integer', description: 'its tweets GET /tweets lists' }) storedTweets!: number;
  @ApiProperty({ type: String, nullable: true, example: '1850000000000000003' }) newestTweetId!: string | null;
  @ApiProperty({ type: AccountBackfillDto }) backfill!: AccountBackfillDto;
  @ApiProperty({ type: [String], description: 'the screen names it had before, oldest first' })
  previousScreenNames!: string[];
  @ApiProperty({ format: 'date-time', description: 'when it was added to the list' }) createdAt!: string;
}

export class AccountPageDto {
  @ApiProperty({ type: [AccountDto] }) data!: AccountDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

export class AccountSyncStartedDto {
  @ApiProperty({ format: 'uuid' }) runId!: string;
  @ApiProperty({ enum: ['running'] }) status!: string;
  @ApiProperty({ type: AccountDto, description: 'the account as stored, before the run' }) account!: AccountDto;
}

export class AccountsDeletedDto {
  @ApiProperty({ type: 'integer', enum: [1] }) accounts!: number;
  @ApiProperty({ type: 'integer', description: 'every stored version of its tweets, references included' })
  tweets!: number;
  @ApiProperty({ type: 'integer', enum: [0, 1], description: '0 when its user row was not stored' }) users!: number;
}

export class AccountPurgedDto {
  @ApiProperty() screenName!: string;
  @ApiProperty({ type: AccountsDeletedDto }) deleted!: AccountsDeletedDto;
}

/** A 409 of POST /accounts: a duplicate, or (with syncNow) a sync already running, which runId names. */
export class AccountConflictDto extends ErrorDto {
  @ApiPropertyOptional({
    type: String,
    format: 'uuid',
    nullable: true,
    description: 'with syncNow, when a sync is running: that run (the account is stored all the same)',
  })
  runId?: string | null;
}

export function toAccountDto(account: AccountRecord): AccountDto {
  return {
    screenName: account.screenName,
    userId: account.userId,
    enabled: account.enabled,
    exclude: account.exclude,
    status: account.status,
    lastRunAt: account.lastRunAt?.toISOString() ?? null,
    lastSucceededAt: account.lastSucceededAt?.toISOString() ?? null,
    lastError: account.lastError,
    storedTweets: account.storedTweets,
    newestTweetId: account.newestTweetId,
    backfill: { complete: isComplete(account.progress), stored: account.progress.backfilled },
    previousScreenNames: account.previousScreenNames,
    createdAt: account.createdAt.toISOString(),
  };
}
