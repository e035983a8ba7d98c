import {
  BadRequestException,
  Body,
  Controller,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import { ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ApiErrors } from '../openapi/error.dto';
import { decodeCursor, encodeCursor } from '../pagination/cursor';
import {
  SyncConflictDto,
  SyncQueryDto,
  SyncRequestDto,
  SyncRunDto,
  SyncRunIdParams,
  SyncRunPageDto,
  SyncRunsQueryDto,
  SyncStartedDto,
  toSyncRunDto,
} from './sync.dto';
import { SyncRepository } from './sync.repository';
import { SyncService } from './sync.service';
import { RequireSyncToken } from '../auth/require-sync-token.decorator';

const LOCATION = { Location: { description: 'the run, /sync/runs/{id}', schema: { type: 'string' } } };

@ApiTags('sync')
@Controller('sync')
export class SyncController {
  constructor(
    private readonly sync: SyncService,
    private readonly syncs: SyncRepository,
  ) {}

  @Post()
  @HttpCode(202)
  @RequireSyncToken()
  @ApiOperation({ summary: 'Start a sync run' })
  @ApiBody({ type: SyncRequestDto, required: false })
  @ApiResponse({ status: 202, type: SyncStartedDto, description: 'started; Location names the run', headers: LOCATION })
  @ApiResponse({ status: 200, type: SyncRunDto, description: 'with ?wait=true: the finished run', headers: LOCATION })
  @ApiErrors(
    400,
    413,
    415,
    { status: 503, description: 'the service is shutting down, or the database did not answer in time: try again' },
    {
      status: 409,
      type: SyncConflictDto,
      description: 'a sync is already running: runId names it',
    },
  )
  async startSync(
    @Body() body: SyncRequestDto,
    @Query() query: SyncQueryDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<SyncStartedDto | SyncRunDto> {
    const screenNames = body.screenNames && [
      ...new Map(body.screenNames.map((name) => [name.toLowerCase(), name])).values(),
    ];
    if (!screenNames && !(await this.syncs.hasEnabledAccounts())) {
      throw new BadRequestException([
        'screenNames: no accounts to sync; add one with POST /accounts, set TWITTER_SCREEN_NAMES or pass screenNames',
      ]);
    }
    const paused = screenNames ? await this.syncs.findPaused(screenNames) : [];
    if (paused.length > 0) {
      throw new BadRequestException([
        `screenNames: paused accounts are not synced: ${paused.join(', ')} (resume them with PATCH /accounts/{screenName} {"enabled": true})`,
      ]);
    }
    const { run, finished } = await this.sync.startRun('manual', { screenNames, full: body.full });
    void reply.header('Location', `/sync/runs/${run.id}`);
    if (query.wait === 'true') {
      void reply.status(200);
      return toSyncRunDto(await finished);
    }
    return { runId: run.id, status: run.status };
  }

  @Get('runs')
  @ApiOperation({ summary: 'List sync runs' })
  @ApiResponse({ status: 200, type: SyncRunPageDto, description: 'newest first' })
  @ApiErrors(400, 503)
  async findRuns(@Query() query: SyncRunsQueryDto): Promise<SyncRunPageDto> {
    const after = query.cursor === undefined ? undefined : (decodeCursor(query.cursor, 'uuid') ?? undefined);
    const page = await this.syncs.findRuns(query.limit, after);
    return { data: page.items.map(toSyncRunDto), nextCursor: page.next && encodeCursor(page.next) };
  }

  @Get('runs/:id')
  @ApiOperation({ summary: 'Get one sync run' })
  @ApiResponse({ status: 200, type: SyncRunDto })
  @ApiErrors(400, 503, { status: 404, description: 'no sync run has this id' })
  async findRun(@Param() { id }: SyncRunIdParams): Promise<SyncRunDto> {
    const run = await this.syncs.findRun(id);
    if (!run) throw new NotFoundException(`sync run ${id} does not exist`);
    return toSyncRunDto(run);
  }
}
