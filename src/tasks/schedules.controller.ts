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
  UseGuards,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ApiBearerAuth, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { Environment } from '../config/environment';
import { SyncTokenGuard } from '../auth/sync-token.guard';
import { Schedule } from './schedule';
import { ScheduleChangeDto, ScheduleEntryDto, ScheduleNameParams, toScheduleEntryDto } from './schedule.dto';
import { ScheduleRepository, StoredScheduleEntry } from './schedule.repository';
import { TasksService } from './tasks.service';

@ApiTags('schedules')
@ApiBearerAuth()
@UseGuards(SyncTokenGuard)
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
  @ApiResponse({ status: 200, type: [ScheduleEntryDto] })
  async findAll(): Promise<ScheduleEntryDto[]> {
    return (await this.schedules.findAll(this.tasks.names)).map((entry) => this.toDto(entry));
  }

  @Patch(':name')
  @ApiResponse({ status: 200, type: ScheduleEntryDto, description: 'applied at once, on every replica' })
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
    const entry = (await this.schedules.update(name, { enabled: change.enabled, schedule }))!;
    this.tasks.follow(entry);
    return this.toDto(entry);
  }

  @Post(':name/run')
  @HttpCode(200)
  @ApiResponse({ status: 200, description: 'hello, add: the outcome' })
  @ApiResponse({ status: 202, description: 'sync: started, as POST /sync' })
  @ApiResponse({ status: 409, description: 'sync: one is already running' })
  async runNow(@Param() { name }: ScheduleNameParams, @Res({ passthrough: true }) reply: FastifyReply) {
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
