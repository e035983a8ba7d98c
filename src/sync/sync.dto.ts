import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsIn, IsOptional, IsUUID, Matches } from 'class-validator';
import { SCREEN_NAME } from '../config/environment';
import { IsCursor } from '../pagination/cursor';
import { LimitQueryDto } from '../pagination/pagination.dto';
import { ErrorDto } from '../openapi/error.dto';
import type { AccountResult, SyncRun } from './sync.repository';

const SCREEN_NAMES_MESSAGE = 'screenNames must be an array of 1 to 100 screen names';

export class SyncRequestDto {
  @ApiPropertyOptional({
    type: [String],
    example: ['NASA'],
    description:
      'accounts by current or previous screen name (added when not stored yet); default: every enabled account',
  })
  @IsOptional()
  // One message whichever check fails first: "NASA" (no array) has not "more than 100 elements".
  @IsArray({ message: SCREEN_NAMES_MESSAGE })
  @ArrayMinSize(1, { message: SCREEN_NAMES_MESSAGE })
  @ArrayMaxSize(100, { message: SCREEN_NAMES_MESSAGE })
  @Matches(SCREEN_NAME, { each: true, message: 'each of screenNames must be 1 to 15 letters, digits or underscores' })
  screenNames?: string[];

  @ApiPropertyOptional({ description: 're-read the whole reachable timeline (3,200 tweets) of each account' })
  @IsOptional()
  @IsBoolean()
  full?: boolean;
}

export class SyncQueryDto {
  @ApiPropertyOptional({ enum: ['true', 'false'], description: 'true: answer 200 with the finished run' })
  @IsOptional()
  @IsIn(['true', 'false'])
  wait?: 'true' | 'false';
}

export class SyncRunIdParams {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: 'id must be a sync run id (a UUID)' })
  id!: string;
}

export class SyncRunsQueryDto extends LimitQueryDto {
  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @IsCursor('uuid')
  cursor?: string;
}

export class SyncStartedDto {
  @ApiProperty({ format: 'uuid' }) runId!: string;
  @ApiProperty({ enum: ['running'] }) status!: string;
}

/** The 409 of a sync start: the usual error body, naming the run in the way. */
export class SyncConflictDto extends ErrorDto {
  @ApiProperty({
    type: String,
    format: 'uuid',
    nullable: true,
    description: 'the running sync (null only if the lock holder recorded no run within a second)',
  })
  runId!: string | null;
}

export class BackfillProgressDto {
  @ApiProperty({ type: 'integer', description: "the account's tweets this backfill stored so far" }) stored!: number;
  @ApiProperty({
    type: 'integer',
    description: 'the most it fetches: SYNC_MAX_BACKFILL, and no more than the 3,200 X lets a timeline reach',
  })
  atMost!: number;
}

export class AccountResultDto implements AccountResult {
  @ApiProperty() screenName!: string;
  @ApiProperty({ type: String, nullable: true }) userId!: string | null;
  @ApiProperty({
    enum: ['succeeded', 'partial', 'failed', 'not_found', 'protected', 'pending', 'running'],
    description: 'pending (not started yet) and running (its counts so far) only while the run runs',
  })
  status!: AccountResult['status'];
  @ApiProperty({ type: 'integer' }) pages!: number;
  @ApiProperty({ type: 'integer', description: "the account's tweets fetched" }) fetched!: number;
  @ApiProperty({ type: 'integer' }) inserted!: number;
  @ApiProperty({ type: 'integer' }) updated!: number;
  @ApiProperty({ type: 'integer' }) unchanged!: number;
  @ApiProperty({ type: 'integer', description: 'tweets the database refused even after cleaning (logged)' })
  skipped!: number;
  @ApiProperty({ type: String, nullable: true, description: 'newest tweet id stored' }) newestId!: string | null;
  @ApiProperty({
    type: BackfillProgressDto,
    nullable: true,
    description: 'a first backfill in this run (no tweet of the account stored before): how far it is',
  })
  backfill!: BackfillProgressDto | null;

  @ApiProperty({ type: String, nullable: true }) error!: string | null;
}

export class SyncRunDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: ['manual', 'schedule', 'startup'] }) trigger!: string;
  @ApiProperty({ enum: ['running', 'succeeded', 'partial', 'failed', 'interrupted'] }) status!: string;
  @ApiProperty({ format: 'date-time' }) startedAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) finishedAt!: string | null;
  @ApiProperty({ type: String, nullable: true }) error!: string | null;
  @ApiProperty({ type: [AccountResultDto] }) accounts!: AccountResultDto[];
}

export class SyncRunPageDto {
  @ApiProperty({ type: [SyncRunDto] }) data!: SyncRunDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

export function toSyncRunDto(run: SyncRun): SyncRunDto {
  return {
    id: run.id,
    trigger: run.trigger,
    status: run.status,
    startedAt: run.startedAt.toISOString(),
    finishedAt: run.finishedAt?.toISOString() ?? null,
    error: run.error,
    accounts: run.accounts,
  };
}
