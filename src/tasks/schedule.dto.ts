import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsInt, IsOptional, IsString, Max, Min, ValidateBy } from 'class-validator';
import { cronProblem } from '../config/environment';
import { formatLocal } from '../tweets/local-time';
import { describeSchedule, nextTick } from './schedule';
import type { StoredScheduleEntry } from './schedule.repository';

// What a task answers: hello a string, add a number, sync { runId, status }, a failure { error }.
const TASK_RESULT = {
  oneOf: [
    { type: 'string' },
    { type: 'number' },
    {
      type: 'object',
      properties: { runId: { type: 'string', format: 'uuid' }, status: { type: 'string' }, error: { type: 'string' } },
    },
  ],
};

export class ScheduleNameParams {
  @ApiProperty({ example: 'sync' })
  @IsString()
  name!: string;
}

const INTERVAL_MESSAGE = 'intervalSeconds must be a whole number from 1 to 604800 (a week)';

export class ScheduleChangeDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({ example: '*/10 * * * *', description: '5 fields, or 6 with seconds first; in APP_TIMEZONE' })
  @IsOptional()
  @IsString()
  @ValidateBy({
    name: 'isCron',
    validator: {
      validate: (value) => typeof value === 'string' && cronProblem(value) === null,
      defaultMessage: (args) =>
        typeof args?.value === 'string'
          ? `cron is not a valid cron expression: ${cronProblem(args.value)}`
          : 'cron must be a string such as "*/10 * * * *"',
    },
  })
  cron?: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 604800 })
  @IsOptional()
  // One message whichever check fails first: "60" (a string) is not "greater than 604800".
  @IsInt({ message: INTERVAL_MESSAGE })
  @Min(1, { message: INTERVAL_MESSAGE })
  @Max(604_800, { message: INTERVAL_MESSAGE })
  intervalSeconds?: number;
}

export class ScheduleDescriptionDto {
  @ApiProperty({ type: String, nullable: true }) cron!: string | null;
  @ApiProperty({ type: 'integer', nullable: true }) intervalSeconds!: number | null;
  @ApiProperty({ example: 'Every 5 minutes' }) description!: string;
}

export class ScheduleEntryDto {
  @ApiProperty() name!: string;
  @ApiProperty({ enum: ['hello', 'add', 'sync'] }) task!: string;
  @ApiProperty({ type: ScheduleDescriptionDto }) schedule!: ScheduleDescriptionDto;
  @ApiProperty({ example: 'America/New_York' }) timeZone!: string;
  @ApiProperty() enabled!: boolean;
  @ApiProperty({ type: 'array', items: { type: 'number' }, example: [16, 16], description: "the task's arguments" })
  args!: unknown[];
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'in APP_TIMEZONE; null when it will not run',
  })
  nextRunAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'in APP_TIMEZONE' })
  lastRunAt!: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'succeeded' }) lastStatus!: string | null;
  @ApiProperty({ ...TASK_RESULT, nullable: true, description: 'what the last run answered; null before the first' })
  lastResult!: unknown;
  @ApiProperty({ type: 'integer' }) runCount!: number;
  @ApiProperty({ type: 'integer', description: 'ticks skipped because a sync was still running' })
  skippedCount!: number;
}

/** POST /schedules/{name}/run of hello and add: the task's outcome. */
export class ScheduleRunResultDto {
  @ApiProperty({ example: 'add' }) name!: string;
  @ApiProperty({ enum: ['succeeded', 'failed'] }) status!: string;
  @ApiProperty({ ...TASK_RESULT, example: 32 }) result!: unknown;
}

export function toScheduleEntryDto(
  entry: StoredScheduleEntry,
  timeZone: string,
  schedulerEnabled: boolean,
): ScheduleEntryDto {
  const nextRunAt = schedulerEnabled && entry.enabled ? nextTick(entry.schedule, new Date(), timeZone) : null;
  return {
    name: entry.name,
    task: entry.task,
    schedule: {
      cron: entry.schedule.cron ?? null,
      intervalSeconds: entry.schedule.intervalSeconds ?? null,
      description: describeSchedule(entry.schedule),
    },
    timeZone,
    enabled: entry.enabled,
    args: entry.args,
    nextRunAt: nextRunAt && formatLocal(nextRunAt, timeZone),
    lastRunAt: entry.lastRunAt && formatLocal(entry.lastRunAt, timeZone),
    lastStatus: entry.lastStatus,
    lastResult: entry.lastResult ?? null,
    runCount: entry.runCount,
    skippedCount: entry.skippedCount,
  };
}
