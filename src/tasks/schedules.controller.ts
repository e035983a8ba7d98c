import {
  BadRequestException,
  Body,
  Controller,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  Patch,
  Post,
  Res,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { Environment } from '../config/environment';
import { RequireSyncToken } from '../auth/require-sync-token.decorator';
import { ApiErrors } from '../openapi/error.dto';
import { SyncConflictDto, SyncStartedDto } from '../sync/sync.dto';
import { nextTick, Schedule } from './schedule';
import {
  ScheduleChangeDto,
  ScheduleEntryDto,
  ScheduleNameParams,
  ScheduleRunResultDto,
  toScheduleEntryDto,
} from './schedule.dto';
import { ScheduleRepository, StoredScheduleEntry } from './schedule.repository';
import { TasksService } from './tasks.service';

@ApiTags('schedules')
@RequireSyncToken()
@Controller('schedules')
export class SchedulesController {
  private readonly timeZone: string;

  constructor(
    private readonly tasks: TasksService,
    private readonly schedules: ScheduleRepository,
    config: ConfigService<Environment, true>,
  ) {
    this.timeZone = config.get('APP_TIMEZONE', { infer: true });
  }

  @Get()
  @ApiOperation({ summary: 'List the schedule entries' })
  @ApiResponse({ status: 200, type: [ScheduleEntryDto] })
  @ApiErrors(400, 503)
  async findAll(): Promise<ScheduleEntryDto[]> {
    return (await this.schedules.findAll(this.tasks.names)).map((entry) => this.toDto(entry));
  }

  @Patch(':name')
  @ApiOperation({ summary: 'Change a schedule entry' })
  @ApiResponse({ status: 200, type: ScheduleEntryDto, description: 'applied at once, on every replica' })
  @ApiErrors(400, 413, 415, 503, { status: 404, description: 'no schedule entry has this name' })
  async update(@Param() { name }: ScheduleNameParams, @Body() change: ScheduleChangeDto): Promise<ScheduleEntryDto> {
    this.requireEntry(name);
    if (change.cron !== undefined && change.intervalSeconds !== undefined) {
      throw new BadRequestException(['cron and intervalSeconds: give one schedule, not both']);
    }
    if (change.enabled === undefined && change.cron === undefined && change.intervalSeconds === undefined) {
      throw new BadRequestException(['body: nothing to change; give enabled, cron or intervalSeconds']);
    }
    const schedule: Schedule | undefined =
      change.cron !== undefined
        ? { cron: change.cron }
        : change.intervalSeconds !== undefined
          ? { intervalSeconds: change.intervalSeconds }
          : undefined;
    if (change.enabled && !schedule) {
      const current = (await this.schedules.find(name))!;
      if (!nextTick(current.schedule, new Date(), this.timeZone)) {
        throw new BadRequestException([
          `cron: the entry's cron "${current.schedule.cron}" never runs; give a new cron or intervalSeconds to enable it`,
        ]);
      }
    }
    const entry = (await this.schedules.update(name, { enabled: change.enabled, schedule }))!;
    this.tasks.follow(entry);
    return this.toDto(entry);
  }

  @Post(':name/run')
  @HttpCode(200)
  @ApiOperation({ summary: "Run a schedule entry's task now" })
  @ApiResponse({ status: 200, type: ScheduleRunResultDto, description: 'hello, add: the outcome' })
  @ApiResponse({
    status: 202,
    type: SyncStartedDto,
    description: 'sync: started, as POST /sync',
    headers: { Location: { description: 'the run, /sync/runs/{id}', schema: { type: 'string' } } },
  })
  @ApiErrors(
    400,
    { status: 503, description: 'the service is shutting down, or the database did not answer in time: try again' },
    { status: 404, description: 'no schedule entry has this name' },
    {
      status: 409,
      type: SyncConflictDto,
      description: 'sync: one is already running; runId names it',
    },
  )
  async runNow(
    @Param() { name }: ScheduleNameParams,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ScheduleRunResultDto | SyncStartedDto> {
    this.requireEntry(name);
    const outcome = await this.tasks.runNow(name);
    if (outcome.kind === 'done') return { name, status: outcome.status, result: outcome.result };
    void reply.status(202).header('Location', `/sync/runs/${outcome.run.id}`);
    return { runId: outcome.run.id, status: outcome.run.status };
  }

  private requireEntry(name: string): void {
    if (!this.tasks.names.includes(name)) {
      throw new NotFoundException(`no schedule entry named ${name}; there are: ${this.tasks.names.join(', ')}`);
    }
  }

  private toDto(entry: StoredScheduleEntry): ScheduleEntryDto {
    return toScheduleEntryDto(entry, this.timeZone, this.tasks.schedulerEnabled);
  }
}
