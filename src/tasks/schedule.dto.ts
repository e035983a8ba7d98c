import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsInt, IsOptional, IsString, Max, Min, ValidateBy } from 'class-validator';
import { cronProblem } from '../config/environment';
import { formatLocal } from '../tweets/tweet-response.mapper';
import { describeSchedule, nextTick } from './schedule';
import type { StoredScheduleEntry } from './schedule.repository';

export class ScheduleNameParams {
  @ApiProperty({ example: 'sync' })
  @IsString()
  name!: string;
}

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
      defaultMessage: (args) => `cron is not a valid cron expression: ${cronProblem(String(args?.value))}`,
    },
  })
  cron?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 604800 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(604_800)
  intervalSeconds?: number;
}

export class ScheduleDescriptionDto {
  @ApiProperty({ type: String, nullable: true }) cron!: string | null;
  @ApiProperty({ type: Number, nullable: true }) intervalSeconds!: number | null;
  @ApiProperty({ example: 'Every 5 minutes' }) description!: string;
}

export class ScheduleEntryDto {
  @ApiProperty() name!: string;
  @ApiProperty({ enum: ['hello', 'add', 'sync'] }) task!: string;
  @ApiProperty({ type: ScheduleDescriptionDto }) schedule!: ScheduleDescriptionDto;
  @ApiProperty({ example: 'America/New_York' }) timeZone!: string;
  @ApiProperty() enabled!: boolean;
  @ApiProperty({ type: [Object] }) args!: unknown[];
  @ApiProperty({ type: String, nullable: true, description: 'in APP_TIMEZONE; null when it will not run' })
  nextRunAt!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'in APP_TIMEZONE' }) lastRunAt!: string | null;
  @ApiProperty({ type: String, nullable: true }) lastStatus!: string | null;
  @ApiProperty({ nullable: true }) lastResult!: unknown;
  @ApiProperty() runCount!: number;
  @ApiProperty({ description: 'ticks skipped because a sync was still running' }) skippedCount!: number;
}

export function toScheduleEntryDto(
  entry: StoredScheduleEntry,
  timeZone: string,
  schedulerEnabled: boolean,
): ScheduleEntryDto {
  const runs = schedulerEnabled && entry.enabled;
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
    nextRunAt: runs ? formatLocal(nextTick(entry.schedule, new Date(), timeZone), timeZone) : null,
    lastRunAt: entry.lastRunAt && formatLocal(entry.lastRunAt, timeZone),
    lastStatus: entry.lastStatus,
    lastResult: entry.lastResult ?? null,
    runCount: entry.runCount,
    skippedCount: entry.skippedCount,
  };
}
